"""The training convention every model of the collection shares.

A model subclasses :class:`TrainableModel` and implements ``compute_terms(x, y, training)``
returning a dict of batch means with a ``"loss"`` entry to minimise. Its random draws (ε of
the reparameterization) come from ``self.noise``, a Keras ``SeedGenerator`` whose state is a
variable of the model, so a checkpoint holds it and a resumed run draws the same ε. Keras then does the
rest: ``model.compile(optimizer=...)``, ``model.fit(...)`` with its progress bar, history,
callbacks and validation data; every term is logged each epoch (``val_`` prefixed on
validation data). ``fit`` or ``evaluate`` on an uncompiled model compiles it first with
:func:`default_optimizer`.

The default optimizer (a model ``fit`` before ``compile``) is Adam at 10⁻³, as
:class:`~vae_tf.optimizer.FusedAdam`: Keras' Adam with its update run as one kernel per variable.
"""
from __future__ import annotations

import math
import warnings

import keras
import numpy as np
import tensorflow as tf

from vae_tf.data import check_features, check_intensities, make_dataset, positive_int, steps_per_epoch
from vae_tf.optimizer import FusedAdam

DEFAULT_LEARNING_RATE = 1e-3


def default_optimizer() -> keras.optimizers.Optimizer:
    """Adam with learning rate 1e-3 (:class:`~vae_tf.optimizer.FusedAdam`, Keras' Adam as one kernel per
    variable): what ``fit`` uses when the model was not compiled."""
    return FusedAdam(learning_rate=DEFAULT_LEARNING_RATE)


