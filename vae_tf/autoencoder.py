"""The plain autoencoder of the lecture's intermezzo.

Encoder: h = σ(W x + b), z = W' h + b'. Decoder: the mirror MLP back to one logit per
pixel, x̂ = sigmoid(logits). Loss: binary cross-entropy summed over pixels,
averaged over the batch,
    BCE(x, x̂) = −Σ_i [x_i log x̂_i + (1 − x_i) log(1 − x̂_i)] = −log Π_i Bernoulli(x_i; x̂_i),
the negative log-likelihood of the image under independent Bernoulli pixels with means x̂.
"""
from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import networks
from vae_tf.distributions import bernoulli_images
from vae_tf.trainer import TrainableModel

tfd = tfp.distributions


class Autoencoder(networks.DecoderMixin, TrainableModel):
    """Deterministic autoencoder x → z → x̂ trained with ``compile``/``fit``."""

    term_names = ("loss",)

    def __init__(self, latent_dim: int = 2, hidden: Sequence[int] = (512,), activation: str = "relu", **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.hidden, self.activation = int(latent_dim), tuple(hidden), activation
        self.encoder = networks.mlp(self.hidden, self.latent_dim, activation, name="encoder")

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self._build_decoder(self.hidden, self.activation)
        self.encoder.build((None, *self.event_shape))
        self.decoder.build((None, self.latent_dim))

    def encode(self, x) -> tfd.Distribution:
        """The code z = W' σ(W x + b) + b' as a point mass (``tfd.Deterministic``; ``.mean()`` is z), so
        every model of the collection encodes to a distribution."""
        return tfd.Independent(tfd.Deterministic(self.encoder(self.check_images(x))), 1, name="code")

    def decode(self, z) -> tfd.Distribution:
        """Π_i Bernoulli(x_i; x̂_i) with x̂ = sigmoid(η(z)): ``.mean()`` is the reconstruction x̂."""
        self._require_built("decode")
        return bernoulli_images(self.decoder_logits(z), len(self.event_shape), name="p_x_given_z")

    def call(self, x, training=False):
        return self.decoder_logits(self.encoder(x, training=training))

    def binary_cross_entropy(self, x, training: bool = False) -> tf.Tensor:
        """BCE(x, x̂) per image in nats, shape [batch]: −log p(x | x̂) under Bernoulli pixels (from logits, stable)."""
        x = self.check_images(x)
        return -bernoulli_images(self(x, training=training), len(self.event_shape)).log_prob(x)

    def compute_terms(self, x, y=None, training=False):
        return {"loss": tf.reduce_mean(self.binary_cross_entropy(x, training))}
