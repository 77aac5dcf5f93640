import numpy as np
import pytest
import tensorflow as tf

import vae_tf


def test_bce_matches_the_closed_form_on_the_models_own_reconstruction():
    rng = np.random.default_rng(0)
    x = rng.random((4, 5, 6)).astype(np.float32)
    ae = vae_tf.Autoencoder(latent_dim=3, hidden=(8,))
    p = ae.decode(ae.encode(x).mean()).mean().numpy().astype(np.float64)
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=(1, 2))
    np.testing.assert_allclose(ae.binary_cross_entropy(x).numpy(), expected, rtol=1e-5)


def test_shapes_and_sizes_come_from_the_data():
    x = np.random.default_rng(0).random((16, 14, 12)).astype(np.float32)  # not 28×28
    ae = vae_tf.Autoencoder(latent_dim=3, hidden=(20, 10))
    code = ae.encode(x)                                  # a point mass at the code, like every encoder's q
    z = code.mean()
    assert z.shape == (16, 3) and code.event_shape == [3]
    np.testing.assert_array_equal(code.sample().numpy(), z.numpy())
    assert ae.decode(z).mean().shape == (16, 14, 12) and ae.decode(z).event_shape == [14, 12]
    assert ae.decoder.layers[-1].units == 14 * 12
    assert [layer.units for layer in ae.encoder.layers[1:]] == [20, 10, 3]


def test_fit_without_compile_uses_the_default_optimizer_and_lowers_the_loss(small_mnist):
    vae_tf.set_seed(0)
    ae = vae_tf.Autoencoder(latent_dim=2, hidden=(64,))
    before = float(np.mean(ae.binary_cross_entropy(small_mnist.x_test)))
    hist = ae.fit(vae_tf.make_dataset(small_mnist.x_train, batch_size=100, binarize=None), epochs=3, verbose=0)
    after = ae.evaluate(small_mnist.x_test, batch_size=250, verbose=0)
    assert isinstance(ae.optimizer, tf.keras.optimizers.Adam)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert after < 0.6 * before  # ~543 nats untrained; far lower after three epochs


def test_compile_fit_with_numpy_and_callbacks(small_mnist):
    seen = []
    ae = vae_tf.Autoencoder(latent_dim=2, hidden=(16,))
    ae.compile(optimizer=tf.keras.optimizers.SGD(1e-3))
    cb = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))
    ae.fit(small_mnist.x_train[:200], epochs=2, batch_size=50, verbose=0, callbacks=[cb])
    assert isinstance(ae.optimizer, tf.keras.optimizers.SGD) and len(seen) == 2


def test_bad_inputs_raise_clear_errors(small_mnist):
    ae = vae_tf.Autoencoder(latent_dim=2, hidden=(8,))
    with pytest.raises(TypeError, match="dtype uint8"):
        ae.encode((small_mnist.x_train[:2] * 255).astype(np.uint8))
    ae.encode(small_mnist.x_train[:2])
    with pytest.raises(ValueError, match=r"\(14, 14\)"):
        ae.encode(np.zeros((2, 14, 14), np.float32))
    with pytest.raises(ValueError, match="positive"):
        vae_tf.Autoencoder(latent_dim=0)


def test_epoch_timer_logs_increasing_seconds(small_mnist):
    from vae_tf.trainer import EpochTimer

    ae = vae_tf.Autoencoder(latent_dim=2, hidden=(8,))
    hist = ae.fit(small_mnist.x_train[:200], epochs=3, batch_size=100, verbose=0, callbacks=[EpochTimer()])
    seconds = hist.history["seconds"]
    assert len(seconds) == 3 and 0 < seconds[0] < seconds[1] < seconds[2]


def test_nan_in_the_data_stops_training_and_keeps_the_last_good_weights(small_mnist):
    from vae_tf.trainer import NaNGuard

    vae_tf.set_seed(0)
    x = small_mnist.x_train[:400].copy()
    model = vae_tf.VAE(latent_dim=2, hidden=(16,))
    model.fit(vae_tf.make_dataset(x, batch_size=100, shuffle=False), epochs=1, verbose=0)
    good = [w.copy() for w in model.get_weights()]
    x[250, 3, 3] = np.nan  # the third batch of every epoch now holds a NaN
    guard = NaNGuard()
    # make_dataset refuses NaN images; a hand-built pipeline reaches training, where the guard catches it
    poisoned = tf.data.Dataset.from_tensor_slices(x).batch(100)
    with pytest.warns(RuntimeWarning, match="epoch 1, step 3"):
        model.fit(poisoned, epochs=3, verbose=0, callbacks=[guard])
    assert guard.stopped_at == (1, 3)
    for before, after in zip(good, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    # the optimizer's moments were restored too: training goes on from the good state
    assert all(np.all(np.isfinite(v.numpy())) for v in model.optimizer.variables)
    model.optimizer.learning_rate.assign(1e-4)
    history = model.fit(vae_tf.make_dataset(x[:200], batch_size=100, shuffle=False), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