class TrainableModel(keras.Model):
    """Base class: custom ``train_step``/``test_step`` around ``compute_terms``."""

    #: names of the terms ``compute_terms`` returns, in logging order
    term_names: tuple[str, ...] = ("loss",)
    #: what the model reads: "images" (intensities in [0, 1]) or "features" (real vectors, e.g. codes)
    inputs: str = "images"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.term_names}
        self.event_shape: tuple[int, ...] | None = None
        self.noise = keras.random.SeedGenerator(name="noise")  # seeded from Python's random (set_seed)
        # the optimizer step of the first non-finite loss (-1: none), written in the graph: NaNGuard reads it
        # once per epoch, so no training step waits for Python. A tf.Variable, not a weight of the model.
        self._nonfinite_step = [tf.Variable(-1, dtype=tf.int64, trainable=False, name="nonfinite_step")]

    # -- input checks ------------------------------------------------------------
    def _set_event_shape(self, input_shape) -> tuple[int, ...]:
        shape = tuple(input_shape[1:])
        if len(shape) == 0 or any(d is None for d in shape):
            raise ValueError(f"{type(self).__name__}: x must be a batch of images (N, ...) with known sizes, got shape {tuple(input_shape)}")
        self.event_shape = tuple(int(d) for d in shape)
        return self.event_shape

    def check_images(self, x, argument: str = "x") -> tf.Tensor:
        """Convert ``x`` to float32 and check it is a batch of inputs the model was built for.

        Outside a compiled function (where the values are known) it also checks every value: a
        finite intensity in [0, 1] for images, a finite number for feature vectors (``inputs``)."""
        if isinstance(x, np.ndarray):
            return tf.convert_to_tensor(self.checked_array(x, argument))
        x = tf.convert_to_tensor(x)
        if not x.dtype.is_floating:
            raise TypeError(f"{argument}: expected float {self._what}, got dtype {x.dtype.name}")
        x = tf.cast(x, tf.float32)
        if tf.executing_eagerly():
            self._check_values(x.numpy(), argument)
        self._check_shape(x.shape, argument)
        return x

    def checked_array(self, x, argument: str = "x", allow_empty: bool = True) -> np.ndarray:
        """:meth:`check_images` for a NumPy array, returning a float32 array (the array itself when it
        already is one: the full training set is checked without copies)."""
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(f"{argument}: expected float {self._what}, got dtype {x.dtype}"
                            + (" (divide uint8 images by 255)" if self.inputs == "images" and x.dtype != bool else ""))
        x = x.astype(np.float32, copy=False)
        self._check_values(x, argument, allow_empty)
        self._check_shape(x.shape, argument)
        return x

    @property
    def _what(self) -> str:
        return "images" if self.inputs == "images" else "feature vectors"

    def _check_values(self, x: np.ndarray, argument: str, allow_empty: bool = True) -> None:
        (check_intensities if self.inputs == "images" else check_features)(x, argument, allow_empty=allow_empty)

    def _check_shape(self, shape, argument: str) -> None:
        if not self.built:
            self.build(shape)
        if self.event_shape is not None and tuple(shape[1:]) != self.event_shape:
            raise ValueError(f"{argument}: {self._what} of shape {tuple(shape[1:])}, but {type(self).__name__} was built for {self.event_shape}")

    # -- the Keras protocol ------------------------------------------------------
    def compute_terms(self, x, y=None, training: bool = False) -> dict[str, tf.Tensor]:
        raise NotImplementedError

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _log(self, terms):
        for name, tracker in self._trackers.items():
            tracker.update_state(terms[name])
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            terms = self.compute_terms(x, y, training=True)
        first_bad = self._nonfinite_step[0]
        step = tf.cast(self.optimizer.iterations, tf.int64)
        first_bad.assign(tf.where((first_bad < 0) & ~tf.math.is_finite(terms["loss"]), step, first_bad))
        grads = tape.gradient(terms["loss"], self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._log(terms)

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._log(self.compute_terms(x, y, training=False))

    def _require_built(self, what: str) -> None:
        if self.event_shape is None:
            raise ValueError(f"{what}: {type(self).__name__} is not built yet; call it on images (or fit it) first")

    def prepare(self, x):
        """Compile with the default optimizer if needed, and build from the first batch of ``x``."""
        if not self.compiled:
            self.compile(optimizer=default_optimizer())
        if not self.built and x is not None:
            first = next(iter(x)) if isinstance(x, tf.data.Dataset) else x
            first, _, _ = keras.utils.unpack_x_y_sample_weight(first)
            self.check_images(first[:1])

    #: ``fit`` keywords that configure :meth:`training_data` rather than Keras
    pipeline_options: tuple[str, ...] = ()

    def training_data(self, x, y=None, batch_size: int | None = None, seed: int = 0, start_epoch: int = 0,
                      binarize: str | None = None, shuffle: bool = True) -> tf.data.Dataset:
        """The pipeline ``fit`` builds from NumPy arrays: :func:`vae_tf.data.make_dataset`."""
        return make_dataset(x, y, batch_size=128 if batch_size is None else batch_size, binarize=binarize, shuffle=shuffle,
                            seed=seed, start_epoch=start_epoch, features=self.inputs == "features")

    def fit(self, x=None, y=None, *args, seed: int = 0, binarize: str | None = None, **kwargs):
        """Keras ``fit``. NumPy images go through :meth:`training_data` (seeded by ``seed``, shuffled,
        ``binarize`` as in :func:`~vae_tf.data.make_dataset`); epochs of a repeating pipeline are
        its ``steps_per_epoch`` batches, and ``initial_epoch`` = k starts at epoch k's batches."""
        if x is not None and not isinstance(x, tf.data.Dataset):
            if args:
                raise TypeError("fit(x, y, ...): pass batch_size, epochs and the rest as keywords")
            x = self.checked_array(x, "x")
            options = {k: kwargs.pop(k) for k in self.pipeline_options if k in kwargs}
            x = self.training_data(x, y, kwargs.pop("batch_size", None), seed, kwargs.get("initial_epoch", 0),
                                   binarize, kwargs.pop("shuffle", True), **options)
            y = None
        self.prepare(x)
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # the pipeline already shuffles every epoch
            if steps_per_epoch(x) is not None:
                kwargs.setdefault("steps_per_epoch", steps_per_epoch(x))
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if not any(isinstance(cb, NaNGuard) for cb in callbacks):
            callbacks.append(NaNGuard())
        if y is not None:
            args = (y, *args)
        return super().fit(x, *args, callbacks=callbacks, **kwargs)


class EpochTimer(keras.callbacks.Callback):
    """Adds ``seconds`` (wall time since training began, cumulative) to each epoch's logs and history.

    ``offset`` is added to every value (a resumed run continues the clock of the interrupted one).
    """

    offset = 0.0

    def on_train_begin(self, logs=None):
        import time

        self._clock = time.perf_counter
        self._start = self._clock()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = self.offset + self._clock() - self._start


class NaNGuard(keras.callbacks.Callback):
    """Stop training after an epoch with a non-finite loss and restore the weights of the last good epoch.

    Added to every ``fit`` of the collection's models. ``train_step`` records, inside the graph,
    the first step whose loss is not finite; the guard reads that record once per epoch (no
    per-step synchronisation with Python). The warning names the epoch and the step; the model
    keeps the weights and the optimizer state (Adam's moments and step count) it had after the last
    epoch whose every step was finite (or before training if the first epoch fails), so nothing
    half-trained is kept and ``fit`` can be called again, e.g. with a lower learning rate.
    """

    def __init__(self):
        super().__init__()
        self.stopped_at: tuple[int, int] | None = None

    def _record(self):
        record = getattr(self.model, "_nonfinite_step", None)
        return record[0] if record else None

    def _state(self):
        optimizer = self.model.optimizer
        return [v.numpy() for v in self.model.variables], (
            [v.numpy() for v in optimizer.variables] if optimizer.built else None)

    def _restore(self, state):
        weights, optimizer_state = state
        for v, a in zip(self.model.variables, weights):
            v.assign(a)
        for i, v in enumerate(self.model.optimizer.variables):  # None: the optimizer was fresh
            v.assign(optimizer_state[i] if optimizer_state is not None else np.zeros(v.shape, v.dtype))

    def on_train_begin(self, logs=None):
        self._good = self._state()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._first_step = int(self.model.optimizer.iterations.numpy()) if self.model.optimizer.built else 0
        if self._record() is not None:
            self._record().assign(-1)

    def on_epoch_end(self, epoch, logs=None):
        record = self._record()
        bad = int(record.numpy()) if record is not None else -1
        loss = (logs or {}).get("loss")
        if bad < 0 and loss is not None and not math.isfinite(float(loss)):
            bad = self._first_step  # a model without the in-graph record: the step is unknown, name the epoch
        if bad >= 0 and self.stopped_at is None:
            self.stopped_at = (self._epoch + 1, bad - self._first_step + 1)
            self.model.stop_training = True
            self._restore(self._good)
            warnings.warn(f"training stopped: non-finite loss at epoch {self.stopped_at[0]}, step {self.stopped_at[1]}; "
                          "the weights and optimizer state of the last finite epoch were restored, so the model can "
                          "train again (with a lower learning rate, say)", RuntimeWarning, stacklevel=2)
        elif self.stopped_at is None:
            self._good = self._state()
