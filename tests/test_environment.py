"""environment.yml and pyproject.toml must name the same packages, so the two cannot drift."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=~!; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_name(r): r.strip() for r in reqs}


def _environment_pip_section():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*-\s*pip:\s*$", line))
    reqs = []
    for line in lines[start + 1:]:
        m = re.match(r"\s+-\s+([^#]+?)\s*(#.*)?$", line)
        if not m:
            break
        reqs.append(m.group(1).strip().strip("\"'"))
    return {_name(r): r for r in reqs if not r.startswith("-e")}


def test_environment_names_the_same_packages_with_the_same_pins():
    assert _environment_pip_section() == _pyproject()


def test_environment_pins_python_311():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"-\s*python\s*=\s*3\.11", text)
    assert "-e ." in text  # installs vae_tf itself


def test_no_tfp_layers_in_the_package():
    # tfp.layers is built on legacy Keras 2 and breaks under Keras 3
    for path in (ROOT / "vae_tf").rglob("*.py"):
        assert "tfp.layers" not in path.read_text(), path


def test_the_declared_pythons_are_those_tensorflow_has_wheels_for():
    """TensorFlow 2.21 publishes wheels for CPython 3.11-3.13: pip on 3.14 should refuse the package by its
    Python range (and say which versions work), not fail later on a missing TensorFlow."""
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in spec] == ["3.11", "3.12", "3.13"]
    assert "3.13" in (ROOT / "README.md").read_text().split("## Quick start")[1].split("```")[0]
