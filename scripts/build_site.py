"""Build the website with Sphinx, myst-nb and the book theme: the lectures and the manual.

    python scripts/build_site.py               # build/site/index.html
    python scripts/build_site.py --out DIR

Nothing is executed: a lecture page shows the committed full-mode outputs. The sources are staged
in a temporary folder: ``docs/`` (the configuration, the start page and the manual), the README
(whose results table the site includes), and each lecture notebook as the site shows it, without
the cells tagged ``claims`` or ``plumbing`` (checks, seeding and caching, not the lecture) and with every exercise solution replaced by
the student version's stub (``scripts/make_exercises.py``), its outputs cleared. The theme gives
search, the sidebar of all pages, each page's contents, light and dark themes and the download of
each page's ``.ipynb``; sphinx-copybutton adds copy buttons to code. MathJax is the local copy of
``scripts/web_assets.py``, so the folder works offline from ``file://``. The start page's table of
lectures links each page, its slide deck (built into ``slides/`` beside the pages) and its student
notebook (copied into ``exercises/``).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_slides  # noqa: E402
import make_exercises  # noqa: E402
import web_assets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def display_math_as_blocks(markdown: str) -> str:
    """Blank lines around each ``$$ … $$`` block, which Jupyter renders inside a paragraph and
    MyST only on its own: it then scrolls on a narrow screen like any display equation."""
    out, inside = [], False
    for line in markdown.split("\n"):
        text = line.strip()
        opens = not inside and text.startswith("$$")
        if opens and out and out[-1].strip():
            out.append("")
        out.append(line)
        if opens:
            inside = not (len(text) >= 4 and text.endswith("$$"))
            closes = not inside
        else:
            closes = inside and text.endswith("$$")
            inside = inside and not closes
        if closes:
            out.append("")
    return "\n".join(out)


#: a line a training cell prints about the cache, and the machine the outputs were computed on
PLUMBING_LINE = re.compile(r"^(\w+: (loaded from the cache|trained) .*|device: .*|(full|fast) setting.*)\n?", re.M)


def _links_of(path: Path) -> str:
    """The line under a lecture page's title: its slide deck and, where there is one, its student notebook."""
    links = [f'<a href="../slides/{path.stem}.slides.html">Slides</a>']
    if (path.parent.parent / "exercises" / path.name).is_file():
        links.append(f'<a href="../exercises/{path.name}" download>Student notebook (.ipynb)</a>')
    return f'<p class="lecture-links">{" · ".join(links)}</p>\n'


def lecture_page(nb: nbformat.NotebookNode, where: str) -> nbformat.NotebookNode:
    """The notebook as the site shows it: no claim checks, no solutions, no live widgets, no output
    in the exercises (the checks' verdicts and the runs on the trained models came from the
    solutions), and no line about the cache or the machine."""
    nb = build_slides.without_widgets(nb)
    cells, exercises = [], False
    for cell in nb.cells:
        if build_slides.deck.BEHIND_THE_PAGE & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            exercises = exercises or bool(re.match(r"## Exercises", cell.source))
            cell.source = display_math_as_blocks(cell.source)
        elif make_exercises.BEGIN in cell.source or exercises:
            cell.source = make_exercises.strip_solutions(cell.source, where)
            cell.outputs, cell.execution_count = [], None
        else:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    out["text"] = PLUMBING_LINE.sub("", "".join(out["text"]))
            cell.outputs = [out for out in cell.get("outputs", [])
                            if out.get("output_type") != "stream" or out["text"].strip()]
        cells.append(cell)
    if cells and cells[0].cell_type == "markdown" and cells[0].source.startswith("# "):
        title, _, rest = cells[0].source.partition("\n")
        cells[0].source = f"{title}\n\n{_links_of(Path(where))}\n{rest}"
    for index, cell in enumerate(cells):
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt_text(cells, index)
    nb.cells = cells
    return nb


GREEK = {name: chr(code) for name, code in [
    ("alpha", 945), ("beta", 946), ("epsilon", 949), ("varepsilon", 949), ("eta", 951), ("theta", 952),
    ("mu", 956), ("sigma", 963), ("phi", 966)]}


#: the words a figure's code gives it: its titles and axis labels (not an f-string's: its values are not in the code)
LABELS = re.compile(r"""(?:title|suptitle|set_title|set_xlabel|set_ylabel)\s*[=(]\s*(?=[rf]{0,2}["'])""")
#: one string literal of a label; Python joins literals that follow each other ("a\n" "b")
LITERAL = re.compile(r"""\s*([rf]{0,2})(["'])(.+?)\2""")


def _labels(source: str) -> list[tuple[str, bool]]:
    """Each title's and axis label's text, its adjacent literals joined, and whether an f-string
    part computes some of it (its values are not in the code)."""
    found = []
    for start in LABELS.finditer(source):
        at, parts, computed = start.end(), [], False
        while m := LITERAL.match(source, at):      # only space between literals: one joined string
            prefix, text = m.group(1), m.group(3)
            computed |= "f" in prefix and "{" in text
            parts.append(text if "r" in prefix else text.replace("\\\\", "\\"))   # "\\" in a string is one
            at = m.end()
        found.append(("".join(parts), computed))
    return found


