"""The slides and the website: built from the committed notebooks into a temporary folder, then
opened in headless Chromium with the network cut (scripts/check_pages.py says what fails a page).

Screenshots, one slide per deck (the fullest) and every page of the site (its top at 1280 px, its
first figure in the dark theme, its first display equation on a 420 px phone), are kept in
build/screenshots/. Without Chromium or npm these tests
skip locally and fail under CI (CI=true), where .ci/run installs Chromium.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import re
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
import deck  # noqa: E402

SCREENSHOTS = ROOT / "build" / "screenshots"
LECTURES = build_slides.lecture_notebooks()
DECKS = [p.stem for p in LECTURES]
MANUAL = sorted(p.stem for p in build_site.DOCS.glob("*.md") if p.stem != "index")
PAGES = ["index.html"] + [f"lectures/{p.stem}.html" for p in LECTURES] + [f"{m}.html" for m in MANUAL]


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
                             dark_screenshot=SCREENSHOTS / f"site-{stem}-dark.png",
                             narrow_screenshot=SCREENSHOTS / f"site-{stem}-420px.png")
    assert not problems, "\n".join(problems)


def _tags(html: str, name: str) -> list[dict]:
    """The attributes of every <name> tag in ``html``."""
    found = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == name:
                found.append(dict(attrs))

    Tags().feed(html)
    return found


def _links(html: str) -> list[dict]:
    """The attributes of every <a> in ``html``."""
    return _tags(html, "a")


def _link_classes(html: str) -> dict[str, str]:
    """href of each <a> by its classes (the theme marks previous / next links by class)."""
    return {a.get("class", ""): a.get("href") for a in _links(html)}


def test_site_lists_the_lectures_in_order_and_each_page_leads_to_the_next(built):
    index = (built / "site" / "index.html").read_text()
    lectures = [f"lectures/{p.stem}.html" for p in LECTURES]
    positions = [index.find(f'href="{h}"') for h in lectures]
    assert -1 not in positions, f"index.html does not link {[h for h, i in zip(lectures, positions) if i < 0]}"
    assert positions == sorted(positions), "the lectures are not in order on the start page"
    for page, following in zip(lectures, lectures[1:]):
        links = _links((built / "site" / page).read_text())
        nexts = [a["href"] for a in links if "right-next" in a.get("class", "")]
        assert nexts == [Path(following).name], f"{page}: next page {nexts}, expected {following}"


def test_each_lecture_page_offers_its_notebook_without_solutions(built):
    for lecture in LECTURES:
        html = (built / "site" / "lectures" / f"{lecture.stem}.html").read_text()
        href = f"../_sources/lectures/{lecture.name}"
        assert f'href="{href}"' in html, f"{lecture.stem}: no download link to {href}"
        source = nbformat.read(built / "site" / "_sources" / "lectures" / lecture.name, as_version=4)
        stubs = sum("raise NotImplementedError" in c.source for c in source.cells if c.cell_type == "code")
        assert stubs == _solution_count(lecture), f"{lecture.name}: {stubs} stubs in the download"


def _solution_lines(path: Path, taught: set[str] = frozenset()) -> set[str]:
    """Lines written only inside the notebook's solutions (not in the lecture's other code, nor in
    the package source it shows, nor in the ``taught`` lines another lecture shows openly, such as
    the boilerplate of a ``train_step``): the text a student must not find."""
    import html
    inside, outside = set(), set(taught)
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            shown = "".join(out.get("text", "")) + "".join(str(v) for v in out.get("data", {}).values())
            outside.update(line.strip() for line in html.unescape(re.sub(r"<[^>]+>", "", shown)).splitlines())
        solution = False
        for line in cell.source.splitlines():
            text = line.strip()
            if make_exercises.BEGIN in line or make_exercises.END in line:
                solution = make_exercises.BEGIN in line
                continue
            (inside if solution else outside).add(text if solution else text.replace("`", ""))
    return {line for line in inside if len(line) >= 12 and not line.startswith("#")
            and not any(line in other for other in outside)}


def _open_code_lines(path: Path) -> set[str]:
    """The lines of a lecture's code cells outside its solutions: what it teaches in the open."""
    lines, solution = set(), False
    for cell in nbformat.read(path, as_version=4).cells:
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            if make_exercises.BEGIN in line or make_exercises.END in line:
                solution = make_exercises.BEGIN in line
            elif not solution:
                lines.add(line.strip())
    return lines


def _solution_count(path: Path) -> int:
    return sum(c.source.count(make_exercises.BEGIN) for c in nbformat.read(path, as_version=4).cells)


def test_no_solution_appears_anywhere_on_the_site(built):
    import html
    taught = set().union(*map(_open_code_lines, LECTURES))
    solutions = {line: lecture.name for lecture in LECTURES for line in _solution_lines(lecture, taught)}
    assert len(solutions) > 20, "the lectures' solutions were not found: is the test still looking?"
    for page in [*(built / "site").rglob("*.html"), *(built / "site").rglob("*.ipynb"), built / "site" / "searchindex.js"]:
        text = page.read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", text)) if page.suffix == ".html" else text
        found = [line for line in solutions if line in text]
        assert not found, f"{page.relative_to(built)} shows solution lines of {solutions[found[0]]}: {found[:3]}"


def test_on_a_phone_the_sidebar_contents_and_search_open_at_a_tap(built, browser):
    opened = browser.taps(built / "site" / "lectures" / "03_reparameterization.html")
    assert opened == {".primary-toggle": ["pst-primary-sidebar-modal"], ".secondary-toggle": ["pst-secondary-sidebar-modal"],
                      ".search-button__button": ["pst-search-dialog"]}, opened


def test_search_finds_reparameterization(built, browser):
    hits = browser.search(built / "site" / "search.html", "reparameterization")
    assert "lectures/03_reparameterization.html" in hits, f"search results: {hits}"


def test_decks_and_pages_load_nothing_from_the_web(built):
    for html in [*(built / "slides").glob("*.html"), *(built / "site").rglob("*.html")]:
        text = html.read_text()
        for tag in ("<script src=\"http", "<link rel=\"stylesheet\" href=\"http", "import(\"http"):
            assert tag not in text, f"{html.name} loads {tag}..."


