"""The model learned with prior proposals: its table of log p(x_i | z_k), its log p(x) estimate, its training.

The references are independent of the matrix product: TFP's Bernoulli ``log_prob`` image by image, and
log p(x) by quadrature over a one-dimensional code (7×7 digits, whose posterior a fine grid resolves).
"""
import keras
import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf.data import binarize_fixed


def _pool(images):
    """7×7 images (4×4 mean pooling)."""
    return images.reshape(len(images), 7, 4, 7, 4).mean(axis=(2, 4))


def _log_px_by_quadrature(model, x, lo=-10.0, hi=10.0, n=20001):
    """log ∫ p(x | z) p(z) dz on a grid of one-dimensional codes, each image scored by TFP's Bernoulli."""
    z = np.linspace(lo, hi, n, dtype=np.float32)[:, None]
    log_joint = np.concatenate([(model.decode(z[i:i + 2000, None, :]).log_prob(x)
                                 + model.prior.log_prob(z[i:i + 2000, None, :])).numpy() for i in range(0, n, 2000)])
    return np.logaddexp.reduce(log_joint.astype(np.float64), axis=0) + np.log((hi - lo) / (n - 1))


@pytest.fixture(scope="module")
def x_small(small_mnist):
    return binarize_fixed(_pool(small_mnist.x_test[:50]), seed=0)


def test_the_table_of_log_likelihoods_is_tfps_bernoulli_for_every_pair(x_small):
    vae_tf.set_seed(0)
    model = vae_tf.PriorSampledModel(latent_dim=3, hidden=(16,))
    z = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32) * 2
    table = model.pairwise_log_likelihood(x_small[:5], z).numpy()
    assert table.shape == (5, 6)
    for k in range(6):  # one decoder distribution per code, scored on each image
        np.testing.assert_allclose(table[:, k], model.decode(z[k]).log_prob(x_small[:5]).numpy(), rtol=1e-5)


def test_the_estimate_with_many_prior_samples_is_the_quadrature(x_small):
    """With a one-dimensional z, K = 20,000 prior samples estimate log p(x) to a few hundredths of a nat."""
    vae_tf.set_seed(1)
    model = vae_tf.PriorSampledModel(latent_dim=1, hidden=(32,))
    model(x_small[:1])
    exact = _log_px_by_quadrature(model, x_small[:20])
    np.testing.assert_allclose(model.log_likelihood(x_small[:20], num_samples=20000), exact, atol=0.05)
    # the training loss is the same estimator: its batch mean, with the model's own K
    estimate = model.log_px_estimate(x_small[:20], 20000, seed=tf.constant([3, 4])).numpy()
    np.testing.assert_allclose(estimate, exact, atol=0.05)
    # and with few samples it is low (log of a mean of weights: biased downwards on average)
    few = np.mean([model.log_likelihood(x_small[:20], num_samples=3, seed=s) for s in range(20)], axis=0)
    assert np.mean(few) < np.mean(exact)


def test_the_evaluation_adds_its_chunks_correctly(x_small):
    vae_tf.set_seed(2)
    model = vae_tf.PriorSampledModel(latent_dim=2, hidden=(16,))
    one_chunk = model.log_likelihood(x_small, num_samples=500, seed=5)
    chunked = model.log_likelihood(x_small, num_samples=500, seed=5, batch_size=7, chunk_size=33)
    np.testing.assert_allclose(chunked, one_chunk, rtol=1e-5)
    assert np.all(chunked != model.log_likelihood(x_small, num_samples=500, seed=6))


def test_fit_raises_log_px_of_held_out_images(small_mnist, x_small):
    """Gradient ascent on the estimate learns: the quadrature log p(x) of test images rises well above the
    untrained model's, and ``fit`` logs the loss as minus the estimate."""
    vae_tf.set_seed(3)
    model = vae_tf.PriorSampledModel(latent_dim=1, hidden=(32,), num_samples=200)
    model(x_small[:1])
    before = _log_px_by_quadrature(model, x_small).mean()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(_pool(small_mnist.x_train), epochs=4, batch_size=100, verbose=0).history
    after = _log_px_by_quadrature(model, x_small).mean()
    assert after > before + 8, (before, after)  # −34 (every pixel a coin flip) to about −21 nats
    np.testing.assert_allclose(history["loss"], -np.asarray(history["log_px"]), rtol=1e-6)
    assert history["log_px"][-1] > history["log_px"][0]


def test_samples_are_images_and_bad_sizes_are_refused(x_small):
    model = vae_tf.PriorSampledModel(latent_dim=2, hidden=(8,))
    model(x_small[:1])
    means = model.sample_means(3, seed=1)
    assert means.shape == (3, 7, 7) and 0 < means.min() and means.max() < 1
    with pytest.raises(ValueError, match="num_samples"):
        vae_tf.PriorSampledModel(num_samples=0)
    with pytest.raises(ValueError, match="built for"):
        model.log_likelihood(np.zeros((2, 28, 28), np.float32))
