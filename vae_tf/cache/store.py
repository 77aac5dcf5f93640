"""One data-only record format for everything the cache keeps: NumPy arrays plus JSON metadata in an
``.npz`` file, written under a unique temporary name and renamed into place (atomic; concurrent
writers never see each other's half-written files), read back without pickle and checked against
the SHA-256 of its arrays before anything uses it."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from vae_tf.npz import read_npz

FORMAT = 2  # bump when the layout of records changes: older records then miss


class CacheError(ValueError):
    """A stored record cannot be used (missing, truncated, edited, wrong format); names the file."""


def sha256_arrays(*arrays) -> str:
    """SHA-256 over arrays' dtypes, shapes and bytes (``None`` hashes as a marker)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _checksum(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def write_record(path: Path, meta: dict, arrays: list[np.ndarray]) -> None:
    """Write ``meta`` (JSON-able) and ``arrays`` to ``path`` atomically. TypeError for object arrays."""
    arrays = [np.asarray(a) for a in arrays]
    for a in arrays:
        if a.dtype.hasobject:
            raise TypeError("object arrays cannot be stored without pickle")
    meta = {**meta, "format": FORMAT, "arrays_sha256": sha256_arrays(*arrays)}
    meta["checksum"] = _checksum(meta)
    payload = {"meta": np.array(json.dumps(meta))} | {f"a{i}": a for i, a in enumerate(arrays)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: the most bytes of arrays a record may inflate to unless the reader knows better (a model's state)
MAX_RECORD_BYTES = 1 << 30


def read_record(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> tuple[dict, list[np.ndarray]]:
    """Metadata and arrays of a record; :class:`CacheError` naming the file for anything wrong.

    Only a regular file is opened, and its declared sizes are checked against ``max_bytes`` before
    anything is inflated (:func:`vae_tf.npz.read_npz`): a pipe cannot block it, a zip bomb cannot fill memory.
    """
    stored = read_npz(path, max_bytes, error=CacheError)
    try:
        meta = json.loads(str(stored.pop("meta")[()]))
        if not isinstance(meta, dict):
            raise CacheError(f"{path}: its metadata is {type(meta).__name__}, not a JSON object")
        arrays = [stored[f"a{i}"] for i in range(len(stored))]
    except CacheError:
        raise
    except Exception as err:  # JSON, key and dtype errors all mean the same: unusable
        raise CacheError(f"{path}: unreadable ({err.__class__.__name__}: {err})") from err
    if meta.get("format") != FORMAT:
        raise CacheError(f"{path}: record format {meta.get('format')!r}, this version reads {FORMAT}")
    if meta.get("checksum") != _checksum(meta):
        raise CacheError(f"{path}: its metadata does not match the checksum it was saved with (edited or damaged)")
    if meta.get("arrays_sha256") != sha256_arrays(*arrays):
        raise CacheError(f"{path}: its arrays do not match the hash they were saved with (truncated or changed)")
    return meta, arrays


def require(condition: bool, path: Path, what: str) -> None:
    """Raise :class:`CacheError` naming ``path`` unless ``condition``."""
    if not condition:
        raise CacheError(f"{path}: {what}")
