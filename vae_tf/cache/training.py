"""``fit_or_load``: train once with ``model.fit``, reload after; checkpoint every epoch and resume.

A run starts from the initial weights that its ``seed`` gives a model of its class and
configuration (built after ``set_seed(seed)``), with a fresh optimizer, so its result depends only
on what the key covers: the model's class and ``get_config()``, the optimizer's configuration, the
data, epochs, seed, the fit settings, the fast setting and the code (see :mod:`vae_tf.cache.keys`).
A call that continues an earlier one (``initial_epoch`` > 0) starts from the model's state instead,
and that state is in its key. A record is verified in full before any of it is assigned to the
model, so a damaged or foreign record is never half-loaded: it is reported and the run starts
afresh. The state after every finished epoch is checkpointed; an interrupted run, re-run in the
same kernel or a new one, resumes from its last finished epoch and ends with the weights of an
uninterrupted run.
"""
from __future__ import annotations

import math
import weakref
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from vae_tf import config
from vae_tf._quiet import retracing_warnings_silenced
from vae_tf.cache.folder import SUFFIX, say as _say, usable_folder
from vae_tf.cache.keys import key as key_of, plain, slug
from vae_tf.cache.store import CacheError, read_record, require, sha256_arrays, write_record
from vae_tf.data import make_dataset, positive_int, steps_per_epoch
from vae_tf.trainer import EpochTimer, NaNGuard, default_optimizer

# model -> (initial_epoch, state) of a call that was interrupted: re-running it starts from that state
_interrupted: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------- state
def _variables(model) -> list:
    """Every variable a run changes, in a fixed order: the model's (weights, random-number state), then the optimizer's."""
    return list(model.variables) + list(model.optimizer.variables)


def state_of(model) -> list[np.ndarray]:
    return [v.numpy() for v in _variables(model)]


def check_state(model, arrays, path: Path) -> None:
    """Raise :class:`CacheError` unless ``arrays`` match the model's variables in number, shape and dtype."""
    variables = _variables(model)
    require(len(arrays) == len(variables), path, f"holds {len(arrays)} arrays, the model and optimizer have {len(variables)}")
    for v, a in zip(variables, arrays):
        require(tuple(v.shape) == a.shape and np.dtype(v.dtype) == a.dtype, path,
                f"array {a.dtype}{a.shape} for {v.path} of {np.dtype(v.dtype)}{tuple(v.shape)}")


def assign_state(model, arrays) -> None:
    for v, a in zip(_variables(model), arrays):
        v.assign(a)


def _check_history(history, epochs: int, path: Path) -> dict:
    require(isinstance(history, dict) and "loss" in history, path, "history is not a dict of per-epoch lists with 'loss'")
    for k, values in history.items():
        require(isinstance(values, list) and len(values) == epochs, path, f"history[{k!r}] does not have {epochs} values")
        require(all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), path,
                f"history[{k!r}] holds values that are not numbers")
    return {k: [float(v) for v in values] for k, values in history.items()}


# --------------------------------------------------------------------------- the key
def _arrays(data) -> list[np.ndarray]:
    if data is None:
        return []
    if isinstance(data, tf.data.Dataset):
        raise TypeError("fit_or_load: pass NumPy arrays (x, y and validation_data), not a tf.data.Dataset: "
                        "the cache key hashes the data and resuming rebuilds the pipeline at the right epoch")
    return [np.asarray(d) for d in data] if isinstance(data, (tuple, list)) else [np.asarray(data)]


def describe(model, x, y=None, *, epochs: int, seed: int, start_state=None, validation_data=None, callbacks=(),
             fit_kwargs: dict | None = None) -> dict:
    """Everything the cache key covers, as a JSON-able dict (``start_state``: for a continued run)."""
    optimizer = model.optimizer
    return {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "config": plain({k: v for k, v in model.get_config().items() if k not in ("name", "trainable", "dtype")}),
        "architecture": [list(v.shape) for v in model.variables],
        "start_state": None if start_state is None else sha256_arrays(*start_state),
        "optimizer": [type(optimizer).__name__, plain({k: v for k, v in optimizer.get_config().items() if k != "name"})],
        "data": sha256_arrays(np.asarray(x), None if y is None else np.asarray(y)),
        "validation_data": sha256_arrays(*_arrays(validation_data)) if validation_data is not None else None,
        "epochs": int(epochs), "seed": int(seed), "fast": config.is_fast(),
        "fit": plain(dict(sorted((fit_kwargs or {}).items()))),
        "callbacks": sorted(type(cb).__name__ for cb in callbacks),
    }


