"""MLP building blocks: h = σ(W x + b) layers followed by a linear output layer.

Input sizes are inferred from the data when a network is first called; only the
output size is given, so no model hard-codes 784 or 28×28.
"""
from __future__ import annotations

from collections.abc import Sequence

import keras


def mlp(hidden: Sequence[int], out_units: int, activation: str = "relu", name: str | None = None,
        dropout: float = 0.0) -> keras.Sequential:
    """Flatten, then ``h = σ(W h + b)`` for each size in ``hidden``, then a linear ``W' h + b'``.

    The final layer is linear: its output is a code z (encoder) or logits / distribution
    parameters (decoder, inference network); the model turns it into a distribution.
    ``dropout`` > 0 adds a Dropout layer after each hidden layer (active only with training=True).
    """
    hidden = tuple(int(h) for h in hidden)
    if any(h <= 0 for h in hidden) or int(out_units) <= 0:
        raise ValueError(f"hidden={hidden} and out_units={out_units} must be positive sizes")
    layers = [keras.layers.Flatten()]
    for h in hidden:
        layers.append(keras.layers.Dense(h, activation=activation))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(int(out_units)))
    return keras.Sequential(layers, name=name)