# --- what each deck shows ------------------------------------------------------------------------

def _slides(nb) -> list[list]:
    """The planned deck's cells grouped by slide."""
    slides = []
    for cell in deck.plan(nb).cells:
        if cell.metadata.slideshow.slide_type in ("slide", "subslide") or not slides:
            slides.append([])
        slides[-1].append(cell)
    return slides


def _notes(slide) -> str:
    return "\n".join(c.source for c in slide if c.metadata.slideshow.slide_type == "notes")


def _text(slide) -> str:
    return "\n".join(c.source for c in slide if c.metadata.slideshow.slide_type != "notes")


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_a_deck_opens_with_its_outline_and_ends_with_its_summary(path):
    nb = nbformat.read(path, as_version=4)
    sections = [line[3:].strip() for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ") and not line[3:].lower().startswith(
                    ("setup", "summary", "what's next", "details", "exercises"))]
    sections = sections[:sections.index(next(s for s in sections if s.startswith("Further")))] \
        if any(s.startswith("Further") for s in sections) else sections
    slides = _slides(nb)
    title = _text(slides[0])
    numbered = re.compile(r"^\d+ · ")        # the outline lists the sections without their numbers
    assert title.startswith("# ") and all(f"- {numbered.sub('', s)}" in title for s in sections), f"outline: {title!r}"
    summary = next(c.source for c in nb.cells if "## Summary" in c.source).split("## Summary", 1)[1]
    bullets = [line for line in summary.splitlines() if line.startswith("- ")]
    assert bullets and all(b in _text(slides[-1]) for b in bullets), "the last slide is the notebook's summary"
    if "## What's next" in "".join(c.source for c in nb.cells) and path != LECTURES[-1]:
        assert "Notebook **" in _notes(slides[-1]), "the summary's notes lead to the next lecture"
    elif path == LECTURES[-1]:
        assert "last lecture" in _notes(slides[-1]), "the last deck's summary says that it closes the course"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_a_deck_shows_short_code_every_figure_and_no_plumbing(path):
    nb = nbformat.read(path, as_version=4)
    planned = deck.plan(nb)
    code = [c for c in planned.cells if c.cell_type == "code" and "remove_input" not in c.metadata.get("tags", [])]
    assert code, "the deck shows the method's code"
    for cell in code:
        lines = [line for line in cell.source.splitlines() if line.strip()]
        assert len(lines) <= 12 and max(map(len, lines)) <= 88, f"long code on a slide: {cell.source[:60]!r}"
        assert not re.match(r"(import|from) ", lines[0]) and "check_" not in cell.source
        assert make_exercises.BEGIN not in cell.source and "claim(" not in cell.source
        assert "set_random_seed(SEED)" not in cell.source and "vae_tf.cached" not in cell.source
    _, _, sections, _ = deck.sections(nb)
    figures = sum("image/png" in out.get("data", {}) for s in sections for c in s.cells for out in c.get("outputs", []))
    shown = sum("slide-figure" in out.get("data", {}).get("text/html", "") for c in planned.cells
                for out in c.get("outputs", []))
    assert shown == figures > 0, f"{shown} of the main sections' {figures} figures are on slides"


def test_the_lecturers_slide_type_wins():
    long_code = "\n".join(f"step_{i}()" for i in range(20))
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n## One\n\nIt begins. $$a = b$$"),
        nbformat.v4.new_code_cell("short()"),
        nbformat.v4.new_code_cell("hidden()", metadata={"slideshow": {"slide_type": "skip"}}),
        nbformat.v4.new_code_cell(long_code, metadata={"slideshow": {"slide_type": "slide"}}),
        nbformat.v4.new_markdown_cell("## Summary\n\n- it works")])
    sources = [c.source for c in deck.plan(nb).cells]
    assert "short()" in sources and "hidden()" not in sources, "rules show short code; a skip hides it"
    assert long_code in sources, "a cell the lecturer made a slide is shown whole, though the rules would not"
    student = make_exercises.student_version(nb, "x.ipynb")
    assert student.cells[2].metadata.slideshow.slide_type == "skip", "student versions keep the slide types"


def _deck_of(section_cells) -> list[list]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T\n\n## One"), *section_cells,
                                         nbformat.v4.new_markdown_cell("## Summary\n\n- done")])
    return _slides(nb)


def _figure_cell(width: int, height: int):
    return nbformat.v4.new_code_cell("show()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": _png(width, height), "text/plain": "<Figure>"})])


def test_a_short_lead_and_code_share_the_slide_of_the_figure_after_them_but_long_text_does_not():
    lead = nbformat.v4.new_markdown_cell("It begins with one sentence.")
    code = nbformat.v4.new_code_cell("model = Model()\nmodel.fit(x)")
    said = nbformat.v4.new_markdown_cell("The figure shows it.")
    title, joined, summary = _deck_of([lead, code, _figure_cell(400, 100), said])
    text = _text(joined)
    assert "It begins with one sentence." in text and "model.fit(x)" in text and "The figure shows it." in text
    figure = next(out for c in joined for out in c.get("outputs", []) if "slide-figure" in str(out))
    width, height = map(int, re.search(r"width: (\d+)px; height: (\d+)px", figure.data["text/html"]).groups())
    assert width == 1240, "the figure keeps the slide's width"
    tall = nbformat.v4.new_markdown_cell("It begins with four equations.\n\n"
                                         + "\n\n".join(f"$$\\frac{{a_{i}}}{{b}} = \\sum_k c_k$$" for i in range(4)))
    slides = _deck_of([tall, _figure_cell(400, 100), said])
    assert len(slides) == 4, "equations that would crowd the figure keep a slide of their own"


