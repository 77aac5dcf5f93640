"""The cached ``fit``: train once, reload after; checkpoint every epoch and resume.

A model's ``fit`` on arrays comes here (:meth:`vae_tf.trainer.TrainableModel.fit`). The key covers
what changes the result (:func:`describe`): the model's class and constructor arguments, its state
when training starts (so the seed set before building it), the optimizer's settings, the data, the
epochs, the fit settings, the fast setting and the code (:mod:`vae_tf.cache.keys`). A record is
verified in full before any of it is assigned to the model, so a damaged or foreign record is never
half-loaded: it is reported and the run starts afresh. The state after every finished epoch is
checkpointed; an interrupted run, re-run in the same kernel or a new one, resumes from its last
finished epoch and ends with the weights of an uninterrupted run.
"""
from __future__ import annotations

import math
import os
import time
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
from vae_tf.npz import is_regular_file
from vae_tf.trainer import EpochTimer, NaNGuard

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
    return [np.asarray(d) for d in data] if isinstance(data, (tuple, list)) else [np.asarray(data)]


def describe(model, x, y=None, *, epochs: int, seed: int, start_state, validation_data=None, callbacks=(),
             fit_kwargs: dict | None = None) -> dict:
    """Everything the cache key covers, as a JSON-able dict: the model's class and constructor arguments
    (recorded by the model itself), its state when training starts (weights, random-number state and
    optimizer state: the seed and the architecture), the optimizer's settings, the data, the epochs, the
    pipeline's seed, the fit settings, the callbacks and the fast setting (the code, in the key)."""
    optimizer = model.optimizer
    return {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "arguments": plain({k: v for k, v in model.constructor_arguments.items()
                            if k not in ("name", "trainable", "dtype")}),
        "start_state": sha256_arrays(*start_state),
        "optimizer": [type(optimizer).__name__, plain({k: v for k, v in optimizer.get_config().items() if k != "name"})],
        "data": sha256_arrays(np.asarray(x), None if y is None else np.asarray(y)),
        "validation_data": sha256_arrays(*_arrays(validation_data)) if validation_data is not None else None,
        "epochs": int(epochs), "seed": int(seed), "fast": config.is_fast(),
        "fit": plain(dict(sorted((fit_kwargs or {}).items()))),
        "callbacks": sorted(type(cb).__name__ for cb in callbacks),
    }


def largest_divisor(steps: int, limit: int = 32) -> int:
    """The largest divisor of an epoch's ``steps`` that is at most ``limit``: how many steps Keras runs
    per call of its compiled loop (a divisor, since Keras runs whole calls on a repeating pipeline)."""
    steps = positive_int(steps, "steps")
    return max(d for d in range(1, min(steps, limit) + 1) if steps % d == 0)


def _compile_for(model, data) -> None:
    """Recompile with the model's own optimizer, running several steps per call of Keras' loop for the
    pipeline ``data`` (one for None), and build the optimizer's variables."""
    steps = None if data is None else steps_per_epoch(data)  # None: one finite pass
    model.compile(optimizer=model.optimizer, steps_per_execution=largest_divisor(steps) if steps else 1)
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


# --------------------------------------------------------------------------- the cached fit
class TrainingRun(keras.callbacks.History):
    """What a cached ``fit`` returns and leaves in ``model.history``: Keras' ``History`` (``.history``, a
    dict of per-epoch lists) and where it came from."""

    def __init__(self, history: dict, name: str, path: Path | None = None, from_cache: bool = False,
                 resumed_from: int = 0, stopped_at: tuple[int, int] | None = None, description: dict | None = None):
        super().__init__()
        self.history, self.epoch = history, list(range(len(history.get("loss", []))))
        self.name, self.path, self.from_cache = name, path, from_cache
        self.resumed_from, self.stopped_at, self.description = resumed_from, stopped_at, description or {}

    def __repr__(self) -> str:
        how = "loaded from the cache" if self.from_cache else "stopped" if self.stopped_at else "trained"
        return f"<{self.name} history: {len(self.epoch)} epochs, {how}>"


