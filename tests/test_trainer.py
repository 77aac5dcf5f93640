"""Several training steps per call of Keras' compiled loop: the same steps and results as one per call."""
import numpy as np
import pytest

import vae_tf
from vae_tf.trainer import steps_per_execution


def test_steps_per_execution_is_the_largest_divisor_up_to_the_limit():
    assert steps_per_execution(63) == 21          # 8,000 images in batches of 128
    assert steps_per_execution(469) == 7          # 60,000 images in batches of 128
    assert steps_per_execution(160) == 32
    assert steps_per_execution(67) == 1           # a prime: one step per call
    assert steps_per_execution(5) == 5
    for steps in range(1, 200):
        chosen = steps_per_execution(steps)
        assert steps % chosen == 0 and chosen <= 32
        assert not any(steps % d == 0 for d in range(chosen + 1, min(steps, 32) + 1))
    with pytest.raises(ValueError, match="steps=0"):
        steps_per_execution(0)


def _train(x, steps_per_execution_setting, epochs=2):
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=4, hidden=(32,))
    model.compile(optimizer=vae_tf.trainer.default_optimizer(), steps_per_execution=steps_per_execution_setting)
    history = model.fit(x, epochs=epochs, batch_size=16, seed=0, verbose=0, validation_data=x[:40])
    return model, history.history


@pytest.mark.parametrize("n_images", [16 * 21, 16 * 13 + 5])  # 21 steps (3 calls of 7), 14 steps (2 calls of 7)
def test_auto_steps_per_execution_trains_exactly_the_steps_of_one_per_call(small_mnist, n_images):
    x = small_mnist.x_train[:n_images]
    steps = -(-n_images // 16)
    one, history_one = _train(x, 1)
    auto, history_auto = _train(x, "auto")
    assert one.steps_per_execution == 1 and auto.steps_per_execution == steps_per_execution(steps) > 1
    assert int(one.optimizer.iterations.numpy()) == int(auto.optimizer.iterations.numpy()) == 2 * steps
    assert history_one == history_auto
    for a, b in zip(one.get_weights(), auto.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_fixed_count_that_does_not_divide_the_epoch_overruns_it(small_mnist):
    """Why "auto" picks a divisor: Keras runs whole calls, so 5 per call on 14 steps trains 15 an epoch."""
    x = small_mnist.x_train[:16 * 13 + 5]
    model, _ = _train(x, 5, epochs=1)
    assert int(model.optimizer.iterations.numpy()) == 15


def test_evaluate_on_a_repeating_pipeline_counts_each_batch_once(small_mnist):
    x = small_mnist.x_train[:16 * 14]
    model, _ = _train(x, "auto", epochs=1)
    model.steps_per_execution, model.test_function = 5, None  # as another fit could leave it: 15 steps per 14
    repeating = vae_tf.make_dataset(x, batch_size=16, seed=3, binarize=None)  # shuffled, repeats; 14 steps a pass
    once = vae_tf.make_dataset(x, batch_size=16, binarize=None, shuffle=False)  # finite: each image once
    kl_repeating = model.evaluate(repeating, verbose=0, return_dict=True)["kl"]
    assert model.steps_per_execution == 14
    # the KL term is deterministic in x: the same 224 images once each give the same mean
    assert kl_repeating == pytest.approx(model.evaluate(once, verbose=0, return_dict=True)["kl"], rel=1e-5)


def test_asking_for_xla_under_op_determinism_warns_that_keras_declines_it():
    import warnings

    from tensorflow.python.framework import config as tf_config

    vae_tf.set_seed(0)                                   # turns op determinism on
    model = vae_tf.VAE(latent_dim=2, hidden=(8,))
    with pytest.warns(RuntimeWarning, match="jit_compile=True: Keras trains without XLA"):
        model.compile(optimizer="adam", jit_compile=True)
    assert model.jit_compile is False                    # what Keras did: the warning tells the truth
    try:
        vae_tf.set_seed(0, deterministic=False)
        assert not tf_config.is_op_determinism_enabled()
        model = vae_tf.VAE(latent_dim=2, hidden=(8,))
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            model.compile(optimizer="adam", jit_compile=True)
        assert model.jit_compile is True
    finally:
        vae_tf.set_seed(0)
    assert tf_config.is_op_determinism_enabled()
