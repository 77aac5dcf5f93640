"""Train once, reload after: cached training with per-epoch resume, for lecture mode.

``fit_or_load(model, x, epochs=..., seed=...)`` trains with ``model.fit`` and stores the result
under the cache directory, in an entry keyed by everything that changes it: the model's class,
configuration, architecture and initial weights, the optimizer, the data (a SHA-256 of the
arrays), epochs, seed, the fit settings, the fast setting, the library versions and the source
of the modules the model runs. A second call with the same key loads the weights (Keras
``.weights.h5``) and the training history instead of training; any change misses.

While training, the full state (weights, optimizer moments, the random-number state, the history
so far) is checkpointed after every epoch. An interrupted run resumes from its last finished
epoch and ends with exactly the weights of an uninterrupted run. Entries are written to a
temporary folder and renamed into place, and their files are checked against the hashes they
were saved with, so a half-written, truncated or mismatched entry is detected and retrained.

``remember(name, fn, *args)`` does the same for an expensive evaluation: it stores ``fn``'s
result, keyed by its code and its arguments (models by their variables).

Settings: ``VAE_TF_CACHE_DIR`` (default ``~/.cache/vae-tf``, or under ``$XDG_CACHE_HOME``);
``VAE_TF_CACHE_DIR=off`` disables the cache. Clear it with ``python -m vae_tf.cache --clear``
(or delete the folder); ``python -m vae_tf.cache --list`` shows the entries.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from vae_tf import config
from vae_tf.trainer import EpochTimer, NaNGuard

CACHE_ENV = "VAE_TF_CACHE_DIR"
_WEIGHTS, _HISTORY, _ENTRY = "model.weights.h5", "history.json", "entry.json"
_STATE, _PROGRESS = "state.npz", "progress.json"
_RESULTS = "results"  # the folder of remember()'s stored evaluations


# --------------------------------------------------------------------------- the cache folder
def cache_folder(path: str | os.PathLike | None = None) -> Path | None:
    """The cache folder: ``path``, else ``$VAE_TF_CACHE_DIR``, else ``~/.cache/vae-tf``; None if "off"."""
    value = os.environ.get(CACHE_ENV, "") if path is None else str(path)
    if value.strip().lower() in ("off", "0", "false", "none"):
        return None
    if value.strip():
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vae-tf"


def entries(path=None) -> list[Path]:
    """The finished entries in the cache folder (each a folder with weights, history and entry.json)."""
    root = cache_folder(path)
    if root is None or not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / _ENTRY).exists())


def clear(path=None, name: str | None = None) -> int:
    """Delete the cache's entries and checkpoints (only those of ``name`` if given); returns how many."""
    root = cache_folder(path)
    if root is None or not root.is_dir():
        return 0
    removed = 0
    for p in root.iterdir():
        if p.is_dir() and p.name != _RESULTS and (name is None or p.name.startswith(_slug(name) + "-")):
            shutil.rmtree(p)
            removed += 1
    for p in (root / _RESULTS).glob("*.pkl") if (root / _RESULTS).is_dir() else []:
        if name is None or p.name.startswith(_slug(name) + "-"):
            p.unlink()
            removed += 1
    return removed


# --------------------------------------------------------------------------- the key
def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-") or "model"