def _epochs_text(first: int, epochs: int) -> str:
    if first == 0:
        return "1 epoch" if epochs == 1 else f"{epochs} epochs"
    return f"epochs {first + 1}-{epochs}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _load(model, path: Path, key: str, first_epoch: int, epochs: int, finished: bool) -> dict:
    """Verify a finished entry (or a checkpoint) in full, then assign its state to ``model``; returns its metadata.
    A checkpoint may hold the last epoch (a run whose final save was lost): the run then just finishes."""
    state_bytes = sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in _variables(model))
    meta, arrays = read_record(path, max_bytes=state_bytes + (16 << 20))  # the state, and its metadata
    require(meta.get("key") == key, path, f"key {meta.get('key')!r} does not match {key}")
    if finished:
        meta["epoch"] = epochs
    epoch = meta.get("epoch")
    lowest = epochs if finished else first_epoch + 1
    require(isinstance(epoch, int) and not isinstance(epoch, bool) and lowest <= epoch <= epochs, path,
            f"epoch {epoch!r} is not a whole number in {lowest}..{epochs}")
    meta["history"] = _check_history(meta.get("history"), epoch - first_epoch, path)
    check_state(model, arrays, path)
    assign_state(model, arrays)
    return meta


def _start_state(model, first_epoch: int) -> list[np.ndarray]:
    """The state this run trains from: the model's, unless a call of the same ``initial_epoch`` on this model
    was interrupted, whose starting state is restored (so its key, and its checkpoint, are found again)."""
    pending = _interrupted.pop(model, None)
    if pending is not None and pending[0] == first_epoch and [a.shape for a in pending[1]] == [
            tuple(v.shape) for v in _variables(model)]:
        assign_state(model, pending[1])
        return pending[1]
    return state_of(model)


def cached_fit(model, x, y, *, epochs: int, initial_epoch: int, seed: int, pipeline: dict, validation_data,
               callbacks, verbose, fit_kwargs: dict) -> TrainingRun:
    """``fit`` on arrays: train once and store the result, or load it; resume an interrupted run.

    ``model`` is compiled and built, ``x``, ``y`` and ``validation_data`` checked; ``pipeline`` holds the
    settings of ``model.training_data`` (batch size, binarization, ...). ``verbose``: "auto" prints one line
    (trained, resumed or loaded), 0 nothing, 1 or 2 that line and Keras' progress.
    """
    name = type(model).__name__
    _compile_for(model, None)
    start = _start_state(model, initial_epoch)
    callbacks = list(callbacks or [])
    description = describe(model, x, y, epochs=epochs, seed=seed, start_state=start, validation_data=validation_data,
                           callbacks=callbacks, fit_kwargs={**pipeline, **fit_kwargs, "initial_epoch": initial_epoch})
    key, root = key_of(description), usable_folder()
    quiet = -1 if verbose == 0 else 0
    entry = partial = None
    if root is not None:
        entry, partial = root / f"{slug(name)}-{key}{SUFFIX}", root / f"{slug(name)}-{key}.partial{SUFFIX}"
    if entry is not None and _regular_file(entry):
        try:
            meta = _load(model, entry, key, initial_epoch, epochs, finished=True)
            seconds = meta.get("seconds")
            # the line the training printed: a lecture reads the same whether it trains or reloads
            took = f" in {_duration(seconds)}" if isinstance(seconds, (int, float)) else ""
            _say(f"{name}: trained {_epochs_text(initial_epoch, epochs)}{took}", quiet)
            return TrainingRun(meta["history"], name, entry, from_cache=True, description=description)
        except CacheError as err:
            _say(f"{name}: the cache entry is unusable ({err}); training afresh", quiet)
    began = time.perf_counter()
    run = _train(model, (x, y, seed, pipeline), epochs, initial_epoch, key, partial, start, callbacks,
                 validation_data, fit_kwargs, verbose, name)
    run.description = description
    seconds = time.perf_counter() - began
    if run.stopped_at is None:
        _store(model, run, entry, partial, key, initial_epoch, epochs, quiet, seconds)
    return run


