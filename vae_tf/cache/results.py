"""``cached``: compute an expensive evaluation once and reload it after.

``@vae_tf.cached`` on a function keys each call on the function's code, its arguments and every
name it reads from outside (globals and closures, and the code of the functions it calls, read the
same way), so editing any of them computes afresh.

Results are stored as data only (arrays and JSON, see :mod:`vae_tf.cache.store`): loading a
result never runs code. A result that cannot be stored that way is returned with a warning.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import os
import types
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from vae_tf import config
from vae_tf.cache.folder import RESULTS, SUFFIX, say as _say, usable_folder
from vae_tf.cache.keys import key as key_of, slug
from vae_tf.cache.store import CacheError, read_record, require, sha256_arrays, write_record


class _Unstorable(TypeError):
    pass


def _fingerprint(value, models: list) -> object:
    """A JSON-able stand-in for an argument (arrays and models by content, data sets by their arrays)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"dataclass": type(value).__qualname__,
                "fields": _fingerprint({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, models)}
    if isinstance(value, keras.Model):
        models.append(value)
        return {"model": type(value).__qualname__, "variables": sha256_arrays(*[v.numpy() for v in value.variables])}
    if isinstance(value, (np.ndarray, np.generic, tf.Tensor)):
        return {"array": sha256_arrays(np.asarray(value))}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_fingerprint(v, models) for v in value]
    if isinstance(value, dict):
        return {str(k): _fingerprint(v, models) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    raise TypeError(f"remember: cannot fingerprint an argument of type {type(value).__name__}; "
                    "pass arrays, numbers, strings, models, or lists/dicts of them")


def _code_hash(fn) -> str:
    """The function's source (or bytecode and constants where there is no source)."""
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):
        code = fn.__code__
        text = repr((code.co_code, code.co_consts, code.co_names))
    return hashlib.sha256(text.encode()).hexdigest()


def _names_read(code) -> set[str]:
    """The global names a code object and the functions defined inside it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_read(const)
    return names


def _reads(fn, models: list, seen: set | None = None) -> dict:
    """What ``fn`` reads from outside: its closure's values and the globals it names, each fingerprinted
    (functions by their code and what they read, in turn; modules and classes by name: the package's own
    code is in every key already)."""
    seen = set() if seen is None else seen
    if id(fn) in seen or not hasattr(fn, "__code__"):
        return {}
    seen.add(id(fn))
    found = {}
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    values = {name: cell.cell_contents for name, cell in cells.items() if _filled(cell)}
    values.update({name: fn.__globals__[name] for name in _names_read(fn.__code__) if name in fn.__globals__})
    for name, value in sorted(values.items()):
        if isinstance(value, (types.ModuleType, type)) or callable(value) and not hasattr(value, "__code__"):
            found[name] = getattr(value, "__name__", type(value).__name__)
        elif isinstance(value, types.FunctionType):
            found[name] = {"code": _code_hash(value), "reads": _reads(value, models, seen)}
        else:
            try:
                found[name] = _fingerprint(value, models)
            except TypeError as err:
                raise TypeError(f"cached {fn.__qualname__}: it reads {name!r}, a {type(value).__name__} that cannot be "
                                "keyed; pass it as an argument or read arrays, numbers, strings or models") from err
    return found


def _filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def cached(fn):
    """Decorator: each call of ``fn`` is computed once and reloaded after (see :func:`remember`), keyed on
    ``fn``'s code, its arguments and everything it reads from outside, so no stale result comes back."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        models: list = []
        reads = _reads(fn, models)
        return remember(fn.__qualname__, fn, *args, _reads=reads, _read_models=models, **kwargs)
    return wrapper


