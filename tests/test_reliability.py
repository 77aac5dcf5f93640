"""Reliability: the cache never serves wrong weights or runs code, bad inputs fail loudly, training never hangs.

One test (or parametrised case) per reproduced failure; each failed on the code before these fixes.
"""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import vae_tf
from vae_tf import cache
from vae_tf.cache import keys, store
from vae_tf.data import DataError, load_mnist
from vae_tf.semisupervised import Classifier, SemiSupervisedVAE

from conftest import Interrupt, PoisonWeights, write_idx


@pytest.fixture(scope="module")
def images(mnist):
    return mnist.x_train[:300]


def _vae():
    vae_tf.set_seed(0)
    return vae_tf.VAE(latent_dim=2, hidden=(16,))


def _fit(model, images, folder, **kwargs):
    kwargs = {"epochs": 3, "seed": 3, "batch_size": 100, "verbose": -1, **kwargs}
    return cache.fit_or_load(model, images, cache_dir=folder, **kwargs).history


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


def _assert_same(a, b):
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def reference(images, tmp_path_factory):
    """The weights an uninterrupted 3-epoch run produces."""
    model = _vae()
    _fit(model, images, tmp_path_factory.mktemp("reference"))
    return model


def _rewrite(path, change):
    """Rewrite a record with ``change(meta)`` applied and valid hashes: only the content checks can catch it."""
    meta, arrays = store.read_record(path)
    meta = {k: v for k, v in meta.items() if k not in ("format", "arrays_sha256", "checksum")}
    change(meta)
    store.write_record(path, meta, arrays)


# --------------------------------------------------------------------------- 1. wrong weights under the right key
@pytest.mark.parametrize("damage", ["no history", "history too short", "history text", "arrays swapped"])
def test_a_damaged_entry_means_a_fresh_run_not_its_weights(images, reference, tmp_path, damage, capsys):
    first = _fit(_vae(), images, tmp_path)
    if damage == "arrays swapped":  # valid hashes, but arrays that do not fit the model
        meta, arrays = store.read_record(first.path)
        store.write_record(first.path, {k: v for k, v in meta.items() if k not in ("format", "arrays_sha256", "checksum")},
                           arrays[::-1])
    else:
        edits = {"no history": lambda m: m.pop("history"),
                 "history too short": lambda m: m["history"].update(loss=[1.0]),
                 "history text": lambda m: m["history"].update(loss=["low"] * 3)}
        _rewrite(first.path, edits[damage])
    model = _vae()
    again = _fit(model, images, tmp_path, verbose=0)
    assert not again.from_cache and "unusable" in capsys.readouterr().out
    _assert_same(model, reference)                 # trained from the start, not from loaded weights
    hit = _vae()
    assert _fit(hit, images, tmp_path).from_cache  # and what is now cached is the right result
    _assert_same(hit, reference)


@pytest.mark.parametrize("damage", ["no history", "epoch text", "epoch past the end", "meta is a list", "meta is null"])
def test_a_damaged_checkpoint_means_training_from_the_start(images, reference, tmp_path, damage, capsys):
    interrupt = Interrupt(2)
    with pytest.raises(KeyboardInterrupt):
        _fit(_vae(), images, tmp_path, callbacks=[interrupt])
    interrupt.epoch = None  # the re-run cell: same call, no Ctrl-C
    partial = next(tmp_path.glob("*.partial.npz"))
    if damage.startswith("meta is"):
        with np.load(partial) as npz:
            raw = {k: npz[k] for k in npz.files}
        raw["meta"] = np.array("[]" if damage == "meta is a list" else "null")
        np.savez(partial, **raw)
    else:
        edits = {"no history": lambda m: m.pop("history"), "epoch text": lambda m: m.update(epoch="five"),
                 "epoch past the end": lambda m: m.update(epoch=7)}
        _rewrite(partial, edits[damage])
    model = _vae()
    run = _fit(model, images, tmp_path, verbose=0, callbacks=[interrupt])
    assert run.resumed_from == 0 and "unusable checkpoint" in capsys.readouterr().out
    _assert_same(model, reference)


def test_the_cache_code_and_format_are_in_the_key(images, tmp_path, monkeypatch):
    _fit(_vae(), images, tmp_path, epochs=1)
    monkeypatch.setattr(keys, "versions", lambda: {"format": store.FORMAT, "source": "an older cache.py"})
    assert not _fit(_vae(), images, tmp_path, epochs=1).from_cache


# --------------------------------------------------------------------------- 2. Ctrl-C, then the same cell again
def test_rerunning_the_interrupted_cell_resumes_to_the_uninterrupted_weights(images, reference, tmp_path, capsys):
    model, interrupt = _vae(), Interrupt(2)
    with pytest.raises(KeyboardInterrupt):
        _fit(model, images, tmp_path, callbacks=[interrupt])
    interrupt.epoch = None
    run = _fit(model, images, tmp_path, verbose=0, callbacks=[interrupt])  # the same model object, partly trained
    assert run.resumed_from == 2 and "resuming from the checkpoint after epoch 2 of 3" in capsys.readouterr().out
    _assert_same(model, reference)
    assert len(cache.entries(tmp_path)) == 1 and not list(tmp_path.glob("*.partial.npz"))  # nothing orphaned
    assert len(run.history["loss"]) == 3


