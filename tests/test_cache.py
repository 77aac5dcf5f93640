"""The cached fit: hits, misses, the key, corrupt entries, resume after an interrupt or kill -9, and the NaN guard."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

import vae_tf
from vae_tf import cache
from vae_tf.cache import store
from vae_tf.semisupervised import SemiSupervisedVAE
from vae_tf.trainer import EpochTimer

from conftest import Interrupt, PoisonWeights, cached_fit


@pytest.fixture
def images(small_mnist):
    return small_mnist.x_train[:300]


def _vae(seed=0, **kwargs):
    vae_tf.set_seed(seed)
    return vae_tf.VAE(latent_dim=2, hidden=(16,), **kwargs)


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


def _run(*args, **kwargs):
    """The cached fit, returning the record of the run it leaves in ``model.history``."""
    return cached_fit(*args, **kwargs)


def _fit(model, images, tmp_path, epochs=2, **kwargs):
    return _run(model, images, epochs=epochs, seed=3, batch_size=100, binarize="dynamic", cache_dir=tmp_path, **kwargs)


def test_hit_loads_the_saved_weights_without_training(images, tmp_path, monkeypatch, capsys):
    first = _vae()
    run = _fit(first, images, tmp_path, callbacks=[EpochTimer()], verbose=0)
    assert not run.from_cache and len(run.history["loss"]) == 2 and len(run.history["seconds"]) == 2
    assert len(cache.entries(tmp_path)) == 1
    trained = capsys.readouterr().out

    second = _vae()
    def no_training(*args, **kwargs):
        raise AssertionError("a training step ran (or its pipeline was built) on a cache hit")
    monkeypatch.setattr(vae_tf.VAE, "train_step", no_training)
    monkeypatch.setattr(vae_tf.VAE, "training_data", no_training)  # nor is a pipeline built
    again = _fit(second, images, tmp_path, callbacks=[EpochTimer()], verbose=0)
    # the reload prints the line the training printed: a lecture reads the same either way
    assert again.from_cache and capsys.readouterr().out == trained and "VAE: trained 2 epochs in" in trained
    assert again.history == run.history  # curves still plot
    for a, b in zip(_weights(first), _weights(second)):
        np.testing.assert_array_equal(a, b)
    # the loaded model computes what the trained one computes
    x = vae_tf.data.binarize_fixed(images[:50], 0)
    np.testing.assert_allclose(first.encode(x).mean(), second.encode(x).mean(), rtol=1e-6)


@pytest.mark.parametrize("change", ["epochs", "seed", "model_seed", "latent", "data", "learning_rate", "fast",
                                    "batch_size"])
def test_any_change_misses(images, tmp_path, monkeypatch, change):
    base = _run(_vae(), images, epochs=1, seed=3, batch_size=100, cache_dir=tmp_path, verbose=-1)
    model, x, epochs, seed, batch = _vae(), images, 1, 3, 100
    if change == "batch_size":
        batch = 50
    elif change == "model_seed":
        model = _vae(seed=1)
    elif change == "epochs":
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
    run = _run(model, x, epochs=epochs, seed=seed, batch_size=batch, cache_dir=tmp_path, verbose=-1)
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
        _run(broken, x, y, cache_dir=tmp_path / "b", callbacks=[interrupt], **kwargs)
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
    init = _vae()  # the same start: the decoder is built, and drawn, after fit's seed
    keras.utils.set_random_seed(3)
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
    with pytest.raises(ValueError, match="epochs"):
        _run(_vae(), images, epochs=0, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="dtype"):
        _run(_vae(), (images * 255).astype(np.uint8), epochs=1, cache_dir=tmp_path)


def test_continuing_with_initial_epoch_equals_one_longer_run(images, tmp_path):
    """Two cached calls, epochs 0..2 then 2..4, end where a single 4-epoch fit ends."""
    whole = _vae()
    _run(whole, images, epochs=4, seed=3, batch_size=100, cache_dir="off")
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


# --------------------------------------------------------------------------- the key covers every argument
_CHANGED = {  # one other value for every constructor argument of every model
    "latent_dim": 3, "hidden": (24,), "activation": "tanh", "num_samples": 5, "analytic_kl": False,
    "gradient_estimator": "score_function", "baseline": "loo", "beta": 2.0, "dataset_size": 500, "num_classes": 5,
    "alpha": 10.0, "classifier_dropout": 0.1, "dropout": 0.2, "inputs": "features",
}
_NEEDS = {"gradient_estimator": {"analytic_kl": True}, "baseline": {"num_samples": 5}}
_MODELS = {"Autoencoder": vae_tf.Autoencoder, "VAE": vae_tf.VAE, "BetaVAE": vae_tf.BetaVAE,
           "TCVAE": lambda **kw: vae_tf.TCVAE(**{"dataset_size": 300, **kw}),
           "SemiSupervisedVAE": vae_tf.SemiSupervisedVAE, "Classifier": vae_tf.Classifier}


def _parameters(cls):
    import inspect

    return [p for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


@pytest.mark.parametrize("kind", list(_MODELS))
def test_changing_any_constructor_argument_changes_the_key(kind):
    """Same start state, data and settings: only the argument differs, and the key must see it."""
    from vae_tf.cache.keys import key
    from vae_tf.cache.training import describe

    make = _MODELS[kind]
    cls = getattr(vae_tf, kind)

    def key_of(model):
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return key(describe(model, np.zeros((2, 4), np.float32), epochs=1, seed=0, start_state=[]))

    base = key_of(make())
    names = [p.name for p in _parameters(cls)]
    assert names and all(name in _CHANGED for name in names), names
    for name in names:
        changed = key_of(make(**{**_NEEDS.get(name, {}), name: _CHANGED[name]}))
        assert changed != base, f"{kind}({name}=...) gives the cached key of the default {kind}"
        assert make(**{name: _CHANGED[name]} if name not in _NEEDS else {**_NEEDS[name], name: _CHANGED[name]}
                    ).get_config()[name] == (list(_CHANGED[name]) if isinstance(_CHANGED[name], tuple)
                                             else _CHANGED[name])
    # and the recorded arguments rebuild the same model
    model = make()
    twin = type(model).from_config(model.get_config())
    keras_own = ("name", "trainable", "dtype")
    assert {k: v for k, v in twin.constructor_arguments.items() if k not in keras_own} == {
        k: list(v) if isinstance(v, tuple) else v for k, v in model.constructor_arguments.items()}


_KILLED = textwrap.dedent("""
    import os, sys, keras, numpy as np, vae_tf
    from vae_tf.cache.store import sha256_arrays

    class Slow(keras.callbacks.Callback):   # the parent kills this process at the end of epoch 3, before its checkpoint
        def on_epoch_end(self, epoch, logs=None):
            print("epoch", epoch + 1, flush=True)
            if sys.argv[2] == "slow" and epoch >= 2:
                import time; time.sleep(60)

    os.environ["VAE_TF_CACHE_DIR"] = sys.argv[1]
    x = vae_tf.data._load_mnist().x_train[:300]
    keras.utils.set_random_seed(0)
    model = vae_tf.VAE(latent_dim=2, hidden=(16,))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x, epochs=4, batch_size=50, callbacks=[Slow()])
    print(sha256_arrays(*[v.numpy() for v in model.variables]), flush=True)