def _encode(value, arrays: list):
    """JSON for ``value`` with its arrays moved to ``arrays``; :class:`_Unstorable` for anything else."""
    if isinstance(value, tf.Tensor):
        value = value.numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.hasobject:
            raise _Unstorable("an object array")
        arrays.append(np.asarray(value))
        return {"array": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return {"value": value}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [_encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Unstorable("a dict with keys that are not strings")
        return {"dict": [[k, _encode(v, arrays)] for k, v in value.items()]}
    raise _Unstorable(f"a {type(value).__name__}")


def _decode(node, arrays):
    (kind, content), *rest = node.items()
    if kind == "array":
        return arrays[content][()] if node.get("scalar") else arrays[content]
    if kind == "value":
        return content
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in content]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {k: _decode(v, arrays) for k, v in content}
    raise ValueError(f"unknown node {kind!r}")


def _to_numpy(value):
    if isinstance(value, tf.Tensor):
        return value.numpy()
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def _load(path, models):
    meta, arrays = read_record(path)
    try:
        result = _decode(meta["result"], arrays)
        states = [[arrays[i] for i in ids] for ids in meta["states"]]
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        raise CacheError(f"{path}: malformed result ({err.__class__.__name__}: {err})") from err
    require(len(states) == len(models), path, f"random-number states for {len(states)} models, expected {len(models)}")
    for model, state in zip(models, states):
        variables = model.non_trainable_variables
        require(len(state) == len(variables) and all(tuple(v.shape) == a.shape for v, a in zip(variables, state)),
                path, f"stored state does not fit {type(model).__name__}")
    for model, state in zip(models, states):
        for v, a in zip(model.non_trainable_variables, state):
            v.assign(a)
    return result, float(meta.get("seconds", 0.0))


def remember(name: str, fn, *args, cache_dir=None, verbose: int = -1, _reads=None, _read_models=(), **kwargs):
    """Compute ``fn(*args, **kwargs)`` once and reload it after: for expensive evaluations
    (an importance-sampled log p(x) with K = 5000, a sweep of gradient variances).

    The key covers ``name``, ``fn``'s source, every argument (arrays by a SHA-256 of their values,
    models by their variables: weights and random-number state), the fast setting and the code.
    Everything ``fn`` depends on must be an argument: values it reads from the enclosing scope are
    not part of the key. Results are arrays, numbers, strings, or lists/tuples/dicts of them (tensors
    become arrays). On a hit, each model's random-number state is set to what the computation left,
    so later draws match a run that computed. With the cache off this just calls ``fn``. Silent
    unless ``verbose`` >= 0, which prints one line saying whether it computed or loaded.
    """
    models: list = list(_read_models)
    fingerprint = {"name": name, "code": _code_hash(fn), "args": _fingerprint(list(args), models),
                   "kwargs": _fingerprint(kwargs, models), "fast": config.is_fast(), "reads": _reads}
    root = usable_folder(cache_dir)
    if root is None:
        return _to_numpy(fn(*args, **kwargs))
    path = root / RESULTS / f"{slug(name)}-{key_of(fingerprint)}{SUFFIX}"
    if os.path.lexists(path):
        try:
            result, seconds = _load(path, models)
            _say(f"{name}: loaded from the cache", verbose)
            return result
        except CacheError as err:
            _say(f"{name}: the cached result is unusable ({err}); computing it again", verbose)
    start = time.perf_counter()
    result = _to_numpy(fn(*args, **kwargs))
    seconds = time.perf_counter() - start
    arrays: list = []
    try:
        encoded = _encode(result, arrays)
    except _Unstorable as err:
        warnings.warn(f"remember({name!r}): the result holds {err}, which the cache stores only as arrays, numbers, "
                      "strings, lists, tuples and dicts; returned but not cached", RuntimeWarning, stacklevel=2)
        return result
    states = []
    for model in models:
        states.append(list(range(len(arrays), len(arrays) + len(model.non_trainable_variables))))
        arrays.extend(v.numpy() for v in model.non_trainable_variables)
    try:
        write_record(path, {"result": encoded, "states": states, "seconds": seconds}, arrays)
        _say(f"{name}: computed and cached", verbose)
    except OSError as err:
        _say(f"{name}: computed; not cached ({err.__class__.__name__}: {err})", verbose)
    return result