def test_code_joins_the_equations_it_implements_with_their_lead_said_in_the_notes():
    lead = nbformat.v4.new_markdown_cell(
        "It begins with a sentence that runs on for a while, long enough to take two lines of the slide and "
        "then more, so that it takes three lines of the slide before the equations come.\n\n"
        + "\n\n".join(f"$$a_{i} = \\sum_{{k=1}}^K b_k$$" for i in range(3)))
    code = nbformat.v4.new_code_cell("model = Model()\nmodel.compile(opt)\nmodel.fit(x)")
    title, joined, summary = _deck_of([lead, code])
    shown = [c for c in joined if c.metadata["slideshow"]["slide_type"] != "notes"]
    notes = " ".join(c.source for c in joined if c.metadata["slideshow"]["slide_type"] == "notes")
    assert "a_2 = " in _text(shown) and "model.fit(x)" in _text(shown), "one slide: the equations, then the code"
    assert "It begins" not in _text(shown) and notes.count("It begins with a sentence") == 1
    short = nbformat.v4.new_markdown_cell("It begins with one sentence.\n\n$$a = b$$")
    title, joined, summary = _deck_of([short, code])
    assert "It begins with one sentence." in _text([c for c in joined if c.metadata["slideshow"]["slide_type"]
                                                     != "notes"]), "a lead that fits stays on the slide"


def test_an_equation_joins_its_figure_without_the_lead_that_would_crowd_it():
    lead = nbformat.v4.new_markdown_cell("It begins with a sentence that runs on for a while, long enough to take "
                                         "two lines of the slide and then more, so that it takes three lines.\n\n"
                                         "$$a = \\frac{b}{c}$$")
    said = nbformat.v4.new_markdown_cell("The figure shows it.")
    title, joined, summary = _deck_of([lead, _figure_cell(400, 180), said])
    shown = _text([c for c in joined if c.metadata["slideshow"]["slide_type"] != "notes"])
    notes = " ".join(c.source for c in joined if c.metadata["slideshow"]["slide_type"] == "notes")
    assert "\\frac{b}{c}" in shown and "The figure shows it." in shown and "It begins" not in shown
    assert notes.count("It begins with a sentence") == 1, "the lead is said once, in the notes"


def test_a_short_equation_joins_the_text_beside_a_tall_figure_but_a_wide_one_does_not():
    said = nbformat.v4.new_markdown_cell("The figure shows it.")
    short = nbformat.v4.new_markdown_cell("It begins.\n\n$$a = \\frac{b}{c}$$")
    title, joined, summary = _deck_of([short, _figure_cell(300, 400), said])
    assert "\\frac{b}{c}" in _text(joined) and "The figure shows it." in _text(joined), "one slide"
    wide = nbformat.v4.new_markdown_cell("It begins.\n\n$$" + " + ".join(f"a_{i} b_{i}" for i in range(20)) + "$$")
    slides = _deck_of([wide, _figure_cell(300, 400), said])
    assert len(slides) == 4, "an equation wider than the column beside the figure keeps a slide of its own"


def test_equations_too_tall_to_go_above_a_wide_figure_go_beside_it_where_it_stays_large():
    said = nbformat.v4.new_markdown_cell("The figure shows it.")
    tall = nbformat.v4.new_markdown_cell("It begins.\n\n" + "\n\n".join(
        f"$$\\sum_{{k=1}}^K \\frac{{a_{i}}}{{b}} = c_{i}$$" for i in range(3)))
    title, joined, summary = _deck_of([tall, _figure_cell(172, 100), said])
    assert "\\frac{a_2}{b}" in _text(joined) and "The figure shows it." in _text(joined), "one slide"
    figure = next(c for c in joined if c.get("outputs"))
    assert "figure-side" in figure.metadata["tags"]
    width, height = map(int, re.search(r"width: (\d+)px; height: (\d+)px",
                                       figure.outputs[0].data["text/html"]).groups())
    assert width <= 1240 - 400 - 32 and width * height >= 0.41 * 1280 * 720
    slides = _deck_of([tall, _figure_cell(300, 100), said])
    assert len(slides) == 4, "a figure that a column beside it would shrink below 41 % keeps its width"


def test_a_model_joins_its_figure_with_compile_and_fit_said_where_the_whole_code_would_crowd_it():
    lead = nbformat.v4.new_markdown_cell("We train it.")
    code = nbformat.v4.new_code_cell("ae = vae_tf.Autoencoder(latent_dim=2, hidden=(512,))\n"
                                     "ae.compile(optimizer=keras.optimizers.Adam(2e-3))\n"
                                     "ae.fit(data.x_train, epochs=25, batch_size=256,\n"
                                     "       validation_data=x_test);")
    said = nbformat.v4.new_markdown_cell("The figure shows it.")
    title, joined, summary = _deck_of([lead, code, _figure_cell(1184, 523), said])
    shown = _text([c for c in joined if c.metadata["slideshow"]["slide_type"] != "notes"])
    assert "vae_tf.Autoencoder(latent_dim=2" in shown and "The figure shows it." in shown, "one slide"
    assert "ae.fit(" not in shown and "ae.fit(data.x_train" in _notes(joined), "compile and fit are said"
    figure = next(c for c in joined if c.get("outputs"))
    width, height = map(int, re.search(r"width: (\d+)px; height: (\d+)px",
                                       figure.outputs[0].data["text/html"]).groups())
    assert width * height >= 0.41 * 1280 * 720
    short = nbformat.v4.new_code_cell("ae = vae_tf.Autoencoder(latent_dim=2)\nae.fit(x)")
    title, both, summary = _deck_of([lead, short, _figure_cell(400, 100), said])
    assert "ae.fit(x)" in _text(both), "code that fits stays whole"


def test_a_set_up_joining_its_figure_is_said_before_what_the_figure_shows():
    setup = nbformat.v4.new_markdown_cell("It begins with the set-up.\n\n$$a = \\frac{b}{c}$$\n\n"
                                          "More about the set-up, for the notes.")
    said = nbformat.v4.new_markdown_cell("The figure shows a rise. More about the rise.")
    slides = _deck_of([setup, _figure_cell(400, 180), said])
    assert len(slides) == 3, "the equation and the figure share one slide"
    joined = slides[1]
    shown, notes = _text(joined), [c.source for c in joined if c.metadata["slideshow"]["slide_type"] == "notes"]
    assert "\\frac{b}{c}" in shown and "The figure shows a rise." in shown, "the figure keeps its sentence"
    spoken_in_order = "\n\n".join(notes)
    assert 0 <= spoken_in_order.find("More about the set-up") < spoken_in_order.find("More about the rise."), \
        f"the set-up is said first: {notes}"


