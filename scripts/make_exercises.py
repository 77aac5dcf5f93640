"""Write the student notebooks: ``exercises/<name>.ipynb`` from ``notebooks/<name>.ipynb``.

In every code cell, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's
markers) become ``raise NotImplementedError(hint)``, where the hint is the ``# Hint:`` comment
just above the markers; all outputs and execution counts are cleared. Cells without markers are
copied as they are.

    python scripts/make_exercises.py           # (re)write exercises/
    python scripts/make_exercises.py --check   # exit 1 if exercises/ is stale (run by the tests)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HINT = re.compile(r"^\s*#\s*Hint:\s*(.*)$")


def _stub(indent: str, message: str, width: int = 88) -> list[str]:
    """``raise NotImplementedError(message)``, its message split over lines where it is too wide."""
    line = f"{indent}raise NotImplementedError({message!r})"
    if len(line) <= width:
        return [line]
    chunks = textwrap.wrap(message, width - len(indent) - 6, drop_whitespace=False)
    quoted = [json.dumps(chunk, ensure_ascii=False) for chunk in chunks]
    return [f"{indent}raise NotImplementedError("] + [f"{indent}    {q}" for q in quoted[:-1]] \
        + [f"{indent}    {quoted[-1]})"]


def strip_solutions(source: str, where: str) -> str:
    """Replace each marked solution region by a stub that raises NotImplementedError with its hint."""
    out, inside, hint = [], False, ""
    for number, line in enumerate(source.splitlines(), 1):
        if BEGIN in line:
            if inside:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside a solution")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            message = hint or "write this part"
            out.append(f"{indent}# YOUR CODE HERE")
            out += _stub(indent, message)
            continue
        if END in line:
            if not inside:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN}")
            inside = False
            continue
        if not inside:
            match = HINT.match(line)
            hint = match.group(1).strip() if match else ("" if line.strip() else hint)
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def student_version(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(notebook)  # a deep copy
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{name}, cell {i}")
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def exercise_notebooks(root: Path = ROOT) -> dict[Path, str]:
    """Target path → text of every student notebook (only notebooks that contain a solution)."""
    result = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(BEGIN in c.source for c in nb.cells if c.cell_type == "code"):
            result[root / "exercises" / path.name] = render(student_version(nb, path.name))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if exercises/ differs from what would be written")
    args = parser.parse_args(argv)
    wanted = exercise_notebooks(ROOT)
    present = set((ROOT / "exercises").glob("*.ipynb"))
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    extra = sorted(present - set(wanted))
    if args.check:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run python scripts/make_exercises.py)")
        for p in extra:
            print(f"no instructor notebook for {p.relative_to(ROOT)}")
        if not stale and not extra:
            print(f"exercises/ is up to date ({len(wanted)} notebooks)")
        return 1 if stale or extra else 0
    (ROOT / "exercises").mkdir(exist_ok=True)
    for p, text in wanted.items():
        p.write_text(text)
        print(f"wrote {p.relative_to(ROOT)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