# --------------------------------------------------------------------------- the starting point
def initialize(model, x_first, seed: int) -> None:
    """Give ``model`` the weights and random state that ``seed`` gives a fresh model of its class and
    configuration: ``set_seed(seed)``, build a twin from ``get_config()``, copy its variables."""
    config.set_seed(seed)
    twin = type(model).from_config(model.get_config())
    twin.check_images(x_first)
    model.check_images(x_first)
    shapes = [tuple(v.shape) for v in model.variables]
    if shapes != [tuple(v.shape) for v in twin.variables]:
        raise ValueError(f"{type(model).__name__}.get_config() does not rebuild the same model: "
                         "it must return every argument the constructor was given")
    for v, t in zip(model.variables, twin.variables):
        v.assign(t)


def largest_divisor(steps: int, limit: int = 32) -> int:
    """The largest divisor of an epoch's ``steps`` that is at most ``limit``: how many steps Keras runs
    per call of its compiled loop (a divisor, since Keras runs whole calls on a repeating pipeline)."""
    steps = positive_int(steps, "steps")
    return max(d for d in range(1, min(steps, limit) + 1) if steps % d == 0)


def _compile_for(model, data, fresh: bool) -> None:
    """Compile with the model's optimizer (a fresh copy of it when ``fresh``; Adam at 10⁻³ if the model was
    never compiled), running several steps per call of Keras' loop for the pipeline ``data`` (one for None),
    and build the optimizer's variables."""
    optimizer = model.optimizer if model.compiled else default_optimizer()
    if fresh and optimizer.built:
        optimizer = type(optimizer).from_config(optimizer.get_config())
    steps = None if data is None else steps_per_epoch(data)  # None: one finite pass
    model.compile(optimizer=optimizer, steps_per_execution=largest_divisor(steps) if steps else 1)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