def test_a_printed_result_is_said_in_the_notes_and_a_training_report_never():
    def printing(source, *outputs, text):
        return nbformat.v4.new_code_cell(source, outputs=[*outputs, nbformat.v4.new_output(
            "stream", name="stdout", text=text)])
    table = nbformat.v4.new_output("display_data", data={"text/markdown": "| a | b |\n|---|---|\n| 1 | 2 |\n"})
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png(400, 100), "text/plain": "<Figure>"})
    slides = _deck_of([
        printing("show_table()", table, text="VAE: trained 3 epochs in 9 s\nthe control: 8.05 (z_1 shuffled)\n"),
        nbformat.v4.new_markdown_cell("## Two"),
        printing("plot()", figure, text="mean over the seeds: M2 88.7%\n"),
        nbformat.v4.new_markdown_cell("## Three"),
        printing("x = run()\nprint(x)", text="after one epoch: 2.3 nats\n")])
    by_table, by_figure = slides[1], slides[2]
    assert "The control: 8.05 (z\\_1 shuffled)." in _notes(by_table) and "8.05" not in _text(by_table), \
        "beside a table, a printed result is said"
    assert "trained" not in _text(by_table) + _notes(by_table)
    assert "Mean over the seeds: M2 88.7%." in _notes(by_figure) and "88.7" not in _text(by_figure), \
        "beside a figure, a printed result is said"
    assert any("After one epoch: 2.3 nats." in _notes(slide) for slide in slides) \
        and not any("2.3 nats" in _text(slide) for slide in slides), "a result printed alone is said too"
    title, with_figure, summary = _deck_of([printing("plot()", figure, text=""),
                                            printing("x = run()\nprint(x)", text="the gain: 5 nats\n")])
    assert "the gain" not in _text(with_figure) and "The gain: 5 nats." in _notes(with_figure), \
        "a printed result that fits on no slide is said"
    assert deck._printed(printing("run()", text="log p(x): -93.2 nats, z_3-2\n")) == "> log p(x): −93.2 nats, z\\_3-2", \
        "a negative number gets a minus sign, a hyphen stays"
    assert deck._unquoted("> q(y|x) reads 97%\n\n> z_3: 1.2") == "q(y|x) reads 97%.\n\nz_3: 1.2.", \
        "a symbol that starts a printed line keeps its case"
    many = printing("report()", text="".join(f"line {i}\n" for i in range(5)))
    assert not deck._printed(many), "a long printout stays in the notebook"


def test_the_text_that_sets_up_a_figure_is_said_on_its_slide_not_the_one_before():
    slides = _deck_of([nbformat.v4.new_markdown_cell("It begins."), _figure_cell(400, 150),
                       nbformat.v4.new_markdown_cell("The first figure rises."),
                       nbformat.v4.new_markdown_cell("Top row: the data. Bottom row: the model."),
                       _figure_cell(400, 100), nbformat.v4.new_markdown_cell("The second falls.")])
    notes = lambda slide: " ".join(c.source for c in slide if c.metadata["slideshow"]["slide_type"] == "notes")
    first, second = [s for s in slides if any(c.get("outputs") for c in s)]
    assert "Top row" not in notes(first) and "rises" in _text(first) + notes(first)
    said = notes(second) if "The second falls" in notes(second) else notes(second) + " The second falls"
    assert "Top row" in notes(second) and said.index("Top row") < said.index("The second falls"), notes(second)


def test_a_new_topic_after_a_figures_comment_is_said_with_the_figure_it_sets_up():
    printing = nbformat.v4.new_code_cell("x = run()\nprint(x)", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="the probe names 96.1% of the digits\n")])
    slides = _deck_of([nbformat.v4.new_markdown_cell("It begins."), _figure_cell(400, 150),
                       nbformat.v4.new_markdown_cell("The first figure rises."),
                       nbformat.v4.new_markdown_cell("Its second row falls."),
                       nbformat.v4.new_markdown_cell("**Why the bound.** We ask a new question."),
                       nbformat.v4.new_code_cell("judge = vae_tf.Classifier()"), printing,
                       _figure_cell(400, 100), nbformat.v4.new_markdown_cell("The bound is low.")])
    first, second = [s for s in slides if any(c.get("outputs") for c in s)]
    assert "second row falls" in _notes(first), "a plain second comment stays with its figure"
    for said in ("Why the bound", "judge = vae_tf.Classifier()", "96.1%"):
        assert said not in _notes(first) and said in _notes(second), (said, _notes(first), _notes(second))


def test_repeated_training_code_leaves_the_slide_whole_statements_at_a_time():
    seen = set()
    deck._without_repeated_training("m = Model()\nm.compile(optimizer=Adam())\nm.fit(x)", seen)
    later = deck._without_repeated_training("m5 = Model(samples=5)\nm5.fit(x, epochs=2,\n"
                                            "       validation_data=x_test)\nshow(m5)", seen)
    assert later == "m5 = Model(samples=5)\nshow(m5)", later
    compile(later, "slide", "exec")
    loop = ("for seed in SEEDS:  # one per seed\n    keras.utils.set_random_seed(seed)\n"
            "    vae[seed] = vae_tf.VAE(latent_dim=10,\n                           hidden=(500,))\n    vae[seed].fit(x)")
    assert deck._without_repeated_training(loop, seen) == "", "a loop that only builds a model per seed says nothing"