def _regular_file(path: Path) -> bool:
    """True for a regular file (not a pipe, a device or a folder, which reading could block on or fail)."""
    return is_regular_file(path)


def _train(model, inputs, epochs, first_epoch, key, partial, start, callbacks, validation_data, fit, verbose, name):
    """``model.fit`` from the last checkpoint (if a usable one exists) to ``epochs``; returns the run."""
    x, y, seed, pipeline = inputs
    data = model.training_data(x, y, seed=seed, start_epoch=first_epoch, **pipeline)
    _compile_for(model, data)
    history, start_epoch = {}, first_epoch
    quiet = -1 if verbose == 0 else 0
    if partial is not None and _regular_file(partial):
        try:
            progress = _load(model, partial, key, first_epoch, epochs, finished=False)
            history, start_epoch = progress["history"], progress["epoch"]
            _say(f"{name}: resuming from the checkpoint after epoch {start_epoch} of {epochs}", quiet)
        except CacheError as err:
            _say(f"{name}: ignoring an unusable checkpoint ({err}); training from the start", quiet)
            partial.unlink(missing_ok=True)  # nothing of it reached the model: it is verified before assignment
    elif partial is not None and os.path.lexists(partial):
        _say(f"{name}: ignoring {partial}, which is not a regular file; training from the start", quiet)
    if start_epoch == first_epoch:
        assign_state(model, start)  # nothing of a rejected record stays in the model
    for cb in callbacks:
        if isinstance(cb, EpochTimer):
            cb.offset = history.get("seconds", [0.0])[-1] if history else 0.0
    guard = NaNGuard()
    checkpoint = EpochCheckpoint(partial, key, history, guard)
    _interrupted[model] = (first_epoch, start)
    if start_epoch < epochs:
        if start_epoch != first_epoch:  # the batches of an uninterrupted run from the checkpoint's epoch on
            data = model.training_data(x, y, seed=seed, start_epoch=start_epoch, **pipeline)
        features = model.inputs == "features"
        with retracing_warnings_silenced():  # a notebook that trains many models would warn at each
            keras.Model.fit(model, data, epochs=epochs, initial_epoch=start_epoch, shuffle=False,
                            steps_per_epoch=steps_per_epoch(data), callbacks=[*callbacks, guard, checkpoint],
                            verbose=verbose if verbose in (1, 2) else 0,
                            validation_data=_validation_pipeline(validation_data, features=features), **fit)
    _interrupted.pop(model, None)
    return TrainingRun(checkpoint.history, name, None, resumed_from=start_epoch, stopped_at=guard.stopped_at)


def _store(model, run, entry, partial, key, first_epoch, epochs, quiet, seconds) -> None:
    what = f"{run.name}: trained {_epochs_text(first_epoch, epochs)} in {_duration(seconds)}"
    if entry is None:
        _say(what, quiet)
        return
    try:
        write_record(entry, {"key": key, "name": run.name, "history": run.history, "description": run.description,
                             "seconds": seconds}, state_of(model))
        run.path = entry
        if partial is not None:
            partial.unlink(missing_ok=True)
        _say(what, quiet)
    except OSError as err:
        _say(f"{what}; not cached ({err.__class__.__name__}: {err})", quiet)


def _validation_pipeline(validation_data, batch_size: int = 500, features: bool = False):
    """Validation arrays as one finite pass of :func:`vae_tf.data.make_dataset`, in batches of 500 (few calls per epoch)."""
    if validation_data is None:
        return None
    arrays = _arrays(validation_data)
    return make_dataset(arrays[0], arrays[1] if len(arrays) > 1 else None, batch_size=batch_size, binarize=None,
                        shuffle=False, features=features)
