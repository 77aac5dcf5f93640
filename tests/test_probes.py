import numpy as np
import pytest

from vae_tf.probes import linear_probe_accuracy


def test_probe_reads_an_informative_code_and_not_noise():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 2000)
    centres = rng.normal(size=(10, 5)) * 3
    informative = centres[y] + rng.normal(size=(2000, 5))
    noise = rng.normal(size=(2000, 5))
    good = linear_probe_accuracy(informative[:1500], y[:1500], informative[1500:], y[1500:])
    chance = linear_probe_accuracy(noise[:1500], y[:1500], noise[1500:], y[1500:])
    assert good > 0.9
    assert chance < 0.2


def test_probe_checks_shapes():
    with pytest.raises(ValueError, match="same D"):
        linear_probe_accuracy(np.zeros((4, 2)), np.zeros(4, int), np.zeros((4, 3)), np.zeros(4, int))


def test_the_probe_leaves_the_global_random_state_alone():
    import random

    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(60, 3)).astype(np.float32), np.arange(60) % 3

    def draws():
        return random.random(), np.random.rand(), float(keras.random.uniform(()).numpy())

    keras.utils.set_random_seed(7)
    expected = draws()
    keras.utils.set_random_seed(7)
    accuracy = linear_probe_accuracy(z, y, z, y, epochs=2, seed=3)
    assert draws() == expected and 0 <= accuracy <= 1
    assert linear_probe_accuracy(z, y, z, y, epochs=2, seed=3) == accuracy   # its own seed still fixes it
    del tf