def test_code_alone_on_a_slide_is_set_larger_only_where_its_longest_line_still_fits():
    lead = nbformat.v4.new_markdown_cell("It begins with one sentence.")
    short = nbformat.v4.new_code_cell("model = Model()\nmodel.fit(x)")
    long = nbformat.v4.new_code_cell("model.fit(x_train_set, epochs=EPOCHS, batch_size=BATCH, validation_data=x_test_images)")
    larger = lambda slides: [bool({"code-large", "code-xlarge"} & set(c.metadata.get("tags", []))) for s in slides
                              for c in s if c.cell_type == "code" and not c.get("outputs")]
    assert larger(_deck_of([lead, short])) == [True]
    assert larger(_deck_of([lead, long])) == [False], "a 86-character line would not fit at the larger size"
    commented = nbformat.v4.new_code_cell("for seed in SEEDS:" + " " * 24 + "# every seed, without the classification term\n"
                                          "    model[seed] = Model(alpha=0.0)")
    shown = [c for s in _deck_of([lead, commented]) for c in s if c.cell_type == "code"]
    assert shown[0].source == "for seed in SEEDS:\n    model[seed] = Model(alpha=0.0)", "the comment that made it too wide goes"
    assert "code-xlarge" in shown[0].metadata.tags
    assert larger(_deck_of([lead, short, _figure_cell(400, 100)])) == [False], "beside a figure, code keeps its size"


def test_markdown_is_cut_into_headings_and_paragraphs_but_never_inside_math_or_code():
    source = "## Heading\nfirst paragraph\n\n$$\na\n\nb\n$$\n\n```\nx\n\ny\n```\n\nlast"
    assert deck.paragraphs(source) == ["## Heading", "first paragraph", "$$\na\n\nb\n$$", "```\nx\n\ny\n```", "last"]
    assert deck.first_sentence("A $x. y$ sentence, e.g. this one. Then more.") == "A $x. y$ sentence, e.g. this one."


# --- the checks catch what they are for ------------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A one-notebook collection (heading, math, a figure) built as deck and site."""
    root = tmp_path_factory.mktemp("small")
    (root / "notebooks").mkdir()
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · Small\n\n## First\n\nThe bound $\\log p(x) \\ge \\mathcal{L}$ holds.\n$$\\frac{a}{b}$$"),
        nbformat.v4.new_code_cell("show()", outputs=[figure]),
        nbformat.v4.new_markdown_cell("## Second\n\nShort text under it.")])
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, root / "notebooks" / "01_small.ipynb")
    (root / "README.md").write_text("<!-- quick-start -->\nRun it.\n<!-- /quick-start -->\n"
                                    "<!-- results -->\n| model | score |\n|---|---|\n| small | 1 |\n<!-- /results -->\n")
    deck = build_slides.build(root / "slides", [root / "notebooks" / "01_small.ipynb"])[0]
    page = build_site.build(root / "site", root=root).parent / "lectures" / "01_small.html"
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


MATH = '<span class="math notranslate nohighlight">\\({}\\)</span>'
PAGE_FORM = {"image": ('src="../_images/', 'src="figure-that-is-not-there.png" data-was="'),
             "latex-syntax": ("The bound", f"Broken: {MATH.format(chr(92) + 'frac{1}')} and"),
             "latex-macro": ("The bound", f"Unknown: {MATH.format(chr(92) + 'notamacro x')} and"),
             "no-mathjax": ('src="../_static/mathjax/', 'src="nowhere/')}


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
def test_each_failure_is_reported(small, browser, which, old, new, expected, request):
    if which == 1:  # a Sphinx page: figures are files, and MathJax reads only what is marked as math
        old, new = next((form for case, form in PAGE_FORM.items() if case in request.node.callspec.id), (old, new))
    problems = browser.check(_variant(small[which], old, new))
    assert any(expected in p for p in problems), f"expected {expected!r} in {problems}"


@pytest.mark.parametrize("which", [0, 1], ids=["deck", "page"])
def test_a_figure_the_layout_hides_is_reported(small, browser, which):
    problems = browser.check(_variant(small[which], "<img ", '<img style="width: 0" '))
    assert any("a figure is not shown" in p for p in problems), problems


@pytest.mark.parametrize("new, expected", [
    ('<div style="width: 900px">wide</div>The bound', "px wide on a 420 px screen"),
    ('<div style="width: 200px; overflow: hidden; white-space: nowrap">' + "cut off " * 40 + "</div>The bound",
     "clipped at 420 px"),
    ('<h2 style="overflow-wrap: normal; font-size: 60px">Reparameterizationreparameterization</h2>The bound',
     "runs past the 420 px screen"),
    ('<style>mjx-container { background: none !important; }</style><div class="math notranslate nohighlight">\\['
     + " + ".join(f"x_{{{i}}}" for i in range(60)) + '\\]</div>The bound', "a wide equation shows no edge"),
], ids=["too-wide", "clipped", "heading", "no-scroll-cue"])
def test_a_page_too_wide_for_a_phone_is_reported(small, browser, new, expected):
    problems = browser.check(_variant(small[1], "The bound", new))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("old, new, expected", [
    ("<h2", '<p style="font-size: 14px">small print</p><h2', "text at 14 px"),
    ("<h2", '<div style="height: 60px; overflow: auto">' + "<p>line</p>" * 20 + "</div><h2", "scrolled or clipped"),
    ('style="width: 690px; height: 690px"', 'style="width: 120px; height: 120px"', "covers 2 %"),
], ids=["small-text", "scrolled", "small-figure"])
def test_what_a_lecture_hall_cannot_read_is_reported(small, browser, old, new, expected):
    problems = browser.check(_variant(small[0], old, new))
    assert any(expected in p for p in problems), problems


def test_punctuation_carried_onto_a_new_line_is_reported(small, browser):
    box = '<span style="display: inline-block; width: 398px">a box that fills the line</span>'
    problems = browser.check(_variant(small[0], "The bound", f'<p style="width: 400px">{box}, then</p>The bound'))
    assert any('a line starts with ",' in p for p in problems), problems


def test_inline_math_keeps_the_punctuation_after_it_on_its_line(small, browser):
    many = ", ".join(f"$x_{{{i}}} = {i}.5$" for i in range(16))     # lines of the text beside the figure
    assert browser.check(_variant(small[0], "The bound", f"<p>{many}.</p>The bound")) == []


