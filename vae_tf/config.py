"""Run settings shared by every notebook: the fast setting, seeds and the device line.

The fast setting is read here and nowhere else. ``VAE_TF_FAST=1`` (also ``true``,
``yes``, ``on``) shrinks epochs and data sizes so that CI can execute every notebook in
minutes; the code path is the same as the full run, only the numbers passed to it
change (see :func:`pick`).
"""
from __future__ import annotations

import os

FAST_ENV = "VAE_TF_FAST"
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


def pick(full, fast):
    """Return ``fast`` under the fast setting and ``full`` otherwise.

    Notebooks write every size that the fast setting shrinks as
    ``EPOCHS = pick(full=30, fast=2)``, so the reader sees both numbers in one place.
    """
    return fast if is_fast() else full


def mode_name() -> str:
    """``"fast"`` or ``"full"``, for the header line a notebook prints."""
    return "fast" if is_fast() else "full"


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


def header(seed: int, data) -> str:
    """The line every notebook prints first: mode, seed, device and data source."""
    return (
        f"mode: {mode_name()} ({FAST_ENV}={os.environ.get(FAST_ENV, '')!r}) | seed: {seed}\n"
        f"device: {device_summary()}\n"
        f"data: {data.describe()}"
    )
