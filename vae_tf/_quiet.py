"""Silence TensorFlow's native start-up log without hiding Python warnings.

TensorFlow's C++ runtime writes INFO lines (oneDNN, CPU features, CUDA probes) straight to
file descriptor 2 before its own log level applies, so ``TF_CPP_MIN_LOG_LEVEL`` alone does not
stop them. While TensorFlow is imported and its devices are listed, we point descriptor 2 at
/dev/null; afterwards it is restored. Python exceptions still propagate. Set
``TF_CPP_MIN_LOG_LEVEL=0`` to see the native log.
"""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Redirect descriptor 2 to /dev/null for the duration (no-op when TF_CPP_MIN_LOG_LEVEL=0)."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") == "0":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import TensorFlow (and TFP) and initialise its devices with the native log silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr_silenced():
        import tensorflow as tf
        import tensorflow_probability  # noqa: F401  (its import pulls in tf-keras)

        tf.config.list_physical_devices()
    return tf