def test_a_narrow_figure_as_tall_as_the_slide_is_not_called_small(small, browser):
    problems = browser.check(_variant(small[0], 'style="width: 690px; height: 690px"', 'style="width: 200px; height: 660px"'))
    assert not any("covers" in p for p in problems), problems        # it could not be drawn larger


def test_a_slide_that_overflows_is_reported(small, browser):
    deck = _variant(small[0], "<h2", '<div style="height: 900px">tall</div><h2')
    problems = browser.check(deck)
    assert any("more than 1280 x 720" in p for p in problems), problems


def test_a_lecture_page_leaves_out_solutions_checks_and_plumbing_and_keeps_the_lecture():
    shown = nbformat.v4.new_output("stream", text="a figure's numbers\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("The model:\n$$p(x) = \\int p(x \\mid z)\\, p(z)\\, dz$$\nwhere z is the code."),
        nbformat.v4.new_code_cell("train()", outputs=[shown]),
        nbformat.v4.new_code_cell("vae_tf.claim(True, 'holds')", metadata={"tags": ["claims"]}),
        nbformat.v4.new_code_cell("keras.utils.set_random_seed(SEED)", metadata={"tags": ["plumbing"]}),
        nbformat.v4.new_code_cell("def f(x):\n    # Hint: square it\n    ### BEGIN SOLUTION\n    return x * x  # the answer\n"
                                  "    ### END SOLUTION", outputs=[nbformat.v4.new_output("stream", text="correct\n")])])
    page = build_site.lecture_page(nb, "x.ipynb")
    assert [c.source.splitlines()[0] for c in page.cells] == ["The model:", "train()", "def f(x):"]
    assert page.cells[1].outputs == [shown], "the lecture's outputs stay"
    assert "x * x" not in page.cells[2].source and "NotImplementedError('square it')" in page.cells[2].source
    assert page.cells[2].outputs == [], "a solution's output is not shown either"
    assert page.cells[0].source.split("\n\n") == ["The model:", "$$p(x) = \\int p(x \\mid z)\\, p(z)\\, dz$$",
                                                  "where z is the code."]


def test_a_lecture_page_shows_no_output_in_the_exercises_nor_the_lines_about_the_cache():
    trained = nbformat.v4.new_output("stream", text="VAE: loaded from the cache (25 epochs, trained in 83 s)\n")
    header = nbformat.v4.new_output("stream", text="full setting\ndevice: CPU, 2 cores\ndata: 60000 train images\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(header)", outputs=[header]),
        nbformat.v4.new_code_cell("vae.fit(x)", outputs=[trained]),
        nbformat.v4.new_markdown_cell("## Exercises: by hand"),
        nbformat.v4.new_code_cell("check_f(f)", outputs=[nbformat.v4.new_output("stream", text="f: correct\n")])])
    page = build_site.lecture_page(nb, "x.ipynb")
    assert page.cells[0].outputs[0]["text"] == "data: 60000 train images\n", "the data line stays, the machine goes"
    assert page.cells[1].outputs == [], "a training cell's line about the cache is not the lecture"
    assert page.cells[3].outputs == [], "a check's verdict came from the solution"


def test_a_table_a_cell_prints_renders_as_a_table(built):
    for lecture in LECTURES:
        html = (built / "site" / "lectures" / f"{lecture.stem}.html").read_text()
        raw = re.findall(r"<p>\|[^<]{0,60}", html)
        assert not raw, f"{lecture.stem}: a printed table shows as text: {raw[:2]}"
    assert "<table" in (built / "site" / "lectures" / "03_reparameterization.html").read_text()


def test_the_start_page_and_each_lecture_page_lead_to_its_slides_and_its_exercises(built):
    site = built / "site"
    index = (site / "index.html").read_text()
    assert index.find('href="lectures/') < index.find('id="quick-start"'), "the lectures come after the install"
    for lecture in LECTURES:
        page = (site / "lectures" / f"{lecture.stem}.html").read_text()
        for href in (f"lectures/{lecture.stem}.html", f"slides/{lecture.stem}.slides.html", f"exercises/{lecture.name}"):
            assert f'href="{href}"' in index, f"the start page does not link {href}"
            assert (site / href).is_file(), f"{href} is linked but not built"
            assert href.startswith("lectures/") or f'href="../{href}"' in page, f"{lecture.stem}'s page does not link {href}"
        student = nbformat.read(site / "exercises" / lecture.name, as_version=4)
        assert any("raise NotImplementedError" in c.source for c in student.cells), f"{lecture.name}: not the stubs"


def test_every_figure_on_a_lecture_page_says_what_it_shows(built):
    for lecture in LECTURES:
        html = (built / "site" / "lectures" / f"{lecture.stem}.html").read_text()
        alts = [a.get("alt", "") for a in _tags(html, "img") if "_images/" in a.get("src", "")]
        assert alts, f"{lecture.stem}: no figure found"
        bad = [a for a in alts if not a.startswith("Figure") or len(a) < 25 or "\\" in a or "$" in a]
        assert not bad, f"{lecture.stem}: figures without a readable description: {bad[:3]}"


def test_a_figure_title_with_tex_in_a_python_string_reads_as_symbols():
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    cells = [nbformat.v4.new_code_cell('fig.suptitle("posterior and the encoder\'s $q_\\\\phi$ (blue)")', outputs=[figure])]
    assert build_site.alt_text(cells, 0) == "Figure: posterior and the encoder's q_φ (blue)."


def test_a_title_written_as_adjacent_strings_is_read_whole_and_one_with_computed_values_not_at_all():
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    cells = [nbformat.v4.new_code_cell('ax.set_title("The variance lies orders of magnitude\\n"\n'
                                       '             "above the other one")\n'
                                       'by_z.set_title("Estimates pile up (peaks cut off at "\n'
                                       '                f"{peak:.1f})")', outputs=[figure])]
    assert build_site.alt_text(cells, 0) == "Figure: The variance lies orders of magnitude above the other one."