# --------------------------------------------------------------------------- 3. no code from the cache
class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_results_file_rewritten_with_a_pickle_runs_no_code(tmp_path, capsys):
    x = np.arange(6.0)
    assert cache.remember("sum", np.sum, x, cache_dir=tmp_path) == 15.0
    (stored,) = (tmp_path / "results").glob("*.npz")
    boom = _Boom()
    boom.marker = tmp_path / "pwned"
    with np.load(stored) as npz:
        raw = {k: npz[k] for k in npz.files}
    raw["a0"] = np.array([boom], dtype=object)  # np.savez pickles object arrays
    np.savez(stored, **raw)
    assert cache.remember("sum", np.sum, x, cache_dir=tmp_path, verbose=0) == 15.0
    assert not boom.marker.exists() and "unusable" in capsys.readouterr().out


def test_a_result_that_cannot_be_stored_is_returned_with_a_warning(tmp_path):
    with pytest.warns(RuntimeWarning, match="not cached"):
        result = cache.remember("odd", lambda: {"f": len}, cache_dir=tmp_path)
    assert result == {"f": len} and not list((tmp_path / "results").glob("*.npz"))


def test_results_keep_their_structure_and_types(tmp_path):
    value = {"a": np.arange(3, dtype=np.int16), "b": (1, 2.5, "s", None, True), "c": [np.float32(1.5)], "d": {}}
    calls = []

    def compute():
        calls.append(1)
        return value

    cache.remember("value", compute, cache_dir=tmp_path)
    again = cache.remember("value", compute, cache_dir=tmp_path)
    assert len(calls) == 1
    assert again["a"].dtype == np.int16 and again["b"] == (1, 2.5, "s", None, True)
    assert isinstance(again["c"][0], np.float32) and again["c"][0] == 1.5 and again["d"] == {}


# --------------------------------------------------------------------------- 4. two processes on one cache
_WORKER = textwrap.dedent("""
    import sys, numpy as np, vae_tf
    from vae_tf.cache.store import sha256_arrays
    x = vae_tf.load_mnist().x_train[:200]
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=2, hidden=(8,))
    vae_tf.fit_or_load(model, x, epochs=3, seed=1, batch_size=50, cache_dir=sys.argv[1], verbose=-1)
    total = vae_tf.remember("total", lambda a: a.sum(axis=0), x, cache_dir=sys.argv[1], verbose=-1)
    print(sha256_arrays(*[v.numpy() for v in model.trainable_variables]), float(total.sum()))
""")


def test_two_processes_on_one_cache_both_succeed_with_the_same_result(tmp_path):
    outputs = set()
    for round_ in range(4):  # rounds 0 and 2 start cold, 1 and 3 find what the round before wrote
        folder = tmp_path / f"cache{round_ // 2}"
        procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(folder)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-2000:]
            outputs.add(out.strip().splitlines()[-1])
    assert len(outputs) == 1  # every process of every round ended with the same weights and result
    assert not list(tmp_path.rglob("*.tmp"))


