"""Open built decks and site pages in headless Chromium, offline, and report what is broken.

    python scripts/check_pages.py build/site/index.html notebooks/01_autoencoder.slides.html ...

A page fails on: a console error or an uncaught exception; a request that failed or that left
the machine (the network is cut: only file: and data: URLs load); an image that did not load;
math MathJax could not typeset or never saw (raw ``$...$``, ``\\frac``... left in the text, or
a MathJax error node); a figure shown at zero size; a link to a local file or anchor that does not exist; on a page,
anything wider than a 420 px screen or clipped sideways there. A reveal.js deck
also fails when a slide's content, with all its fragments shown, is larger than the slide, when
anything on it is scrolled or clipped, when text is under 24 px or code under 18 px, or when its
figure covers under 40 % of it (unless the figure, too flat for that, spans the slide's width).
Used by tests/test_site.py; Chromium is Debian's ``chromium`` (or $CHROMIUM), driven by Playwright.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

VIEWPORT = {"width": 1280, "height": 800}
# As root in a container, with no network: no sandbox, no background traffic to Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


# Text that MathJax should have turned into math, looked for outside code, scripts and typeset math.
_RAW_TEX_JS = r"""
() => {
  const skip = new Set(['SCRIPT', 'STYLE', 'PRE', 'CODE', 'TEXTAREA', 'MJX-CONTAINER', 'ASIDE']);
  const tex = /\$[^$\n]+\$|\\\(|\\\[|\\[a-zA-Z]{2,}/;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let el = node.parentElement, skipped = false;
    for (; el; el = el.parentElement) {
      if (skip.has(el.tagName) || el.classList.contains('jp-InputArea-editor')) { skipped = true; break; }
    }
    const m = !skipped && node.textContent.match(tex);
    if (m) found.push('raw TeX left in the text: ' + JSON.stringify(node.textContent.trim().slice(0, 120)));
  }
  for (const err of document.querySelectorAll('mjx-merror, [data-mjx-error]')) {
    found.push('MathJax error: ' + (err.getAttribute('data-mjx-error') || err.textContent).slice(0, 120));
  }
  return found;
}
"""

_IMAGES_JS = """
async () => {
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src').slice(0, 80));
}
"""

# Figures the page lays out at no size (hidden by the layout, not by the reader).
_HIDDEN_IMAGES_JS = """
() => Array.from(document.images)
  .filter(i => !i.closest('.reveal') && (i.offsetWidth < 2 || i.offsetHeight < 2))
  .map(i => `a figure is not shown (${i.offsetWidth} x ${i.offsetHeight} px): ${i.getAttribute('src').slice(0, 60)}`)
"""

_LINKS_JS = """
() => Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), a.href])
"""

_MATHJAX_JS = """
async () => {
  const hasMath = document.querySelector('.math, .reveal') !== null;   // Sphinx marks math; a deck always loads MathJax
  if (!hasMath && !window.MathJax) return null;
  if (!window.MathJax || !window.MathJax.startup) return 'MathJax did not load';
  await window.MathJax.startup.promise;
  return null;
}
"""

# What a lecture hall can read on a 1280 x 720 slide.
MIN_TEXT_PX, MIN_CODE_PX, MIN_FIGURE_SHARE = 24, 18, 0.4

# Every leaf slide in turn, all fragments shown: slides bigger than the configured size, anything
# scrolled or clipped, text or code too small to read, and figures that fill too little of their slide.
_OVERFLOW_JS = """
async () => {
  const MIN_TEXT_PX = @TEXT@, MIN_CODE_PX = @CODE@, MIN_FIGURE_SHARE = @FIGURE@;
  await window.deckReady;
  const {width, height} = Reveal.getConfig();
  const over = [];
  let tallest = {h: 0, v: 0, height: 0};
  Reveal.getHorizontalSlides().forEach((hs, h) => {
    const stack = hs.querySelectorAll(':scope > section');
    const leaves = stack.length ? Array.from(stack) : [hs];
    leaves.forEach((slide, v) => {
      Reveal.slide(h, v, slide.querySelectorAll('.fragment').length - 1);
      const sh = slide.scrollHeight, sw = slide.scrollWidth;
      if (sh > tallest.height) tallest = {h, v, height: sh};
      for (const img of slide.querySelectorAll('img')) {
        if (!img.closest('aside') && (img.offsetWidth < 2 || img.offsetHeight < 2)) {
          over.push(`slide ${h + 1}.${v + 1}: a figure is not shown (${img.offsetWidth} x ${img.offsetHeight} px)`);
        }
      }
      const where = `slide ${h + 1}.${v + 1} (${JSON.stringify((slide.querySelector('h1, h2, h3') || slide).textContent.trim().slice(0, 40))})`;
      for (const el of slide.querySelectorAll('*')) {
        if (el.closest('aside') || (el.tagName !== 'MJX-CONTAINER' && el.closest('mjx-container'))) continue;
        const style = getComputedStyle(el);
        const hidden = style.overflowX !== 'visible' || style.overflowY !== 'visible';
        if (hidden && el.clientHeight > 0 && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)) {
          over.push(`${where}: ${el.tagName.toLowerCase()} scrolled or clipped (${el.scrollWidth} x ${el.scrollHeight} px in ${el.clientWidth} x ${el.clientHeight})`);
        }
        const text = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        if (text && el.offsetWidth > 0) {
          const size = parseFloat(style.fontSize), code = el.closest('pre, code') !== null;
          if (size < (code ? MIN_CODE_PX : MIN_TEXT_PX) - 0.5) {
            over.push(`${where}: ${code ? 'code' : 'text'} at ${size} px (${JSON.stringify(el.textContent.trim().slice(0, 30))})`);
          }
        }
      }
      // punctuation carried onto a new line, away from the word or formula it ends
      const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('aside, pre, code, mjx-container') || !/^[.,;:!?]/.test(node.textContent)) continue;
        const before = node.previousSibling || node.parentElement.previousSibling;
        if (!before || before.nodeType !== 1 || !before.getBoundingClientRect().width) continue;
        const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, 1);
        const mark = range.getBoundingClientRect(), last = before.getClientRects();
        if (mark.width && last.length && mark.top > last[last.length - 1].bottom - 2) {
          over.push(`${where}: a line starts with ${JSON.stringify(node.textContent.trim().slice(0, 20))}`);
        }
      }
      const figures = Array.from(slide.querySelectorAll('img')).filter(i => !i.closest('aside'));
      if (figures.length) {
        const share = Math.max(...figures.map(i => i.offsetWidth * i.offsetHeight)) / (width * height);
        const fullWidth = Math.max(...figures.map(i => i.offsetWidth)) >= 0.9 * width;   // too flat for more
        const fullHeight = Math.max(...figures.map(i => i.offsetHeight)) >= 0.9 * height; // too tall for more
        if (share < MIN_FIGURE_SHARE && !fullWidth && !fullHeight) over.push(`${where}: its figure covers ${Math.round(100 * share)} % of the slide`);
      }
      if (sh > height + 1 || sw > width + 1) {
        const title = (slide.querySelector('h1, h2, h3') || slide).textContent.trim().slice(0, 60);
        over.push(`slide ${h + 1}.${v + 1} (${JSON.stringify(title)}) is ${sw} x ${sh} px, more than ${width} x ${height}`);
      }
    });
  });
  return {over, tallest};
}
""".replace("@TEXT@", str(MIN_TEXT_PX)).replace("@CODE@", str(MIN_CODE_PX)).replace("@FIGURE@", str(MIN_FIGURE_SHARE))


# A page at a phone's width: nothing wider than the screen, and nothing in the text clipped sideways
# without a way to scroll to it (display math and wide tables scroll inside their box).
NARROW = {"width": 420, "height": 860}
_NARROW_JS = """
() => {
  const out = [], root = document.documentElement, width = root.clientWidth;
  if (root.scrollWidth > width + 1) out.push(`the page is ${root.scrollWidth} px wide on a ${width} px screen`);
  const article = document.querySelector('article, main') || document.body;
  for (const el of article.querySelectorAll('*')) {
    // inside typeset math MathJax clips on purpose (stretchy delimiters, the copy for screen readers)
    if (el.tagName !== 'MJX-CONTAINER' && el.closest('mjx-container')) continue;
    const style = getComputedStyle(el);
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && ['hidden', 'clip'].includes(style.overflowX)) {
      const what = (el.textContent || el.tagName).trim().slice(0, 60);
      out.push(`clipped at ${width} px (${el.scrollWidth} px in ${el.clientWidth}): ${JSON.stringify(what)}`);
    }
  }
  for (const m of article.querySelectorAll('mjx-container[display="true"]')) {
    if (m.scrollWidth > m.clientWidth + 1 && !getComputedStyle(m).backgroundImage.includes('gradient')) {
      out.push(`a wide equation shows no edge to say it scrolls: ${JSON.stringify(m.textContent.trim().slice(0, 40))}`);
    }
  }
  const scrolls = el => { for (let a = el.parentElement; a; a = a.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true; } return false; };
  for (const el of article.querySelectorAll('h1, h2, h3, h4, p, li, td, th, img, mjx-container')) {
    const box = el.getBoundingClientRect(), heading = /^H[1-4]$/.test(el.tagName);
    // a heading's words must fit its box; other text must end on the screen
    const spills = el.clientWidth > 0 && el.tagName !== 'MJX-CONTAINER'
      && (heading ? el.scrollWidth > el.clientWidth + 1 : box.left + el.scrollWidth > width + 1);
    if (box.width > 0 && (box.right > width + 1 || spills) && !scrolls(el)) {
      out.push(`runs past the ${width} px screen: ` + JSON.stringify(el.textContent.trim().slice(0, 60)));
    }
  }
  return out.slice(0, 10);
}
"""


def _anchor_exists(path: Path, anchor: str) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return re.search(r"""\sid=["']%s["']""" % re.escape(anchor), text) is not None


class Checker:
    """One headless Chromium for many pages: ``with Checker() as c: problems = c.check(path)``."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or chromium_path()
        if self.executable is None:
            raise FileNotFoundError("no Chromium found (Debian: apt-get install chromium; or set $CHROMIUM)")

    def __enter__(self):
        from playwright.sync_api import sync_playwright
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=self.executable, headless=True, args=CHROMIUM_ARGS)
        return self

    def __exit__(self, *exc):
        self.browser.close()
        self._pw.stop()

    def check(self, path: Path, screenshot: Path | None = None, dark_screenshot: Path | None = None,
              narrow_screenshot: Path | None = None) -> list[str]:
        """Problems found on the page or deck at ``path`` (an empty list when it is fine)."""
        path = Path(path).resolve()
        deck = path.name.endswith(".slides.html")
        problems: list[str] = []
        context = self.browser.new_context(viewport=VIEWPORT, offline=True)

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                problems.append(f"request leaves the machine: {r.request.url}")
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url[:120]}: {r.failure}"))
        try:
            page.goto(path.as_uri(), wait_until="load")
            if (error := page.evaluate(_MATHJAX_JS)):
                problems.append(error)
            problems += [f"image did not load: {src}" for src in page.evaluate(_IMAGES_JS)]
            problems += page.evaluate(_HIDDEN_IMAGES_JS)
            problems += page.evaluate(_RAW_TEX_JS)
            problems += self._broken_links(page, path, deck)
            if deck:
                page.evaluate("async () => { await window.deckReady; Reveal.configure({transition: 'none'}); }")
                result = page.evaluate(_OVERFLOW_JS)
                problems += result["over"]
                if screenshot:  # the fullest slide (the one nearest to overflowing), the first and the last
                    t = result["tallest"]
                    shots = {screenshot: (t["h"], t["v"]), screenshot.with_name(f"{screenshot.stem}-first.png"): (0, 0),
                             screenshot.with_name(f"{screenshot.stem}-last.png"): ("Reveal.getTotalSlides() - 1", 0)}
                    for target, (h, v) in shots.items():
                        page.evaluate(f"() => Reveal.slide({h}, {v}, 99)")
                        page.wait_for_timeout(400)  # fragments fade in
                        page.screenshot(path=str(target))
            else:
                if screenshot:  # the top of the page, then its first figure in the dark theme
                    page.screenshot(path=str(screenshot))
                if dark_screenshot:
                    page.emulate_media(color_scheme="dark")
                    page.evaluate("() => { const i = document.querySelector('.cell_output img, article img');"
                                  " if (i) i.scrollIntoView({block: 'center'}); }")
                    page.wait_for_timeout(200)
                    page.screenshot(path=str(dark_screenshot))
                    page.emulate_media(color_scheme="light")
                page.set_viewport_size(NARROW)
                page.wait_for_timeout(300)  # MathJax and the theme re-lay out the page
                problems += page.evaluate(_NARROW_JS)
                if narrow_screenshot:  # the first display equation, where a narrow screen hurts most
                    page.evaluate("() => { const m = document.querySelector('div.math, mjx-container[display]');"
                                  " if (m) m.scrollIntoView({block: 'center'}); }")
                    page.screenshot(path=str(narrow_screenshot))
        finally:
            context.close()
        return problems

    def taps(self, path: Path) -> dict[str, list[str]]:
        """On a phone's screen, the dialogs each visible header button (the sidebar's, the contents',
        search) leaves open when tapped: the drawers a reader opens with a thumb."""
        context = self.browser.new_context(viewport=NARROW, offline=True, has_touch=True)
        opened = {}
        try:
            page = context.new_page()
            for kind in (".primary-toggle", ".secondary-toggle", ".search-button__button"):
                page.goto(Path(path).resolve().as_uri(), wait_until="load")
                buttons = [b for b in page.query_selector_all(kind) if b.is_visible()]
                if not buttons:
                    opened[kind] = ["(no visible button)"]
                    continue
                buttons[0].tap()
                page.wait_for_timeout(300)
                opened[kind] = page.evaluate("() => [...document.querySelectorAll('dialog')].filter(d => d.open).map(d => d.id)")
        finally:
            context.close()
        return opened

    def search(self, search_page: Path, query: str, timeout_ms: int = 15000) -> list[str]:
        """The pages the site's own search lists for ``query``, as paths relative to the site."""
        context = self.browser.new_context(viewport=VIEWPORT, offline=True)
        try:
            page = context.new_page()
            page.goto(f"{Path(search_page).resolve().as_uri()}?q={query}", wait_until="load")
            page.wait_for_selector("#search-results li a", timeout=timeout_ms)
            site = Path(search_page).resolve().parent
            hrefs = page.evaluate("() => Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)")
            return sorted({Path(unquote(urlparse(h).path)).relative_to(site).as_posix() for h in hrefs})
        finally:
            context.close()

    @staticmethod
    def _broken_links(page, path: Path, deck: bool) -> list[str]:
        broken = []
        for raw, resolved in page.evaluate(_LINKS_JS):
            url = urlparse(resolved)
            if url.scheme != "file":
                continue  # web links cannot be followed offline
            target = Path(unquote(url.path))
            if not target.exists():
                broken.append(f"broken link: {raw}")
            elif url.fragment and target.suffix == ".html":
                same = target.resolve() == path
                if same and deck and url.fragment.startswith("/"):
                    continue  # reveal.js's own slide addresses, #/3/1
                # a browser tries the fragment as written, then percent-decoded
                ids = {url.fragment, unquote(url.fragment)}
                found = any(page.evaluate("id => document.getElementById(id) !== null", i) if same
                            else _anchor_exists(target, i) for i in ids)
                if not found:
                    broken.append(f"broken link: {raw} (no element with that id)")
        return broken


def main(argv: list[str]) -> int:
    failed = 0
    with Checker() as checker:
        for name in argv:
            problems = checker.check(Path(name))
            failed += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {name}")
            for p in problems:
                print(f"     {p}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
