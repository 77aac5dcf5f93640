"""Training through fit_or_load runs several steps per call of Keras' compiled loop: the same steps and
results as one step per call, and a seed alone fixes the starting point."""
import numpy as np
import pytest

import vae_tf
from vae_tf.cache.training import largest_divisor


def test_largest_divisor_divides_the_epoch_and_no_larger_one_up_to_the_limit_does():
    assert largest_divisor(469) == 7          # 60,000 images in batches of 128
    assert largest_divisor(67) == 1           # a prime: one step per call
    for steps in range(1, 200):
        chosen = largest_divisor(steps)
        assert steps % chosen == 0 and chosen <= 32
        assert not any(steps % d == 0 for d in range(chosen + 1, min(steps, 32) + 1))
    with pytest.raises(ValueError, match="steps"):
        largest_divisor(0)


@pytest.mark.parametrize("n_images", [16 * 21, 16 * 13 + 5])  # 21 steps (3 calls of 7), 14 steps (2 calls of 7)
def test_several_steps_per_call_train_exactly_the_steps_of_one_per_call(small_mnist, n_images):
    x = small_mnist.x_train[:n_images]
    steps = -(-n_images // 16)
    fast = vae_tf.fit_or_load(vae_tf.VAE(latent_dim=4, hidden=(32,)), x, epochs=2, seed=0, batch_size=16,
                              cache_dir="off", verbose=-1)
    vae_tf.set_seed(0)                      # the same start by hand: seed, build, one step per call
    one = vae_tf.VAE(latent_dim=4, hidden=(32,))
    one.compile(optimizer=vae_tf.trainer.default_optimizer(), steps_per_execution=1)
    history = one.fit(x, epochs=2, batch_size=16, seed=0, verbose=0)
    assert fast.steps_per_execution == largest_divisor(steps) > 1
    assert int(one.optimizer.iterations.numpy()) == int(fast.optimizer.iterations.numpy()) == 2 * steps
    np.testing.assert_allclose(history.history["loss"], fast.history.history["loss"], rtol=1e-6)
    for a, b in zip(one.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_fixed_count_that_does_not_divide_the_epoch_overruns_it(small_mnist):
    """Why a divisor: Keras runs whole calls, so 5 per call on 14 steps trains 15 an epoch."""
    x = small_mnist.x_train[:16 * 13 + 5]
    model = vae_tf.VAE(latent_dim=4, hidden=(32,))
    model.compile(optimizer="adam", steps_per_execution=5)
    model.fit(x, epochs=1, batch_size=16, seed=0, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 15


def test_the_seed_fixes_the_start_whatever_the_model_went_through_before(small_mnist):
    x = small_mnist.x_train[:200]
    fresh = vae_tf.fit_or_load(vae_tf.VAE(latent_dim=3, hidden=(16,)), x, epochs=1, seed=5, batch_size=50,
                               cache_dir="off", verbose=-1)
    used = vae_tf.VAE(latent_dim=3, hidden=(16,))
    used.fit(x, epochs=2, batch_size=50, seed=9, verbose=0)        # trained already, another optimizer state
    used = vae_tf.fit_or_load(used, x, epochs=1, seed=5, batch_size=50, cache_dir="off", verbose=-1)
    for a, b in zip(fresh.get_weights(), used.get_weights()):
        np.testing.assert_array_equal(a, b)
    other = vae_tf.fit_or_load(vae_tf.VAE(latent_dim=3, hidden=(16,)), x, epochs=1, seed=6, batch_size=50,
                               cache_dir="off", verbose=-1)
    assert not np.array_equal(other.get_weights()[0], fresh.get_weights()[0])
