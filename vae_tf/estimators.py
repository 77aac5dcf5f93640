"""Gradient estimators for ∇_φ E_{q_φ(z)}[f(z)], and a way to measure their variance.

Score function (REINFORCE, as in black-box variational inference):
    ∇_φ E_q[f(z)] = E_q[(f(z) − b) ∇_φ log q_φ(z)],           z ~ q_φ,
unbiased for any baseline b that does not depend on z (E_q[∇_φ log q_φ(z)] = 0).
Reparameterized:
    ∇_φ E_q[f(z)] = E_ε[∇_φ f(μ_φ + σ_φ ⊙ ε)],                  ε ~ Normal(0, I).
Both are written as *surrogate objectives*: scalars whose automatic gradient is the estimate.
For the VAE, f(z) = log p_θ(x | z) and the KL term is analytic, so
∇_φ ELBO = ∇_φ E_q[log p_θ(x | z)] − ∇_φ KL(q_φ(z | x) ‖ p(z)).
"""
from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions
ESTIMATORS = ("reparameterized", "score_function")


def _normal(q):
    """The Normal inside ``q`` (``q`` itself, or the base of a ``tfd.Independent``)."""
    return q.distribution if isinstance(q, tfd.Independent) else q


def reparameterized_sample(q, num_samples, seed=None) -> tf.Tensor:
    """z_s = μ + σ ⊙ ε_s, ε_s ~ Normal(0, I): shape [S, *batch, *event], differentiable in μ and σ.

    ``seed``: a ``keras.random.SeedGenerator`` (a model's ``noise``: checkpointable draws), or
    None for TensorFlow's global generator.
    """
    normal = _normal(q)
    loc, scale = tf.broadcast_to(normal.loc, normal.batch_shape_tensor()), normal.scale
    shape = tf.concat([[num_samples], tf.shape(loc)], axis=0)
    eps = tf.random.normal(shape) if seed is None else keras.random.normal(shape, seed=seed)
    return loc + scale * eps


def check_options(estimator, baseline, num_samples):
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator={estimator!r}: expected one of {ESTIMATORS}")
    if baseline not in (None, "loo"):
        raise ValueError(f"baseline={baseline!r}: expected None or 'loo' (leave-one-out mean over the other samples)")
    if baseline == "loo" and int(num_samples) < 2:
        raise ValueError("baseline='loo' needs num_samples >= 2: the baseline for each sample is the mean of the others")


def leave_one_out_baseline(f_values: tf.Tensor) -> tf.Tensor:
    """b_s = mean of f over the other S − 1 samples (axis 0): independent of z_s, so no bias."""
    s = tf.cast(tf.shape(f_values)[0], f_values.dtype)
    return (tf.reduce_sum(f_values, axis=0, keepdims=True) - f_values) / (s - 1.0)


def surrogate(q, f: Callable[[tf.Tensor], tf.Tensor], num_samples: int, estimator: str = "reparameterized",
              baseline: str | None = None, seed=None) -> tuple[tf.Tensor, tf.Tensor]:
    """(surrogate, f_values): ∇_φ of ``tf.reduce_mean(surrogate)`` is the chosen estimate of ∇_φ E_q[f].

    ``f`` maps z [S, *batch, D] to values [S, *batch]. With the score function, z is
    sampled without gradient and f's own parameters (θ) still get their ordinary gradient;
    φ gets Σ_s (f(z_s) − b_s) ∇_φ log q_φ(z_s) / S. The surrogate has shape [*batch].
    """
    check_options(estimator, baseline, num_samples)
    if estimator == "reparameterized":
        f_values = f(reparameterized_sample(q, num_samples, seed))
        return tf.reduce_mean(f_values, axis=0), f_values
    z = tf.stop_gradient(reparameterized_sample(q, num_samples, seed))  # z ~ q, no path to φ
    f_values = f(z)
    weight = f_values - (leave_one_out_baseline(f_values) if baseline == "loo" else 0.0)
    log_q = q.log_prob(z)
    score_term = tf.stop_gradient(weight) * log_q
    # value of the surrogate = mean f; gradient: score term for φ, ordinary gradient of f for θ
    return tf.reduce_mean(score_term - tf.stop_gradient(score_term) + f_values, axis=0), f_values