def test_a_figure_is_described_by_its_titles_and_labels_and_the_sentence_after_it():
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    cells = [nbformat.v4.new_markdown_cell("## 2 · The codes\n\nText."),
             nbformat.v4.new_code_cell("plot()", outputs=[figure]),
             nbformat.v4.new_markdown_cell("The digits form clusters in $\\mathbb{R}^2$ under $q_\\phi$: most of them. More."),
             nbformat.v4.new_code_cell('ax.set_title("Codes of the test digits"); ax.set_xlabel(f"code {j}")', outputs=[figure]),
             nbformat.v4.new_markdown_cell("## 3 · Next")]
    page = build_site.lecture_page(nbformat.v4.new_notebook(cells=cells), "x.ipynb")
    alts = [c.metadata.get("mystnb", {}).get("image", {}).get("alt") for c in page.cells]
    assert alts == [None, "Figure in “2 · The codes”. The digits form clusters in R^2 under q_φ.", None,
                    "Figure: Codes of the test digits.", None]


def test_the_emptier_a_slide_the_larger_its_equations_and_text_but_never_past_its_room():
    equation = "$$\\mathcal{L} = \\mathbb{E}_q[\\log p(x \\mid z)] - \\mathrm{KL}(q \\,\\|\\, p)$$"
    def tags(text):
        slide = _deck_of([nbformat.v4.new_markdown_cell(text)])[1]
        return {t for c in slide if c.cell_type == "markdown" for t in c.metadata.get("tags", [])}, deck.height(slide)
    sparse, _ = tags(f"One sentence.\n\n{equation}")
    assert {"text-xlarge", "math-xlarge"} <= sparse
    fuller, _ = tags("One sentence.\n\n" + "\n\n".join([equation] * 5))
    assert {"roomy", "math-large"} <= fuller and "math-xlarge" not in fuller, fuller
    full, height = tags("One sentence.\n\n" + "\n\n".join(["$$\\frac{a}{b} = c$$"] * 6))
    assert height > 0.7 * deck.ROOM_HEIGHT and not full & {"roomy", "text-xlarge", "math-large", "math-xlarge"}, "a full slide keeps its sizes"


def test_a_slide_shows_the_values_of_the_constants_set_in_a_cell_it_does_not_show():
    setup = nbformat.v4.new_code_cell("EPOCHS, BATCH = 25, 256\nSEED = 0\nRATE = 2e-3\nWIDTH = compute()")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n## Setup"), setup,
        nbformat.v4.new_markdown_cell("## One\n\nIt begins with one sentence."),
        nbformat.v4.new_code_cell("model.fit(x, epochs=EPOCHS, batch_size=BATCH, width=WIDTH, lr=RATE, seed=SEED)"),
        nbformat.v4.new_markdown_cell("## Summary\n\n- done")])
    shown = [c.source for s in _slides(nb) for c in s if c.cell_type == "code"]
    assert shown == ["model.fit(x, epochs=25, batch_size=256, width=WIDTH, lr=0.002, seed=SEED)"], shown


def test_a_table_of_results_stays_apart_from_the_equations_and_code_that_set_it_up():
    table = nbformat.v4.new_output("display_data", data={"text/markdown": "| model | accuracy |\n|---|---|\n| M2 | 90 % |",
                                                         "text/plain": "table"})
    slides = _deck_of([nbformat.v4.new_markdown_cell("It stacks two models.\n\n$$z_1 \\sim q(z_1 \\mid x)$$"),
                       nbformat.v4.new_code_cell("m1 = Model()\nm1.fit(x)"),
                       nbformat.v4.new_code_cell("show(accuracies)", outputs=[table]),
                       nbformat.v4.new_markdown_cell("The stacked model leads.")])
    shown = lambda s: "\n".join(c.source for c in s if c.metadata["slideshow"]["slide_type"] != "notes")
    with_table = [s for s in slides if "| M2 |" in shown(s)]
    assert len(with_table) == 1 and "$$" not in shown(with_table[0]) and "m1 = Model()" not in shown(with_table[0])
    assert any("$$" in shown(s) and "m1 = Model()" in shown(s) for s in slides), "the set-up keeps its own slide"


def test_a_sparse_table_is_set_larger_where_its_columns_still_fit():
    def table_slide(rows):
        out = nbformat.v4.new_output("display_data", data={"text/markdown": rows, "text/plain": "table"})
        slides = _deck_of([nbformat.v4.new_markdown_cell("It measures."),
                           nbformat.v4.new_code_cell("show(result)", outputs=[out]),
                           nbformat.v4.new_markdown_cell("The first leads.")])
        return next(s for s in slides if "|---" in _text(s))
    tags = lambda slide: {t for c in slide for t in c.metadata.get("tags", [])}
    assert "table-xlarge" in tags(table_slide("| model | accuracy |\n|---|---|\n| M2 | 90 % |")), \
        "a small table on a slide less than 55 % full is set at 36 px"
    six = "| model | accuracy |\n|---|---|\n" + "".join(f"| M{k} | 9{k} % |\n" for k in range(4))
    assert "table-large" in tags(table_slide(six)), "a fuller slide's table at 30 px"
    wide = "| " + " | ".join(f"long_heading_number_{k}" for k in range(5)) \
        + " |\n|" + "---|" * 5 + "\n| " + " | ".join("1" for _ in range(5)) + " |"
    assert not {"table-large", "table-xlarge"} & tags(table_slide(wide)), \
        "a table that would not fit the width (headings of one word cannot wrap) keeps its size"
    two_lines = "| " + " | ".join(f"a long heading, number {k} of 4" for k in range(4)) + " |\n|" + "---|" * 4 \
        + "\n| " + " | ".join("1" for _ in range(4)) + " |"
    assert {"table-large", "table-xlarge"} & tags(table_slide(two_lines)), \
        "a table that fits with its headings on two lines is set larger"
    assert "table-nowrap" in tags(table_slide(two_lines)), "its rows stay on one line"
    named = "| estimator | seeds | " + " | ".join(f"a heading {k}" for k in range(3)) + " |\n|" + "---|" * 5 \
        + "".join(f"\n| score function + baseline, S = {k} | 3 | " + " | ".join(["2,798, 2,740, 1,289"] * 3) + " |"
                  for k in range(3))
    assert {"table-nowrap-values"} == tags(table_slide(named)) & {"table-nowrap", "table-nowrap-values"}, \
        "a table that fits only with its names on two lines keeps its values on one line"