""")


def test_a_run_killed_with_sigkill_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path):
    env = {**os.environ, "VAE_TF_FAST": "0"}
    straight = subprocess.run([sys.executable, "-c", _KILLED, str(tmp_path / "a"), "straight"], env=env,
                              capture_output=True, text=True, timeout=300)
    assert straight.returncode == 0, straight.stderr[-2000:]
    victim = subprocess.Popen([sys.executable, "-c", _KILLED, str(tmp_path / "b"), "slow"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in victim.stdout:  # epoch 2 is checkpointed; kill -9 while it sleeps at the end of epoch 3
        if line.startswith("epoch 3"):
            time.sleep(2)
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    assert list((tmp_path / "b").glob("*.partial.npz")) and not cache.entries(tmp_path / "b")
    resumed = subprocess.run([sys.executable, "-c", _KILLED, str(tmp_path / "b"), "straight"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming from the checkpoint after epoch 2 of 4" in resumed.stdout
    assert resumed.stdout.strip().splitlines()[-1] == straight.stdout.strip().splitlines()[-1]  # bit-identical


# --------------------------------------------------------------------------- cached: keyed on what it reads
def test_cached_keys_on_the_globals_and_closures_its_function_reads(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))

    def computed():  # every computation stores one result; a load stores none
        return len(list((tmp_path / "results").glob("*.npz")))

    namespace = {"np": np, "SCALE": 2.0, "OFFSET": np.arange(3.0)}
    exec(textwrap.dedent("""
        def helper(a):
            return a + OFFSET

        def scaled(a):
            return helper(a) * SCALE
    """), namespace)
    fn = cache.cached(namespace["scaled"])
    first = fn(np.ones(3))
    np.testing.assert_array_equal(fn(np.ones(3)), first)
    assert computed() == 1                                   # the second call loaded
    namespace["SCALE"] = 3.0                                 # a global it reads changed: a new result
    np.testing.assert_array_equal(fn(np.ones(3)), (np.ones(3) + np.arange(3.0)) * 3.0)
    namespace["OFFSET"] = np.zeros(3)                        # a global read by a function it calls
    np.testing.assert_array_equal(fn(np.ones(3)), np.ones(3) * 3.0)
    assert computed() == 3

    def outer(k):
        @cache.cached
        def inner(a):
            return a * k
        return inner

    assert outer(2)(np.ones(2))[0] == 2 and outer(5)(np.ones(2))[0] == 5  # closures are read too
    namespace["LOG"] = object()
    exec("def reads_an_object(a):\n    return LOG, a\n", namespace)
    with pytest.raises(TypeError, match="reads 'LOG'"):
        cache.cached(namespace["reads_an_object"])(1)
