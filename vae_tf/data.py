"""MNIST loading, binarization and the labeled/unlabeled split.

Images come back as float32 in [0, 1] with shape (N, rows, cols) and labels as int64 in
0..9. The source is, in order: the ``data_dir`` argument, the environment variable
``VAE_TF_DATA_DIR``, else Keras' download of ``mnist.npz`` (verified by its sha256 and
cached in ``~/.keras/datasets``). A directory may hold the four official IDX files
(optionally gzip-compressed) or ``mnist.npz``; any number of images is accepted.
"""
from __future__ import annotations

import dataclasses
import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from vae_tf.npz import read_npz

DATA_ENV = "VAE_TF_DATA_DIR"
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
NUM_CLASSES = 10
#: the batch size of every ``fit`` and pipeline of the collection unless told otherwise
DEFAULT_BATCH_SIZE = 100
#: the images the fast setting keeps (CI, quick checks): the first 4,000 training and 500 test images
FAST_SUBSET = (4000, 500)
_HOW_TO = (
    "Download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) or Keras' mnist.npz into a folder "
    f"and set {DATA_ENV} to that folder (or pass data_dir=...)."
)


class DataError(ValueError):
    """A data file is missing, truncated or malformed; the message names the file."""


@dataclasses.dataclass(frozen=True)
class MNIST:
    """Train and test arrays plus a human-readable note of where they came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def describe(self) -> str:
        return f"{self.source}: {len(self.x_train)} train / {len(self.x_test)} test images of {self.image_shape}"

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> "MNIST":
        """The first ``n_train`` / ``n_test`` images (``None`` keeps all); ``describe`` then says what was cut."""
        for name, n in (("n_train", n_train), ("n_test", n_test)):
            if n is not None and (not isinstance(n, (int, np.integer)) or n <= 0):
                raise ValueError(f"{name}={n!r}: expected a positive number of images or None")
        nt = len(self.x_train) if n_train is None else min(n_train, len(self.x_train))
        ns = len(self.x_test) if n_test is None else min(n_test, len(self.x_test))
        cut = [f"first {n} of {len(x)} {part} images" for n, x, part in
               ((nt, self.x_train, "train"), (ns, self.x_test, "test")) if n < len(x)]
        return dataclasses.replace(
            self, x_train=self.x_train[:nt], y_train=self.y_train[:nt],
            x_test=self.x_test[:ns], y_test=self.y_test[:ns],
            source=self.source + (f" ({', '.join(cut)})" if cut else ""),
        )


# --------------------------------------------------------------------------- loading
def load_mnist(data_dir: str | os.PathLike | None = None) -> MNIST:
    """Load MNIST from ``data_dir``, ``$VAE_TF_DATA_DIR`` or Keras' cached download.

    Raises :class:`DataError` (a ``ValueError``) naming the file for any missing,
    truncated or malformed file, and explaining how to get the data when offline. Under the fast
    setting it keeps the first 4,000 training and 500 test images (:data:`FAST_SUBSET`).
    """
    from vae_tf import config

    data = _load_mnist(data_dir)
    return data.subset(*FAST_SUBSET) if config.is_fast() else data


def _load_mnist(data_dir: str | os.PathLike | None = None) -> MNIST:
    origin = "data_dir"
    if data_dir is None and os.environ.get(DATA_ENV):
        data_dir, origin = os.environ[DATA_ENV], DATA_ENV
    if data_dir is None:
        return _load_keras_download()
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(f"{origin}: {str(folder)!r} is not a directory. {_HOW_TO}")
    name = f"{folder.name!r} ({origin})"
    if _find(folder, IDX_FILES["x_train"]) is None and (folder / "mnist.npz").is_file():
        arrays = _read_npz(folder / "mnist.npz")
        return _checked(arrays, f"mnist.npz in {name}")
    arrays = {}
    for key, stem in IDX_FILES.items():
        path = _find(folder, stem)
        if path is None:
            raise DataError(f"{folder / stem}[.gz]: file not found. {_HOW_TO}")
        arrays[key] = read_idx(path, ndim=3 if key.startswith("x") else 1)
    return _checked(arrays, f"IDX files in {name}")


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


#: the most bytes one IDX file may inflate to (the official training images take 47 MB)
MAX_IDX_BYTES = 1 << 30
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes, gzip-compressed or raw (told apart by their magic).

    The header (magic, dimensions, sizes) is read and checked first; then exactly the bytes it
    announces are inflated, so a file that claims or holds more than :data:`MAX_IDX_BYTES` is
    refused before it fills memory.
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw_file:
            compressed = raw_file.read(2) == _GZIP_MAGIC
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            head = f.read(4)
            if len(head) < 4:
                raise DataError(f"{path}: only {len(head)} bytes, too short for an IDX header")
            zero, dtype_code, dims = int.from_bytes(head[:2], "big"), head[2], head[3]
            if zero != 0 or dtype_code != 0x08:
                raise DataError(f"{path}: wrong IDX magic 0x{int.from_bytes(head, 'big'):08x}; expected 0x000008NN (unsigned bytes)")
            if ndim is not None and dims != ndim:
                raise DataError(f"{path}: {dims} dimensions in the header, expected {ndim} (magic 0x{0x800 + ndim:08x})")
            sizes = f.read(4 * dims)
            if len(sizes) < 4 * dims:
                raise DataError(f"{path}: header truncated")
            shape = tuple(int.from_bytes(sizes[4 * i: 4 * i + 4], "big") for i in range(dims))
            expected = math.prod(shape)  # a Python int: sizes of 2³² − 1 cannot wrap around
            if expected > MAX_IDX_BYTES:
                raise DataError(f"{path}: the header announces {expected:,} bytes {shape}, more than the "
                                f"{MAX_IDX_BYTES:,} an MNIST-like file may hold")
            body = f.read(expected + 1)
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({exc.__class__.__name__}: {exc}); the file is truncated or corrupt") from exc
    if len(body) != expected:
        more = "more than" if len(body) > expected else f"{len(body)} bytes, not"
        raise DataError(f"{path}: the data is {more} the {expected} bytes the header's shape {shape} needs")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The four arrays of Keras' ``mnist.npz``, each bounded like an IDX file before it is inflated."""
    arrays = read_npz(path, MAX_IDX_BYTES, error=DataError)
    missing = {"x_train", "y_train", "x_test", "y_test"} - set(arrays)
    if missing:
        raise DataError(f"{path}: missing arrays {sorted(missing)}")
    return {k: arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")}


def _load_keras_download() -> MNIST:
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # offline, proxy, hash mismatch: all end the same way
        raise DataError(f"mnist.npz: Keras could not download MNIST ({exc.__class__.__name__}: {exc}). {_HOW_TO}") from exc
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return _checked(arrays, "Keras download of mnist.npz (~/.keras/datasets)")


def _images(x, source: str, split: str) -> np.ndarray:
    """Images as float32 intensities in [0, 1]: unsigned bytes are divided by 255, floats must already be in [0, 1]."""
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < 0 or x.max() > 255):
            raise DataError(f"{source}: {split} images hold integers outside 0..255")
        return x.astype(np.float32) / 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"{source}: {split} images have dtype {x.dtype}; expected unsigned bytes or floats in [0, 1]")
    if x.size and not np.isfinite(x).all():
        raise DataError(f"{source}: {split} images hold NaN or infinite values")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise DataError(f"{source}: {split} images are floats in [{x.min():g}, {x.max():g}]; expected intensities "
                        "in [0, 1] (or unsigned bytes 0..255)")
    return x.astype(np.float32)


