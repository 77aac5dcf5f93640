"""The plain autoencoder of the lecture's intermezzo.

Encoder: h = σ(W x + b), z = W' h + b'. Decoder: the mirror MLP back to one logit per
pixel, x̂ = sigmoid(logits). Loss: binary cross-entropy summed over pixels,
averaged over the batch,
    BCE(x, x̂) = −Σ_i [x_i log x̂_i + (1 − x_i) log(1 − x̂_i)].
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from vae_tf import networks
from vae_tf.trainer import TrainableModel


def binary_cross_entropy(x, logits) -> tf.Tensor:
    """Per-image BCE summed over all pixel axes, from logits (numerically stable)."""
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(x)[0], -1]), axis=-1)


class DecoderMixin:
    """Builds the decoder MLP once the image shape is known and maps z to pixel logits."""

    def _build_decoder(self, hidden, activation):
        self.decoder = networks.mlp(tuple(hidden)[::-1], int(np.prod(self.event_shape)), activation, name="decoder")

    def decoder_logits(self, z) -> tf.Tensor:
        """Logits η_θ(z) with shape z.shape[:-1] + image shape (leading sample axes allowed)."""
        flat = self.decoder(tf.reshape(z, [-1, tf.shape(z)[-1]]))
        return tf.reshape(flat, tf.concat([tf.shape(z)[:-1], self.event_shape], axis=0))


class Autoencoder(DecoderMixin, TrainableModel):
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

    def encode(self, x) -> tf.Tensor:
        """The code z = W' σ(W x + b) + b' for a batch of images."""
        return self.encoder(self.check_images(x))

    def decode(self, z) -> tf.Tensor:
        """Reconstructed pixel intensities x̂ = sigmoid(η(z)), shaped like the images."""
        return tf.sigmoid(self.decoder_logits(z))

    def call(self, x, training=False):
        return self.decoder_logits(self.encoder(x, training=training))

    def compute_terms(self, x, y=None, training=False):
        x = self.check_images(x)
        return {"loss": tf.reduce_mean(binary_cross_entropy(x, self(x, training=training)))}
