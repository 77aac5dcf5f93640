"""Exercise 2.5, the VAE's train_step in Keras: the check trains what students write and names their slips exactly.

Each wrong train_step below is written as a student would write it; the test asserts the exact diagnosis.
"""
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import exercises as ex

tfd = tfp.distributions


def step_with(loss_of, returned=lambda loss: {"loss": loss}, apply=True):
    """A train_step whose loss is ``loss_of(p(x | z), x, KL per image)``."""
    def train_step(self, x):
        with tf.GradientTape() as tape:
            q = self.encode(x)
            z = q.sample()
            loss = loss_of(self.decode(z), x, tfd.kl_divergence(q, self.prior))
        grads = tape.gradient(loss, self.trainable_variables)
        if apply:
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return returned(loss)
    return train_step


def own_noise(self, x):
    """Right, with ε drawn by hand instead of q.sample(): other draws, the same training."""
    with tf.GradientTape() as tape:
        q = self.encode(x)
        mu, sigma = q.distribution.loc, q.distribution.scale
        z = mu + sigma * tf.random.normal(tf.shape(mu))
        loss = -tf.reduce_mean(self.decode(z).log_prob(x) - tfd.kl_divergence(q, self.prior))
    grads = tape.gradient(loss, self.trainable_variables)
    self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
    return {"loss": loss}


right = lambda p, x, kl: -tf.reduce_mean(p.log_prob(x) - kl)  # noqa: E731
WRONG = {
    "kl added": (step_with(lambda p, x, kl: -tf.reduce_mean(p.log_prob(x) + kl)),
                 "the KL is added, not subtracted: L = E_q log p(x | z) − KL(q ‖ p(z)), so the loss −L adds it to "
                 "−E_q log p(x | z)"),
    "no kl": (step_with(lambda p, x, kl: -tf.reduce_mean(p.log_prob(x))),
              "the KL term is missing: L = E_q log p(x | z) − KL(q ‖ p(z))"),
    "batch sum": (step_with(lambda p, x, kl: -tf.reduce_sum(p.log_prob(x) - kl)),
                  "the loss is summed over the batch: average it (tf.reduce_mean), so its size does not depend on the "
                  "batch size"),
    "pixel mean": (step_with(lambda p, x, kl: -tf.reduce_mean(p.distribution.log_prob(x)) + tf.reduce_mean(kl)),
                   "the reconstruction is averaged over the pixels: log p(x | z) sums over the 784 pixels "
                   "(tfd.Independent(..., 2) does it), so the KL weighs 784 times too much and the codes collapse "
                   "onto the prior"),
    "returns the elbo": (step_with(right, returned=lambda loss: {"loss": -loss}),
                         "that is the ELBO L, not the loss −L: the optimizer makes the loss smaller, and L should grow"),
    "minimises the elbo": (step_with(lambda p, x, kl: tf.reduce_mean(p.log_prob(x) - kl)),
                           "that is the ELBO L, not the loss −L: the optimizer makes the loss smaller, and L should "
                           "grow"),
    "elbo key": (step_with(right, returned=lambda loss: {"elbo": -loss}),
                 "return the loss under the name 'loss', {'loss': loss}; yours returned the keys ['elbo']"),
    "tensor": (step_with(right, returned=lambda loss: loss),
               "train_step returns a dict of the numbers Keras shows, {'loss': loss}; yours returned EagerTensor"),
    "per image": (step_with(lambda p, x, kl: -(p.log_prob(x) - kl)),
                  "the loss has shape (32,), one value per image: average −L over the batch (tf.reduce_mean) to get "
                  "one number"),
    "no update": (step_with(right, apply=False),
                  "the weights did not change in 300 steps: apply the gradients, "
                  "self.optimizer.apply_gradients(zip(grads, self.trainable_variables))"),
}


def test_the_reference_and_a_right_answer_with_its_own_noise_pass(capsys):
    assert ex.check_train_step(ex.ref_train_step)
    result = ex.check_train_step(own_noise)
    assert result and result.diagnosis.startswith("trains like the reference: after 300 steps its loss is ")
    assert "train_step: correct, trains like the reference" in capsys.readouterr().out


def test_the_class_or_a_bound_method_is_accepted():
    cls = type("Mine", (ex._scratch_vae_class(),), {"train_step": own_noise})
    assert ex.check_train_step(cls)
    assert ex.check_train_step(cls(2, 8).train_step)


@pytest.mark.parametrize("label", list(WRONG))
def test_plausible_wrong_train_steps_get_the_exact_diagnosis(label):
    wrong, diagnosis = WRONG[label]
    result = ex.check_train_step(wrong)
    assert not result
    assert result.diagnosis == diagnosis


def test_the_check_leaves_the_notebooks_random_draws_alone():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    ex.check_train_step(ex.ref_train_step)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_an_error_in_the_students_code_is_reported():
    def train_step(self, x):
        return {"loss": self.undefined_attribute}

    result = ex.check_train_step(train_step)
    assert not result and result.diagnosis == "raised AttributeError"
