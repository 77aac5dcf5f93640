"""The training convention every model of the collection shares.

A model subclasses :class:`TrainableModel` and implements ``compute_terms(x, y, training)``
returning a dict of batch means with a ``"loss"`` entry to minimise. Its random draws (ε of
the reparameterization) come from ``self.noise``, a Keras ``SeedGenerator`` whose state is a
variable of the model, so a checkpoint holds it and a resumed run draws the same ε. Keras then does the
rest: ``model.compile(optimizer=...)``, ``model.fit(...)`` with its progress bar, history,
callbacks and validation data; every term is logged each epoch (``val_`` prefixed on
validation data). ``fit`` or ``evaluate`` on an uncompiled model compiles it first with the
model's :meth:`~TrainableModel.default_optimizer`.

The default optimizer (a model ``fit`` before ``compile``) is Adam at 10⁻³, as
:class:`~vae_tf.optimizer.FusedAdam`: Keras' Adam with its update run as one kernel per variable.
A model may carry its own (M2's decays its learning rate over the run).
"""
from __future__ import annotations

import inspect
import math
import warnings

import keras
import numpy as np
import tensorflow as tf

from vae_tf.data import (DEFAULT_BATCH_SIZE, check_features, check_intensities, make_dataset, positive_int,
                          steps_per_epoch)
from vae_tf.optimizer import FusedAdam

DEFAULT_LEARNING_RATE = 1e-3


def default_optimizer() -> keras.optimizers.Optimizer:
    """Adam with learning rate 1e-3 (:class:`~vae_tf.optimizer.FusedAdam`, Keras' Adam as one kernel per
    variable): what ``fit`` uses when the model was not compiled."""
    return FusedAdam(learning_rate=DEFAULT_LEARNING_RATE)


