"""FusedAdam: Keras' Adam run as TensorFlow's fused kernel, checked against Adam's closed form."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf.optimizer import FusedAdam


def numpy_adam(w, grads, lr=1e-2, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam (Kingma & Ba 2015) in float64, written from the paper's update."""
    w, m, v = w.astype(np.float64), np.zeros_like(w, np.float64), np.zeros_like(w, np.float64)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g ** 2
        w = w - lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t) * m / (np.sqrt(v) + epsilon)
    return w


def run(optimizer, w0, grads):
    w = keras.Variable(w0)
    optimizer.build([w])
    step = tf.function(lambda g: optimizer.apply_gradients([(g, w)]))
    for g in grads:
        step(tf.constant(g, tf.float32))
    return w.numpy(), optimizer


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(40, 30)).astype(np.float32)
    grads = [rng.normal(scale=10.0 ** rng.integers(-4, 2), size=w0.shape) for _ in range(60)]
    return w0, grads


def test_fused_adam_follows_the_closed_form_as_closely_as_keras_adam(problem):
    w0, grads = problem
    exact = numpy_adam(w0, grads)
    assert np.abs(exact - w0).max() > 0.1  # the steps moved the weights well beyond rounding
    fused, optimizer = run(FusedAdam(1e-2), w0, grads)
    keras_adam, _ = run(keras.optimizers.Adam(1e-2), w0, grads)
    assert int(optimizer.iterations.numpy()) == len(grads)
    np.testing.assert_allclose(fused, exact, rtol=0, atol=2e-5)
    np.testing.assert_allclose(keras_adam, exact, rtol=0, atol=2e-5)


def test_fused_adam_keeps_keras_options_and_state(problem):
    w0, grads = problem
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=10, decay_rate=0.5)
    fused, a = run(FusedAdam(schedule, clipnorm=1.0, beta_2=0.99), w0, grads[:20])
    keras_adam, b = run(keras.optimizers.Adam(schedule, clipnorm=1.0, beta_2=0.99), w0, grads[:20])
    np.testing.assert_allclose(fused, keras_adam, rtol=0, atol=1e-5)
    assert [tuple(v.shape) for v in a.variables] == [tuple(v.shape) for v in b.variables]  # the same state to checkpoint
    for x, y in zip(a.variables, b.variables):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-4, atol=1e-7)
    # AMSGrad is Keras' own update, exactly
    amsgrad = [run(cls(1e-2, amsgrad=True), w0, grads[:10])[0] for cls in (FusedAdam, keras.optimizers.Adam)]
    np.testing.assert_array_equal(*amsgrad)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(FusedAdam(3e-3, beta_1=0.8)))
    assert type(restored) is FusedAdam and restored.beta_1 == 0.8
    assert np.isclose(float(restored.learning_rate.numpy()), 3e-3)


def test_the_default_optimizer_trains_a_vae_like_keras_adam(small_mnist):
    x = small_mnist.x_train[:320]
    weights = []
    for optimizer in (vae_tf.trainer.default_optimizer(), keras.optimizers.Adam(1e-3)):
        vae_tf.set_seed(0)
        model = vae_tf.VAE(latent_dim=4, hidden=(32,))
        model.compile(optimizer=optimizer)
        model.fit(x, epochs=2, batch_size=32, verbose=0)
        weights.append(model.get_weights())
    assert isinstance(vae_tf.trainer.default_optimizer(), FusedAdam)
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)
