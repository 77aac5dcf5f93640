"""The slides of a lecture, planned from its notebook: what a lecturer projects, in lecture order.

``plan(nb)`` returns a new notebook whose cells are the deck's slides, each with its
``metadata.slideshow.slide_type`` (what ``jupyter nbconvert --to slides`` and RISE read):

- a **title** slide: the lecture's title, the model's equations from the text under it, and its
  outline (the main sections);
- per main section (each ``##`` heading up to "What's next", "Details" or the exercises):
  - a slide with its heading, its first sentence and its display equations (at most four);
  - a slide per short code cell, the method's code: at most ``CODE_LINES`` lines of at most
    ``CODE_WIDTH`` characters, without outputs, and the package functions a ``show_source`` cell
    shows, when as short (longer code, set-up, imports and printing stay in the notebook; code
    that differs from an earlier slide's only in its numbers is shown once);
  - a slide per figure, shown large, with the first sentence of what the text after it says;
  - a slide per small table (at most ``TABLE_COLUMNS`` columns and ``TABLE_ROWS`` rows);
- a **summary** slide: each section's takeaway.

The rest of the prose becomes the speaker notes of the slide it belongs to. The claim checks, the
exercises and their solutions never appear. A lecturer overrides the rules per cell by giving it a
slide type in JupyterLab's property inspector ("Slide Type"): "Skip" leaves it out; any other type
puts the cell in the deck as it is, at its place, with that type.

    python scripts/deck.py notebooks/01_autoencoder.ipynb   # print the plan, one line per slide

Applied at build time by ``scripts/build_slides.py``: the committed notebooks stay as they are.
"""
from __future__ import annotations

import base64
import re
import struct
import sys
from dataclasses import dataclass, field

import nbformat

CODE_LINES, CODE_WIDTH = 12, 88
TABLE_COLUMNS, TABLE_ROWS = 6, 6
LEAD_CHARACTERS = 220            # a first sentence longer than this stays in the notes
SUMMARY_CHARACTERS = 150         # a longer takeaway is named by its section's title on the summary slide
WIDE = 1.55                      # figures at least this wide for their height run under the heading
END = ("what's next", "details", "exercises", "further reading")
SOLUTION = "### BEGIN SOLUTION"


@dataclass
class Section:
    title: str
    cells: list = field(default_factory=list)


def _heading(line: str) -> tuple[int, str] | None:
    match = re.match(r"\s*(#{1,6})\s+(.*)", line)
    return (len(match.group(1)), match.group(2).strip()) if match else None


def paragraphs(markdown: str) -> list[str]:
    """Headings and blank-line separated blocks, never cut inside a ``$$`` block or a code fence."""
    blocks, current, fenced, math = [], [], False, False
    for line in markdown.splitlines():
        if not fenced and not math and not line.strip():
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        if not fenced and not math and _heading(line):
            if current:
                blocks.append("\n".join(current))
            blocks.append(line)                               # a heading stands alone
            current = []
            continue
        current.append(line)
        fenced ^= line.lstrip().startswith("```")
        math ^= line.count("$$") % 2 == 1
    if current:
        blocks.append("\n".join(current))
    return blocks


def first_sentence(text: str) -> str:
    """The paragraph's first sentence before any display equation (math and abbreviations kept
    whole); "" when the text before the equation is not a sentence."""
    text = re.split(r"\$\$|\\begin\{", text)[0]
    masked = re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group()), text)
    masked = re.sub(r"\b(e\.g|i\.e|et al|cf|vs|Fig|Eq)\.", lambda m: m.group()[:-1] + "x", masked)
    match = re.search(r"[.!?](\s|$)", masked)
    return text[: match.start() + 1].replace("\n", " ").strip() if match else ""


def _slide_sentence(text: str) -> str:
    """The first sentence, if short enough for a slide, else its part before a colon or semicolon;
    without asides that point at the notebook's printed output, which the slide does not show."""
    sentence = re.sub(r"\s*\((?:[^()$]*\s)?(?:printed|above|below)(?:\s[^()$]*)?\)", "", first_sentence(text))
    if len(sentence) > LEAD_CHARACTERS:
        masked = re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group()), sentence)
        cut = min((masked.find(c) for c in ":;" if c in masked), default=-1)
        sentence = sentence[:cut].rstrip(" ,") + "." if 40 <= cut <= LEAD_CHARACTERS else ""
    return sentence


