"""The slides and the website: built from the committed notebooks into a temporary folder, then
opened in headless Chromium with the network cut (scripts/check_pages.py says what fails a page).

Screenshots, one slide per deck (the fullest) and one page per notebook (its top, and its first
figure in the dark theme), are kept in build/screenshots/. Without Chromium or npm these tests
skip locally and fail under CI (CI=true), where .ci/run installs Chromium.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import struct
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402
import build_slides  # noqa: E402
import check_pages  # noqa: E402
import make_exercises  # noqa: E402
import slide_metadata  # noqa: E402

SCREENSHOTS = ROOT / "build" / "screenshots"
LECTURES = build_slides.lecture_notebooks()
DECKS = [p.stem for p in LECTURES]
PAGES = ["index.html"] + [p.href for p in build_site.site_pages()]


def _png(width: int = 8, height: int = 8) -> str:
    """A grey PNG, base64: the figure of the small test notebook."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def _missing(what: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI must run the browser test: .ci/run installs Chromium)")
    pytest.skip(what)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for this file, closed before nbval runs the notebooks (both use event loops)."""
    if importlib.util.find_spec("playwright") is None:
        _missing("the Python package playwright is not installed")
    if check_pages.chromium_path() is None:
        _missing("Chromium not found (Debian: apt-get install chromium)")
    with check_pages.Checker() as checker:
        yield checker


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Decks and site, built once into a temporary folder; the notebooks must not change."""
    import shutil
    if shutil.which("npm") is None and not (ROOT / "build" / "web-assets" / "node_modules").is_dir():
        _missing("npm not found: it fetches reveal.js and MathJax (Debian: apt-get install npm)")
    before = {d: _digest(ROOT / d) for d in ("notebooks", "exercises")}
    out = tmp_path_factory.mktemp("web")
    build_slides.build(out / "slides")
    build_site.build(out / "site")
    assert {d: _digest(ROOT / d) for d in before} == before, "building changed a notebook"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return out


# --- every deck and every page, in the browser --------------------------------------------------

@pytest.mark.parametrize("name", DECKS)
def test_deck_works_offline_in_a_browser(name, built, browser):
    problems = browser.check(built / "slides" / f"{name}.slides.html", screenshot=SCREENSHOTS / f"slides-{name}.png")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_site_page_works_offline_in_a_browser(page, built, browser):
    stem = page.removesuffix(".html").replace("/", "-")
    problems = browser.check(built / "site" / page, screenshot=SCREENSHOTS / f"site-{stem}.png",
                             dark_screenshot=SCREENSHOTS / f"site-{stem}-dark.png")
    assert not problems, "\n".join(problems)


def _links(html: str) -> list[dict]:
    """The attributes of every <a> in ``html``."""
    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.append(dict(attrs))

    Links().feed(html)
    return found


def test_site_links_every_page_in_lecture_order(built):
    index = (built / "site" / "index.html").read_text()
    hrefs = [p for p in PAGES[1:]]
    positions = [index.find(f'href="{h}"') for h in hrefs]
    assert -1 not in positions, f"index.html does not link {[h for h, i in zip(hrefs, positions) if i < 0]}"
    lectures = [h for h in hrefs if h.startswith("notebooks/")]
    assert [index.find(f'href="{h}"') for h in lectures] == sorted(index.find(f'href="{h}"') for h in lectures)
    for prev, page in zip(hrefs, hrefs[1:]):
        links = _links((built / "site" / page).read_text())
        assert {"rel": "prev", "href": f"../{prev}"} in [{k: a.get(k) for k in ("rel", "href")} for a in links], \
            f"{page} has no link back to {prev}"
        assert (built / "site" / page).with_suffix(".ipynb").is_file(), f"{page}: source notebook not copied"


def test_decks_and_pages_load_nothing_from_the_web(built):
    for html in [*(built / "slides").glob("*.html"), *(built / "site").rglob("*.html")]:
        text = html.read_text()
        for tag in ("<script src=\"http", "<link rel=\"stylesheet\" href=\"http", "import(\"http"):
            assert tag not in text, f"{html.name} loads {tag}..."


# --- slide types -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_slide_types_change_only_metadata_and_are_idempotent(path):
    nb = nbformat.read(path, as_version=4)
    assigned = slide_metadata.assign(nb)
    assert [(c.cell_type, c.source, c.get("outputs")) for c in assigned.cells] == \
           [(c.cell_type, c.source, c.get("outputs")) for c in nb.cells]
    assert slide_metadata.assign(assigned) == assigned
    types = [c.metadata.slideshow.slide_type for c in slide_metadata.assign(slide_metadata.split_markdown(nb)).cells]
    assert types[0] == "slide", "the deck opens with a title slide"
    assert set(types) <= {"slide", "subslide", "fragment", "notes", "skip", "-"}
    assert "notes" in types and "fragment" in types