def _labels(y, source: str, split: str) -> np.ndarray:
    y = np.asarray(y)
    integral = np.issubdtype(y.dtype, np.integer) or (
        np.issubdtype(y.dtype, np.floating) and np.isfinite(y).all() and (y == np.round(y)).all())
    if not integral:
        raise DataError(f"{source}: {split} labels must be whole numbers 0..{NUM_CLASSES - 1}, got dtype {y.dtype}"
                        + (" with fractional values" if np.issubdtype(y.dtype, np.floating) else ""))
    if y.size and (y.min() < 0 or y.max() >= NUM_CLASSES):
        raise DataError(f"{source}: {split} labels outside 0..{NUM_CLASSES - 1}")
    return y.astype(np.int64)


def _checked(arrays: dict[str, np.ndarray], source: str) -> MNIST:
    out = {}
    for split in ("train", "test"):
        x, y = np.asarray(arrays[f"x_{split}"]), np.asarray(arrays[f"y_{split}"])
        if x.ndim != 3 or y.ndim != 1:
            raise DataError(f"{source}: {split} images must be (N, rows, cols) and labels (N,), got {x.shape} and {y.shape}")
        if len(x) != len(y):
            raise DataError(f"{source}: {len(x)} {split} images but {len(y)} {split} labels")
        if len(x) == 0:
            raise DataError(f"{source}: no {split} images")
        out[f"x_{split}"], out[f"y_{split}"] = _images(x, source, split), _labels(y, source, split)
    if out["x_train"].shape[1:] != out["x_test"].shape[1:]:
        raise DataError(f"{source}: train images {out['x_train'].shape[1:]} and test images {out['x_test'].shape[1:]} differ in size")
    return MNIST(**out, source=source)