def _equations(markdown: str) -> list[str]:
    """The display equations of ``markdown``, each cut at its ``\\qquad`` into lines of its own."""
    lines = []
    for block in re.findall(r"\$\$(.*?)\$\$", markdown, flags=re.DOTALL):
        lines += [f"$${part.strip()}$$" for part in block.split("\\qquad") if part.strip(" ,.\n")]
    return lines


def _images(cell) -> list[dict]:
    return [out for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]


def _aspect(png_base64: str) -> float:
    """Width / height of a PNG, from its header."""
    head = base64.b64decode(png_base64[:44])
    width, height = struct.unpack(">II", head[16:24])
    return width / height


#: the box a figure fills on a 1280 x 720 slide: under the heading (wide), or beside the text (side)
FIGURE_BOX = {True: (1240, 550), False: (860, 690)}


def _sized(image: dict, wide: bool) -> nbformat.NotebookNode:
    """The figure as an <img> scaled to fill its box on the slide, keeping its proportions."""
    png = image["data"]["image/png"]
    aspect = _aspect(png)
    box_width, box_height = FIGURE_BOX[wide]
    height = min(box_height, box_width / aspect)
    html = (f'<img class="slide-figure" src="data:image/png;base64,{png.strip()}" alt="figure" '
            f'style="width: {round(height * aspect)}px; height: {round(height)}px">')
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def _table(cell) -> str | None:
    """The cell's markdown table, if it is small enough for a slide."""
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/markdown", "")
        rows = [line for line in text.strip().splitlines() if line.startswith("|")]
        if len(rows) >= 3 and len(rows) - 2 <= TABLE_ROWS and rows[0].count("|") - 1 <= TABLE_COLUMNS \
                and max(len(r) for r in rows) <= 140:
            return text
    return None


def _short_code(cell) -> bool:
    lines = [line for line in cell.source.splitlines() if line.strip()]
    code = [line for line in lines if not line.lstrip().startswith("#")]
    return (0 < len(lines) <= CODE_LINES and max(len(line) for line in lines) <= CODE_WIDTH
            and not re.match(r"(import|from)\s", code[0]) and "show_source" not in cell.source
            and "print(" not in cell.source                         # reporting, not the method
            and SOLUTION not in cell.source and not code[0].startswith("check_"))


def _shown_source(cell) -> list[str]:
    """The package code a ``show_source`` cell displays, each function short enough for a slide."""
    if "show_source" not in cell.source:
        return []
    found = []
    for out in cell.get("outputs", []):
        match = re.fullmatch(r"\s*```python\n(.*?)\n```\s*", out.get("data", {}).get("text/markdown", ""), re.DOTALL)
        lines = match.group(1).splitlines() if match else []
        if lines and len(lines) <= CODE_LINES and max(map(len, lines)) <= CODE_WIDTH:
            found.append(match.group(1))
    return found


def _explicit(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def sections(nb) -> tuple[str, list[str], list[Section], str]:
    """The title, the paragraphs under it, the main sections with their cells, and the text of
    the notebook's "Summary" section ("" if it has none)."""
    title, intro, found, current, ended, summary, in_summary = "", [], [], None, False, [], False
    for cell in nb.cells:
        if "claims" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            for part in paragraphs(cell.source):
                heading = _heading(part.splitlines()[0])
                if heading and heading[0] == 1 and not title:
                    title = heading[1]
                    continue
                if heading and heading[0] == 2:
                    ended = ended or heading[1].lower().startswith(END)
                    name = heading[1].lower()
                    current = None if ended or name in ("setup", "summary") else Section(heading[1])
                    if current:
                        found.append(current)
                    in_summary = name == "summary"
                    continue
                if heading is None and not ended and in_summary:
                    summary.append(part)
                    continue
                if heading:
                    continue                                   # a subsection's text joins its section
                if current is not None:
                    current.cells.append(nbformat.v4.new_markdown_cell(part, metadata=dict(cell.metadata)))
                elif not found and title:
                    intro.append(part)
        elif current is not None:
            current.cells.append(cell)
    return title, intro, found, "\n\n".join(summary)


def _slide(source: str, kind: str = "slide", **metadata) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata={"slideshow": {"slide_type": kind}, **metadata})


def _notes(text: str) -> nbformat.NotebookNode:
    return _slide(text, "notes")


