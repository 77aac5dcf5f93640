"""Offline copies of reveal.js and MathJax for the slides and the website.

The versions are pinned in ``scripts/web/package.json`` and ``package-lock.json`` (with their
integrity hashes); ``install()`` runs ``npm ci`` once into ``build/web-assets/`` (again only when
the lock file changes), and ``copy_static(dest)`` copies the few files a page needs next to it, so
a deck or a site folder works from ``file://`` with no network.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scripts" / "web"
CACHE = ROOT / "build" / "web-assets"

#: what a page loads, relative to node_modules: (package, [files or folders])
NEEDED = {
    "reveal.js": ["dist/reveal.js", "dist/reveal.css", "dist/reset.css", "dist/theme/white.css",
                  "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js"],
    "mathjax": ["es5/tex-chtml-full.js", "es5/output/chtml/fonts/woff-v2"],
}


class AssetError(RuntimeError):
    pass


def install(cache: Path = CACHE) -> Path:
    """``npm ci`` the pinned packages into ``cache`` unless they are there already; returns node_modules."""
    lock = (SPEC / "package-lock.json").read_text()
    modules = cache / "node_modules"
    if modules.is_dir() and (cache / "package-lock.json").is_file() and (cache / "package-lock.json").read_text() == lock:
        if all((modules / pkg / f).exists() for pkg, files in NEEDED.items() for f in files):
            return modules
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm not found: the slides and the website need Node.js's npm to fetch reveal.js and "
                         "MathJax once (Debian: apt-get install nodejs npm)")
    cache.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(modules, ignore_errors=True)
    (cache / "package-lock.json").unlink(missing_ok=True)  # written last: marks a finished install
    shutil.copy2(SPEC / "package.json", cache / "package.json")
    shutil.copy2(SPEC / "package-lock.json", cache / "package-lock.json.tmp")
    (cache / "package-lock.json.tmp").rename(cache / "package-lock.json")
    run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                         cwd=cache, capture_output=True, text=True)
    missing = [f"{pkg}/{f}" for pkg, files in NEEDED.items() for f in files if not (modules / pkg / f).exists()]
    if run.returncode != 0 or missing:
        (cache / "package-lock.json").unlink(missing_ok=True)
        raise AssetError(f"npm ci in {cache} failed (exit {run.returncode}); missing {missing}\n{run.stdout}{run.stderr}")
    return modules


def copy_static(dest: Path, cache: Path = CACHE) -> Path:
    """Copy reveal.js and MathJax into ``dest/reveal.js`` and ``dest/mathjax``; returns ``dest``."""
    modules = install(cache)
    for pkg, files in NEEDED.items():
        for f in files:
            src, target = modules / pkg / f, dest / pkg / f
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copy2(src, target)
    return dest


if __name__ == "__main__":
    print(install())