def test_a_slide_table_keeps_short_headings_and_each_rows_s_equals_together():
    table = ("| estimator | test −ELBO after epoch 1 (seed 0 first) |\n|---|---|\n"
             "| score function, S = 1 | 353, 236 |\n| reparameterized, S = 10 | 124 (one run) |")
    lines = deck._table_for_slide(table).splitlines()
    assert "S&nbsp;=&nbsp;1" in lines[2] and "S&nbsp;=&nbsp;10" in lines[3], "a row's name keeps S = 1 whole"
    assert "(seed&nbsp;0&nbsp;first)" in lines[0] and " estimator " in lines[0]
    assert lines[3].endswith("| 124 (one run) |"), "the values are left as they are"


def test_speaker_notes_leave_out_what_the_deck_does_not_show():
    said = deck.spoken("The ELBO rises (printed above). Its caveats are in *Details*. The KL falls, "
                       "as $\\mathrm{KL}(q \\| p) \\ge 0$ says.\n\n- a list\n- kept as written\n\n"
                       "Move the sliders to see it. The code is `vae_tf.VAE`.")
    assert said == ("The ELBO rises. The KL falls, as $\\mathrm{KL}(q \\| p) \\ge 0$ says.\n\n- a list\n- kept as written"
                    "\n\nThe code is `vae_tf.VAE`."), said


def test_speaker_notes_say_what_the_slide_does_not_show_in_few_words():
    lead = nbformat.v4.new_markdown_cell("## A section\n\nIt begins.\n\n$$a = \\frac{b}{c}$$\n\n" + " ".join(
        f"Sentence {k} says one more thing about the figure, in eleven words." for k in range(30)))
    slides = _deck_of([lead, _figure_cell(400, 180), nbformat.v4.new_markdown_cell("The figure rises.")])
    for slide in slides:
        notes, shown = _notes(slide), _text(slide)
        assert len(notes.split()) <= deck.NOTES_WORDS, notes
        assert "$$" not in notes, "display math is the slide's, not the notes'"
        assert not any(s in shown for s in deck._sentences(notes) if len(s) > 20), "said twice"
    said = " ".join(_notes(s) for s in slides)
    assert "Sentence 0 says" in said, "the first of the sentences left off the slides is said"


def test_notes_say_an_equation_is_on_the_slide_only_where_the_slide_shows_it():
    slide = [deck._slide("## A section\n\n$$a = b$$"),
             deck._slide("We have\n$$a = b,$$\nand then\n$$c = \\frac{d}{e}.$$\nSo it goes.", "notes")]
    notes = " ".join(c.source for c in deck._said_once(slide) if c.metadata["slideshow"]["slide_type"] == "notes")
    assert notes.count(deck.ON_THE_SLIDE) == 1 and notes.count(deck.ELSEWHERE_MATH) == 1, notes
    assert notes.index(deck.ON_THE_SLIDE) < notes.index(deck.ELSEWHERE_MATH)


def test_notes_keep_a_shown_sentence_only_where_the_next_leans_on_it():
    shown = deck._slide("To generate a digit we pick a code.", "-")
    leaning = deck._said_once([shown, deck._slide("To generate a digit we pick a code. But where? We split the plane.",
                                                  "notes")])
    standalone = deck._said_once([shown, deck._slide("To generate a digit we pick a code. We split the plane.",
                                                     "notes")])
    assert _notes(leaning).startswith("To generate a digit we pick a code. But where?"), _notes(leaning)
    assert _notes(standalone) == "We split the plane.", _notes(standalone)


def test_short_notes_keep_each_list_item_and_a_printed_value_with_its_label():
    filler = " ".join(f"Sentence {k} adds one more thing, in eleven words or so." for k in range(20))
    notes = deck._slide("Two answers exist:\n- the first weighs the score. It is noisy.\n"
                        "- the second moves the sample. It is smooth.\n\n"
                        "2-D, all test images: ELBO -152.2 nats\n20-D, all test images: ELBO -99.3 nats\n\n"
                        + filler, "notes")
    said = " ".join(c.source for c in deck._cues([notes]))
    assert len(said.split()) <= deck.NOTES_WORDS
    assert "- the first weighs" in said and "- the second moves" in said, said   # every item, on its own line
    assert "20-D, all test images: ELBO -99.3 nats" in said, said                # a value with its label
    assert "Sentence 0 adds" in said and "Sentence 19" not in said               # later sentences give way
    lines = "\n".join(f"Line {k} has a first sentence of exactly ten words here." for k in range(14))
    steps = deck._slide(lines + "\nSix more words end the part.\n1. Sum the joint. It is slow.\n"
                        "2. Divide by the sum.", "notes")
    said = deck._cues([steps])[0].source.splitlines()
    assert not [line for line in said if re.fullmatch(r"\d+\.", line.strip())], said   # no number without its item


def test_an_equation_after_the_first_figure_is_shown_with_what_it_sets_up_not_on_the_lead_slide():
    table = nbformat.v4.new_code_cell("show_table()", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": "| a | b |\n|---|---|\n| 1 | 2 |", "text/plain": "table"})])
    slides = _deck_of([nbformat.v4.new_markdown_cell("It begins."), _figure_cell(400, 150),
                       nbformat.v4.new_markdown_cell("The figure rises."),
                       nbformat.v4.new_markdown_cell("A bound for the table:\n\n$$I(y; z) \\ge r$$"), table,
                       nbformat.v4.new_markdown_cell("The table says so.")])
    with_equation = [s for s in slides if "I(y; z)" in _text(s)]
    assert len(with_equation) == 1 and "| a | b |" in _text(with_equation[0]), [_text(s) for s in slides]
    assert "It begins." not in _text(with_equation[0])
