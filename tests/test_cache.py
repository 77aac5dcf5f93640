"""fit_or_load: cache hits, misses, corrupt entries, resume after an interrupt, and the NaN guard."""
import json

import keras
import numpy as np
import pytest

import vae_tf
from vae_tf import cache
from vae_tf.cache import store
from vae_tf.semisupervised import SemiSupervisedVAE
from vae_tf.trainer import EpochTimer

from conftest import Interrupt, PoisonWeights


@pytest.fixture
def images(small_mnist):
    return small_mnist.x_train[:300]


def _vae(seed=0, **kwargs):
    vae_tf.set_seed(seed)
    return vae_tf.VAE(latent_dim=2, hidden=(16,), **kwargs)


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


def _run(*args, **kwargs):
    """fit_or_load, returning the record of the run it leaves in ``model.history``."""
    return cache.fit_or_load(*args, **kwargs).history


def _fit(model, images, tmp_path, epochs=2, **kwargs):
    return _run(model, images, epochs=epochs, seed=3, batch_size=100, binarize="dynamic", cache_dir=tmp_path, **kwargs)


def test_hit_loads_the_saved_weights_without_training(images, tmp_path, monkeypatch, capsys):
    first = _vae()
    run = _fit(first, images, tmp_path, callbacks=[EpochTimer()])
    assert not run.from_cache and len(run.history["loss"]) == 2 and len(run.history["seconds"]) == 2
    assert len(cache.entries(tmp_path)) == 1

    second = _vae()
    def no_training(*args, **kwargs):
        raise AssertionError("a training step ran (or its pipeline was built) on a cache hit")
    monkeypatch.setattr(vae_tf.VAE, "train_step", no_training)
    monkeypatch.setattr(vae_tf.VAE, "training_data", no_training)  # nor is a pipeline built
    again = _fit(second, images, tmp_path, callbacks=[EpochTimer()], verbose=0)
    assert again.from_cache and "loaded from the cache" in capsys.readouterr().out
    assert again.history == run.history  # curves still plot
    for a, b in zip(_weights(first), _weights(second)):
        np.testing.assert_array_equal(a, b)
    # the loaded model computes what the trained one computes
    x = vae_tf.data.binarize_fixed(images[:50], 0)
    np.testing.assert_allclose(first.encode(x).mean(), second.encode(x).mean(), rtol=1e-6)


@pytest.mark.parametrize("change", ["epochs", "seed", "latent", "data", "learning_rate", "fast"])
def test_any_change_misses(images, tmp_path, monkeypatch, change):
    base = _run(_vae(), images, epochs=1, seed=3, batch_size=100, cache_dir=tmp_path, verbose=-1)
    model, x, epochs, seed = _vae(), images, 1, 3
    if change == "epochs":
        epochs = 2
    elif change == "seed":
        seed = 4
    elif change == "latent":
        vae_tf.set_seed(0)
        model = vae_tf.VAE(latent_dim=3, hidden=(16,))
    elif change == "data":
        x = images.copy()
        x[0, 0, 0] = 0.5
    elif change == "learning_rate":
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
    elif change == "fast":
        monkeypatch.setenv("VAE_TF_FAST", "0" if vae_tf.config.is_fast() else "1")
    run = _run(model, x, epochs=epochs, seed=seed, batch_size=100, cache_dir=tmp_path, verbose=-1)
    assert not run.from_cache and run.path != base.path
    assert len(cache.entries(tmp_path)) == 2


