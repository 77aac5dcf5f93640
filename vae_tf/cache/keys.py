"""Cache keys: a SHA-256 of a JSON description of everything that changes a result.

One rule decides which code enters a key: the code of every module of the package except those
that only draw (plotting, the explorer, the exercises' checks), the cache's own included, plus the
record format and the library versions. The code is read as Python reads it: comments and
docstrings do not enter, so correcting a sentence in them keeps every cached result.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import json
import pkgutil
import re

import numpy as np

from vae_tf.cache.store import FORMAT

PRESENTATION_MODULES = {"vae_tf.plotting", "vae_tf.explorer", "vae_tf.exercises"}


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-.") or "model"


def code_of(source: str) -> str:
    """The syntax tree of ``source`` without its docstrings, as text: what runs, not how it is explained
    (comments are gone once parsed)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


@functools.lru_cache(maxsize=1)
def package_source() -> str:
    """SHA-256 of the code of every computing module of ``vae_tf`` (see the module docstring)."""
    import vae_tf

    h = hashlib.sha256()
    for info in sorted(pkgutil.walk_packages(vae_tf.__path__, "vae_tf."), key=lambda i: i.name):
        if info.name in PRESENTATION_MODULES or info.name.endswith("__main__"):
            continue
        h.update(info.name.encode())
        h.update(code_of(inspect.getsource(importlib.import_module(info.name))).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def versions() -> dict:
    import keras
    import tensorflow as tf
    import tensorflow_probability as tfp

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "tfp": tfp.__version__, "numpy": np.__version__,
            "format": FORMAT, "source": package_source()}


def plain(value):
    """JSON-able view of a configuration value (tuples as lists, unknown objects by type name)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return type(value).__name__


def key(description: dict) -> str:
    return hashlib.sha256(json.dumps({**description, "versions": versions()}, sort_keys=True).encode()).hexdigest()[:16]