def _sha256(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _plain(value):
    """JSON-able view of a configuration value (tuples as lists, unknown objects by type name)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return type(value).__name__


def _model_config(model) -> dict:
    """The model's hyperparameters: its public attributes of plain type (latent_dim, hidden, ...)."""
    simple = (bool, int, float, str, tuple, type(None))
    return {k: _plain(v) for k, v in sorted(vars(model).items())
            if not k.startswith("_") and isinstance(v, simple) and k not in _KERAS_STATE}


#: attributes Keras sets while compiling and training: not hyperparameters
_KERAS_STATE = {"trainable", "built", "name", "compiled", "stop_training", "train_function", "test_function",
                "predict_function", "steps_per_execution"}  # steps per call: same results, a speed setting


def _source_hash(model) -> str:
    modules = {"vae_tf.data", "vae_tf.estimators", "vae_tf.networks", "vae_tf.optimizer", "vae_tf.trainer"}
    modules |= {c.__module__ for c in type(model).__mro__ if c.__module__.startswith("vae_tf")}
    h = hashlib.sha256()
    for module in sorted(modules):
        h.update(inspect.getsource(sys.modules[module]).encode())
    return h.hexdigest()


def _arrays(data):
    if data is None:
        return []
    if isinstance(data, tf.data.Dataset):
        raise TypeError("fit_or_load: pass NumPy arrays (x, y and validation_data), not a tf.data.Dataset: "
                        "the cache key hashes the data and resuming rebuilds the pipeline at the right epoch")
    if isinstance(data, (tuple, list)):
        return [np.asarray(d) for d in data]
    return [np.asarray(data)]


def _epochs_text(first: int, epochs: int) -> str:
    return f"{epochs} epochs" if first == 0 else f"epochs {first + 1}-{epochs}"


def _validation_pipeline(validation_data, batch_size: int = 32):
    """Validation arrays as one finite pass of :func:`vae_tf.data.make_dataset`, in Keras' default
    batches of 32 (Keras' own array adapter logs a native error line under TensorFlow 2.21)."""
    if validation_data is None:
        return None
    from vae_tf.data import make_dataset

    arrays = _arrays(validation_data)
    return make_dataset(arrays[0], arrays[1] if len(arrays) > 1 else None, batch_size=batch_size, binarize=None,
                        shuffle=False)


def describe(model, x, y=None, *, epochs: int, seed: int, validation_data=None, callbacks=(),
             fit_kwargs: dict | None = None) -> dict:
    """Everything the cache key covers, as a JSON-able dict (the model must be built and compiled)."""
    import tensorflow_probability as tfp

    optimizer = model.optimizer
    return {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "config": _model_config(model),
        "architecture": [list(v.shape) for v in model.variables],  # paths carry auto-numbered names
        "initial_weights": _sha256(*[v.numpy() for v in model.variables]),
        "optimizer": [type(optimizer).__name__, _plain({k: v for k, v in optimizer.get_config().items() if k != "name"})],
        "data": _sha256(np.asarray(x), None if y is None else np.asarray(y)),
        "validation_data": _sha256(*_arrays(validation_data)) if validation_data is not None else None,
        "epochs": int(epochs), "seed": int(seed), "fast": config.is_fast(),
        "fit": _plain(dict(sorted((fit_kwargs or {}).items()))),
        "callbacks": sorted(type(cb).__name__ for cb in callbacks),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "tfp": tfp.__version__},
        "source": _source_hash(model),
    }


def _key(description: dict) -> str:
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- state files
def _state_arrays(model) -> list[np.ndarray]:
    """Weights, random-number state and optimizer variables, in a fixed order."""
    return [v.numpy() for v in model.variables] + [v.numpy() for v in model.optimizer.variables]


def _rng_variables(model) -> list:
    """The state variables of the model's ``SeedGenerator``s (its ε noise, dropout masks)."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def _restore_state(model, arrays) -> None:
    variables = list(model.variables) + list(model.optimizer.variables)
    if len(arrays) != len(variables):
        raise ValueError(f"checkpoint holds {len(arrays)} arrays, the model and optimizer have {len(variables)}")
    for v, a in zip(variables, arrays):
        if tuple(v.shape) != a.shape:
            raise ValueError(f"checkpoint array of shape {a.shape} for {v.path} of shape {tuple(v.shape)}")
    for v, a in zip(variables, arrays):
        v.assign(a)


def _write_json(path: Path, obj) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1))
    os.replace(tmp, path)


def _history_lists(history: dict) -> dict:
    return {k: [float(v) for v in vs] for k, vs in history.items()}


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the full training state after every finished epoch whose steps were all finite.

    ``state.npz`` (weights, optimizer, random-number state) is written first, then
    ``progress.json`` (epoch, history so far, the state file's hash): a crash between the two
    leaves a progress file that no longer matches, which :func:`fit_or_load` ignores.
    """

    def __init__(self, folder: Path, key: str, history: dict, guard: NaNGuard, earlier_seconds: float = 0.0):
        super().__init__()
        self.folder, self.key, self.history, self.guard = Path(folder), key, history, guard
        self.earlier_seconds = earlier_seconds

    def on_train_begin(self, logs=None):
        self._began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.guard.stopped_at is not None or not math.isfinite(float(logs.get("loss", 0.0))):
            return
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / (_STATE + ".tmp.npz")
        np.savez(tmp, *_state_arrays(self.model))
        os.replace(tmp, self.folder / _STATE)
        _write_json(self.folder / _PROGRESS, {"key": self.key, "epoch": epoch + 1, "history": self.history,
                                              "state_sha256": _file_sha256(self.folder / _STATE),
                                              "train_seconds": self.earlier_seconds + time.perf_counter() - self._began})


