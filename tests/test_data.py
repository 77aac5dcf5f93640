import itertools
import gzip

import numpy as np
import pytest

from conftest import write_idx
from vae_tf import data as D
from vae_tf.data import DataError, load_mnist


def test_reads_idx_gz_and_raw(tiny_idx_dir):
    d = load_mnist(tiny_idx_dir)
    raw = gzip.decompress((tiny_idx_dir / "train-images-idx3-ubyte.gz").read_bytes())
    expected = np.frombuffer(raw[16:], np.uint8).reshape(30, 28, 28) / 255.0
    assert d.x_train.shape == (30, 28, 28) and d.x_test.shape == (10, 28, 28)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    np.testing.assert_allclose(d.x_train, expected, atol=1e-7)
    np.testing.assert_array_equal(d.y_test, np.arange(10) % 10)
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0


def test_reads_npz(tmp_path):
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.integers(0, 256, (12, 8, 8), dtype=np.uint8), y_train=np.arange(12) % 10,
                  x_test=rng.integers(0, 256, (4, 8, 8), dtype=np.uint8), y_test=np.arange(4))
    np.savez(tmp_path / "mnist.npz", **arrays)
    d = load_mnist(tmp_path)
    assert d.image_shape == (8, 8)
    np.testing.assert_allclose(d.x_test * 255, arrays["x_test"], atol=1e-4)


def test_environment_variable_is_used(tiny_idx_dir, monkeypatch):
    monkeypatch.setenv(D.DATA_ENV, str(tiny_idx_dir))
    d = load_mnist()
    assert len(d.x_train) == 30 and D.DATA_ENV in d.source


def test_real_mnist_counts_and_range(mnist):
    assert mnist.image_shape == (28, 28)
    assert set(np.unique(mnist.y_train)) == set(range(10))
    assert len(mnist.x_train) >= 8000 and len(mnist.x_test) >= 2000
    assert 0.05 < mnist.x_train.mean() < 0.25  # MNIST is mostly background


@pytest.mark.parametrize("case, fragment", [
    ("missing", "file not found"),
    ("truncated_gzip", "truncated or corrupt"),
    ("wrong_magic", "wrong IDX magic"),
    ("wrong_dims", "dimensions"),
    ("short_data", "not the 23520 bytes the header"),
    ("count_mismatch", "labels"),
    ("bad_labels", "outside 0..9"),
])
def test_bad_idx_files_raise_naming_the_file(tiny_idx_dir, case, fragment):
    target = tiny_idx_dir / "train-images-idx3-ubyte.gz"
    rng = np.random.default_rng(0)
    if case == "missing":
        target.unlink()
    elif case == "truncated_gzip":
        target.write_bytes(target.read_bytes()[:-40])
    elif case == "wrong_magic":
        write_idx(tiny_idx_dir / "train-images-idx3-ubyte", rng.integers(0, 256, (30, 28, 28)), magic=0x0D03)
    elif case == "wrong_dims":
        write_idx(tiny_idx_dir / "train-images-idx3-ubyte", rng.integers(0, 256, (30, 784)))
    elif case == "short_data":
        raw = gzip.decompress(target.read_bytes())
        target.write_bytes(gzip.compress(raw[:-100]))
    elif case == "count_mismatch":
        write_idx(tiny_idx_dir / "train-labels-idx1-ubyte", np.arange(29) % 10)
        target = tiny_idx_dir / "train-labels-idx1-ubyte.gz"
    elif case == "bad_labels":
        write_idx(tiny_idx_dir / "train-labels-idx1-ubyte", np.arange(30) % 12)
        target = tiny_idx_dir / "train-labels-idx1-ubyte.gz"
    with pytest.raises(DataError, match=fragment) as info:
        load_mnist(tiny_idx_dir)
    assert isinstance(info.value, ValueError)
    if case not in ("count_mismatch", "bad_labels"):  # those name the folder's files together
        assert "train-images-idx3-ubyte" in str(info.value)
    else:
        assert tiny_idx_dir.name in str(info.value)


def test_corrupt_npz(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(DataError, match="mnist.npz"):
        load_mnist(tmp_path)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.array([{"a": 1}], dtype=object), y_train=np.zeros(1),
             x_test=np.zeros((1, 2, 2)), y_test=np.zeros(1))
    with pytest.raises(DataError, match="mnist.npz"):
        load_mnist(tmp_path)


def test_not_a_directory(tmp_path):
    with pytest.raises(DataError, match="not a directory"):
        load_mnist(tmp_path / "nowhere")


def test_offline_without_data_dir_explains(monkeypatch):
    import keras

    monkeypatch.delenv(D.DATA_ENV, raising=False)

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError, match=D.DATA_ENV) as info:
        load_mnist()
    assert "train-images-idx3-ubyte.gz" in str(info.value)