# --------------------------------------------------------------------------- gradients
def toy_gradient(f, loc, scale, num_samples: int = 1, estimator: str = "reparameterized",
                 baseline: str | None = None, draws: int = 1) -> np.ndarray:
    """Estimates of ∇_(μ, σ) E_{Normal(μ, σ²)}[f(z)], each from S samples; returns [draws, 2] = [dμ, dσ].

    The ``draws`` estimates are independent: they are computed at once as a batch of
    ``draws`` identical Normals, whose summed surrogate has per-element gradients.
    """
    loc = tf.fill([int(draws)], tf.constant(loc, tf.float32))
    scale = tf.fill([int(draws)], tf.constant(scale, tf.float32))
    with tf.GradientTape() as tape:
        tape.watch([loc, scale])
        value, _ = surrogate(tfd.Normal(loc, scale), f, num_samples, estimator, baseline)
        total = tf.reduce_sum(value)
    d_loc, d_scale = tape.gradient(total, [loc, scale])
    return np.stack([d_loc.numpy(), d_scale.numpy()], axis=1)


def elbo_gradient(vae, x, num_samples: int = 1, estimator: str = "reparameterized",
                  baseline: str | None = None) -> list[tf.Tensor]:
    """One estimate of ∇_φ of the batch-mean ELBO w.r.t. the encoder's variables φ.

    f(z) = log p_θ(x | z) is estimated by ``estimator``; the KL term is analytic.
    """
    x = vae.check_images(x)
    with tf.GradientTape() as tape:
        q = vae.encode(x)
        reconstruction, _ = surrogate(q, lambda z: vae.decode(z).log_prob(x), num_samples, estimator, baseline)
        elbo = tf.reduce_mean(reconstruction - tfd.kl_divergence(q, vae.prior))
    return tape.gradient(elbo, vae.encoder.trainable_variables)


def flat(grads) -> np.ndarray:
    """Concatenate a list of gradient tensors into one vector."""
    return np.concatenate([np.ravel(g.numpy() if hasattr(g, "numpy") else g) for g in grads])


# --------------------------------------------------------------------------- variance
def estimator_variance(draw: Callable[[], np.ndarray], repeats: int = 100) -> dict[str, float | np.ndarray]:
    """Summarise the spread of a stochastic gradient estimator over ``repeats`` independent draws.

    ``draw()`` returns one estimate g as a vector, or several independent estimates as the rows
    of a 2-D array. Returns ``mean`` (the average estimate), ``per_param_variance`` and
    ``total_variance`` = tr Σ = Σ_j Var(g_j) (unbiased, ddof=1), ``mean_norm2`` = ‖E g‖² and
    ``snr`` = ‖E g‖² / E‖g − E g‖². ‖E g‖² is estimated without bias as ‖ḡ‖² − tr Σ / n
    (the plain ‖ḡ‖² is inflated by the noise of ḡ and would put a floor of 1/n under the SNR);
    it is clipped at 0 when the noise swamps the signal. ``snr_floor`` is the smallest SNR the
    n draws resolve: twice the standard deviation of that estimate when E g = 0, 2 √(2 tr Σ²) / n,
    over tr Σ (for Gaussian draws; tr Σ² estimated without bias, Srivastava 2005). It lies
    between 2√(2/p)/n for noise spread evenly over p parameters and 2√2/n for noise along one direction.
    """
    repeats = int(repeats)
    if repeats < 2:
        raise ValueError(f"repeats={repeats}: need at least 2 draws to estimate a variance")
    rows, n = [], 0
    while n < repeats:
        g = np.asarray(draw(), dtype=np.float64)
        rows.append((g.reshape(1, -1) if g.ndim <= 1 else g.reshape(len(g), -1))[: repeats - n])
        n += len(rows[-1])
    g = np.concatenate(rows)
    mean = g.mean(axis=0)
    centred = g - mean
    per_param = (centred**2).sum(axis=0) / (n - 1)
    total_var = float(per_param.sum())
    norm2 = max(float(mean @ mean) - total_var / n, 0.0)
    gram = centred @ centred.T if n <= g.shape[1] else centred.T @ centred
    trace_s2 = float((gram**2).sum()) / (n - 1) ** 2                     # tr S² of the sample covariance S
    trace_sigma2 = (n - 1) ** 2 / ((n - 2) * (n + 1)) * (trace_s2 - total_var**2 / (n - 1)) if n > 2 else trace_s2
    trace_sigma2 = max(trace_sigma2, total_var**2 / g.shape[1])         # tr Σ² ≥ (tr Σ)² / p
    positive = total_var > 0
    return {"mean": mean, "per_param_variance": per_param, "total_variance": total_var, "mean_norm2": norm2,
            "snr": norm2 / total_var if positive else float("inf"),
            "snr_floor": 2 * np.sqrt(2 * trace_sigma2) / (n * total_var) if positive else 0.0, "repeats": n}
