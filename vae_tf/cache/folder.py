"""The cache folder: where it is, whether it can be used, what it holds, and clearing it."""
from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import warnings
from pathlib import Path

CACHE_ENV = "VAE_TF_CACHE_DIR"
OFF = {"off", "0", "false", "no", "none"}
RESULTS = "results"  # the subfolder of remember()'s stored evaluations
SUFFIX = ".npz"
_reported: set[str] = set()


def cache_folder(path: str | os.PathLike | None = None) -> Path | None:
    """``path``, else ``$VAE_TF_CACHE_DIR``, else ``$XDG_CACHE_HOME/vae-tf`` or ``~/.cache/vae-tf``; None when off."""
    value = os.environ.get(CACHE_ENV, "") if path is None else str(path)
    if value.strip().lower() in OFF:
        return None
    if value.strip():
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vae-tf"


def usable_folder(path: str | os.PathLike | None = None) -> Path | None:
    """The cache folder if a file can be written there, else None with one warning per folder and process."""
    root = cache_folder(path)
    if root is None:
        return None
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".probe-"):
            pass
        return root
    except OSError as err:
        if str(root) not in _reported:
            _reported.add(str(root))
            warnings.warn(f"cache folder {root} cannot be used ({err.__class__.__name__}: {err.strerror or err}); "
                          f"working without the cache (set {CACHE_ENV} to a writable folder, or to 'off')",
                          RuntimeWarning, stacklevel=3)
        return None


def say(message: str, verbose: int) -> None:
    """The cache's one line per model or result; ``verbose=-1`` silences it."""
    if verbose >= 0:
        print(message, flush=True)


def entries(path=None) -> list[Path]:
    """The finished training entries in the cache folder."""
    root = cache_folder(path)
    if root is None or not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"*{SUFFIX}") if not p.name.endswith(f".partial{SUFFIX}"))


def _ours(root: Path) -> list[Path]:
    """Everything the cache writes in ``root``: entries, checkpoints, results, and the temporary files of
    writes that were killed; whatever their kind (a link, a pipe, a folder under such a name)."""
    found = []
    for folder in (root, root / RESULTS):
        if folder.is_dir() and not folder.is_symlink():
            found += [p for p in folder.iterdir() if p.name.endswith((SUFFIX, ".tmp")) or p.name.startswith(".probe-")]
    return sorted(found)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink(missing_ok=True)


def clear(path=None, name: str | None = None) -> int:
    """Delete entries, checkpoints, stored results and unfinished writes (only those named ``name`` if
    given); returns how many. The results folder goes too when it is left empty."""
    from vae_tf.cache.keys import slug

    root = cache_folder(path)
    if root is None or not root.is_dir():
        return 0
    removed = 0
    for p in _ours(root):
        if name is None or p.name.lstrip(".").startswith(slug(name) + "-"):
            _remove(p)
            removed += 1
    results = root / RESULTS
    if name is None and results.is_dir() and not results.is_symlink() and not any(results.iterdir()):
        results.rmdir()
    return removed


def _describe(p: Path, root: Path) -> str:
    try:
        info = p.lstat()
    except OSError as err:
        return f"  {p.relative_to(root)}  (unreadable: {err.strerror or err})"
    if p.is_symlink():
        kind = "link to a missing file" if not p.exists() else "link"
        return f"  {p.relative_to(root)}  ({kind}; not used)"
    if not stat.S_ISREG(info.st_mode):
        return f"  {p.relative_to(root)}  (not a regular file; not used)"
    note = "  (an unfinished write)" if p.name.endswith(".tmp") else ""
    return f"  {p.relative_to(root)}  {info.st_size / 1e6:.1f} MB{note}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_tf.cache", description="List or clear the training cache.")
    parser.add_argument("--dir", help=f"cache folder (default: ${CACHE_ENV} or ~/.cache/vae-tf)")
    parser.add_argument("--list", action="store_true", help="list the cached models and results")
    parser.add_argument("--clear", action="store_true", help="delete the cached models, checkpoints and results")
    parser.add_argument("--name", help="with --clear: only the entries of this name")
    args = parser.parse_args(argv)
    root = cache_folder(args.dir)
    if root is None:
        print(f"the cache is off ({CACHE_ENV}=off)")
        return 0
    if root.exists() and not root.is_dir():
        print(f"error: the cache folder {root} is not a folder", file=sys.stderr)
        return 2
    if args.clear:
        print(f"removed {clear(root, args.name)} files from {root}")
        return 0
    print(f"cache folder: {root}" + ("" if root.is_dir() else " (empty: nothing cached yet)"))
    for p in _ours(root) if root.is_dir() else []:
        print(_describe(p, root))
    return 0
