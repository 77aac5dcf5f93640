"""The student notebooks in exercises/: generated from notebooks/, in sync, valid, and runnable."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_exercises  # noqa: E402

STUDENT = sorted((ROOT / "exercises").glob("*.ipynb"))


def test_exercises_are_in_sync_with_the_instructor_notebooks():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_exercises.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_stale_exercises_are_detected(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "exercises").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")])
    nbformat.write(nb, tmp_path / "notebooks" / "x.ipynb")
    monkeypatch.setattr(make_exercises, "ROOT", tmp_path)
    assert make_exercises.main(["--check"]) == 1           # missing
    assert make_exercises.main([]) == 0
    assert make_exercises.main(["--check"]) == 0
    nb.cells[0].source = nb.cells[0].source.replace("return 1", "return 2")
    nbformat.write(nb, tmp_path / "notebooks" / "x.ipynb")
    student = (tmp_path / "exercises" / "x.ipynb").read_text()
    assert "return" not in student
    (tmp_path / "exercises" / "x.ipynb").write_text(student.replace("YOUR CODE HERE", "edited"))
    assert make_exercises.main(["--check"]) == 1           # edited by hand


def test_solutions_become_stubs_with_the_hint():
    source = ("def f(x):\n    # Hint: square it\n    ### BEGIN SOLUTION\n    y = x * x\n    return y\n    ### END SOLUTION\n"
              "print(f)")
    stub = make_exercises.strip_solutions(source, "test")
    assert "x * x" not in stub and "BEGIN SOLUTION" not in stub
    assert "    raise NotImplementedError('square it')" in stub and stub.endswith("print(f)")
    namespace = {}
    exec(stub.replace("print(f)", ""), namespace)
    with pytest.raises(NotImplementedError, match="square it"):
        namespace["f"](3)
    hint = "divide by the batch size, labeled and unlabeled together, not by each group's size, then add it"
    long = make_exercises.strip_solutions(f"def g():\n    # Hint: {hint}\n    ### BEGIN SOLUTION\n    return 1\n"
                                          "    ### END SOLUTION", "test")
    stub_lines = long.split("# YOUR CODE HERE")[1].splitlines()
    assert len(stub_lines) > 2 and max(map(len, stub_lines)) <= 88, "a long hint is split over lines"
    exec(long, namespace)
    with pytest.raises(NotImplementedError) as raised:
        namespace["g"]()
    assert str(raised.value) == hint, "and reads whole when raised"
    with pytest.raises(ValueError, match="without"):
        make_exercises.strip_solutions("### BEGIN SOLUTION\nx = 1", "cell 3")
    with pytest.raises(ValueError, match="cell 4"):
        make_exercises.strip_solutions("x = 1\n### END SOLUTION", "cell 4")


def test_every_student_notebook_is_valid_cleared_and_has_three_exercises():
    assert len(STUDENT) >= 3
    for path in STUDENT:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert not any("BEGIN SOLUTION" in c.source for c in code), path.name
        assert sum("raise NotImplementedError(" in c.source for c in code) >= 3, path.name
        assert sum(c.source.replace("# NBVAL_CHECK_OUTPUT\n", "").startswith("check_") for c in code) >= 3, path.name


@pytest.mark.notebook  # executed in the fast setting, as the test command runs the lecture notebooks
@pytest.mark.parametrize("path", STUDENT, ids=[p.stem for p in STUDENT])
def test_student_notebook_runs_and_every_check_reports_the_stub(path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    checks = [c for c in nb.cells if c.cell_type == "code" and "check_" in c.source and "import" not in c.source]
    assert len(checks) >= 3
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "not implemented yet" in text, (cell.source, text)