def positive_int(value, argument: str) -> int:
    """``value`` as an int if it is a whole number > 0 (not a bool), else a ValueError naming ``argument``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{argument}={value!r}: expected a whole number greater than 0")
    return int(value)


def check_intensities(x, argument: str = "x", allow_empty: bool = False) -> None:
    """A clear error unless every value of ``x`` is a finite intensity in [0, 1] (and, unless
    ``allow_empty``, there is at least one image: training on none would never end an epoch)."""
    x = np.asarray(x)
    if x.size == 0:
        if allow_empty:
            return
        raise ValueError(f"{argument}: no images (shape {x.shape})")
    finite = np.isfinite(x)
    if not finite.all():
        raise ValueError(f"{argument}: {int((~finite).sum())} pixel values are NaN or infinite")
    low, high = float(x.min()), float(x.max())
    if low < 0 or high > 1:
        hint = " (divide 0..255 images by 255)" if high > 1 else ""
        raise ValueError(f"{argument}: pixel values in [{low:g}, {high:g}]; expected intensities in [0, 1]{hint}")


def check_features(x, argument: str = "x", allow_empty: bool = False) -> None:
    """A clear error unless ``x`` is a batch of finite real vectors (features such as another model's codes)."""
    x = np.asarray(x)
    if x.size == 0:
        if allow_empty:
            return
        raise ValueError(f"{argument}: no feature vectors (shape {x.shape})")
    if x.ndim != 2:
        raise ValueError(f"{argument}: expected feature vectors of shape (N, D), got shape {x.shape}")
    finite = np.isfinite(x)
    if not finite.all():
        raise ValueError(f"{argument}: {int((~finite).sum())} feature values are NaN or infinite")


# --------------------------------------------------------------------------- binarization
def binarize_threshold(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Static binarization: pixel = 1 where intensity > threshold."""
    return (np.asarray(x) > threshold).astype(np.float32)


def binarize_fixed(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """One seeded Bernoulli draw per pixel, x_bin ~ Bernoulli(x): the fixed test-set binarization.

    The same seed gives the same binary images, so test ELBOs and log p(x) are comparable
    across models and runs.
    """
    rng = np.random.default_rng(seed)
    return (rng.random(np.shape(x), dtype=np.float32) < x).astype(np.float32)


def make_dataset(x, y=None, batch_size: int = DEFAULT_BATCH_SIZE, binarize: str | None = "dynamic",
                 shuffle: bool = True, seed: int = 0, start_epoch: int = 0, features: bool = False):
    """A ``tf.data`` pipeline of batches of images (and labels, if given).

    ``binarize="dynamic"`` draws x_bin ~ Bernoulli(x) afresh every epoch; ``"threshold"`` uses
    :func:`binarize_threshold`; ``None`` keeps intensities. With ``shuffle`` the order changes
    every epoch. Epoch e's order and binary draws are stateless functions of (``seed``, e), so a
    training resumed at ``start_epoch`` = k sees exactly the batches an uninterrupted run sees
    from epoch k on.

    When anything is random (``shuffle`` or dynamic binarization) the pipeline runs epoch after
    epoch without end and carries ``steps_per_epoch``, which the collection's ``fit`` uses;
    otherwise it is one finite pass (validation and test sets). Batches are gathered, binarized
    and prefetched inside the pipeline: no Python runs per step. With ``features`` ``x`` holds
    real-valued vectors (:func:`check_features`), never binarized.
    """
    import tensorflow as tf

    if binarize not in ("dynamic", "threshold", None):
        raise ValueError(f"binarize={binarize!r}: expected 'dynamic', 'threshold' or None")
    batch_size = positive_int(batch_size, "batch_size")
    if int(start_epoch) < 0:
        raise ValueError(f"start_epoch={start_epoch} must be >= 0")
    x = np.asarray(x, dtype=np.float32)
    if features:
        if binarize is not None:
            raise ValueError(f"binarize={binarize!r}: feature vectors are not binarized; use binarize=None")
        check_features(x, "x")
    else:
        check_intensities(x, "x")
    if binarize == "threshold":
        x = binarize_threshold(x)
    n = len(x)
    if y is not None and len(y) != n:
        raise ValueError(f"x has {n} images but y has {len(y)} labels")
    steps = -(-n // batch_size)
    images = tf.constant(x)
    labels = None if y is None else tf.constant(np.asarray(y, dtype=np.int64))

    def batch_of(epoch, step, index):
        xb = tf.gather(images, index)
        if binarize == "dynamic":
            noise_seed = tf.random.experimental.stateless_fold_in(tf.stack([tf.constant(seed, tf.int64), epoch]), step)
            xb = tf.cast(tf.random.stateless_uniform(tf.shape(xb), seed=noise_seed) < xb, tf.float32)
        return xb if labels is None else (xb, tf.gather(labels, index))

    def one_epoch(epoch):
        order = tf.range(n, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=tf.stack([tf.constant(seed, tf.int64), -1 - epoch]))
        batches = tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
        steps_ds = tf.data.Dataset.range(steps)
        return tf.data.Dataset.zip((steps_ds, batches)).map(lambda step, index: batch_of(epoch, step, index))

    if not (shuffle or binarize == "dynamic"):  # one pass of known length (Keras can count it)
        return one_epoch(tf.constant(int(start_epoch), tf.int64)).prefetch(tf.data.AUTOTUNE)
    epochs = tf.data.Dataset.range(int(start_epoch), np.iinfo(np.int64).max)
    ds = epochs.flat_map(one_epoch).prefetch(tf.data.AUTOTUNE)
    ds.steps_per_epoch = steps
    return ds


def steps_per_epoch(dataset) -> int | None:
    """Batches per epoch of a pipeline from :func:`make_dataset` that repeats, else None."""
    return getattr(dataset, "steps_per_epoch", None)


# --------------------------------------------------------------------------- labels
def labeled_split(y: np.ndarray, n_labeled: int, seed: int = 0, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Sorted indices of a class-balanced labeled subset: ``n_labeled / num_classes`` per digit.

    The same ``seed`` always picks the same images.
    """
    y = np.asarray(y)
    if n_labeled <= 0 or n_labeled % num_classes:
        raise ValueError(f"n_labeled={n_labeled} must be a positive multiple of num_classes={num_classes}")
    per_class = n_labeled // num_classes
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(num_classes):
        members = np.flatnonzero(y == c)
        if len(members) < per_class:
            raise ValueError(f"n_labeled={n_labeled}: class {c} has only {len(members)} images, need {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def mask_labels(y: np.ndarray, n_labeled: int, seed: int = 0) -> np.ndarray:
    """Copy of ``y`` with every label outside :func:`labeled_split` replaced by -1 (unlabeled)."""
    masked = np.full(len(y), -1, dtype=np.int64)
    keep = labeled_split(y, n_labeled, seed)
    masked[keep] = np.asarray(y)[keep]
    return masked
