"""Shared fixtures. Real MNIST comes from $VAE_TF_DATA_DIR (CI points it at mnist-mini) or Keras' download."""
import gzip
import struct

import keras
import numpy as np
import pytest

import vae_tf  # (imports TensorFlow quietly; ../conftest.py sets the fast setting)


@pytest.fixture(scope="session")
def mnist():
    """All of the data folder's images (the fast setting's subset is for the notebooks)."""
    return vae_tf.data._load_mnist()


@pytest.fixture(autouse=True)
def _own_cache_and_full_epochs(request, tmp_path, monkeypatch):
    """Each test trains into a cache folder of its own, never the user's, and gets the epochs it asks for
    (the fast setting, on for the notebooks of the test command, would cut them to a tenth). Tests that
    execute notebooks keep the fast setting, as the notebooks do."""
    monkeypatch.setenv("VAE_TF_CACHE_DIR", str(tmp_path / "vae-tf-cache"))
    if not request.node.get_closest_marker("notebook"):
        monkeypatch.setenv("VAE_TF_FAST", "0")


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


def cached_fit(model, x, y=None, *, cache_dir=None, seed=None, verbose=-1, **kwargs):
    """``model.fit`` into the cache folder ``cache_dir`` (None: the test's own; "off": no cache), after
    ``keras.utils.set_random_seed(seed)`` if given (the pipeline's seed); returns the run (``model.history``).
    ``verbose``: -1 silent, 0 the fit's one line, as the notebooks print it."""
    import os

    old = os.environ.get("VAE_TF_CACHE_DIR")
    if cache_dir is not None:
        os.environ["VAE_TF_CACHE_DIR"] = str(cache_dir)
    try:
        if seed is not None:
            keras.utils.set_random_seed(seed)
        model.fit(x, y, verbose=0 if verbose == -1 else "auto", **kwargs)
        return model.history
    finally:
        if old is None:
            os.environ.pop("VAE_TF_CACHE_DIR", None)
        else:
            os.environ["VAE_TF_CACHE_DIR"] = old
