import numpy as np
import pytest

import vae_tf
from vae_tf import config


def test_the_fast_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(config.FAST_ENV, "1")
    assert config.is_fast()
    monkeypatch.setenv(config.FAST_ENV, "0")
    assert not config.is_fast()
    monkeypatch.delenv(config.FAST_ENV)
    assert not config.is_fast()
    monkeypatch.setenv(config.FAST_ENV, "maybe")
    with pytest.raises(ValueError, match=config.FAST_ENV):
        config.is_fast()


def test_header_names_the_setting_device_and_data(small_mnist, monkeypatch):
    text = vae_tf.header(small_mnist)
    assert "full setting" in text and ("CPU" in text or "GPU" in text) and "1000 train / 500 test" in text
    monkeypatch.setenv(config.FAST_ENV, "1")
    assert "fast setting ON" in vae_tf.header(small_mnist)


def test_the_fast_setting_shrinks_epochs_and_data_behind_the_standard_calls(tiny_idx_dir, monkeypatch):
    monkeypatch.setenv(config.FAST_ENV, "1")
    assert [config.fast_epochs(e) for e in (1, 6, 25)] == [1, 1, 2]
    monkeypatch.setattr(vae_tf.data, "FAST_SUBSET", (20, 5))
    data = vae_tf.load_mnist(tiny_idx_dir)
    assert (len(data.x_train), len(data.x_test)) == (20, 5) and "first 20 of 30" in data.describe()
    model = vae_tf.VAE(latent_dim=2, hidden=(8,))
    model.fit(data.x_train, epochs=20, batch_size=10, verbose=0)
    assert len(model.history.history["loss"]) == 2                  # a tenth of the epochs
    monkeypatch.setenv(config.FAST_ENV, "0")
    assert len(vae_tf.load_mnist(tiny_idx_dir).x_train) == 30 and config.fast_epochs(25) == 25


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
