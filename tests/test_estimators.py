import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf import estimators as E

MU, SIGMA = 0.7, 1.3
f_square = lambda z: z**2  # noqa: E731  E[z²] = μ² + σ², so ∇μ = 2μ, ∇σ = 2σ
EXACT = np.array([2 * MU, 2 * SIGMA])


@pytest.mark.parametrize("estimator, baseline, num_samples", [
    ("reparameterized", None, 1), ("score_function", None, 1), ("score_function", "loo", 2)])
def test_toy_estimators_are_unbiased(estimator, baseline, num_samples):
    tf.random.set_seed(0)
    draws = E.toy_gradient(f_square, MU, SIGMA, num_samples, estimator, baseline, draws=5000)
    se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - EXACT) < 4 * se), (draws.mean(axis=0), EXACT, se)


def test_reparameterized_variance_is_smaller_than_score_function():
    tf.random.set_seed(1)
    rep = E.estimator_variance(lambda: E.toy_gradient(f_square, MU, SIGMA, 1, "reparameterized", draws=500), repeats=2000)
    sf = E.estimator_variance(lambda: E.toy_gradient(f_square, MU, SIGMA, 1, "score_function", draws=500), repeats=2000)
    sf_loo = E.estimator_variance(lambda: E.toy_gradient(f_square, MU, SIGMA, 2, "score_function", "loo", draws=500),
                                  repeats=2000)
    assert rep["total_variance"] < sf["total_variance"] / 3
    assert sf_loo["total_variance"] < sf["total_variance"]


def test_variance_is_zero_for_a_deterministic_estimator():
    out = E.estimator_variance(lambda: np.array([1.0, -2.0, 3.0]), repeats=10)
    assert out["total_variance"] == 0.0 and out["snr"] == float("inf")
    assert out["mean_norm2"] == 14.0
    np.testing.assert_allclose(out["mean"], [1.0, -2.0, 3.0])


def test_variance_matches_the_closed_form_of_the_toy():
    # reparameterized, S = 1, f = z²: g_μ = 2(μ + σε), g_σ = 2(μ + σε)ε
    # Var g_μ = 4σ², Var g_σ = 4 Var(με + σε²) = 4(μ² + 2σ²)
    tf.random.set_seed(2)
    out = E.estimator_variance(lambda: E.toy_gradient(f_square, MU, SIGMA, 1, "reparameterized", draws=7000), repeats=20000)
    closed = np.array([4 * SIGMA**2, 4 * (MU**2 + 2 * SIGMA**2)])
    np.testing.assert_allclose(out["per_param_variance"], closed, rtol=0.06)
    np.testing.assert_allclose(out["snr"], EXACT @ EXACT / closed.sum(), rtol=0.1)


def test_batched_draws_give_the_same_summary_as_single_draws():
    rows = np.random.default_rng(0).normal(size=(40, 3))
    it = iter(rows)
    one_by_one = E.estimator_variance(lambda: next(it), repeats=40)
    chunks = iter(np.split(rows, [7, 20, 33]))
    batched = E.estimator_variance(lambda: next(chunks), repeats=40)
    np.testing.assert_allclose(batched["per_param_variance"], rows.var(axis=0, ddof=1))
    np.testing.assert_allclose(one_by_one["per_param_variance"], rows.var(axis=0, ddof=1))
    np.testing.assert_allclose(batched["mean"], rows.mean(axis=0))


def test_snr_is_not_floored_by_the_number_of_repeats():
    # pure noise around a zero mean: the true SNR is 0, the naive ‖mean‖² / Var would be ≈ 1 / repeats
    rng = np.random.default_rng(3)
    out = E.estimator_variance(lambda: rng.normal(size=(10, 1000)), repeats=10)
    assert out["snr"] < 0.02
    naive = out["mean"] @ out["mean"] / out["total_variance"]
    assert 0.05 < naive < 0.2


@pytest.mark.parametrize("shape", ["isotropic", "one direction"])
def test_snr_floor_matches_the_noise_of_the_norm_estimate(shape):
    # zero-mean Gaussian draws: the estimate of ‖E g‖² has standard deviation √(2 tr Σ²)/n, so the floor
    # (twice that, over tr Σ) is 2√(2/p)/n for isotropic noise in p dimensions and 2√2/n along one direction
    rng, n, p = np.random.default_rng(4), 25, 400
    direction = rng.normal(size=p)
    draw = (lambda: rng.normal(size=p)) if shape == "isotropic" else (lambda: rng.normal() * direction)
    floors = [E.estimator_variance(draw, repeats=n)["snr_floor"] for _ in range(20)]
    expected = 2 * np.sqrt(2 / p) / n if shape == "isotropic" else 2 * np.sqrt(2) / n
    np.testing.assert_allclose(np.median(floors), expected, rtol=0.25)
    # and the SNR estimate of pure noise exceeds the floor in only a few per cent of runs
    exceed = np.mean([(lambda r: r["snr"] > r["snr_floor"])(E.estimator_variance(draw, repeats=n)) for _ in range(200)])
    assert exceed < 0.1


def test_variance_needs_two_repeats():
    with pytest.raises(ValueError, match="repeats"):
        E.estimator_variance(lambda: np.zeros(2), repeats=1)


def test_score_function_agrees_with_reparameterized_on_a_small_vae(small_mnist):
    vae_tf.set_seed(0)
    x = vae_tf.data.binarize_fixed(small_mnist.x_test[:4].reshape(4, 7, 4, 7, 4).mean(axis=(2, 4)), 0)
    vae = vae_tf.VAE(latent_dim=2, hidden=(8,))
    rep = E.flat(E.elbo_gradient(vae, x, num_samples=20000))
    draws = np.array([E.flat(E.elbo_gradient(vae, x, num_samples=500, estimator="score_function", baseline="loo"))
                      for _ in range(100)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    z = (mean - rep) / np.maximum(se, 1e-8)
    assert np.mean(z**2) < 2.0  # ≈ 1 when both estimate the same gradient
    cosine = mean @ rep / np.linalg.norm(mean) / np.linalg.norm(rep)
    assert cosine > 0.95


def test_score_function_training_mode_learns(small_mnist):
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=4, hidden=(64,), gradient_estimator="score_function", num_samples=4, baseline="loo")
    hist = model.fit(vae_tf.make_dataset(small_mnist.x_train, batch_size=100), epochs=2, verbose=0)
    assert hist.history["elbo"][-1] > hist.history["elbo"][0] + 50
    # θ still gets its ordinary gradient: the decoder moves, and so does the encoder
    assert all(np.isfinite(hist.history["loss"]))


def test_bad_estimator_arguments():
    with pytest.raises(ValueError, match="estimator"):
        E.toy_gradient(f_square, 0.0, 1.0, 1, "finite_differences")
    with pytest.raises(ValueError, match="num_samples >= 2"):
        vae_tf.VAE(gradient_estimator="score_function", baseline="loo", num_samples=1)
    with pytest.raises(ValueError, match="analytic_kl"):
        vae_tf.VAE(gradient_estimator="score_function", analytic_kl=False)
