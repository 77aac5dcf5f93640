"""A lecture a student reads in one sitting: at most 2,000 words of main flow (the markdown before
"Details"; display math not counted) and no paragraph with more than four numbers."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
MAX_WORDS, MAX_NUMBERS = 2000, 4

NUMBER = re.compile(r"(?<![\w$^_{.])\d+(?:[.,]\d+)*")


def main_flow(nb) -> list[str]:
    """The markdown cells before the "Details" heading, display math left out."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        if re.match(r"#+\s*Details\b", cell.source.strip()):
            break
        cells.append(re.sub(r"\$\$.*?\$\$", " ", cell.source, flags=re.S))
    return cells


def numbers(paragraph: str) -> list[str]:
    """The numbers a paragraph states in words or digits outside math (a symbol's index is not one)."""
    return NUMBER.findall(re.sub(r"\$[^$]*\$", " ", paragraph))


def test_numbers_are_counted_as_a_reader_sees_them():
    assert numbers("In this run 3 of 10 seeds reach 93.7 % and $z_1$ has 1,000 codes") == ["3", "10", "93.7", "1,000"]
    assert numbers("$\\mathcal{N}(0, I)$ and x_2") == []


def test_the_main_flow_ends_at_details():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("one two\n\n$$a = b$$"),
                                         nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell("## Details\n\nthree four five")])
    assert sum(len(c.split()) for c in main_flow(nb)) == 2


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_a_lecture_is_read_in_one_sitting(path):
    flow = main_flow(nbformat.read(path, as_version=4))
    words = sum(len(cell.split()) for cell in flow)
    assert words <= MAX_WORDS, f"{path.name}: {words} words of main flow (at most {MAX_WORDS})"
    dense = [p[:80] for cell in flow for p in cell.split("\n\n") if len(numbers(p)) > MAX_NUMBERS]
    assert not dense, f"{path.name}: paragraphs with more than {MAX_NUMBERS} numbers: {dense}"
