"""Reading ``.npz`` files within a bound: sizes are checked from the zip directory and each array's
header before anything is inflated, so a file that announces or holds more than the caller allows
is refused at once instead of filling memory (a zip bomb, a forged header). Only regular files are
opened (a named pipe would block the read forever), and nothing is unpickled.
"""
from __future__ import annotations

import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

ZIP_MAGIC = b"PK\x03\x04"  # the first bytes of a zip archive, so of every .npz


def is_regular_file(path) -> bool:
    """True for a regular file (not a pipe, a device, a folder or a dangling link)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_npz(path, max_bytes: int, error=ValueError) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path``, by name, reading at most ``max_bytes`` of array data.

    Raises ``error`` (naming the file) for anything that is not a regular, readable, bounded ``.npz``
    of plain arrays; ``OSError`` passes through as ``error`` too.
    """
    path = Path(path)
    if not is_regular_file(path):
        raise error(f"{path}: not a regular file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic != ZIP_MAGIC:
            raise error(f"{path}: not an .npz file (it starts with {magic!r}, an .npz with {ZIP_MAGIC!r})")
        arrays = {}
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > max_bytes:
                raise error(f"{path}: its arrays would inflate to {declared:,} bytes, more than the {max_bytes:,} "
                            "allowed here")
            for member in members:
                arrays[member.filename.removesuffix(".npy")] = _read_member(archive, member, path, error)
        return arrays
    except error:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise error(f"{path}: not a readable .npz ({exc.__class__.__name__}: {exc})") from exc


def _read_member(archive, member, path, error) -> np.ndarray:
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if dtype.hasobject:
            raise error(f"{path}: {member.filename} holds Python objects, which are never unpickled")
        nbytes = dtype.itemsize * math.prod(shape)                # Python ints: no overflow
        if nbytes > member.file_size:
            raise error(f"{path}: {member.filename} announces {shape} {dtype} ({nbytes:,} bytes) but holds "
                        f"{member.file_size:,}")
        buffer = bytearray(nbytes)
        if f.readinto(buffer) != nbytes:
            raise error(f"{path}: {member.filename} is truncated")
    return np.frombuffer(buffer, dtype=dtype).reshape(shape, order="F" if fortran else "C")
