"""The one ``fit``: several steps per call of Keras' compiled loop give the same steps and results as one
per call; the seed set before building a model fixes its run; one set of defaults."""
import inspect

import keras
import numpy as np
import pytest

import vae_tf
from vae_tf.cache.training import largest_divisor
from vae_tf.data import DEFAULT_BATCH_SIZE, make_dataset
from vae_tf.semisupervised import semisupervised_dataset


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
    keras.utils.set_random_seed(0)
    fast = vae_tf.VAE(latent_dim=4, hidden=(32,))
    fast.fit(x, epochs=2, batch_size=16, verbose=0)
    keras.utils.set_random_seed(0)                      # the same start by hand, one step per call
    one = vae_tf.VAE(latent_dim=4, hidden=(32,))
    one.compile(optimizer=vae_tf.trainer.default_optimizer(), steps_per_execution=1)
    history = keras.Model.fit(one, make_dataset(x, batch_size=16, seed=0), epochs=2, steps_per_epoch=steps,
                              shuffle=False, verbose=0)
    assert fast.steps_per_execution == largest_divisor(steps) > 1
    assert int(one.optimizer.iterations.numpy()) == int(fast.optimizer.iterations.numpy()) == 2 * steps
    np.testing.assert_allclose(history.history["loss"], fast.history.history["loss"], rtol=1e-6)
    for a, b in zip(one.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_seed_set_before_the_constructor_fixes_the_run(small_mnist):
    x = small_mnist.x_train[:200]

    def run(seed):
        keras.utils.set_random_seed(seed)
        model = vae_tf.VAE(latent_dim=3, hidden=(16,))
        model.fit(x, epochs=1, batch_size=50, verbose=0)
        return model.get_weights()

    first, again, other = run(5), run(5), run(6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_one_set_of_defaults():
    """The batch size and binarization defaults of every fit and pipeline are the same."""
    fits = [vae_tf.VAE.fit, vae_tf.SemiSupervisedVAE.fit, vae_tf.Classifier.fit, vae_tf.Autoencoder.fit]
    assert len({f for f in fits}) == 1                        # one fit, inherited by every model
    for fn in (make_dataset, semisupervised_dataset):
        assert inspect.signature(fn).parameters["batch_size"].default == DEFAULT_BATCH_SIZE
    assert inspect.signature(vae_tf.VAE.fit).parameters["binarize"].default == "auto"
    assert vae_tf.VAE()._binarize("auto") == "dynamic"
    assert vae_tf.SemiSupervisedVAE(inputs="features")._binarize("auto") is None
