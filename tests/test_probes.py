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
