"""Shared fixtures. Real MNIST comes from $VAE_TF_DATA_DIR (CI points it at mnist-mini) or Keras' download."""
import gzip
import struct

import keras
import numpy as np
import pytest

import vae_tf  # (imports TensorFlow quietly; ../conftest.py sets the fast setting)


@pytest.fixture(scope="session")
def mnist():
    return vae_tf.load_mnist()


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """1,000 real training digits and 500 test digits: enough to see learning in seconds."""
    return mnist.subset(n_train=1000, n_test=500)


def write_idx(path, array, gz=True, magic=None):
    """Write ``array`` (uint8) as an IDX file, as the official MNIST files are laid out."""
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else 0x0800 + array.ndim
    raw = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()
    path = str(path) + (".gz" if gz else "")
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(raw)
    return path


@pytest.fixture
def tiny_idx_dir(tmp_path):
    """A directory with the four official file names holding 30 train / 10 test random images."""
    rng = np.random.default_rng(1)
    write_idx(tmp_path / "train-images-idx3-ubyte", rng.integers(0, 256, (30, 28, 28)))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(30) % 10)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", rng.integers(0, 256, (10, 28, 28)), gz=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(10) % 10, gz=False)
    return tmp_path


class DuringEpoch(keras.callbacks.Callback):
    """Does ``act(model)`` before each call of the compiled training loop in epoch ``epoch`` (0-based; None: never)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch, self._now = epoch, None

    def on_epoch_begin(self, epoch, logs=None):
        self._now = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch is not None and self._now == self.epoch:
            self.act(self.model)


class Interrupt(DuringEpoch):
    """Ctrl-C in the middle of epoch ``epoch``."""

    def act(self, model):
        raise KeyboardInterrupt


class PoisonWeights(DuringEpoch):
    """Every weight becomes NaN in epoch ``epoch``, so every later loss is NaN, as in a diverging run.
    (One layer is not enough: ReLU maps NaN to 0.)"""

    def act(self, model):
        for v in model.trainable_variables:
            v.assign(np.full(v.shape, np.nan, np.float32))