def _plain(text: str) -> str:
    """TeX and markdown as a screen reader should say them."""
    text = re.sub(r"\\(?:mathcal|mathbb|mathrm|operatorname|text|big|Big)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), "|" if m.group(1) == "mid" else m.group(1)), text)
    return re.sub(r"[$*`]|\\[,;!]", "", text).replace("{,}", ",")


def alt_text(cells: list, index: int) -> str:
    """What a figure shows, for a reader who cannot see it: what its code titles and labels it (its
    panels, its axes), then the first sentence the notebook says about it, in the text after it."""
    heading = next((m.group(1) for c in reversed(cells[:index]) if c.cell_type == "markdown"
                    for m in [re.search(r"^#{1,3} (.+)$", c.source, re.M)] if m), "")
    labels = []
    for label, computed in _labels(cells[index].source):
        label = re.sub(r"\s+", " ", label.replace("\\n", " ")).strip(" :,;")
        if computed:
            continue
        if (" " in label or len(label) >= 8) and label not in labels:
            labels.append(label)
    after = next((c.source for c in cells[index + 1:] if c.cell_type == "markdown"), "")
    sentence = re.split(r"(?<=[.!?:])\s", re.sub(r"\s+", " ", after).strip(), maxsplit=1)[0]
    sentence = "" if sentence.startswith("#") else re.sub(r":$", ".", sentence)
    shown = f"Figure: {'; '.join(labels)}." if labels else f"Figure in “{heading}”."
    text = _plain(f"{shown} {sentence}".strip()).replace("\\|", "|")
    text = re.sub(r"\s*\((?:[^()]*\s)?(?:printed|above|below|Details)[^()]*\)", "", text)   # not on the page's image
    return text if len(text) <= 400 else text[:397].rsplit(" ", 1)[0] + " …"


def title_of(nb: nbformat.NotebookNode) -> str:
    """The lecture's title: its first heading, without the number."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = re.search(r"^# (?:\d+ · )?(.+)$", first, re.M)
    return match.group(1).strip() if match else ""


def lecture_table(lectures: list[Path], root: Path) -> str:
    """The start page's table: each lecture's page, slide deck and student notebook."""
    rows = ["| | lecture | slides | exercises |", "|---|---|---|---|"]
    for path in lectures:
        number = path.stem.split("_")[0]
        title = title_of(nbformat.read(path, as_version=4)).replace("|", "\\|")
        exercises = (f'<a href="exercises/{path.name}" download>{path.name}</a>'
                     if (root / "exercises" / path.name).is_file() else "")
        rows.append(f"| {number} | {{doc}}`{title} <lectures/{path.stem}>` "
                    f'| <a href="slides/{path.stem}.slides.html">slides</a> | {exercises} |')
    return "\n".join(rows) + "\n"


def linked_results(readme: str, lectures: list[Path]) -> str:
    """A table (the README's results, the students' exercises) with each row's notebook number
    linked to its page."""
    for path in lectures:
        number = path.stem.split("_")[0]
        readme = re.sub(rf"^\| {number} \|", f"| {{doc}}`{number} <lectures/{path.stem}>` |", readme, flags=re.M)
    return readme


def stage(src: Path, root: Path = ROOT, docs: Path = DOCS) -> list[Path]:
    """Write the Sphinx sources into ``src``; returns the lecture notebooks staged, in order."""
    shutil.copytree(docs, src, dirs_exist_ok=True)
    lectures = build_slides.lecture_notebooks(root)
    (src / "_readme.md").write_text(linked_results((root / "README.md").read_text(encoding="utf-8"), lectures),
                                    encoding="utf-8")
    (src / "_lectures.md").write_text(lecture_table(lectures, root), encoding="utf-8")
    students = src / "students.md"
    if students.is_file():                                   # its table's lecture numbers link the pages
        students.write_text(linked_results(students.read_text(encoding="utf-8"), lectures), encoding="utf-8")
    web_assets.copy_static(src / "_static" / "mathjax")
    staged = []
    for path in lectures:
        target = src / "lectures" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(lecture_page(nbformat.read(path, as_version=4), str(path)), target)
        staged.append(target)
    return staged


def build(out: Path | None = None, root: Path = ROOT, docs: Path = DOCS) -> Path:
    """Build the site into ``out`` (default build/site); returns its index.html."""
    from sphinx.cmd.build import build_main
    out = Path(out) if out else ROOT / "build" / "site"
    with tempfile.TemporaryDirectory(prefix="vae-tf-site-") as tmp:
        src = Path(tmp) / "src"
        stage(src, root, docs)
        status = build_main(["-b", "html", "-q", "-W", "--keep-going", "-d", str(Path(tmp) / "doctrees"),
                             str(src), str(out)])
    if status != 0:
        raise RuntimeError(f"Sphinx failed to build the site (exit {status}); its warnings are above")
    lectures = build_slides.lecture_notebooks(root)
    build_slides.build(out / "slides", lectures)
    for path in lectures:
        student = root / "exercises" / path.name
        if student.is_file():
            (out / "exercises").mkdir(exist_ok=True)
            shutil.copy2(student, out / "exercises" / path.name)
    return out / "index.html"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the site (default: build/site)")
    args = parser.parse_args(argv)
    print(f"open {build(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