# --------------------------------------------------------------------------- fit_or_load
@dataclass
class TrainingRun:
    """What :func:`fit_or_load` returns: ``history`` as in Keras' ``History.history``, and where it came from."""

    history: dict
    name: str
    path: Path | None
    from_cache: bool = False
    resumed_from: int = 0
    train_seconds: float = 0.0
    stopped_at: tuple[int, int] | None = None
    description: dict = field(default_factory=dict, repr=False)


def _say(message: str, verbose: int) -> None:
    if verbose >= 0:
        print(message, flush=True)


def _load_entry(model, entry: Path, key: str) -> dict:
    """Load a finished entry into ``model``; raises ValueError naming the file if anything is off."""
    meta = json.loads((entry / _ENTRY).read_text())
    if meta.get("key") != key:
        raise ValueError(f"{entry / _ENTRY}: key {meta.get('key')} does not match {key}")
    for fname in (_WEIGHTS, _HISTORY):
        if not (entry / fname).exists():
            raise ValueError(f"{entry / fname} is missing")
        if _file_sha256(entry / fname) != meta["sha256"][fname]:
            raise ValueError(f"{entry / fname} does not match the hash it was saved with (truncated or changed)")
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    with _quiet_keras():
        model.load_weights(entry / _WEIGHTS)
    rng = _rng_variables(model)  # .weights.h5 leaves out the SeedGenerators' states
    if len(rng) != len(meta.get("rng_state", [])):
        raise ValueError(f"{entry / _ENTRY}: random-number states for {len(meta.get('rng_state', []))} generators, "
                         f"the model has {len(rng)}")
    for v, value in zip(rng, meta["rng_state"]):
        v.assign(np.asarray(value, dtype=v.dtype))
    if _sha256(*[v.numpy() for v in model.trainable_variables]) != meta["trained_weights"]:
        raise ValueError(f"{entry / _WEIGHTS}: loaded weights differ from the ones that were saved")
    return meta


