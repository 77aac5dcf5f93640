"""Build a reveal.js deck per lecture notebook, from its committed outputs, that works offline.

    python scripts/build_slides.py                 # notebooks/<name>.slides.html for every lecture
    python scripts/build_slides.py --out DIR       # the decks in DIR instead
    python scripts/build_slides.py notebooks/02_variational_autoencoder.ipynb

Nothing is executed. Each notebook is read and planned into slides by ``scripts/deck.py`` (in
memory: the notebook file is not changed), and converted by nbconvert's slides exporter (what
``jupyter nbconvert --to slides`` runs) with ``scripts/templates/slides.html.j2``, which
loads reveal.js and MathJax from ``<out>/.slides-assets/`` (copied there by
``scripts/web_assets.py``) instead of a CDN. Open a deck in a browser: arrow keys move, ``s``
opens the speaker notes, ``f`` full screen.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import TagRemovePreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deck  # noqa: E402
import web_assets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "scripts" / "templates"
ASSETS = ".slides-assets"


def lecture_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9]*.ipynb"))


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without live widget views: their static figure (image/png) is shown instead."""
    nb = nbformat.from_dict(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return nb


def build(out: Path | None = None, notebooks: list[Path] | None = None) -> list[Path]:
    """Write ``<out>/<name>.slides.html`` for each notebook (default: notebooks/, every lecture)."""
    out = Path(out) if out else ROOT / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    web_assets.copy_static(out / ASSETS)
    exporter = SlidesExporter(template_name="reveal", template_file="slides.html.j2",
                              extra_template_basedirs=[str(TEMPLATES)], extra_template_paths=[str(TEMPLATES)],
                              reveal_url_prefix=f"{ASSETS}/reveal.js", reveal_theme="white", reveal_transition="slide")
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"remove_input"}), enabled=True)
    written = []
    for path in notebooks or lecture_notebooks():
        nb = deck.plan(without_widgets(nbformat.read(path, as_version=4)))
        body, _ = exporter.from_notebook_node(nb, resources={"static_prefix": ASSETS,
                                                            "metadata": {"name": path.stem}})
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    parser.add_argument("--out", type=Path, help="folder for the decks (default: notebooks/)")
    args = parser.parse_args(argv)
    for target in build(args.out, args.notebooks or None):
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
