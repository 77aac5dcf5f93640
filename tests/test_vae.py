import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf.data import binarize_fixed


@pytest.fixture(scope="module")
def x_bin(small_mnist):
    return binarize_fixed(small_mnist.x_test[:200], seed=0)


def _pool(images):
    """7×7 images (4×4 mean pooling): with 49 pixels the posterior over a 1-D z is wide enough
    for a fine quadrature grid to resolve it, so log p(x) can be computed exactly."""
    return images.reshape(len(images), 7, 4, 7, 4).mean(axis=(2, 4))


@pytest.fixture(scope="module")
def x_small(small_mnist):
    return binarize_fixed(_pool(small_mnist.x_test[:100]), seed=0)


@pytest.fixture(scope="module")
def trained_1d(small_mnist):
    """A VAE with a one-dimensional latent on 7×7 digits: its log p(x) is a 1-D integral."""
    vae_tf.set_seed(1)
    model = vae_tf.VAE(latent_dim=1, hidden=(64,))
    model.fit(vae_tf.make_dataset(_pool(small_mnist.x_train), batch_size=100), epochs=10, verbose=0)
    return model


def test_distributions_shapes_and_dtypes(x_bin):
    model = vae_tf.VAE(latent_dim=3, hidden=(16,))
    q = model.encode(x_bin[:5])
    assert q.event_shape == [3] and q.batch_shape == [5]
    p = model.decode(q.sample())
    assert p.event_shape == [28, 28] and p.batch_shape == [5]
    assert model.prior.event_shape == [3]
    elbo = model.elbo(x_bin[:5])
    assert elbo.shape == (5,) and elbo.dtype == tf.float32
    means = model.sample_means(4, seed=1)
    assert means.shape == (4, 28, 28) and 0 < means.min() and means.max() < 1
    binary = model.sample(4, seed=1)
    assert binary.shape == (4, 28, 28) and set(np.unique(binary)) <= {0.0, 1.0}


def test_elbo_is_reconstruction_minus_kl_and_kl_matches_closed_form(x_bin):
    model = vae_tf.VAE(latent_dim=4, hidden=(32,))
    terms = model.elbo_terms(x_bin[:10])
    np.testing.assert_allclose(terms["elbo"], terms["reconstruction"] - terms["kl"], rtol=1e-6)
    q = model.encode(x_bin[:10])
    mu, sigma = q.distribution.loc.numpy(), q.distribution.scale.numpy()
    closed_form = 0.5 * np.sum(sigma**2 + mu**2 - 1 - 2 * np.log(sigma), axis=-1)
    np.testing.assert_allclose(terms["kl"], closed_form, rtol=1e-4, atol=1e-5)


def test_analytic_kl_equals_monte_carlo_kl_within_standard_errors(small_mnist, x_bin):
    vae_tf.set_seed(3)
    model = vae_tf.VAE(latent_dim=5, hidden=(32,))
    model.fit(vae_tf.make_dataset(small_mnist.x_train[:500], batch_size=100), epochs=1, verbose=0)
    q = model.encode(x_bin[:20])
    analytic = tf.reduce_mean(model.elbo_terms(x_bin[:20])["kl"]).numpy()
    z = q.sample(4000)  # [S, B, D]
    per_sample = (q.log_prob(z) - model.prior.log_prob(z)).numpy().mean(axis=1)  # average over the 20 images
    mc, se = per_sample.mean(), per_sample.std(ddof=1) / np.sqrt(len(per_sample))
    assert abs(mc - analytic) < 4 * se, (mc, analytic, se)
    mc_terms = model.elbo_terms(x_bin[:20], num_samples=2000, analytic_kl=False)
    assert abs(tf.reduce_mean(mc_terms["kl"]).numpy() - analytic) < 0.05 * analytic + 0.05


def _log_px_by_quadrature(model, x, lo=-12.0, hi=12.0, n=24001):
    z = np.linspace(lo, hi, n, dtype=np.float32)[:, None]
    log_joint = [(model.decode(z[i:i + 2000, None, :]).log_prob(x) + model.prior.log_prob(z[i:i + 2000, None, :])).numpy()
                 for i in range(0, n, 2000)]
    log_joint = np.concatenate(log_joint)  # [n, B]
    dz = (hi - lo) / (n - 1)
    return np.logaddexp.reduce(log_joint, axis=0) + np.log(dz)


def test_importance_sampling_matches_quadrature_and_bounds_the_elbo(trained_1d, x_small):
    x = x_small[:8]
    exact = _log_px_by_quadrature(trained_1d, x)
    vae_tf.set_seed(4)
    enc = trained_1d.log_likelihood(x, num_samples=5000, proposal="encoder")
    prior = trained_1d.log_likelihood(x, num_samples=20000, proposal="prior", chunk_size=2000)
    elbo = trained_1d.elbo(x, num_samples=2000).numpy()
    np.testing.assert_allclose(enc, exact, atol=0.1)
    np.testing.assert_allclose(prior, exact, atol=0.2)
    assert np.all(elbo <= exact + 1e-3)


def test_iwae_is_above_the_elbo_and_grows_with_k(trained_1d, x_small):
    x = x_small
    vae_tf.set_seed(5)
    elbo = trained_1d.elbo(x, num_samples=1000).numpy().mean()
    means = [trained_1d.log_likelihood(x, num_samples=k).mean() for k in (1, 10, 100, 1000)]
    assert abs(means[0] - elbo) < 1.0  # K = 1 is a one-sample ELBO estimate
    assert all(b >= a - 0.05 for a, b in zip(means, means[1:])), means
    assert means[-1] > elbo + 0.1


def test_fit_lowers_negative_elbo_on_real_digits(small_mnist, x_bin):
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=8, hidden=(128,))
    before = -model.elbo(x_bin).numpy().mean()
    hist = model.fit(vae_tf.make_dataset(small_mnist.x_train, batch_size=100), validation_data=(x_bin,),
                     epochs=3, verbose=0)
    after = -model.elbo(x_bin).numpy().mean()
    for key in ("loss", "elbo", "reconstruction", "kl", "val_elbo", "val_reconstruction", "val_kl"):
        assert len(hist.history[key]) == 3
    np.testing.assert_allclose(hist.history["elbo"], -np.array(hist.history["loss"]), rtol=1e-6)
    assert after < before - 150


def test_bad_arguments(x_bin):
    model = vae_tf.VAE(latent_dim=2, hidden=(8,))
    with pytest.raises(ValueError, match="proposal"):
        model.log_likelihood(x_bin[:2], num_samples=3, proposal="posterior")
    with pytest.raises(ValueError, match="num_samples"):
        model.log_likelihood(x_bin[:2], num_samples=0)
    with pytest.raises(ValueError, match="latent_dim"):
        vae_tf.VAE(latent_dim=-1)