class _quiet_keras:
    """Keras warns while loading a .weights.h5 into sublayers built lazily; the hash check above is what counts."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def fit_or_load(model, x, y=None, *, epochs: int, seed: int = 0, name: str | None = None, validation_data=None,
                callbacks=None, cache_dir=None, verbose: int = 0, **fit_kwargs) -> TrainingRun:
    """Train ``model`` with ``model.fit(x, y, epochs=..., seed=..., **fit_kwargs)``, or load it from the cache.

    ``x`` (and ``y``, ``validation_data``) are NumPy arrays; ``fit_kwargs`` are the collection's
    fit settings (``batch_size``, ``binarize``, ...). Prints one line saying whether it trained,
    resumed or loaded. ``verbose`` goes to Keras (``-1`` also silences that line). A run stopped
    by the NaN guard is not cached: the model keeps its last finite weights and ``stopped_at``
    says where it stopped.
    """
    if int(epochs) <= 0:
        raise ValueError(f"epochs={epochs} must be positive")
    name = name or type(model).__name__
    x_arr = model.check_images(x, "x").numpy()
    if validation_data is not None:
        _arrays(validation_data)
    callbacks = list(callbacks or [])
    model._prepare(x_arr[:1])
    description = describe(model, x_arr, y, epochs=epochs, seed=seed, validation_data=validation_data,
                           callbacks=callbacks, fit_kwargs=fit_kwargs)
    key = _key(description)
    root = cache_folder(cache_dir)
    first_epoch = int(fit_kwargs.get("initial_epoch", 0))  # > 0: continues a model trained by an earlier call
    if not 0 <= first_epoch < int(epochs):
        raise ValueError(f"initial_epoch={first_epoch} must be in 0..epochs-1 (epochs={epochs})")
    fit = {k: v for k, v in fit_kwargs.items() if k != "initial_epoch"}
    fit.update(seed=seed, validation_data=_validation_pipeline(validation_data), verbose=max(verbose, 0))
    if root is None:  # caching off
        guard = NaNGuard()
        start = time.perf_counter()
        hist = model.fit(x_arr, y, epochs=int(epochs), initial_epoch=first_epoch, callbacks=[*callbacks, guard], **fit)
        return TrainingRun(dict(hist.history), name, None, train_seconds=time.perf_counter() - start,
                           stopped_at=guard.stopped_at, description=description)

    entry = root / f"{_slug(name)}-{key}"
    partial = root / f"{_slug(name)}-{key}.partial"
    if (entry / _ENTRY).exists():
        try:
            meta = _load_entry(model, entry, key)
            history = json.loads((entry / _HISTORY).read_text())
            _say(f"{name}: loaded from the cache ({entry.name}); trained {_epochs_text(first_epoch, epochs)} in {meta['train_seconds']:.0f} s "
                 "when it was made", verbose)
            return TrainingRun(history, name, entry, from_cache=True, train_seconds=meta["train_seconds"],
                               description=description)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
            _say(f"{name}: the cache entry is unusable ({err}); retraining", verbose)
            shutil.rmtree(entry, ignore_errors=True)

    history, start_epoch, earlier_seconds = {}, first_epoch, 0.0
    progress_file = partial / _PROGRESS
    if progress_file.exists():
        try:
            progress = json.loads(progress_file.read_text())
            if progress["key"] != key or _file_sha256(partial / _STATE) != progress["state_sha256"]:
                raise ValueError("the checkpoint does not match this configuration or its state file")
            if not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            with np.load(partial / _STATE) as npz:
                _restore_state(model, [npz[f"arr_{i}"] for i in range(len(npz.files))])
            history, start_epoch = _history_lists(progress["history"]), int(progress["epoch"])
            earlier_seconds = progress.get("train_seconds", 0.0)
            _say(f"{name}: resuming from the checkpoint after epoch {start_epoch} of {epochs}", verbose)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
            _say(f"{name}: ignoring an unusable checkpoint ({err}); training from the start", verbose)
            shutil.rmtree(partial, ignore_errors=True)
            history, start_epoch = {}, first_epoch

    for cb in callbacks:
        if isinstance(cb, EpochTimer):
            cb.offset = history.get("seconds", [0.0])[-1] if history else 0.0
    guard = NaNGuard()
    checkpoint = EpochCheckpoint(partial, key, history, guard, earlier_seconds)
    began = time.perf_counter()
    if start_epoch < int(epochs):
        model.fit(x_arr, y, epochs=int(epochs), initial_epoch=start_epoch, callbacks=[*callbacks, guard, checkpoint],
                  **fit)
    seconds = earlier_seconds + time.perf_counter() - began
    if guard.stopped_at is not None:
        return TrainingRun(checkpoint.history, name, None, resumed_from=start_epoch, train_seconds=seconds,
                           stopped_at=guard.stopped_at, description=description)
    _save_entry(model, entry, key, checkpoint.history, description, seconds)
    shutil.rmtree(partial, ignore_errors=True)
    _say(f"{name}: trained {_epochs_text(first_epoch, epochs)} in {seconds:.0f} s and cached ({entry.name})", verbose)
    return TrainingRun(checkpoint.history, name, entry, resumed_from=start_epoch, train_seconds=seconds,
                       description=description)


def _save_entry(model, entry: Path, key: str, history: dict, description: dict, seconds: float) -> None:
    """Write the entry into a temporary folder beside it, then rename it into place."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        model.save_weights(tmp / _WEIGHTS)
        (tmp / _HISTORY).write_text(json.dumps(history))
        meta = {"key": key, "train_seconds": seconds, "description": description,
                "trained_weights": _sha256(*[v.numpy() for v in model.trainable_variables]),
                "rng_state": [v.numpy().tolist() for v in _rng_variables(model)],
                "sha256": {f: _file_sha256(tmp / f) for f in (_WEIGHTS, _HISTORY)}}
        (tmp / _ENTRY).write_text(json.dumps(meta, indent=1))
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- evaluations
def _fingerprint(value, models: list) -> object:
    """A JSON-able stand-in for an argument of :func:`remember` (arrays and models by content)."""
    if isinstance(value, keras.Model):
        models.append(value)
        return {"model": type(value).__qualname__, "variables": _sha256(*[v.numpy() for v in value.variables])}
    if isinstance(value, (np.ndarray, np.generic, tf.Tensor)):
        return {"array": _sha256(np.asarray(value))}
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


