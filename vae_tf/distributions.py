"""The distributions the models are made of, each defined once.

- the prior p(z) = Normal(0, I);
- a diagonal Normal q_φ(z | ·) = Normal(μ, diag σ²) from a network's outputs [μ, s], with
  σ = softplus(s) + 10⁻⁴ (positive, and never so small that log q overflows);
- the image likelihood p_θ(x | ·) = Π_i Bernoulli(x_i; sigmoid(η_i)), one logit η_i per pixel.
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions

SCALE_FLOOR = 1e-4


def standard_normal(latent_dim: int, name: str = "prior") -> tfd.Distribution:
    """p(z) = Normal(0, I) with event shape [latent_dim]."""
    zeros = tf.zeros(int(latent_dim))
    return tfd.Independent(tfd.Normal(zeros, tf.ones_like(zeros)), reinterpreted_batch_ndims=1, name=name)


def diagonal_normal(params, name: str = "q") -> tfd.Distribution:
    """Normal(μ, diag σ²) from ``params`` = [μ, s] along the last axis, σ = softplus(s) + 10⁻⁴."""
    loc, raw_scale = tf.split(params, 2, axis=-1)
    return tfd.Independent(tfd.Normal(loc, tf.nn.softplus(raw_scale) + SCALE_FLOOR), reinterpreted_batch_ndims=1,
                           name=name)


def bernoulli_images(logits, image_ndims: int, name: str = "p_x") -> tfd.Distribution:
    """Π_i Bernoulli(x_i; sigmoid(logits_i)): the last ``image_ndims`` axes of ``logits`` are one image."""
    return tfd.Independent(tfd.Bernoulli(logits=logits, dtype=tf.float32), reinterpreted_batch_ndims=int(image_ndims),
                           name=name)
