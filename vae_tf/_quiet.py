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


@contextlib.contextmanager
def retracing_warnings_silenced():
    """Hide TensorFlow's Python-side warnings (level WARNING) for the duration.

    Every freshly built Keras model traces its own training function, so a notebook that trains
    or probes many models makes TensorFlow warn about "excessive retracing": nothing to act on.
    """
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def import_tensorflow_quietly():
    """Import TensorFlow (and TFP) and initialise its devices with the native log silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr_silenced():
        import tensorflow as tf
        import tensorflow_probability  # its import pulls in tf-keras

        tf.config.list_physical_devices()
        # the first categorical draw logs, once per process and natively, that oneDNN lacks int32
        # kernels on CPUs without AVX-512: made here, where the log is silenced
        tensorflow_probability.distributions.Categorical(logits=tf.zeros([1, 2])).sample()
    return tf
