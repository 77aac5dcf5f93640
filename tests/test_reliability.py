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

import keras
import numpy as np
import pytest

import vae_tf
from vae_tf import cache
from vae_tf.cache import keys, store
from vae_tf.data import DataError, load_mnist
from vae_tf.semisupervised import Classifier, SemiSupervisedVAE

from conftest import Interrupt, PoisonWeights, cached_fit, write_idx


@pytest.fixture(scope="module")
def images(mnist):
    return mnist.x_train[:300]


def _vae():
    vae_tf.set_seed(0)
    return vae_tf.VAE(latent_dim=2, hidden=(16,))


def _fit(model, images, folder, **kwargs):
    kwargs = {"epochs": 3, "seed": 3, "batch_size": 100, "verbose": -1, **kwargs}
    return cached_fit(model, images, cache_dir=folder if folder is not None else os.environ.get(cache.CACHE_ENV),
                      **kwargs)


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


def _assert_same(a, b):
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def reference(images, tmp_path_factory):
    """The weights an uninterrupted 3-epoch run produces."""
    model = _vae()
    with pytest.MonkeyPatch.context() as patch:  # module-scoped: the autouse fixture's settings are not on yet
        patch.setenv("VAE_TF_FAST", "0")
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
    import os, keras
    os.environ["VAE_TF_CACHE_DIR"] = sys.argv[1]
    keras.utils.set_random_seed(1)
    model.fit(x, epochs=3, batch_size=50, verbose=0)
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
        cached_fit(model, x, y, epochs=1, cache_dir="off", **mix)


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
        cached_fit(model, images[:100], epochs=1, batch_size=value, cache_dir="off")
    for argument in ("batch_size", "chunk_size", "num_samples"):
        with pytest.raises(ValueError, match=argument):
            model.log_likelihood(images[:4], **{"num_samples": 10, argument: value})


def test_the_classifier_checks_its_labels_against_its_images(images):
    with pytest.raises(ValueError, match="labels"):
        Classifier(hidden=(8,)).fit(images[:100], np.arange(50) % 10, epochs=1, verbose=0)


# --------------------------------------------------------------------------- 10. after a NaN stop
def test_after_a_nan_stop_the_model_trains_again(images, tmp_path):
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


# --------------------------------------------------------------------------- Reliability III
def test_a_nan_in_the_very_first_epoch_keeps_the_learning_rate_and_the_model_trains_again(images):
    """The optimizer had no variables before the first step: the restore must not write zeros into them."""
    for data in (images, vae_tf.make_dataset(images, batch_size=100, binarize=None, shuffle=False)):
        model = vae_tf.VAE(latent_dim=2, hidden=(32,))
        model.compile(optimizer=keras.optimizers.Adam(1e12))
        with pytest.warns(RuntimeWarning, match="non-finite loss at epoch 1"):
            model.fit(data, epochs=1, batch_size=100, verbose=0) if data is images else \
                model.fit(data, epochs=1, verbose=0)
        assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(1e12)
        model.optimizer.learning_rate.assign(1e-3)
        before = _weights(model)
        model.fit(images, epochs=1, batch_size=100, verbose=0)
        assert any(not np.array_equal(a, b) for a, b in zip(before, _weights(model)))


@pytest.mark.parametrize("make, y, fragment", [
    (lambda: Classifier(hidden=(8,)), lambda n: np.arange(n) % 11, "0..9"),               # a label of 10
    (lambda: Classifier(hidden=(8,)), lambda n: np.full(n, 2.5), "integer labels"),       # not truncated to 2
    (lambda: SemiSupervisedVAE(num_classes=3, hidden=(8,)), lambda n: np.arange(n) % 10, "0..2"),
])
def test_labels_are_checked_against_the_models_classes_on_the_cached_path(images, make, y, fragment):
    x = images[:100]
    with pytest.raises(ValueError, match=rf"^y: .*{fragment}"):
        cached_fit(make(), x, y(len(x)), epochs=1, batch_size=20)


def test_validation_data_is_checked_and_named(images):
    x, x_val = images[:100], images[100:150]
    for model in (vae_tf.VAE(latent_dim=2, hidden=(8,)), vae_tf.Autoencoder(latent_dim=2, hidden=(8,))):
        with pytest.raises(ValueError, match=r"^validation_data: pixel values in \[0, 255"):
            model.fit(x, epochs=1, validation_data=x_val * 255, verbose=0)
    m2 = SemiSupervisedVAE(latent_dim=2, hidden=(8,))
    y = np.where(np.arange(100) < 20, np.arange(100) % 10, -1)
    with pytest.raises(ValueError, match=r"^validation_data: 10 labels for 50 images"):
        m2.fit(x, y, epochs=1, batch_size=20, validation_data=(x_val, np.arange(10)), verbose=0)
    with pytest.raises(ValueError, match=r"^x: .*got None") as error:
        vae_tf.VAE().fit(None, epochs=1)
    assert "255" not in str(error.value)