class TrainableModel(keras.Model):
    """Base class: custom ``train_step``/``test_step`` around ``compute_terms``.

    Every model records the arguments it was constructed with, defaults included
    (``constructor_arguments``): ``get_config`` returns them and the training cache keys on them, so no
    subclass writes either by hand.
    """

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls, *args, **kwargs)
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        bound.apply_defaults()
        arguments = {}
        for name, value in list(bound.arguments.items())[1:]:
            kind = inspect.signature(cls.__init__).parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            elif kind is not inspect.Parameter.VAR_POSITIONAL:
                arguments[name] = value
        object.__setattr__(instance, "_constructor_arguments", arguments)
        return instance

    @property
    def constructor_arguments(self) -> dict:
        """The arguments the model was constructed with, defaults included."""
        return dict(self._constructor_arguments)

    def get_config(self):
        return {**super().get_config(), **{k: list(v) if isinstance(v, tuple) else v
                                            for k, v in self._constructor_arguments.items()}}

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

    def default_optimizer(self, steps: int | None = None) -> keras.optimizers.Optimizer:
        """The optimizer ``fit`` compiles with when the model was not compiled: :func:`default_optimizer`.

        ``steps`` is the number of training steps of that ``fit`` (None where unknown), for a model
        whose own default schedules its learning rate over the run.
        """
        return default_optimizer()

    def epoch_steps(self, n: int, y=None, batch_size: int = DEFAULT_BATCH_SIZE, **pipeline) -> int:
        """Training steps in one epoch of :meth:`training_data` on ``n`` inputs: one pass in batches."""
        return -(-int(n) // int(batch_size))

    def prepare(self, x, steps: int | None = None):
        """Compile with :meth:`default_optimizer` (for ``steps`` training steps) if needed, and build
        from the first batch of ``x``."""
        if not self.compiled:
            self.compile(optimizer=self.default_optimizer(steps))
        if not self.built and x is not None:
            first = next(iter(x)) if isinstance(x, tf.data.Dataset) else x
            first, _, _ = keras.utils.unpack_x_y_sample_weight(first)
            self.check_images(first[:1])
        if self.built and not self.optimizer.built:  # so NaNGuard can restore the optimizer's own first state
            self.optimizer.build(self.trainable_variables)

    #: ``fit`` keywords that configure :meth:`training_data` rather than Keras
    pipeline_options: tuple[str, ...] = ()

    def training_data(self, x, y=None, batch_size: int | None = None, seed: int = 0, start_epoch: int = 0,
                      binarize: str | None = "auto", shuffle: bool = True) -> tf.data.Dataset:
        """The pipeline ``fit`` builds from arrays: :func:`vae_tf.data.make_dataset`."""
        return make_dataset(x, y, batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                            binarize=self._binarize(binarize), shuffle=shuffle, seed=seed, start_epoch=start_epoch,
                            features=self.inputs == "features")

    def _binarize(self, binarize):
        """``"auto"``: images binarized afresh every epoch ("dynamic"), feature vectors as they are."""
        if binarize == "auto":
            return "dynamic" if self.inputs == "images" else None
        return binarize

    def check_targets(self, y, n: int, argument: str = "y"):
        """``y`` checked for ``n`` inputs: these models learn from the inputs alone, so ``y`` must be None."""
        if y is not None:
            raise ValueError(f"{argument}: {type(self).__name__} learns from the images alone; leave out the labels")
        return None

    def _checked_validation(self, validation_data):
        """``validation_data`` as (x, y) arrays, checked like the training data and named as such."""
        if validation_data is None:
            return None
        if isinstance(validation_data, tf.data.Dataset):
            return validation_data
        parts = list(validation_data) if isinstance(validation_data, (tuple, list)) else [validation_data]
        if not 1 <= len(parts) <= 2 or parts[0] is None:
            raise ValueError("validation_data: expected x_val, (x_val,) or (x_val, y_val)")
        x_val = self.checked_array(parts[0], "validation_data", allow_empty=False)
        y_val = self.check_targets(parts[1] if len(parts) > 1 else None, len(x_val), "validation_data")
        return (x_val,) if y_val is None else (x_val, y_val)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, binarize="auto", **kwargs):
        """Keras ``fit``, trained once and reloaded after.

        On arrays (images, and labels where the model takes them) it checks ``x``, ``y`` and
        ``validation_data``, builds the batches (:meth:`training_data`: shuffled every epoch, images
        binarized afresh every epoch with ``binarize="auto"``, ``batch_size`` 100 by default) and
        trains through the collection's cache (:mod:`vae_tf.cache.training`): a call that has run
        before loads its weights and history; an interrupted one resumes after its last finished
        epoch. ``verbose="auto"`` prints one line saying which. Under the fast setting epochs shrink
        to a tenth. A ``tf.data.Dataset`` trains as in Keras, without the cache. A non-finite loss
        stops training and keeps the last good epoch's weights (:class:`NaNGuard`).
        """
        if x is None:
            raise ValueError(f"x: {type(self).__name__}.fit needs the training {self._what}, got None")
        if validation_split:
            raise ValueError("validation_split: pass validation_data=(x_val, ...) instead (a held-out split you choose)")
        callbacks = list(callbacks or [])
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("steps_per_epoch", steps_per_epoch(x))
            steps = kwargs["steps_per_epoch"]
            self.prepare(x, steps=None if steps is None else steps * int(epochs))
            if not any(isinstance(cb, NaNGuard) for cb in callbacks):
                callbacks.append(NaNGuard())
            return super().fit(x, y, epochs=epochs, verbose=verbose, callbacks=callbacks, shuffle=False,
                               validation_data=validation_data, initial_epoch=initial_epoch, **kwargs)
        from keras.src.utils import rng_utils

        from vae_tf import config
        from vae_tf.cache.training import cached_fit

        x = self.checked_array(x, "x", allow_empty=False)
        y = self.check_targets(y, len(x), "y")
        validation_data = self._checked_validation(validation_data)
        epochs, initial_epoch = positive_int(epochs, "epochs"), int(initial_epoch)
        if initial_epoch == 0:
            epochs = config.fast_epochs(epochs)
        if not 0 <= initial_epoch < epochs:
            raise ValueError(f"initial_epoch={initial_epoch} must be in 0..epochs-1 (epochs={epochs})")
        pipeline = {"batch_size": DEFAULT_BATCH_SIZE if batch_size is None else positive_int(batch_size, "batch_size"),
                    "binarize": self._binarize(binarize), "shuffle": bool(shuffle),
                    **{k: kwargs.pop(k) for k in self.pipeline_options if k in kwargs}}
        if pipeline["binarize"] not in ("dynamic", "threshold", None):
            raise ValueError(f"binarize={binarize!r}: expected 'auto', 'dynamic', 'threshold' or None")
        if pipeline["binarize"] is not None and self.inputs == "features":
            raise ValueError(f"binarize={binarize!r}: feature vectors are not binarized; use binarize=None")
        self.prepare(x[:1], steps=epochs * self.epoch_steps(len(x), y, **pipeline))
        tf.config.experimental.enable_op_determinism()  # the same seed, the same run
        seed = rng_utils.get_random_seed()
        run = cached_fit(self, x, y, epochs=epochs, initial_epoch=initial_epoch, seed=0 if seed is None else seed,
                         pipeline=pipeline, validation_data=validation_data, callbacks=callbacks, verbose=verbose,
                         fit_kwargs=kwargs)
        self.history = run
        return run


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
        if optimizer_state is None:  # a fresh optimizer: its first state is its build's, learning rate included
            return
        for v, a in zip(self.model.optimizer.variables, optimizer_state):
            v.assign(a)

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if not optimizer.built and self.model.built:  # so its own first state, not zeros, can be restored
            optimizer.build(self.model.trainable_variables)
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
