"""Build the website: every lecture notebook and its student version as a page, in lecture order.

    python scripts/build_site.py               # build/site/index.html
    python scripts/build_site.py --out DIR

Pages come from the committed outputs (nothing is executed), rendered by nbconvert's HTML
exporter (JupyterLab's look) with ``scripts/templates/site_page.html.j2``: math by MathJax and
figures embedded in the page, so the folder works offline from ``file://``; a contents page
with each lecture's sections; on every page its own sections, links to the previous and next
page, to the other version of the notebook and to the ``.ipynb`` source (copied beside it).
Pages follow the reader's light or dark system theme.
"""
from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import nbformat
from jupyter_core.paths import jupyter_path
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_slides  # noqa: E402
import web_assets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "scripts" / "templates"
NAME = "vae-tf: variational autoencoders, from the equations up"
INTRO = ("Teaching notebooks that take you from a plain autoencoder to a variational autoencoder, the "
         "reparameterization trick, a semi-supervised VAE whose latents split into a digit label and a "
         "handwriting style, and on to disentangled representations, all on MNIST, in TensorFlow Probability.")
HEADING = re.compile(r'<h([1-3]) id="([^"]+)">(.*?)<a class="anchor-link"', re.DOTALL)


@dataclass
class Page:
    source: Path                 # the notebook, relative to the repository
    kind: str                    # "Lecture" or "Student version"
    title: str = ""
    sections: list[dict] = field(default_factory=list)

    @property
    def href(self) -> str:       # relative to the site's root
        return self.source.with_suffix(".html").as_posix()


def site_pages(root: Path = ROOT) -> list[Page]:
    """Each lecture followed by its student version."""
    pages = []
    for lecture in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        pages.append(Page(lecture.relative_to(root), "Lecture"))
        student = root / "exercises" / lecture.name
        if student.exists():
            pages.append(Page(student.relative_to(root), "Student version"))
    return pages


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := re.match(r"\s*#\s+(.+)", cell.source)):
            return m.group(1).strip()
    return "untitled"


def _dark_css() -> str:
    for base in jupyter_path("nbconvert", "templates"):
        css = Path(base) / "lab" / "static" / "theme-dark.css"
        if css.is_file():
            return css.read_text()
    raise FileNotFoundError("nbconvert's lab/static/theme-dark.css not found")


def _toc(body: str) -> tuple[str, list[dict]]:
    """The page's sections (h2, h3) as a contents box, and the h2 list for the index page."""
    entries = [(int(level), anchor, html.unescape(re.sub(r"<[^>]+>", "", text)).strip())
               for level, anchor, text in HEADING.findall(body) if level != "1"]
    items = "".join(f'<li class="toc-h{level}"><a href="#{anchor}">{html.escape(text, quote=False)}</a></li>'
                    for level, anchor, text in entries)
    box = f'<nav class="page-toc" aria-label="on this page"><strong>On this page</strong><ul>{items}</ul></nav>'
    return (box if entries else ""), [{"id": a, "title": t} for level, a, t in entries if level == 2]


def build(out: Path | None = None, root: Path = ROOT) -> list[Path]:
    """Write the site into ``out`` (default build/site); returns the HTML files written, index first."""
    out = Path(out) if out else ROOT / "build" / "site"
    out.mkdir(parents=True, exist_ok=True)
    web_assets.copy_static(out / "_static")
    exporter = HTMLExporter(template_name="lab", template_file="site_page.html.j2",
                            extra_template_basedirs=[str(TEMPLATES)], extra_template_paths=[str(TEMPLATES)])
    dark_css = _dark_css()
    pages = site_pages(root)
    notebooks = {p.source: build_slides.without_widgets(nbformat.read(root / p.source, as_version=4)) for p in pages}
    for page in pages:
        page.title = _title(notebooks[page.source])
    written = []
    for i, page in enumerate(pages):
        up = "../" * (len(page.source.parts) - 1)
        link = lambda other: {"href": up + other.href, "label": f"{other.title.split(' · ')[0]} {other.kind.lower()}"}
        other = next((p for p in pages if p.source.name == page.source.name and p is not page), None)
        site = {"name": "vae-tf", "home": up + "index.html", "kind": f"{page.kind} · {page.source.stem}",
                "prev": link(pages[i - 1]) if i else None, "next": link(pages[i + 1]) if i + 1 < len(pages) else None,
                "source_href": page.source.name, "source_path": page.source.as_posix(),
                "other": {"href": up + other.href, "label": other.kind.lower()} if other else None,
                "dark_css": dark_css}
        nb = nbformat.from_dict(notebooks[page.source])
        nb.cells = [c for c in nb.cells if "claims" not in c.metadata.get("tags", [])]  # checks, not the lecture
        nb.metadata["title"] = f"{page.title} ({page.kind.lower()})"
        body, _ = exporter.from_notebook_node(nb, resources={"static_prefix": up + "_static", "site": site})
        box, page.sections = _toc(body)
        target = out / page.href
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body.replace("<!--PAGE-TOC-->", box, 1), encoding="utf-8")
        shutil.copy2(root / page.source, target.with_suffix(".ipynb"))
        written.append(target)
    index = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True).get_template("site_index.html.j2")
    lectures = []
    for page in pages:
        entry = {"href": page.href, "title": page.title, "sections": page.sections,
                 "source_href": page.source.as_posix(), "source_path": page.source.as_posix()}
        if page.kind == "Lecture":
            lectures.append(entry | {"exercises": None})
        else:
            lectures[-1]["exercises"] = entry
    (out / "index.html").write_text(index.render(name=NAME, intro=INTRO, lectures=lectures,
                                                 resources={"static_prefix": "_static"}), encoding="utf-8")
    return [out / "index.html", *written]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the site (default: build/site)")
    args = parser.parse_args(argv)
    written = build(args.out)
    print(f"wrote {len(written)} pages; open {written[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
