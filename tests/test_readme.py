"""The README is the front door: its Quick start, its sections and its links must keep working.

Checks that the Quick start has exactly two commands (open the collection; run the tests) in
fenced code blocks that set up the same environment, that `.ci/run` runs the test command verbatim,
that every notebook and student notebook is listed, and that every relative link resolves.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: sections a newcomer needs, in the order the README gives them
REQUIRED_SECTIONS = ["Quick start", "Data", "The notebooks", "Results", "What is where"]
#: the README is the front door; the manual lives in docs/ (the website's pages)
MAX_CHARACTERS = 10_000


def sections(text: str) -> dict[str, str]:
    """Level-2 headings mapped to the text under them."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    return {title: body for title, body in zip(parts[1::2], parts[2::2])}


def section(text: str, title: str) -> str:
    found = [body for heading, body in sections(text).items() if heading == title]
    assert found, f"README.md has no '## {title}' section"
    return found[0]


def fenced_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^```[a-z]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE)]


def quick_start_commands(text: str) -> tuple[str, str]:
    """The first two fenced blocks of the Quick start (before its conda alternative): one line each."""
    body = section(text, "Quick start")
    pip_part = body.split("**Conda", 1)[0]
    blocks = fenced_blocks(pip_part)
    assert len(blocks) == 2, f"the Quick start must have exactly two commands in fenced blocks, found {len(blocks)}"
    for block in blocks:
        assert "\n" not in block, f"a Quick start command is one line: {block!r}"
    return blocks[0], blocks[1]


def steps(command: str) -> list[str]:
    return [s.strip() for s in command.split("&&")]


def links(text: str) -> list[str]:
    inline = re.findall(r"\]\(([^)\s]+)\)", text)
    return [target for target in inline if not urlparse(target).scheme and not target.startswith("#")]


def test_readme_has_every_section_in_order():
    titles = list(sections(README.read_text()))
    positions = []
    for required in REQUIRED_SECTIONS:
        matches = [i for i, t in enumerate(titles) if t == required]
        assert matches, f"README.md lost its '## {required}' section"
        positions.append(matches[0])
    assert positions == sorted(positions), f"README sections out of order: {titles}"


def test_quick_start_opens_the_collection_and_runs_the_tests_in_one_environment():
    open_cmd, test_cmd = quick_start_commands(README.read_text())
    *setup_open, last_open = steps(open_cmd)
    *setup_test, last_test = steps(test_cmd)
    assert setup_open == setup_test, "both commands must set up the same environment the same way"
    assert any(shlex.split(s)[:3] == ["python3", "-m", "venv"] for s in setup_test), "set-up makes a virtual environment"
    assert any(re.search(r"pip install .*-e \"?\.\[dev\]\"?", s) for s in setup_test), "set-up installs the project"
    assert re.fullmatch(r"\S*jupyter lab( \S+)?", last_open), f"command 1 must open JupyterLab: {last_open!r}"
    target = shlex.split(last_open)[2:]
    assert all((ROOT / t).exists() for t in target), f"command 1 opens a path that does not exist: {target}"
    assert re.fullmatch(r"\S*python -m pytest", last_test), f"command 2 must run the test command: {last_test!r}"


def test_ci_runs_exactly_the_readme_test_command():
    _, test_cmd = quick_start_commands(README.read_text())
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    executed = [line.strip() for line in script if line.strip() and not line.lstrip().startswith("#")]
    assert test_cmd in executed, f".ci/run must run the README's command 2 verbatim: {test_cmd!r}"
    assert "python3 --version" in executed, ".ci/run prints the Python version"
    assert any("python3.11" in line for line in executed), ".ci/run runs on Python 3.11"


@pytest.mark.parametrize("folder", ["notebooks", "exercises"])
def test_every_notebook_is_in_the_readme(folder):
    listed = {unquote(target) for target in links(README.read_text())}
    notebooks = sorted((ROOT / folder).glob("*.ipynb"))
    assert notebooks, f"no notebooks in {folder}/"
    missing = [f"{folder}/{nb.name}" for nb in notebooks if f"{folder}/{nb.name}" not in listed]
    assert not missing, f"README.md does not link {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_that_exist(doc):
    broken = []
    for target in links(doc.read_text()):
        path = unquote(target.split("#", 1)[0])
        if path and not (doc.parent / path).exists():
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)}: broken links {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_anchors_name_headings_that_exist(doc):
    """Links like README.md#data point at a heading of that file (GitHub's slug rules)."""
    def slugs(path: Path) -> set[str]:
        heads = re.findall(r"^#+ +(.+?)\s*$", path.read_text(), flags=re.MULTILINE)
        return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}

    text = doc.read_text()
    targets = re.findall(r"\]\(([^)\s]*#[^)\s]+)\)", text)
    broken = []
    for target in targets:
        path, anchor = target.split("#", 1)
        file = doc if not path else doc.parent / unquote(path)
        if file.suffix == ".md" and anchor not in slugs(file):
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)}: links to missing headings {broken}"


def test_performance_material_lives_in_the_benchmarks_readme():
    text = README.read_text()
    assert "benchmarks/README.md" in text
    assert "GFLOP/s" not in text, "throughput tables belong in benchmarks/README.md"
    assert "GFLOP/s" in (ROOT / "benchmarks" / "README.md").read_text()


def test_the_readme_is_short_and_leads_to_every_page_of_the_manual():
    text = README.read_text()
    assert len(text) < MAX_CHARACTERS, f"README.md has {len(text)} characters; the reference belongs in docs/"
    listed = {unquote(target).split("#")[0] for target in links(text)}
    pages = [f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md")) if p.stem != "index"]
    missing = [p for p in pages if p not in listed]
    assert not missing, f"README.md does not link the manual's pages {missing}"