@pytest.mark.parametrize("sizes", [(2**31, 2**31, 2**31), (2**32 - 1, 2**32 - 1, 1)])
def test_an_idx_header_whose_sizes_overflow_is_refused_naming_the_file(tmp_path, sizes):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + b"".join(s.to_bytes(4, "big") for s in sizes) + b"\x00" * 64)
    with pytest.raises(DataError, match=rf"{path.name}: the header announces"):
        vae_tf.data.read_idx(path, ndim=3)


def _npz_with_member(path, name, header_shape, payload: bytes, dtype="|u1"):
    """An .npz whose member ``name`` has an .npy header announcing ``header_shape`` and holds ``payload``."""
    import zipfile

    header = np.lib.format.header_data_from_array_1_0(np.zeros(0, np.uint8))
    header.update(shape=header_shape, descr=dtype)
    buffer = __import__("io").BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
            member.write(buffer.getvalue())
            for start in range(0, len(payload), 1 << 24):
                member.write(payload[start:start + (1 << 24)])


def test_an_npz_that_inflates_past_the_bound_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(vae_tf.data, "MAX_IDX_BYTES", 8 << 20)     # the bound, scaled down for a quick test
    bomb = tmp_path / "mnist.npz"
    _npz_with_member(bomb, "x_train", (4000, 28, 28), bytes(200 << 20))   # 200 MB of zeros, about 0.2 MB on disk
    tracemalloc.start()
    with pytest.raises(DataError, match=r"mnist.npz: its arrays would inflate to"):
        vae_tf.load_mnist(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20
    forged = tmp_path / "forged" / "mnist.npz"
    forged.parent.mkdir()
    _npz_with_member(forged, "x_train", (10**6, 10**6, 784), b"\x00" * 100)
    with pytest.raises(DataError, match=r"mnist.npz: x_train.npy announces"):
        vae_tf.load_mnist(forged.parent)


def _entry_path(model, images, folder):
    run = _fit(model, images, folder, epochs=1)
    return run.path


def test_a_named_pipe_at_an_entry_or_checkpoint_does_not_block_training(images, tmp_path):
    import signal

    entry = _entry_path(_vae(), images, tmp_path)
    entry.unlink()
    os.mkfifo(entry)
    partial = entry.with_name(entry.name.replace(".npz", ".partial.npz"))
    os.mkfifo(partial)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("the cache read blocked")))
    signal.alarm(60)
    try:
        run = _fit(_vae(), images, tmp_path, epochs=1)
    finally:
        signal.alarm(0)
    assert not run.from_cache and run.path == entry and entry.is_file()   # trained, and written over the pipe


def test_a_zip_bomb_in_an_entry_is_refused_from_its_declared_size(images, tmp_path):
    entry = _entry_path(_vae(), images, tmp_path)
    entry.unlink()
    _npz_with_member(entry, "a0", (200 << 20,), bytes(200 << 20))
    tracemalloc.start()
    run = _fit(_vae(), images, tmp_path, epochs=1, verbose=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not run.from_cache and peak < 100 << 20


def test_the_cache_command_line_lists_and_clears_whatever_it_finds(images, tmp_path, capsys):
    _fit(_vae(), images, tmp_path, epochs=1)
    (tmp_path / "gone.npz").symlink_to(tmp_path / "nowhere")
    (tmp_path / "odd.npz").mkdir()
    (tmp_path / ".VAE-0123.npz.abcd.tmp").write_bytes(bytes(1000))       # a write that was killed
    assert cache.main(["--dir", str(tmp_path), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "gone.npz  (link to a missing file" in listing and "odd.npz  (not a regular file" in listing
    assert "an unfinished write" in listing
    assert cache.main(["--dir", str(tmp_path), "--clear"]) == 0
    assert list(tmp_path.iterdir()) == []                                   # an empty folder
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert cache.main(["--dir", str(a_file), "--clear"]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_checkpoint_of_the_last_epoch_finishes_the_run_without_training(images, tmp_path, monkeypatch, capsys):
    from vae_tf.cache import training

    real = training.write_record

    def final_save_lost(path, meta, arrays):
        if ".partial" not in path.name:
            raise OSError("disk full")
        return real(path, meta, arrays)

    monkeypatch.setattr(training, "write_record", final_save_lost)
    reference = _vae()
    assert _fit(reference, images, tmp_path, epochs=2).path is None           # trained, the entry not written
    monkeypatch.setattr(training, "write_record", real)
    monkeypatch.setattr(vae_tf.VAE, "train_step", lambda *a: (_ for _ in ()).throw(AssertionError("trained")))
    model = _vae()
    run = _fit(model, images, tmp_path, epochs=2, verbose=0)
    assert "resuming from the checkpoint after epoch 2 of 2" in capsys.readouterr().out
    assert run.path is not None and len(run.history["loss"]) == 2
    _assert_same(model, reference)


def test_m2_with_a_batch_of_one_says_it_has_no_room_for_unlabeled_images(images):
    y = np.where(np.arange(100) < 20, np.arange(100) % 10, -1)
    with pytest.raises(ValueError, match=r"batch_size=1 leaves no room for unlabeled images"):
        SemiSupervisedVAE(latent_dim=2, hidden=(8,)).fit(images[:100], y, epochs=1, batch_size=1, verbose=0)
