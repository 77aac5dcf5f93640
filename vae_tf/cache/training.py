"""``fit_or_load``: train once with ``model.fit``, reload after; checkpoint every epoch and resume.

An entry is keyed by everything that changes the trained weights: the model's class,
configuration and starting state (weights, random-number state, optimizer), the optimizer's
settings, the data, epochs, seed, the fit settings, the fast setting and the code (see
:mod:`vae_tf.cache.keys`). A record is verified in full before any of it is assigned to the model,
so a damaged or foreign record is never half-loaded: it is reported and the run starts afresh.
The state after every finished epoch is checkpointed; an interrupted run, re-run in the same
kernel or a new one, resumes from its last finished epoch and ends with the weights of an
uninterrupted run.
"""
from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from vae_tf import config
from vae_tf.cache.folder import SUFFIX, say as _say, usable_folder
from vae_tf.cache.keys import key as key_of, plain, slug
from vae_tf.cache.store import CacheError, read_record, require, sha256_arrays, write_record
from vae_tf.data import check_intensities, make_dataset, positive_int
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
def _model_config(model) -> dict:
    """The model's hyperparameters: its public attributes of plain type (latent_dim, hidden, ...)."""
    simple = (bool, int, float, str, tuple, type(None))
    keras_state = set(vars(keras.Model())) | {"steps_per_execution"}  # set by Keras itself, not by the model
    return {k: plain(v) for k, v in sorted(vars(model).items())
            if not k.startswith("_") and isinstance(v, simple) and k not in keras_state}


def _arrays(data) -> list[np.ndarray]:
    if data is None:
        return []
    if isinstance(data, tf.data.Dataset):
        raise TypeError("fit_or_load: pass NumPy arrays (x, y and validation_data), not a tf.data.Dataset: "
                        "the cache key hashes the data and resuming rebuilds the pipeline at the right epoch")
    return [np.asarray(d) for d in data] if isinstance(data, (tuple, list)) else [np.asarray(data)]


def describe(model, x, y=None, *, epochs: int, seed: int, start_state, validation_data=None, callbacks=(),
             fit_kwargs: dict | None = None) -> dict:
    """Everything the cache key covers, as a JSON-able dict."""
    optimizer = model.optimizer
    return {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "config": _model_config(model),
        "architecture": [list(v.shape) for v in model.variables],
        "start_state": sha256_arrays(*start_state),
        "optimizer": [type(optimizer).__name__, plain({k: v for k, v in optimizer.get_config().items() if k != "name"})],
        "data": sha256_arrays(np.asarray(x), None if y is None else np.asarray(y)),
        "validation_data": sha256_arrays(*_arrays(validation_data)) if validation_data is not None else None,
        "epochs": int(epochs), "seed": int(seed), "fast": config.is_fast(),
        "fit": plain(dict(sorted((fit_kwargs or {}).items()))),
        "callbacks": sorted(type(cb).__name__ for cb in callbacks),
    }


