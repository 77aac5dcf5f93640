"""MLP building blocks: h = σ(W x + b) layers followed by a linear output layer.

Input sizes are inferred from the data when a network is first called; only the
output size is given, so no model hard-codes 784 or 28×28.
"""
from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf


def mlp(hidden: Sequence[int], out_units: int, activation: str = "relu", name: str | None = None,
        dropout: float = 0.0, flatten: bool = True) -> keras.Sequential:
    """Flatten, then ``h = σ(W h + b)`` for each size in ``hidden``, then a linear ``W' h + b'``.

    The final layer is linear: its output is a code z (encoder) or logits / distribution
    parameters (decoder, inference network); the model turns it into a distribution.
    ``dropout`` > 0 adds a Dropout layer after each hidden layer (active only with training=True).
    """
    hidden = tuple(int(h) for h in hidden)
    if any(h <= 0 for h in hidden) or int(out_units) <= 0:
        raise ValueError(f"hidden={hidden} and out_units={out_units} must be positive sizes")
    layers = [keras.layers.Flatten()] if flatten else []
    for h in hidden:
        layers.append(keras.layers.Dense(h, activation=activation))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(int(out_units)))
    return keras.Sequential(layers, name=name)


class LabelConditionedDense(keras.layers.Layer):
    """h = σ(W [x; onehot(y)] + b) = σ(W_x x + W_y[y] + b): a Dense layer on an image and its label.

    Written as two terms, the label's is a row of W_y, so ``y`` may carry leading axes of its
    own: with y of shape [K, B] (every label for each of B images) the image's product W_x x is
    computed once per image and broadcast over the K labels.
    """

    def __init__(self, units: int, num_classes: int, activation: str = "relu", **kwargs):
        super().__init__(**kwargs)
        self.units, self.num_classes = int(units), int(num_classes)
        self.activation = keras.activations.get(activation)

    def build(self, x_shape):
        self.image_kernel = self.add_weight(shape=(int(x_shape[-1]), self.units), initializer="glorot_uniform",
                                            name="image_kernel")
        self.label_kernel = self.add_weight(shape=(self.num_classes, self.units), initializer="glorot_uniform",
                                            name="label_kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x_flat, y):
        """``x_flat`` [B, pixels], ``y`` integer labels [..., B] → h [..., B, units]."""
        return self.activation(tf.matmul(x_flat, self.image_kernel) + tf.gather(self.label_kernel, y) + self.bias)


class DecoderMixin:
    """Builds the decoder MLP once the image shape is known and maps codes to one logit per pixel."""

    def _build_decoder(self, hidden, activation):
        self.decoder = mlp(tuple(hidden)[::-1], int(np.prod(self.event_shape)), activation, name="decoder")

    def decoder_logits(self, z) -> tf.Tensor:
        """Logits η_θ(z) with shape z.shape[:-1] + image shape (leading sample axes allowed)."""
        flat = self.decoder(tf.reshape(z, [-1, tf.shape(z)[-1]]))
        return tf.reshape(flat, tf.concat([tf.shape(z)[:-1], self.event_shape], axis=0))