# --------------------------------------------------------------------------- 5. unusable cache folders
def test_a_cache_folder_that_is_a_file_is_reported_once_and_training_goes_on(images, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.warns(RuntimeWarning, match="cannot be used") as record:
        run = _fit(_vae(), images, blocker, epochs=1)
        cache.remember("sum", np.sum, np.ones(3), cache_dir=blocker)
    assert run.path is None and len(run.history["loss"]) == 1
    assert sum("cannot be used" in str(w.message) for w in record) == 1  # once, not per call
    assert blocker.read_text() == ""


def test_no_switches_the_cache_off(images, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(cache.CACHE_ENV, "no")
    assert cache.cache_folder() is None
    assert _fit(_vae(), images, None, epochs=1).path is None
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------------- 6.-9. inputs
@pytest.mark.parametrize("make", ["vae", "autoencoder", "m2"])
@pytest.mark.parametrize("bad, fragment", [
    (lambda x: x * 255.0, "divide 0..255"),
    (lambda x: np.where(np.arange(x.size).reshape(x.shape) == 7, np.nan, x), "NaN"),
    (lambda x: x - 0.5, "expected intensities in"),
    (lambda x: x[:0], "no images"),
])
def test_images_out_of_range_or_missing_fail_before_training(images, make, bad, fragment):
    x = bad(images[:200].astype(np.float32))
    model = {"vae": lambda: vae_tf.VAE(latent_dim=2, hidden=(8,)),
             "autoencoder": lambda: vae_tf.Autoencoder(latent_dim=2, hidden=(8,)),
             "m2": lambda: SemiSupervisedVAE(latent_dim=2, hidden=(8,))}[make]()
    y = np.where(np.arange(len(x)) < 20, np.arange(len(x)) % 10, -1) if make == "m2" else None
    mix = {"batch_size": 20, "labeled_per_batch": 10} if make == "m2" else {}
    with pytest.raises(ValueError, match=fragment):
        model.fit(x, y, epochs=1, verbose=0, **mix)
    with pytest.raises(ValueError, match=fragment):
        cache.fit_or_load(model, x, y, epochs=1, cache_dir="off", **mix)


def test_empty_data_fails_in_the_loader_and_the_pipeline(tiny_idx_dir):
    with pytest.raises(ValueError, match="no images"):
        vae_tf.make_dataset(np.zeros((0, 28, 28), np.float32))
    write_idx(tiny_idx_dir / "train-images-idx3-ubyte", np.zeros((0, 28, 28)))
    write_idx(tiny_idx_dir / "train-labels-idx1-ubyte", np.zeros(0))
    with pytest.raises(DataError, match="no train images"):
        load_mnist(tiny_idx_dir)


def _npz(folder, x_train, y_train=None):
    y_train = np.arange(len(x_train)) % 10 if y_train is None else y_train
    np.savez(folder / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_train[:2], y_test=y_train[:2])
    return folder


def test_npz_images_are_never_rescaled_silently(tmp_path):
    x = np.random.default_rng(0).random((10, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(load_mnist(_npz(tmp_path, x)).x_train, x)   # already in [0, 1]: kept
    with pytest.raises(DataError, match=r"floats in \[0, 255"):
        load_mnist(_npz(tmp_path, np.round(x * 255)))
    with pytest.raises(DataError, match="fractional"):
        load_mnist(_npz(tmp_path, x, np.arange(10) + 0.5))
    with pytest.raises(DataError, match="whole numbers"):
        load_mnist(_npz(tmp_path, x, np.array(list("0123456789"))))


def test_m2_labels_must_match_the_images_and_be_digits(images):
    model = SemiSupervisedVAE(latent_dim=2, hidden=(8,))
    x = images[:300]
    for n in (150, 400):
        with pytest.raises(ValueError, match=f"{n} labels for 300 images"):
            model.fit(x, np.arange(n) % 10, epochs=1, verbose=0, batch_size=20, labeled_per_batch=10)
    model(x[:2])
    z = np.zeros((1, 2), np.float32)
    with pytest.raises(ValueError, match="labels must be in 0..9"):
        model.encode(x[:1], np.array([10]))
    with pytest.raises(ValueError, match="labels must be in 0..9"):
        model.decode(z, np.array([10]))
    with pytest.raises(ValueError, match="labels must be in 0..9"):
        model.labeled_bound(x[:1], np.array([12]))
    with pytest.raises(ValueError, match="-1"):
        model.decode(z, np.array([-1]))
    with pytest.raises(ValueError, match="for 2 images"):
        model.labeled_bound(x[:2], np.array([1]))


@pytest.mark.parametrize("value", [0, 2.7, -5, True, "64"])
def test_batch_and_chunk_sizes_must_be_whole_positive_numbers(images, value):
    model = vae_tf.VAE(latent_dim=2, hidden=(8,))
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(images[:100], epochs=1, batch_size=value, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        cache.fit_or_load(model, images[:100], epochs=1, batch_size=value, cache_dir="off")
    for argument in ("batch_size", "chunk_size", "num_samples"):
        with pytest.raises(ValueError, match=argument):
            model.log_likelihood(images[:4], **{"num_samples": 10, argument: value})


def test_the_classifier_checks_its_labels_against_its_images(images):
    with pytest.raises(ValueError, match="labels"):
        Classifier(hidden=(8,)).fit(images[:100], np.arange(50) % 10, epochs=1, verbose=0)


# --------------------------------------------------------------------------- 10. after a NaN stop
def test_after_a_nan_stop_fit_or_load_leaves_a_model_that_trains_again(images, tmp_path):
    model = _vae()
    with pytest.warns(RuntimeWarning, match="optimizer state"):
        run = _fit(model, images, tmp_path, callbacks=[PoisonWeights(epoch=1)])
    assert run.stopped_at is not None and not cache.entries(tmp_path)
    assert all(np.isfinite(v.numpy()).all() for v in model.optimizer.variables)
    model.optimizer.learning_rate.assign(1e-4)
    history = model.fit(images, epochs=2, batch_size=100, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# --------------------------------------------------------------------------- 11. hostile files
def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    header = (0x0803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (10, 28, 28))
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(header)
        zeros = bytes(1 << 20)
        for _ in range(200):  # 200 MB of zeros behind a header that announces 7,840 bytes
            f.write(zeros)
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    with pytest.raises(DataError, match="more than the 7840 bytes"):
        vae_tf.data.read_idx(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20, f"{peak / 1e6:.0f} MB inflated"


def test_a_header_announcing_a_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes((0x0803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (4_000_000, 28, 28)))
    with pytest.raises(DataError, match="more than the"):
        vae_tf.data.read_idx(path)


def test_formats_are_told_apart_by_their_magic(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(DataError, match="not an .npz file"):
        load_mnist(tmp_path)
    idx = tmp_path / "plain"
    write_idx(idx, np.zeros((3, 4, 4)), gz=True)  # gzip data under a name without .gz
    os.rename(str(idx) + ".gz", idx)
    assert vae_tf.data.read_idx(idx, ndim=3).shape == (3, 4, 4)
