"""A deep generative model learned by importance sampling, with the prior as the proposal.

Generative model: z ~ Normal(0, I), x ~ Bernoulli(η_θ(z)) independently per pixel (no encoder).
Its log-likelihood, estimated with K samples from the prior that the whole batch shares:
    log p_θ(x_i) ≈ log (1/K) Σ_k p_θ(x_i | z_k),   z_k ~ p(z),
    log p_θ(x_i | z_k) = Σ_j [x_ij log σ(a_kj) + (1 − x_ij) log(1 − σ(a_kj))] = Σ_j [x_ij a_kj − softplus(a_kj)],
with a_k the decoder's logits at z_k, η_θ(z_k) = σ(a_k): the decoder runs K times per batch, not K times per image, and the
B × K table of log p_θ(x_i | z_k) is one matrix product. ``fit`` maximises the batch mean of the
estimate by gradient ascent in θ.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import networks
from vae_tf.data import positive_int
from vae_tf.distributions import bernoulli_images, standard_normal
from vae_tf.trainer import TrainableModel

tfd = tfp.distributions


def bernoulli_table(x_flat, logits) -> tf.Tensor:
    """log Π_j Bernoulli(x_ij; σ(a_kj)) for images x_flat [B, pixels] and logits a [K, pixels]: shape [B, K].

    Σ_j [x_ij a_kj − softplus(a_kj)] = (x aᵀ)_ik − Σ_j softplus(a_kj): one matrix product.
    """
    x_flat = tf.convert_to_tensor(x_flat, tf.float32)
    return tf.matmul(x_flat, logits, transpose_b=True) - tf.reduce_sum(tf.nn.softplus(logits), axis=-1)


class PriorSampledModel(networks.DecoderMixin, TrainableModel):
    """p_θ(x | z) p(z) trained on log p_θ(x) importance-sampled with ``num_samples`` draws from the prior.

    ``fit`` minimises the batch mean of −log p̂_θ(x) and logs ``log_px``, the batch mean of the estimate.
    """

    term_names = ("loss", "log_px")

    def __init__(self, latent_dim: int = 2, hidden: Sequence[int] = (512,), activation: str = "relu",
                 num_samples: int = 1000, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.num_samples = positive_int(num_samples, "num_samples")
        self.hidden, self.activation = tuple(hidden), activation

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self._build_decoder(self.hidden, self.activation)
        self.decoder.build((None, self.latent_dim))

    def call(self, x, training=False):
        return self.log_px_estimate(x, self.num_samples)

    @property
    def prior(self) -> tfd.Distribution:
        """p(z) = Normal(0, I), event shape [latent_dim]."""
        return standard_normal(self.latent_dim)

    def decode(self, z) -> tfd.Distribution:
        """p_θ(x | z) = Π_j Bernoulli(x_j; η_θ(z)_j), η_θ(z) = sigmoid(logits), event shape = image shape."""
        self._require_built("decode")
        return bernoulli_images(self.decoder_logits(z), len(self.event_shape), name="p_x_given_z")

    def pairwise_log_likelihood(self, x, z) -> tf.Tensor:
        """log p_θ(x_i | z_k) for every image x_i [B, ...] and code z_k [K, D]: shape [B, K]."""
        x = self.check_images(x)
        logits = tf.reshape(self.decoder_logits(z), [tf.shape(z)[0], -1])  # a_k: [K, pixels]
        return bernoulli_table(tf.reshape(x, [tf.shape(x)[0], -1]), logits)

    def log_px_estimate(self, x, num_samples: int, seed=None) -> tf.Tensor:
        """log (1/K) Σ_k p_θ(x_i | z_k) per image, shape [B], with K = ``num_samples`` codes z_k ~ p(z) for
        the whole batch (``seed``: a stateless seed, or None for the model's ``noise``)."""
        if seed is None:
            seed = tf.cast(self.noise.next(), tf.int32)
        z = self.prior.sample(num_samples, seed=seed)                      # [K, D], shared by the batch
        log_w = self.pairwise_log_likelihood(x, z)                         # [B, K]
        return tf.reduce_logsumexp(log_w, axis=1) - math.log(num_samples)

    def compute_terms(self, x, y=None, training=False):
        log_px = tf.reduce_mean(self.log_px_estimate(x, self.num_samples))
        return {"loss": -log_px, "log_px": log_px}

    # -- evaluation and sampling ------------------------------------------------------
    def log_likelihood(self, x, num_samples: int = 10000, seed: int = 0, batch_size: int = 1000,
                       chunk_size: int = 2000) -> np.ndarray:
        """The estimate of log p_θ(x) per image with ``num_samples`` prior codes shared by all of ``x``.

        The codes are decoded ``chunk_size`` at a time and the images scored ``batch_size`` at a time, so
        K = 100,000 codes on 10,000 images fit in memory; a running log-sum-exp adds the chunks.
        """
        x = np.asarray(self.check_images(x)).reshape(len(x), -1)
        num_samples = positive_int(num_samples, "num_samples")
        batch_size, chunk_size = positive_int(batch_size, "batch_size"), positive_int(chunk_size, "chunk_size")
        z = self.prior.sample(num_samples, seed=tf.constant([int(seed), 0], tf.int32))
        total = np.full(len(x), -np.inf)
        for start in range(0, num_samples, chunk_size):
            logits = tf.reshape(self.decoder_logits(z[start:start + chunk_size]), [-1, x.shape[1]])
            for i in range(0, len(x), batch_size):
                lse = tf.reduce_logsumexp(bernoulli_table(x[i:i + batch_size], logits), axis=1).numpy()
                total[i:i + batch_size] = np.logaddexp(total[i:i + batch_size], lse)
        return total - math.log(num_samples)

    def sample_means(self, n: int, seed: int | None = None) -> np.ndarray:
        """n images of pixel probabilities η_θ(z) for z ~ p(z)."""
        return self.decode(self.prior.sample(positive_int(n, "n"), seed=seed)).mean().numpy()