def test_a_slide_type_set_in_the_notebook_wins_and_student_versions_keep_it():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nlong " * 200, metadata={"slideshow": {"slide_type": "subslide"}}),
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")])
    split = slide_metadata.split_markdown(nb)
    assert len(split.cells) == 2, "a cell with its own slide type is not cut"
    assert slide_metadata.assign(split).cells[0].metadata.slideshow.slide_type == "subslide"
    student = make_exercises.student_version(slide_metadata.assign(nb), "x.ipynb")
    assert [c.metadata.slideshow.slide_type for c in student.cells] == ["subslide", "skip"]


def test_markdown_is_cut_into_heading_and_paragraphs_but_never_inside_math_or_code():
    source = "## Heading\nfirst paragraph\n\n$$\na\n\nb\n$$\n\n```\nx\n\ny\n```\n\nlast"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    parts = [c.source for c in slide_metadata.split_markdown(nb).cells]
    assert parts == ["## Heading", "first paragraph", "$$\na\n\nb\n$$", "```\nx\n\ny\n```", "last"]
    assert len({c.id for c in slide_metadata.split_markdown(nb).cells}) == len(parts)


# --- the checks catch what they are for ------------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A one-notebook collection (heading, math, a figure) built as deck and site."""
    root = tmp_path_factory.mktemp("small")
    (root / "notebooks").mkdir()
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · Small\n\nThe bound $\\log p(x) \\ge \\mathcal{L}$ and\n$$\\frac{a}{b}$$"),
        nbformat.v4.new_code_cell("show()", outputs=[figure]),
        nbformat.v4.new_markdown_cell("## Second\n\nShort text under it.")])
    nbformat.write(nb, root / "notebooks" / "01_small.ipynb")
    deck = build_slides.build(root / "slides", [root / "notebooks" / "01_small.ipynb"])[0]
    page = build_site.build(root / "site", root=root)[1]
    return deck, page


def _variant(path: Path, old: str, new: str) -> Path:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    target = path.with_name(f"variant-{abs(hash((old, new)))}{''.join(path.suffixes)}")
    target.write_text(text.replace(old, new, 1))
    return target


def test_the_small_deck_and_page_pass(small, browser):
    for path in small:
        assert browser.check(path) == []


@pytest.mark.parametrize("which", [0, 1], ids=["deck", "page"])
@pytest.mark.parametrize("old, new, expected", [
    ('src="data:image/png;base64,', 'src="figure-that-is-not-there.png" data-was="', "image did not load"),
    ("The bound", "Broken: $\\frac{1}$ and", "MathJax error"),
    ("The bound", "Unknown: $\\notamacro x$ and", "MathJax error"),
    ("The bound", '<span class="tex2jax_ignore">left raw: \\frac{a}{b}</span>', "raw TeX left in the text"),
    ('src="', 'src="nowhere/', "MathJax did not load"),
    ("The bound", '<a href="missing-page.html">a link</a>', "broken link: missing-page.html"),
    ("The bound", '<a href="#no-such-heading">a link</a>', "broken link: #no-such-heading"),
    ("The bound", "<script>console.error('boom')</script>", "console error: boom"),
    ("The bound", '<img src="https://example.org/x.png">', "request leaves the machine"),
], ids=["image", "latex-syntax", "latex-macro", "latex-raw", "no-mathjax", "link-file", "link-anchor",
        "console", "network"])
def test_each_failure_is_reported(small, browser, which, old, new, expected):
    problems = browser.check(_variant(small[which], old, new))
    assert any(expected in p for p in problems), f"expected {expected!r} in {problems}"


@pytest.mark.parametrize("which", [0, 1], ids=["deck", "page"])
def test_a_figure_the_layout_hides_is_reported(small, browser, which):
    problems = browser.check(_variant(small[which], "<img ", '<img style="width: 0" '))
    assert any("a figure is not shown" in p for p in problems), problems


def test_a_slide_that_overflows_is_reported(small, browser):
    deck = _variant(small[0], "<h2", '<div style="height: 900px">tall</div><h2')
    problems = browser.check(deck)
    assert any("more than 1280 x 720" in p for p in problems), problems