# --------------------------------------------------------------------------- checkpoints
class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch whose steps were all finite, writes the full state and the history so far
    to one record (a crash mid-write leaves the previous checkpoint intact)."""

    def __init__(self, path: Path | None, key: str, history: dict, guard: NaNGuard, earlier_seconds: float = 0.0):
        super().__init__()
        self.path, self.key, self.history, self.guard = path, key, history, guard
        self.earlier_seconds = earlier_seconds

    def on_train_begin(self, logs=None):
        self._began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.guard.stopped_at is not None or not math.isfinite(float(logs.get("loss", 0.0))):
            return
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        if self.path is None:
            return
        seconds = self.earlier_seconds + time.perf_counter() - self._began
        try:
            write_record(self.path, {"key": self.key, "epoch": epoch + 1, "history": self.history,
                                     "train_seconds": seconds}, state_of(self.model))
        except OSError as err:  # the cache folder went away or filled up: train on, without checkpoints
            print(f"checkpoint not written ({err.__class__.__name__}: {err}); training goes on without checkpoints")
            self.path = None


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


def _epochs_text(first: int, epochs: int) -> str:
    return f"{epochs} epochs" if first == 0 else f"epochs {first + 1}-{epochs}"


def _load_entry(model, path: Path, key: str, first_epoch: int, epochs: int) -> dict:
    """Verify a finished entry in full, then assign it to ``model``; returns its metadata."""
    meta, arrays = read_record(path)
    require(meta.get("key") == key, path, f"key {meta.get('key')!r} does not match {key}")
    meta["history"] = _check_history(meta.get("history"), epochs - first_epoch, path)
    require(isinstance(meta.get("train_seconds"), (int, float)), path, "train_seconds is not a number")
    check_state(model, arrays, path)
    assign_state(model, arrays)
    return meta


def _load_checkpoint(model, path: Path, key: str, first_epoch: int, epochs: int) -> dict:
    """Verify a checkpoint in full, then assign its state to ``model``; returns its metadata."""
    meta, arrays = read_record(path)
    require(meta.get("key") == key, path, f"key {meta.get('key')!r} does not match {key}")
    epoch = meta.get("epoch")
    require(isinstance(epoch, int) and not isinstance(epoch, bool) and first_epoch < epoch < epochs, path,
            f"epoch {epoch!r} is not a whole number in {first_epoch + 1}..{epochs - 1}")
    meta["history"] = _check_history(meta.get("history"), epoch - first_epoch, path)
    require(isinstance(meta.get("train_seconds"), (int, float)), path, "train_seconds is not a number")
    check_state(model, arrays, path)
    assign_state(model, arrays)
    return meta


def _start_state(model, first_epoch: int) -> list[np.ndarray]:
    """The state this call trains from: the model's, unless a call with the same ``initial_epoch`` was
    interrupted, whose starting state is restored (so the key, and the checkpoint, are found again)."""
    pending = _interrupted.pop(model, None)
    if (pending is not None and pending[0] == first_epoch
            and [a.shape for a in pending[1]] == [tuple(v.shape) for v in _variables(model)]):
        assign_state(model, pending[1])
        return pending[1]
    return state_of(model)


def fit_or_load(model, x, y=None, *, epochs: int, seed: int = 0, name: str | None = None, validation_data=None,
                callbacks=None, cache_dir=None, verbose: int = 0, **fit_kwargs) -> TrainingRun:
    """Train ``model`` with ``model.fit(x, y, epochs=..., seed=..., **fit_kwargs)``, or load it from the cache.

    ``x`` (and ``y``, ``validation_data``) are NumPy arrays; ``fit_kwargs`` are the collection's
    fit settings (``batch_size``, ``binarize``, ...). Prints one line saying whether it trained,
    resumed or loaded (``verbose=-1`` silences it; ``verbose`` goes to Keras). A run stopped by the
    NaN guard is not cached: the model keeps its last finite state and ``stopped_at`` says where it
    stopped. An unusable cache folder is reported once and training goes on without it.
    """
    epochs = positive_int(epochs, "epochs")
    name = name or type(model).__name__
    x_arr = model.check_images(x, "x").numpy()
    check_intensities(x_arr, "x")
    if validation_data is not None:
        _arrays(validation_data)
    callbacks = list(callbacks or [])
    first_epoch = int(fit_kwargs.pop("initial_epoch", 0))  # > 0: continues a model trained by an earlier call
    if not 0 <= first_epoch < epochs:
        raise ValueError(f"initial_epoch={first_epoch} must be in 0..epochs-1 (epochs={epochs})")
    if "batch_size" in fit_kwargs:
        positive_int(fit_kwargs["batch_size"], "batch_size")
    model.prepare(x_arr[:1])
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    start = _start_state(model, first_epoch)
    description = describe(model, x_arr, y, epochs=epochs, seed=seed, start_state=start,
                           validation_data=validation_data, callbacks=callbacks,
                           fit_kwargs={**fit_kwargs, "initial_epoch": first_epoch})
    key = key_of(description)
    root = usable_folder(cache_dir)
    entry = partial = None
    if root is not None:
        entry, partial = root / f"{slug(name)}-{key}{SUFFIX}", root / f"{slug(name)}-{key}.partial{SUFFIX}"

    if entry is not None and entry.exists():
        try:
            meta = _load_entry(model, entry, key, first_epoch, epochs)
            _say(f"{name}: loaded from the cache (trained {_epochs_text(first_epoch, epochs)} in "
                 f"{meta['train_seconds']:.0f} s when it was made)", verbose)
            return TrainingRun(meta["history"], name, entry, from_cache=True, train_seconds=meta["train_seconds"],
                               description=description)
        except CacheError as err:
            _say(f"{name}: the cache entry is unusable ({err}); training afresh", verbose)

    history, start_epoch, earlier_seconds = {}, first_epoch, 0.0
    if partial is not None and partial.exists():
        try:
            progress = _load_checkpoint(model, partial, key, first_epoch, epochs)
            history, start_epoch = progress["history"], progress["epoch"]
            earlier_seconds = float(progress["train_seconds"])
            _say(f"{name}: resuming from the checkpoint after epoch {start_epoch} of {epochs}", verbose)
        except CacheError as err:
            _say(f"{name}: ignoring an unusable checkpoint ({err}); training from the start", verbose)
            partial.unlink(missing_ok=True)
    if start_epoch == first_epoch:
        assign_state(model, start)  # nothing of a rejected record stays in the model

    for cb in callbacks:
        if isinstance(cb, EpochTimer):
            cb.offset = history.get("seconds", [0.0])[-1] if history else 0.0
    guard = NaNGuard()
    checkpoint = EpochCheckpoint(partial, key, history, guard, earlier_seconds)
    fit = {**fit_kwargs, "seed": seed, "verbose": max(verbose, 0), "validation_data": _validation_pipeline(validation_data)}
    began = time.perf_counter()
    _interrupted[model] = (first_epoch, start)
    model.fit(x_arr, y, epochs=epochs, initial_epoch=start_epoch, callbacks=[*callbacks, guard, checkpoint], **fit)
    _interrupted.pop(model, None)
    seconds = earlier_seconds + time.perf_counter() - began
    run = TrainingRun(checkpoint.history, name, None, resumed_from=start_epoch, train_seconds=seconds,
                      stopped_at=guard.stopped_at, description=description)
    if guard.stopped_at is not None or entry is None:
        return run
    try:
        write_record(entry, {"key": key, "name": name, "history": checkpoint.history, "train_seconds": seconds,
                             "description": description}, state_of(model))
        run.path = entry
        if partial is not None:
            partial.unlink(missing_ok=True)
        _say(f"{name}: trained {_epochs_text(first_epoch, epochs)} in {seconds:.0f} s and cached", verbose)
    except OSError as err:
        _say(f"{name}: trained {_epochs_text(first_epoch, epochs)} in {seconds:.0f} s; not cached "
             f"({err.__class__.__name__}: {err})", verbose)
    return run


def _validation_pipeline(validation_data, batch_size: int = 32):
    """Validation arrays as one finite pass of :func:`vae_tf.data.make_dataset`, in Keras' default batches of 32."""
    if validation_data is None:
        return None
    arrays = _arrays(validation_data)
    return make_dataset(arrays[0], arrays[1] if len(arrays) > 1 else None, batch_size=batch_size, binarize=None,
                        shuffle=False)
