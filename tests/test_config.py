import numpy as np
import pytest

import vae_tf
from vae_tf import config


def test_pick_follows_the_fast_setting(monkeypatch):
    monkeypatch.setenv(config.FAST_ENV, "1")
    assert config.is_fast() and config.pick(full=30, fast=2) == 2 and config.mode_name() == "fast"
    monkeypatch.setenv(config.FAST_ENV, "0")
    assert not config.is_fast() and config.pick(full=30, fast=2) == 30
    monkeypatch.delenv(config.FAST_ENV)
    assert config.pick(full=30, fast=2) == 30
    monkeypatch.setenv(config.FAST_ENV, "maybe")
    with pytest.raises(ValueError, match=config.FAST_ENV):
        config.is_fast()


def test_header_names_seed_device_and_data(small_mnist):
    text = vae_tf.header(5, small_mnist)
    assert "seed: 5" in text and ("CPU" in text or "GPU" in text) and "1000 train / 500 test" in text


def _loss_history(x, seed):
    vae_tf.set_seed(seed)
    model = vae_tf.VAE(latent_dim=4, hidden=(32,))
    hist = model.fit(vae_tf.make_dataset(x, batch_size=100, seed=seed), epochs=2, verbose=0)
    return hist.history["loss"]


def test_same_seed_same_loss_history(small_mnist):
    x = small_mnist.x_train[:400]
    a, b, c = _loss_history(x, 11), _loss_history(x, 11), _loss_history(x, 12)
    assert a == b
    assert a != c
    assert np.all(np.isfinite(a))


def test_set_seed_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        vae_tf.set_seed(-1)