# --------------------------------------------------------------------------- checkpoints
class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch whose steps were all finite, writes the full state and the history so far
    to one record (a crash mid-write leaves the previous checkpoint intact)."""

    def __init__(self, path: Path | None, key: str, history: dict, guard: NaNGuard):
        super().__init__()
        self.path, self.key, self.history, self.guard = path, key, history, guard

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.guard.stopped_at is not None or not math.isfinite(float(logs.get("loss", 0.0))):
            return
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        if self.path is None:
            return
        try:
            write_record(self.path, {"key": self.key, "epoch": epoch + 1, "history": self.history}, state_of(self.model))
        except OSError as err:  # the cache folder went away or filled up: train on, without checkpoints
            print(f"checkpoint not written ({err.__class__.__name__}: {err}); training goes on without checkpoints")
            self.path = None


# --------------------------------------------------------------------------- fit_or_load
class TrainingRun(keras.callbacks.History):
    """What :func:`fit_or_load` leaves in ``model.history``: Keras' ``History`` (``.history``, a dict of
    per-epoch lists) and where it came from."""

    def __init__(self, history: dict, name: str, path: Path | None = None, from_cache: bool = False,
                 resumed_from: int = 0, stopped_at: tuple[int, int] | None = None, description: dict | None = None):
        super().__init__()
        self.history, self.epoch = history, list(range(len(history.get("loss", []))))
        self.name, self.path, self.from_cache = name, path, from_cache
        self.resumed_from, self.stopped_at, self.description = resumed_from, stopped_at, description or {}


def _epochs_text(first: int, epochs: int) -> str:
    if first == 0:
        return "1 epoch" if epochs == 1 else f"{epochs} epochs"
    return f"epochs {first + 1}-{epochs}"


def _load(model, path: Path, key: str, first_epoch: int, epochs: int, finished: bool) -> dict:
    """Verify a finished entry (or a checkpoint) in full, then assign its state to ``model``; returns its metadata."""
    meta, arrays = read_record(path)
    require(meta.get("key") == key, path, f"key {meta.get('key')!r} does not match {key}")
    if finished:
        meta["epoch"] = epochs
    epoch = meta.get("epoch")
    lowest, highest = (epochs, epochs) if finished else (first_epoch + 1, epochs - 1)
    require(isinstance(epoch, int) and not isinstance(epoch, bool) and lowest <= epoch <= highest, path,
            f"epoch {epoch!r} is not a whole number in {lowest}..{highest}")
    meta["history"] = _check_history(meta.get("history"), epoch - first_epoch, path)
    check_state(model, arrays, path)
    assign_state(model, arrays)
    return meta


def _start_state(model, first_epoch: int) -> list[np.ndarray] | None:
    """For a continued run (``initial_epoch`` > 0), the state it trains from: the model's, unless a call with
    the same ``initial_epoch`` was interrupted, whose starting state is restored (so its key is found again)."""
    pending = _interrupted.pop(model, None)
    if first_epoch == 0:
        return None
    if pending is not None and pending[0] == first_epoch and [a.shape for a in pending[1]] == [
            tuple(v.shape) for v in _variables(model)]:
        assign_state(model, pending[1])
        return pending[1]
    return state_of(model)


def _prepared(model, x, y, seed, first_epoch, fit_kwargs):
    """Check the inputs, set the starting point, compile; returns (x, pipeline settings, start). The
    pipeline itself is built only to train (:func:`_train`): a cache hit needs none."""
    x = model.checked_array(x, "x", allow_empty=False)
    pipeline = {k: fit_kwargs.pop(k) for k in ("batch_size", "binarize", "shuffle", *model.pipeline_options)
                if k in fit_kwargs}
    if first_epoch == 0:
        initialize(model, x[:1], seed)
    start = _start_state(model, first_epoch)
    _compile_for(model, None, fresh=first_epoch == 0)
    return x, pipeline, start


def fit_or_load(model, x, y=None, *, epochs: int, seed: int = 0, name: str | None = None, validation_data=None,
                callbacks=None, cache_dir=None, verbose: int = -1, **fit_kwargs):
    """Train ``model`` with ``model.fit(x, y, epochs=..., **fit_kwargs)`` from the initial weights ``seed``
    gives it, or load the result from the cache; returns the model, its history in ``model.history``.

    ``x`` (and ``y``, ``validation_data``) are NumPy arrays; ``fit_kwargs`` are the fit settings
    (``batch_size``, ``binarize``, ...). Silent by default; ``verbose=0`` prints one line saying
    whether it trained, resumed or loaded, and ``verbose`` > 0 also goes to Keras (progress bars). A run stopped by the NaN guard is
    not cached: the model keeps its last finite state and ``model.history.stopped_at`` says where.
    An unusable cache folder is reported once and training goes on without it.
    """
    epochs, name = positive_int(epochs, "epochs"), name or type(model).__name__
    first_epoch = int(fit_kwargs.pop("initial_epoch", 0))  # > 0: continues a model trained by an earlier call
    if not 0 <= first_epoch < epochs:
        raise ValueError(f"initial_epoch={first_epoch} must be in 0..epochs-1 (epochs={epochs})")
    _arrays(validation_data)
    callbacks = list(callbacks or [])
    x, pipeline, start = _prepared(model, x, y, seed, first_epoch, fit_kwargs)
    description = describe(model, x, y, epochs=epochs, seed=seed, start_state=start, validation_data=validation_data,
                           callbacks=callbacks, fit_kwargs={**pipeline, **fit_kwargs, "initial_epoch": first_epoch})
    key, root = key_of(description), usable_folder(cache_dir)
    entry = partial = None
    if root is not None:
        entry, partial = root / f"{slug(name)}-{key}{SUFFIX}", root / f"{slug(name)}-{key}.partial{SUFFIX}"
    if entry is not None and entry.exists():
        try:
            meta = _load(model, entry, key, first_epoch, epochs, finished=True)
            _say(f"{name}: loaded from the cache ({_epochs_text(first_epoch, epochs)})", verbose)
            model.history = TrainingRun(meta["history"], name, entry, from_cache=True, description=description)
            return model
        except CacheError as err:
            _say(f"{name}: the cache entry is unusable ({err}); training afresh", verbose)
    run = _train(model, (x, y, seed, pipeline), epochs, first_epoch, key, partial, start, callbacks,
                 validation_data, fit_kwargs, verbose, name)
    run.description = description
    if run.stopped_at is None and entry is not None:
        _store(model, run, entry, partial, key, first_epoch, epochs, verbose)
    model.history = run
    return model


def _train(model, inputs, epochs, first_epoch, key, partial, start, callbacks, validation_data, fit, verbose, name):
    """``model.fit`` from the last checkpoint (if a usable one exists) to ``epochs``; returns the run."""
    x, y, seed, pipeline = inputs
    data = model.training_data(x, y, seed=seed, start_epoch=first_epoch, **pipeline)  # checks y and the settings first
    _compile_for(model, data, fresh=False)
    history, start_epoch = {}, first_epoch
    if partial is not None and partial.exists():
        try:
            progress = _load(model, partial, key, first_epoch, epochs, finished=False)
            history, start_epoch = progress["history"], progress["epoch"]
            _say(f"{name}: resuming from the checkpoint after epoch {start_epoch} of {epochs}", verbose)
        except CacheError as err:
            _say(f"{name}: ignoring an unusable checkpoint ({err}); training from the start", verbose)
            partial.unlink(missing_ok=True)  # nothing of it reached the model: it is verified before assignment
    if start is not None and start_epoch == first_epoch:
        assign_state(model, start)  # nothing of a rejected record stays in the model
    for cb in callbacks:
        if isinstance(cb, EpochTimer):
            cb.offset = history.get("seconds", [0.0])[-1] if history else 0.0
    guard = NaNGuard()
    checkpoint = EpochCheckpoint(partial, key, history, guard)
    _interrupted[model] = (first_epoch, start if start is not None else state_of(model))
    if start_epoch != first_epoch:  # the batches of an uninterrupted run from the checkpoint's epoch on
        data = model.training_data(x, y, seed=seed, start_epoch=start_epoch, **pipeline)
    with retracing_warnings_silenced():  # a notebook that trains many models would warn at each
        model.fit(data, epochs=epochs, initial_epoch=start_epoch, callbacks=[*callbacks, guard, checkpoint],
                  verbose=max(verbose, 0), validation_data=_validation_pipeline(validation_data, features=model.inputs == "features"), **fit)
    _interrupted.pop(model, None)
    return TrainingRun(checkpoint.history, name, None, resumed_from=start_epoch, stopped_at=guard.stopped_at)


def _store(model, run, entry, partial, key, first_epoch, epochs, verbose) -> None:
    try:
        write_record(entry, {"key": key, "name": run.name, "history": run.history, "description": run.description},
                     state_of(model))
        run.path = entry
        if partial is not None:
            partial.unlink(missing_ok=True)
        _say(f"{run.name}: trained {_epochs_text(first_epoch, epochs)} and cached", verbose)
    except OSError as err:
        _say(f"{run.name}: trained {_epochs_text(first_epoch, epochs)}; not cached ({err.__class__.__name__}: {err})",
             verbose)


def _validation_pipeline(validation_data, batch_size: int = 500, features: bool = False):
    """Validation arrays as one finite pass of :func:`vae_tf.data.make_dataset`, in batches of 500 (few calls per epoch)."""
    if validation_data is None:
        return None
    arrays = _arrays(validation_data)
    return make_dataset(arrays[0], arrays[1] if len(arrays) > 1 else None, batch_size=batch_size, binarize=None,
                        shuffle=False, features=features)