def test_fixed_binarization_is_reproducible_and_unbiased(mnist):
    x = mnist.x_test[:500]
    a, b, c = D.binarize_fixed(x, 0), D.binarize_fixed(x, 0), D.binarize_fixed(x, 1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) <= {0.0, 1.0}
    # E[x_bin] = x: the mean ink agrees within a few standard errors
    se = np.sqrt((x * (1 - x)).sum()) / x.size
    assert abs(a.mean() - x.mean()) < 5 * se
    np.testing.assert_array_equal(D.binarize_threshold(np.array([0.2, 0.5, 0.7])), [0.0, 0.0, 1.0])


def test_dynamic_binarization_changes_each_epoch_and_reproduces(mnist):
    x = mnist.x_train[:256]
    ds = D.make_dataset(x, batch_size=256, shuffle=False, seed=3)
    assert D.steps_per_epoch(ds) == 1
    epochs = [b.numpy() for b in itertools.islice(ds, 21)]  # one batch per epoch
    again = next(iter(D.make_dataset(x, batch_size=256, shuffle=False, seed=3))).numpy()
    assert set(np.unique(epochs[0])) <= {0.0, 1.0}
    assert not np.array_equal(epochs[0], epochs[1])  # a fresh Bernoulli draw every epoch
    np.testing.assert_array_equal(epochs[0], again)  # same seed, same draws
    freq = np.mean(epochs[1:], axis=0)
    assert np.abs(freq - x).mean() < 0.05  # averages back to the intensities


def test_start_epoch_continues_the_uninterrupted_stream(mnist):
    x, y = mnist.x_train[:250], mnist.y_train[:250]
    whole = [(a.numpy(), b.numpy()) for a, b in itertools.islice(D.make_dataset(x, y, batch_size=100, seed=5), 9)]
    assert [len(b) for _, b in whole[:3]] == [100, 100, 50]  # 3 steps per epoch, last one partial
    late = [(a.numpy(), b.numpy()) for a, b in itertools.islice(D.make_dataset(x, y, batch_size=100, seed=5, start_epoch=2), 3)]
    for (xa, ya), (xb, yb) in zip(whole[6:], late):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    # each epoch is a permutation of all images, in a new order
    first, second = np.concatenate([b for _, b in whole[:3]]), np.concatenate([b for _, b in whole[3:6]])
    assert sorted(first.tolist()) == sorted(y.tolist()) and not np.array_equal(first, second)


def test_dataset_keeps_labels_aligned(mnist):
    x, y = mnist.x_train[:300], mnist.y_train[:300]
    ds = D.make_dataset(x, y, batch_size=100, binarize=None, seed=0)
    xs, ys = zip(*[(a.numpy(), b.numpy()) for a, b in itertools.islice(ds, 3)])
    xs, ys = np.concatenate(xs), np.concatenate(ys)
    order = [int(np.flatnonzero((x == img).all(axis=(1, 2)))[0]) for img in xs[:20]]
    np.testing.assert_array_equal(ys[:20], y[order])
    with pytest.raises(ValueError, match="binarize"):
        D.make_dataset(x, binarize="sometimes")
    with pytest.raises(ValueError, match="labels"):
        D.make_dataset(x, y[:10])


def test_labeled_split_is_balanced_and_seeded(mnist):
    idx = D.labeled_split(mnist.y_train, 100, seed=7)
    assert len(idx) == 100 and len(np.unique(idx)) == 100
    np.testing.assert_array_equal(np.bincount(mnist.y_train[idx], minlength=10), [10] * 10)
    np.testing.assert_array_equal(idx, D.labeled_split(mnist.y_train, 100, seed=7))
    assert not np.array_equal(idx, D.labeled_split(mnist.y_train, 100, seed=8))
    masked = D.mask_labels(mnist.y_train, 100, seed=7)
    assert (masked >= 0).sum() == 100 and set(np.unique(masked)) == set(range(-1, 10))
    with pytest.raises(ValueError, match="multiple"):
        D.labeled_split(mnist.y_train, 105)



def test_subset_takes_the_first_images_and_says_what_it_cut(tiny_idx_dir):
    data = load_mnist(tiny_idx_dir)                              # 30 train / 10 test images
    part = data.subset(n_train=8, n_test=None)
    np.testing.assert_array_equal(part.x_train, data.x_train[:8])
    np.testing.assert_array_equal(part.y_test, data.y_test)
    assert "first 8 of 30 train images" in part.describe() and "test images)" not in part.describe()
    assert part.describe().startswith(data.source)
    whole = data.subset(n_train=8000, n_test=2000)               # more than there is: everything, nothing said
    assert whole.describe() == data.describe() and len(whole.x_train) == 30
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="n_train"):
            data.subset(n_train=bad)
