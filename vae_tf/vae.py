"""The variational autoencoder: p_θ(x | z) p(z) with an inference network q_φ(z | x).

Generative model: z ~ Normal(0, I), x ~ Bernoulli(η_θ(z)) independently per pixel.
Inference model: q_φ(z | x) = Normal(μ_φ(x), diag σ_φ(x)²).
ELBO (per image, in nats):
    L(θ, φ; x) = E_q[log p_θ(x | z)] − KL(q_φ(z | x) ‖ p(z))  ≤  log p_θ(x),
estimated with the reparameterization z = μ + σ ⊙ ε, ε ~ Normal(0, I).
Importance-sampling (IWAE) estimate of the marginal likelihood with proposal r(z):
    log p(x) ≈ log (1/K) Σ_k p_θ(x | z_k) p(z_k) / r(z_k),  z_k ~ r.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import estimators, networks
from vae_tf.data import positive_int
from vae_tf.distributions import bernoulli_images, diagonal_normal, standard_normal
from vae_tf.estimators import reparameterized_sample
from vae_tf.trainer import TrainableModel

tfd = tfp.distributions


class VAE(networks.DecoderMixin, TrainableModel):
    """VAE with a diagonal-Normal encoder and a Bernoulli decoder, trained with ``fit``.

    ``fit`` minimises the batch mean of −ELBO and logs ``elbo``, ``reconstruction``
    (E_q log p(x | z), summed over pixels) and ``kl`` (KL(q ‖ p(z))) each epoch.
    ``gradient_estimator="score_function"`` trains φ with the score-function estimator
    instead of the reparameterized one (θ keeps its ordinary gradient); ``baseline="loo"``
    adds the leave-one-out control variate (needs ``num_samples >= 2``). Subclasses change the
    penalty on the code (:meth:`penalty_terms`): the β-VAE and TC-VAE of :mod:`vae_tf.disentangle`.
    """

    term_names = ("loss", "elbo", "reconstruction", "kl")
    #: digit labels the generative model is conditioned on (None: p(x | z) alone)
    num_classes: int | None = None

    def __init__(self, latent_dim: int = 20, hidden: Sequence[int] = (512,), activation: str = "relu",
                 num_samples: int = 1, analytic_kl: bool = True, gradient_estimator: str = "reparameterized",
                 baseline: str | None = None, **kwargs):
        super().__init__(**kwargs)
        estimators.check_options(gradient_estimator, baseline, num_samples)
        if gradient_estimator == "score_function" and not analytic_kl:
            raise ValueError("gradient_estimator='score_function' needs analytic_kl=True (the KL gradient is exact)")
        self.gradient_estimator, self.baseline = gradient_estimator, baseline
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.hidden, self.activation = tuple(hidden), activation
        self.num_samples, self.analytic_kl = int(num_samples), bool(analytic_kl)
        # the encoder outputs μ and an unconstrained scale for each latent dimension
        self.encoder = networks.mlp(self.hidden, 2 * self.latent_dim, activation, name="encoder")

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self._build_decoder(self.hidden, self.activation)
        self.encoder.build((None, *self.event_shape))
        self.decoder.build((None, self.latent_dim))

    def call(self, x, training=False):
        return self.decoder_logits(self.encode(x).mean())

    # -- the three distributions ---------------------------------------------------
    @property
    def prior(self) -> tfd.Distribution:
        """p(z) = Normal(0, I), event shape [latent_dim]."""
        return standard_normal(self.latent_dim)

    def encode(self, x) -> tfd.Distribution:
        """q_φ(z | x) = Normal(μ_φ(x), diag σ_φ(x)²), event shape [latent_dim]."""
        return diagonal_normal(self.encoder(self.check_images(x)), name="q_z_given_x")

    def decode(self, z) -> tfd.Distribution:
        """p_θ(x | z) = Π_i Bernoulli(x_i; η_θ(z)_i), η_θ(z) = sigmoid(logits), event shape = image shape."""
        self._require_built("decode")
        return bernoulli_images(self.decoder_logits(z), len(self.event_shape), name="p_x_given_z")

    # -- the ELBO ------------------------------------------------------------------
    def _kl(self, q, z, analytic_kl: bool) -> tf.Tensor:
        """KL(q ‖ p) per image: in closed form, or (1/S) Σ_s [log q(z_s | x) − log p(z_s)]."""
        if analytic_kl:
            return tfd.kl_divergence(q, self.prior)
        return tf.reduce_mean(q.log_prob(z) - self.prior.log_prob(z), axis=0)

    def _bound_parts(self, x, num_samples: int, analytic_kl: bool, training: bool = False):
        """q_φ(z | x), the samples z_s = μ + σ ⊙ ε_s [S, B, D], and per image the two terms of the ELBO:
        reconstruction = (1/S) Σ_s log p_θ(x | z_s) (as the score-function surrogate when training φ that way)
        and KL(q ‖ p(z)) (closed form, or its Monte-Carlo estimate). The one definition of the ELBO."""
        q = self.encode(x)
        z = reparameterized_sample(q, num_samples, self.noise)  # [S, B, D]
        if training and self.gradient_estimator == "score_function":
            reconstruction, _ = estimators.surrogate(q, lambda z: self.decode(z).log_prob(x), num_samples,
                                                     "score_function", self.baseline, seed=self.noise)
        else:
            reconstruction = tf.reduce_mean(self.decode(z).log_prob(x), axis=0)
        return q, z, reconstruction, self._kl(q, z, analytic_kl)

    def elbo_terms(self, x, num_samples: int = 1, analytic_kl: bool = True) -> dict[str, tf.Tensor]:
        """Per-image ``elbo``, ``reconstruction`` and ``kl`` (each shape [batch]), in nats.

        reconstruction = (1/S) Σ_s log p_θ(x | z_s),   z_s = μ + σ ⊙ ε_s;
        kl = KL(q ‖ p) in closed form, or (1/S) Σ_s [log q(z_s | x) − log p(z_s)].
        """
        _, _, reconstruction, kl = self._bound_parts(self.check_images(x), num_samples, analytic_kl)
        return {"elbo": reconstruction - kl, "reconstruction": reconstruction, "kl": kl}

    def elbo(self, x, num_samples: int = 1, analytic_kl: bool = True) -> tf.Tensor:
        """Per-image ELBO L(θ, φ; x) in nats, shape [batch]."""
        return self.elbo_terms(x, num_samples, analytic_kl)["elbo"]

    def penalty_terms(self, q, z, kl) -> dict[str, tf.Tensor]:
        """The penalty the loss puts on the code, ``{"penalty": ...}`` (a batch mean), plus any parts to log.

        The VAE's is the KL term itself, so the loss is −ELBO; ``z`` holds the samples [S, B, D].
        """
        return {"penalty": tf.reduce_mean(kl)}

    def compute_terms(self, x, y=None, training=False):
        """The batch's loss: penalty − reconstruction (−ELBO for the VAE), and the terms it logs."""
        q, z, reconstruction, kl = self._bound_parts(self.check_images(x), self.num_samples, self.analytic_kl, training)
        terms = {"elbo": tf.reduce_mean(reconstruction - kl), "reconstruction": tf.reduce_mean(reconstruction),
                 "kl": tf.reduce_mean(kl), **self.penalty_terms(q, z, kl)}
        terms["loss"] = terms["penalty"] - terms["reconstruction"]
        return terms

    # -- sampling and the marginal likelihood -------------------------------------
    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n binary images x ~ p_θ(x): z ~ p(z), then x ~ p_θ(x | z)."""
        return self.decode(self.prior.sample(positive_int(n, "n"), seed=seed)).sample(seed=seed).numpy()

    def sample_means(self, n: int, seed: int | None = None) -> np.ndarray:
        """n images of pixel probabilities E[x | z] = sigmoid(η_θ(z)) for z ~ p(z) (smoother to look at than samples)."""
        return self.decode(self.prior.sample(positive_int(n, "n"), seed=seed)).mean().numpy()

    def log_weights(self, x, num_samples: int, proposal: str = "encoder") -> tf.Tensor:
        """log w_k = log p_θ(x | z_k) + log p(z_k) − log r(z_k), z_k ~ r, shape [K, batch].

        ``proposal="encoder"`` uses r = q_φ(z | x); ``"prior"`` uses r = p(z), where the
        weights reduce to log p_θ(x | z_k).
        """
        x = self.check_images(x)
        if proposal == "encoder":
            r = self.encode(x)
        elif proposal == "prior":
            r = standard_normal(self.latent_dim)
        else:
            raise ValueError(f"proposal={proposal!r}: expected 'encoder' or 'prior'")
        shape = [num_samples if tf.is_tensor(num_samples) else int(num_samples)]
        z = r.sample(shape if proposal == "encoder" else shape + [tf.shape(x)[0]])
        return self.decode(z).log_prob(x) + self.prior.log_prob(z) - r.log_prob(z)

    def log_likelihood(self, x, num_samples: int = 1000, proposal: str = "encoder",
                       batch_size: int = 100, chunk_size: int = 250) -> np.ndarray:
        """Importance-sampling estimate of log p_θ(x) per image (the IWAE bound with K samples).

        log p(x) ≈ logsumexp_k(log w_k) − log K. Computed in chunks of ``chunk_size`` samples
        for ``batch_size`` images at a time, so K = 5000 on thousands of images fits in memory.
        By Jensen the expectation of this estimate is ≤ log p(x) and ≥ the ELBO; it
        increases towards log p(x) as K grows.
        """
        x = np.asarray(self.check_images(x))
        num_samples = positive_int(num_samples, "num_samples")
        batch_size, chunk_size = positive_int(batch_size, "batch_size"), positive_int(chunk_size, "chunk_size")
        chunks = [chunk_size] * (int(num_samples) // chunk_size)
        if int(num_samples) % chunk_size:
            chunks.append(int(num_samples) % chunk_size)
        results = []
        for start in range(0, len(x), batch_size):
            xb = tf.constant(x[start:start + batch_size])
            total = tf.fill([len(xb)], -np.inf)
            for k in chunks:
                lse = self._chunk_logsumexp(xb, k, proposal)
                total = tf.reduce_logsumexp(tf.stack([total, lse]), axis=0)
            results.append(total.numpy() - math.log(num_samples))
        return np.concatenate(results)

    def _chunk_logsumexp(self, x, k, proposal):
        """logsumexp_k log w_k for one chunk, compiled once per proposal (k and batch size are tensors)."""
        if not hasattr(self, "_lse_fns"):
            self._lse_fns = {}
        if proposal not in self._lse_fns:
            def chunk(x, k):
                return tf.reduce_logsumexp(self.log_weights(x, k, proposal), axis=0)

            self._lse_fns[proposal] = tf.function(
                chunk, input_signature=[tf.TensorSpec([None, *self.event_shape], tf.float32), tf.TensorSpec([], tf.int32)])
        return self._lse_fns[proposal](x, tf.constant(k, tf.int32))