def test_truncated_or_mismatched_entry_is_detected_and_retrained(images, tmp_path, capsys):
    run = _fit(_vae(), images, tmp_path)
    run.path.write_bytes(run.path.read_bytes()[: run.path.stat().st_size // 2])
    model = _vae()
    again = _fit(model, images, tmp_path, verbose=0)
    out = capsys.readouterr().out
    assert not again.from_cache and "unusable" in out and run.path.name in out
    for a, b in zip(_weights(model), [np.asarray(w) for w in _reference_weights(images, tmp_path / "ref")]):
        np.testing.assert_array_equal(a, b)  # retrained from scratch, to the same result
    assert _fit(_vae(), images, tmp_path).from_cache  # and the rewritten entry is good

    # an entry whose history was edited by hand is not trusted either
    meta, arrays = store.read_record(again.path)
    with np.load(again.path) as npz:
        raw = {k: npz[k] for k in npz.files}
    edited = json.loads(str(raw["meta"][()]))
    edited["history"]["loss"] = [0.0, 0.0]
    raw["meta"] = np.array(json.dumps(edited))
    np.savez(again.path, **raw)
    assert not _fit(_vae(), images, tmp_path).from_cache


def _reference_weights(images, folder):
    model = _vae()
    _fit(model, images, folder)
    return _weights(model)


@pytest.mark.parametrize("model_kind", ["vae", "m2"])
def test_resume_after_an_interrupt_equals_an_uninterrupted_run(small_mnist, tmp_path, model_kind, capsys):
    x = small_mnist.x_train[:300]
    y = vae_tf.data.mask_labels(small_mnist.y_train[:300], 20, seed=0) if model_kind == "m2" else None

    def make():
        vae_tf.set_seed(0)
        if model_kind == "m2":  # dropout in the classifier: its random state is checkpointed too
            return SemiSupervisedVAE(latent_dim=2, hidden=(16,), classifier_dropout=0.3)
        return vae_tf.VAE(latent_dim=2, hidden=(16,))

    kwargs = dict(epochs=4, seed=5, validation_data=(vae_tf.data.binarize_fixed(x[:100], 0),) if y is None else None)
    if model_kind == "m2":
        kwargs.update(batch_size=50, labeled_per_batch=10)
    whole = make()
    straight = _run(whole, x, y, cache_dir=tmp_path / "a", **kwargs)

    broken = make()
    interrupt = Interrupt(epoch=2)
    with pytest.raises(KeyboardInterrupt):
        cache.fit_or_load(broken, x, y, cache_dir=tmp_path / "b", callbacks=[interrupt], **kwargs)
    assert not cache.entries(tmp_path / "b")  # nothing half-trained reaches the cache
    interrupt.epoch = None
    resumed_model = make()  # a fresh process would start from a freshly built model
    resumed = _run(resumed_model, x, y, cache_dir=tmp_path / "b", callbacks=[interrupt], verbose=0, **kwargs)
    assert "resuming from the checkpoint after epoch 2 of 4" in capsys.readouterr().out
    assert resumed.resumed_from == 2
    for a, b in zip(_weights(whole), _weights(resumed_model)):
        np.testing.assert_array_equal(a, b)
    assert resumed.history == straight.history


def test_nan_stops_with_the_last_finite_weights_and_caches_nothing(images, tmp_path):
    model = _vae()
    good = _run(model, images, epochs=1, seed=3, batch_size=100, cache_dir=tmp_path / "good", verbose=-1)
    saved = _weights(model)
    model2 = _vae()
    with pytest.warns(RuntimeWarning, match=r"non-finite loss at epoch 1, step \d"):
        run = _run(model2, images, epochs=3, seed=3, batch_size=100, binarize=None, shuffle=False,
                                cache_dir=tmp_path, verbose=-1, callbacks=[PoisonWeights(epoch=0)])
    assert run.stopped_at is not None and run.path is None
    assert not cache.entries(tmp_path)
    init = _vae(seed=3)  # the start that seed=3 gives
    init.encode(images[:1])
    for a, b in zip(_weights(model2), _weights(init)):  # no finite epoch: the initial weights are kept
        np.testing.assert_array_equal(a, b)
    assert good.path is not None and saved


def test_clear_and_off_setting(images, tmp_path, monkeypatch, capsys):
    _fit(_vae(), images, tmp_path, epochs=1)
    capsys.readouterr()
    assert cache.main(["--dir", str(tmp_path), "--list"]) == 0 and "VAE-" in capsys.readouterr().out
    assert cache.clear(tmp_path, name="other") == 0
    assert cache.clear(tmp_path) == 1 and not cache.entries(tmp_path)
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    run = _run(_vae(), images, epochs=1, seed=3, batch_size=100)
    assert run.path is None and not run.from_cache and len(run.history["loss"]) == 1


def test_bad_arguments_are_named(images, tmp_path):
    with pytest.raises(TypeError, match="NumPy arrays"):
        cache.fit_or_load(_vae(), images, epochs=1, validation_data=vae_tf.make_dataset(images, shuffle=False),
                          cache_dir=tmp_path)
    with pytest.raises(ValueError, match="epochs"):
        cache.fit_or_load(_vae(), images, epochs=0, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="dtype"):
        cache.fit_or_load(_vae(), (images * 255).astype(np.uint8), epochs=1, cache_dir=tmp_path)


def test_continuing_with_initial_epoch_equals_one_longer_run(images, tmp_path):
    """Two cached calls, epochs 0..2 then 2..4, end where a single 4-epoch fit ends."""
    whole = _vae(seed=3)  # what fit_or_load(seed=3) starts from
    whole.fit(images, epochs=4, seed=3, batch_size=100, binarize="dynamic", verbose=0)
    staged = _vae()
    _fit(staged, images, tmp_path, epochs=2, verbose=-1)
    second = _fit(staged, images, tmp_path, epochs=4, initial_epoch=2, verbose=-1)
    assert len(second.history["loss"]) == 2
    for a, b in zip(_weights(whole), _weights(staged)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # a fresh model that reloads the first stage from the cache hits the second stage's entry too
    again = _vae()
    assert _fit(again, images, tmp_path, epochs=2, verbose=-1).from_cache
    assert _fit(again, images, tmp_path, epochs=4, initial_epoch=2, verbose=-1).from_cache
    for a, b in zip(_weights(again), _weights(staged)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="initial_epoch"):
        _fit(_vae(), images, tmp_path, epochs=2, initial_epoch=2)


def test_remember_computes_once_and_keys_on_its_inputs(images, tmp_path, capsys):
    model = _vae()
    model.encode(images[:1])
    calls = []

    def mean_elbo(m, x, samples):
        calls.append(1)
        return {"elbo": m.elbo(x, num_samples=samples).numpy().mean(), "shape": np.array(x.shape)}

    def rerun():  # a second run of the notebook reaches this point with the same random state
        for v, a in zip(model.non_trainable_variables, state_before):
            v.assign(a)

    x = vae_tf.data.binarize_fixed(images[:40], 0)
    state_before = [v.numpy() for v in model.non_trainable_variables]
    first = cache.remember("elbo", mean_elbo, model, x, 5, cache_dir=tmp_path)
    state_after = [v.numpy() for v in model.non_trainable_variables]
    assert any(not np.array_equal(a, b) for a, b in zip(state_before, state_after))  # ε was drawn
    rerun()
    again = cache.remember("elbo", mean_elbo, model, x, 5, cache_dir=tmp_path, verbose=0)
    assert len(calls) == 1 and again["elbo"] == first["elbo"]
    for a, b in zip(state_after, model.non_trainable_variables):  # the random state the computation left
        np.testing.assert_array_equal(a, b.numpy())
    assert "loaded from the cache" in capsys.readouterr().out
    # the model's random state is part of the key: from the later state the draws differ, so it computes
    cache.remember("elbo", mean_elbo, model, x, 5, cache_dir=tmp_path)
    assert len(calls) == 2
    rerun()
    # any input that changes the result misses: samples, data, weights
    cache.remember("elbo", mean_elbo, model, x, 6, cache_dir=tmp_path)
    rerun()
    cache.remember("elbo", mean_elbo, model, x[:39], 5, cache_dir=tmp_path)
    rerun()
    model.trainable_variables[0].assign_add(np.ones(model.trainable_variables[0].shape, np.float32))
    cache.remember("elbo", mean_elbo, model, x, 5, cache_dir=tmp_path)
    assert len(calls) == 5
    # a corrupted file is detected and recomputed; the cache can be cleared and switched off
    capsys.readouterr()
    for f in (tmp_path / "results").glob("*.npz"):
        f.write_bytes(f.read_bytes()[:-10])
    rerun()
    cache.remember("elbo", mean_elbo, model, x, 5, cache_dir=tmp_path, verbose=0)
    assert len(calls) == 6 and "unusable" in capsys.readouterr().out
    assert cache.clear(tmp_path) == 5 and not list((tmp_path / "results").glob("*.npz"))
    cache.remember("elbo", mean_elbo, model, x, 5, cache_dir="off")
    assert len(calls) == 7 and not list((tmp_path / "results").glob("*.npz"))
    with pytest.raises(TypeError, match="fingerprint"):
        cache.remember("bad", lambda o: 0, object(), cache_dir=tmp_path)


def test_keys_read_the_code_not_its_comments_or_docstrings():
    import inspect

    from vae_tf import semisupervised
    from vae_tf.cache.keys import code_of

    source = inspect.getsource(semisupervised)
    assert '"""Model M2:' in source and "alpha: float = 50.0" in source
    reworded = source.replace('"""Model M2:', '"""The semi-supervised model M2:', 1) + "\n# a comment added at the end\n"
    assert code_of(reworded) == code_of(source)
    assert code_of(source.replace("alpha: float = 50.0", "alpha: float = 60.0")) != code_of(source)
    assert code_of('x = 1\n"a string after code is code"\n') != code_of("x = 1\n")
    assert code_of('def f():\n    """only a docstring"""\n') == code_of("def f():\n    pass\n")