def _section_slides(section: Section, seen_code: set[str]) -> tuple[list, str]:
    """The section's slides, and its takeaway (the first sentence said about its first figure)."""
    slides, takeaway, pending = [], "", ""
    cells = section.cells
    prose_before = []
    for cell in cells:
        if cell.cell_type != "markdown" or _explicit(cell):
            break
        prose_before.append(cell.source)
    lead = next((s for s in map(_slide_sentence, prose_before) if s), "")
    prose = [c.source for c in cells if c.cell_type == "markdown" and not _explicit(c)]
    equations = [eq for text in prose for eq in _equations(text)][:4]
    if lead or equations:
        slides.append(_slide("\n\n".join([f"## {section.title}", lead, *equations])))
        if prose_before:
            slides.append(_notes("\n\n".join(prose_before)))
    else:                                   # no heading alone on a slide: its notes go to the next one
        pending = "\n\n".join(prose_before)
    i = len(prose_before)
    while i < len(cells):
        cell = cells[i]
        following = cells[i + 1].source if i + 1 < len(cells) and cells[i + 1].cell_type == "markdown" else ""
        kind = _explicit(cell)
        if kind:                                            # the lecturer's choice wins
            if kind != "skip":
                slides.append(nbformat.from_dict(cell))
            i += 1
            continue
        if cell.cell_type == "markdown":
            if slides and slides[-1].metadata["slideshow"]["slide_type"] == "notes":
                slides[-1].source += "\n\n" + cell.source
            else:
                slides.append(_notes(cell.source))
            i += 1
            continue
        images, table = _images(cell), _table(cell)
        said = _slide_sentence(following) if following else ""
        for n, image in enumerate(images):
            wide = _aspect(image["data"]["image/png"]) >= WIDE
            figure = nbformat.v4.new_code_cell(cell.source, outputs=[_sized(image, wide)], metadata={
                "slideshow": {"slide_type": "-"}, "tags": ["remove_input", "figure-wide" if wide else "figure-side"]})
            heading = f"### {section.title}"
            text = said if n == len(images) - 1 else ""
            if wide:
                slides += [_slide(heading), figure, _slide(text, "-")] if text else [_slide(heading), figure]
            else:
                slides += [figure, _slide(f"{heading}\n\n{text}".strip(), "-")]
                slides[-2].metadata["slideshow"]["slide_type"] = "slide"
            takeaway = takeaway or text
        if table and not images:
            slides += [_slide(f"### {section.title}"), nbformat.v4.new_markdown_cell(
                table, metadata={"slideshow": {"slide_type": "-"}})]
            if said:
                slides.append(_slide(said, "-"))
            takeaway = takeaway or said
        shown = [cell.source] if not images and not table and _short_code(cell) else _shown_source(cell)
        for source in shown:
            if re.sub(r"\d", "", source) in seen_code:    # the same call with other numbers: shown once
                continue
            seen_code.add(re.sub(r"\d", "", source))
            code = nbformat.v4.new_code_cell(source, metadata={"slideshow": {"slide_type": "-"}})
            slides += [_slide(f"### {section.title}: the code"), code]
        i += 1
    if pending and slides:
        first = next(i for i, c in enumerate(slides) if i + 1 == len(slides)
                     or slides[i + 1].metadata["slideshow"]["slide_type"] in ("slide", "subslide"))
        slides.insert(first + 1, _notes(pending))
    return slides, takeaway


def plan(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The deck of ``nb``: a notebook of slides (see the module docstring); ``nb`` is not changed."""
    title, intro, found, summary = sections(nb)
    outline = "\n".join(f"- {s.title}" for s in found)
    model = [eq for text in intro for eq in _equations(text)][:2]
    cells = [_slide("\n\n".join([f"# {title}", *model, outline]).strip())]
    if intro:
        cells.append(_notes("\n\n".join(intro)))
    takeaways, seen_code = [], set()
    for section in found:
        slides, takeaway = _section_slides(section, seen_code)
        cells += slides
        takeaways.append(takeaway if 0 < len(takeaway) <= SUMMARY_CHARACTERS else section.title)
    cells.append(_slide("## Summary\n\n" + (summary or "\n".join(f"- {t}" for t in takeaways))))
    deck = nbformat.v4.new_notebook(cells=cells, metadata=dict(nb.metadata))
    return deck


def main(argv: list[str]) -> int:
    for path in argv or sys.exit(__doc__):
        deck = plan(nbformat.read(path, as_version=4))
        print(path)  # noqa: T201
        number = 0
        for cell in deck.cells:
            kind = cell.metadata["slideshow"]["slide_type"]
            number += kind in ("slide", "subslide")
            first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
            what = "figure" if cell.get("outputs") else cell.cell_type
            print(f"  {number:3d} {kind:8s} {what:8s} {first}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
