"""Run settings shared by every notebook: the fast setting, seeds and the device line.

The fast setting is read here and nowhere else. ``VAE_TF_FAST=1`` (also ``true``,
``yes``, ``on``) shrinks epochs (:func:`fast_epochs`, applied by every ``fit``) and data
(:func:`vae_tf.load_mnist` keeps the first images) so that CI can execute every notebook in
minutes; notebooks write the lecture's numbers, and the code path is the same as the full run.
``VAE_TF_STRICT=1`` marks the maintainers' re-execution (the committed run and CI), where a claim
that no longer holds stops the notebook.
"""
from __future__ import annotations

import os

FAST_ENV = "VAE_TF_FAST"
STRICT_ENV = "VAE_TF_STRICT"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def is_fast() -> bool:
    """True when the environment variable ``VAE_TF_FAST`` asks for the fast setting."""
    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{FAST_ENV}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def is_strict() -> bool:
    """True in the maintainers' re-execution (``VAE_TF_STRICT=1``), where a failed claim stops the notebook."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in _TRUE


def fast_epochs(epochs: int) -> int:
    """The epochs a ``fit`` of ``epochs`` trains: all of them, or a tenth (at least one) under the fast setting."""
    return max(1, epochs // 10) if is_fast() else epochs


def set_seed(seed: int) -> int:
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    With the same seed a training run on the CPU gives an identical loss history. Returns the
    seed so a notebook can print it.
    """
    import keras
    import tensorflow as tf

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    keras.utils.set_random_seed(seed)  # Python's random, NumPy and TensorFlow
    tf.config.experimental.enable_op_determinism()
    return seed


def device_summary() -> str:
    """One line naming the device TensorFlow trains on: the GPU(s) when present, else the CPU."""
    import platform

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        return f"GPU: {', '.join(names)} (TensorFlow {tf.__version__})"
    cores = os.cpu_count() or 1
    cpu = platform.processor() or platform.machine()
    return f"CPU: {cpu}, {cores} cores, no GPU visible (TensorFlow {tf.__version__})"


def header(data) -> str:
    """The lines every notebook prints first: the setting, the device and the data."""
    mode = ("fast setting ON: a tenth of the epochs, the first images only (CI's check, not the lecture's numbers)"
            if is_fast() else "full setting")
    return f"{mode}\ndevice: {device_summary()}\ndata: {data.describe()}"