_COMPUTING_MODULES = ("autoencoder", "config", "data", "disentangle", "estimators", "networks", "optimizer", "probes",
                      "semisupervised", "trainer", "vae")


def _package_source_hash() -> str:
    """SHA-256 of the package modules that compute (plotting, widgets and exercises left out)."""
    import importlib

    h = hashlib.sha256()
    for name in _COMPUTING_MODULES:
        h.update(inspect.getsource(importlib.import_module(f"vae_tf.{name}")).encode())
    return h.hexdigest()


def _to_numpy(value):
    if isinstance(value, tf.Tensor):
        return value.numpy()
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def remember(name: str, fn, *args, cache_dir=None, verbose: int = 0, **kwargs):
    """Compute ``fn(*args, **kwargs)`` once and reload it after: for expensive evaluations
    (an importance-sampled log p(x) with K = 5000, a sweep of gradient variances).

    The key covers ``name``, ``fn``'s source, every argument (arrays by a SHA-256 of their values,
    models by their variables: weights and random-number state), the fast setting, the library
    versions and the package source. Everything ``fn`` depends on must be an argument: values it
    reads from the enclosing scope are not part of the key. The result (arrays, numbers, or
    lists/dicts/tuples of them; tensors become arrays) is stored with its hash and checked on load.
    A model's random-number state is set on a hit to what the computation left, so later draws
    match a run that computed. With the cache off this just calls ``fn``.
    """
    import pickle

    import tensorflow_probability as tfp

    models: list = []
    fingerprint = {"name": name, "code": _code_hash(fn), "args": _fingerprint(list(args), models),
                   "kwargs": _fingerprint(kwargs, models), "fast": config.is_fast(),
                   "versions": [tf.__version__, keras.__version__, tfp.__version__],
                   "source": _package_source_hash()}
    root = cache_folder(cache_dir)
    if root is None:
        return _to_numpy(fn(*args, **kwargs))
    key = _key(fingerprint)
    path = root / _RESULTS / f"{_slug(name)}-{key}.pkl"
    if path.exists():
        try:
            blob = path.read_bytes()
            digest, payload = blob[:64].decode(), blob[64:]
            if hashlib.sha256(payload).hexdigest() != digest:
                raise ValueError("its contents do not match the hash they were saved with")
            stored = pickle.loads(payload)
            for model, state in zip(models, stored["states"]):
                for v, a in zip(model.non_trainable_variables, state):
                    v.assign(a)
            _say(f"{name}: loaded from the cache ({path.name}; computed in {stored['seconds']:.0f} s)", verbose)
            return stored["result"]
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, UnicodeDecodeError) as err:
            _say(f"{name}: the cached result {path} is unusable ({err}); computing it again", verbose)
    start = time.perf_counter()
    result = _to_numpy(fn(*args, **kwargs))
    seconds = time.perf_counter() - start
    states = [[v.numpy() for v in model.non_trainable_variables] for model in models]
    payload = pickle.dumps({"result": result, "states": states, "seconds": seconds, "fingerprint": fingerprint})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(hashlib.sha256(payload).hexdigest().encode() + payload)
    os.replace(tmp, path)
    _say(f"{name}: computed in {seconds:.0f} s and cached", verbose)
    return result


# --------------------------------------------------------------------------- command line
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_tf.cache", description="List or clear the training cache.")
    parser.add_argument("--dir", help=f"cache folder (default: ${CACHE_ENV} or ~/.cache/vae-tf)")
    parser.add_argument("--list", action="store_true", help="list the cached models")
    parser.add_argument("--clear", action="store_true", help="delete the cached models and checkpoints")
    parser.add_argument("--name", help="with --clear: only the entries of this model name")
    args = parser.parse_args(argv)
    root = cache_folder(args.dir)
    if root is None:
        print(f"the cache is off ({CACHE_ENV}=off)")
        return 0
    if args.clear:
        print(f"removed {clear(root, args.name)} entries from {root}")
        return 0
    print(f"cache folder: {root}")
    for e in entries(root):
        size = sum(f.stat().st_size for f in e.iterdir()) / 1e6
        print(f"  {e.name}  {size:.1f} MB")
    for r in sorted((root / _RESULTS).glob("*.pkl")) if (root / _RESULTS).is_dir() else []:
        print(f"  {_RESULTS}/{r.name}  {r.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
