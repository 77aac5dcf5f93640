"""Slide types for a lecture notebook, decided from each cell's structure.

``assign(nb)`` returns a copy of ``nb`` in which every cell has ``metadata.slideshow.slide_type``
(what ``jupyter nbconvert --to slides`` and RISE read); sources and outputs are untouched, and a
cell that already has a slide type in the notebook keeps it, so a lecturer can override any
cell from JupyterLab's property inspector.

For the deck, ``split_markdown(nb)`` first cuts each markdown cell of the copy into its heading
and its paragraphs (blank-line separated; never inside a ``$$`` block or a code fence), so that
a heading can open a slide while the prose under it goes to the speaker notes. The rules, first
match wins:

- a ``#`` or ``##`` heading: a new ``slide`` (``## Setup``: ``skip``); a ``###`` heading: a ``subslide``;
- a paragraph with a display equation (``$$``, ``\\begin{...}``): a ``fragment``, shown on a key press;
- longer prose (more than ``PROSE_LIMIT`` characters, ``PROSE_LIMIT_UNDER_FIGURE`` right after a
  figure): speaker ``notes``, what the lecturer says;
- shorter prose: a ``fragment`` under what precedes it;
- code: imports without a figure, exercise solutions (``### BEGIN SOLUTION``) and the
  exercise self-checks (``check_...``) are ``skip``; a cell with a figure or a table is a
  ``subslide``; other code is a ``fragment`` when short, a ``subslide`` when long.

    python scripts/slide_metadata.py notebooks/01_autoencoder.ipynb   # print the plan per cell

Applied at build time by ``scripts/build_slides.py``, so the committed notebooks stay as they are.
"""
from __future__ import annotations

import re
import sys

import nbformat

PROSE_LIMIT = 450
PROSE_LIMIT_UNDER_FIGURE = 200   # a figure fills most of a slide: longer prose under it goes to the notes
CODE_LINES_FRAGMENT = 12
SLIDE_BUDGET = 600               # px of a 720-px slide that its cells may fill before the next one opens a continuation
DISPLAY_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "text/markdown", "text/html")
SOLUTION = "### BEGIN SOLUTION"


def _heading(source: str) -> tuple[int, str] | None:
    match = re.match(r"\s*(#{1,6})\s+(.*)", source)
    return (len(match.group(1)), match.group(2).strip()) if match else None


def _code_lines(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _has_display(cell) -> bool:
    return any(mime in out.get("data", {}) for out in cell.get("outputs", []) for mime in DISPLAY_MIMES)


def slide_type(cell, after_figure: bool = False) -> str:
    """The slide type the rules give ``cell`` (ignoring any it already has); ``after_figure``: the
    cell before it on the slide shows a figure or a table."""
    source = cell.source
    if cell.cell_type == "markdown":
        heading = _heading(source)
        if heading:
            level, title = heading
            if level <= 2:
                return "skip" if title.lower() == "setup" else "slide"
            return "subslide"
        if "$$" in source or re.search(r"\\begin\{", source):
            return "fragment"
        return "notes" if len(source) > (PROSE_LIMIT_UNDER_FIGURE if after_figure else PROSE_LIMIT) else "fragment"
    if cell.cell_type != "code" or "claims" in cell.metadata.get("tags", []):  # claims: checks, not lecture
        return "skip"
    lines = _code_lines(source)
    if SOLUTION in source or (lines and lines[0].startswith("check_")):
        return "skip"
    if _has_display(cell):
        return "subslide"
    if lines and re.match(r"(import|from)\s", lines[0]):           # set-up: imports, seed, data
        return "skip"
    return "fragment" if len(lines) <= CODE_LINES_FRAGMENT else "subslide"


def _paragraphs(source: str) -> list[str]:
    """The heading line, then the blank-line separated blocks of ``source``."""
    blocks, current, fenced, math = [], [], False, False
    for line in source.splitlines():
        if not fenced and not math and not line.strip():
            if current:
                blocks.append(current)
            current = []
            continue
        if not fenced and not math and not current and re.match(r"#{1,6}\s", line):
            blocks.append([line])  # a heading stands alone
            continue
        current.append(line)
        fenced ^= line.lstrip().startswith("```")
        math ^= line.count("$$") % 2 == 1
    if current:
        blocks.append(current)
    return ["\n".join(b) for b in blocks]


def split_markdown(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with each markdown cell cut into heading and paragraphs (code cells as they are).
    A cell with its own slide type in the notebook is kept whole."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "slide_type" in cell.metadata.get("slideshow", {}):
            cells.append(cell)
            continue
        for i, part in enumerate(_paragraphs(cell.source) or [""]):
            piece = nbformat.from_dict(cell)
            piece.source = part
            if i:
                piece.id = f"{cell.get('id', 'cell')}-{i}"
                piece.pop("attachments", None)
            cells.append(piece)
    nb.cells = cells
    return nb


def height(cell) -> int:
    """A rough height in px of ``cell`` on a slide (the deck's CSS caps code, text outputs and figures)."""
    if cell.cell_type == "markdown":
        text = re.sub(r"\$\$.*?\$\$", "", cell.source, flags=re.DOTALL)
        equations = cell.source.count("$$") // 2
        return 30 + 28 * sum(1 + len(line) // 100 for line in text.splitlines() if line.strip()) + 80 * equations
    code = min(18 * len(cell.source.splitlines()), 170) + 20
    outputs = 0
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data or "image/svg+xml" in data:
            outputs += 390
        elif out.get("output_type") == "stream" or "text/markdown" in data or "text/plain" in data:
            outputs += 100
    return code + outputs


def assign(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with a slide type on every cell (existing ones kept). A fragment that would
    take a slide past ``SLIDE_BUDGET`` opens a continuation slide (a subslide) instead."""
    nb = nbformat.from_dict(nb)
    after_figure, filled = False, 0
    for cell in nb.cells:
        slideshow = dict(cell.metadata.get("slideshow", {}))
        if "slide_type" not in slideshow:
            kind = slide_type(cell, after_figure)
            if kind == "fragment" and filled + height(cell) > SLIDE_BUDGET:
                kind = "subslide"
            slideshow["slide_type"] = kind
        cell.metadata["slideshow"] = nbformat.from_dict(slideshow)
        if slideshow["slide_type"] in ("slide", "subslide"):
            after_figure, filled = False, 0
        if slideshow["slide_type"] not in ("skip", "notes"):
            after_figure = after_figure or _has_display(cell)
            filled += height(cell)
    return nb


def main(argv: list[str]) -> int:
    for path in argv or sys.exit(__doc__):
        nb = assign(split_markdown(nbformat.read(path, as_version=4)))
        print(path)  # noqa: T201
        for i, cell in enumerate(nb.cells):
            first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
            print(f"  {i:3d} {cell.cell_type:8s} {cell.metadata.slideshow.slide_type:9s} {first}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
