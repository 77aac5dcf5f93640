"""Every exercise check passes the reference, fails a stub, and names plausible slips."""
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import exercises as ex

ALL = [(nb, name, check, ref) for nb, table in ex.EXERCISES.items() for name, (check, ref) in table.items()]
IDS = [name for _, name, _, _ in ALL]


@pytest.mark.parametrize("notebook, name, check, reference", ALL, ids=IDS)
def test_reference_passes_and_stub_fails(notebook, name, check, reference, capsys):
    assert check(reference)
    assert "✔" in capsys.readouterr().out

    def stub(*args):
        raise NotImplementedError("write the equation above")
    result = check(stub)
    assert not result and "not implemented yet" in result.message
    assert "✘" in capsys.readouterr().out


def test_three_exercises_per_notebook():
    assert len(ex.EXERCISES) == 5 and all(len(t) >= 3 for t in ex.EXERCISES.values())


# plausible wrong answers, and what the check must say about them
WRONG = [
    (ex.check_binary_cross_entropy, lambda x, l: np.mean(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1),
     "factor of the number of pixels"),
    (ex.check_binary_cross_entropy, lambda x, l: np.mean(np.sum(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1)),
     "shape ()"),
    (ex.check_binary_cross_entropy, lambda x, l: -np.sum(x * np.log(1 / (1 + np.exp(-l))) + (1 - x) * np.log(1 - 1 / (1 + np.exp(-l))), -1),
     "numerically unstable"),  # log(1 − sigmoid) loses precision in float32, and overflows at ±60
    (ex.check_encoder_forward, lambda x, W, b, W2, b2: np.maximum(x @ W + b, 0) @ W2 + b2, "sigmoid"),
    (ex.check_decoder_forward, lambda z, V, c, V2, c2: 1 / (1 + np.exp(-z @ V - c)) @ V2 + c2, "logits"),
    (ex.check_gaussian_kl, lambda m, s: -0.5 * np.sum(m**2 + s**2 - 1 - np.log(s**2), -1), "wrong sign"),
    (ex.check_gaussian_kl, lambda m, s: 0.5 * np.mean(m**2 + s**2 - 1 - np.log(s**2), -1), "latent size"),
    (ex.check_elbo, lambda x, l, m, s: -ex.ref_binary_cross_entropy(x, l) + ex.ref_gaussian_kl(m, s), "subtracted"),
    (ex.check_elbo, lambda x, l, m, s: -ex.ref_binary_cross_entropy(x, l), "KL term is missing"),
    (ex.check_iwae, lambda lw: np.log(np.mean(np.exp(lw), axis=0)), "NaN or inf"),  # underflow without logsumexp
    (ex.check_iwae, lambda lw: lw.mean(0), "ELBO"),
    (ex.check_reparameterized_sample, lambda m, s, e: m + s**2 * e, "variance"),
    (ex.check_score_function_gradient, lambda f, z, m, s: np.sum(f * (z - m) / s**2, 0), "number of samples"),
    (ex.check_score_function_gradient, lambda f, z, m, s: np.mean(f * (z - m) / s, 0), "(z − μ)/σ²"),
    (ex.check_leave_one_out_baseline, lambda f: np.broadcast_to(f.mean(0, keepdims=True), f.shape), "including z_s"),
    (ex.check_categorical_entropy, lambda p: -np.sum(p * np.log(p), -1), "NaN"),  # 0 log 0
    (ex.check_unlabeled_bound, lambda L, p: np.sum(p * L, -1), "entropy term H(q(y | x)) is missing"),
    (ex.check_unlabeled_bound, lambda L, p: np.mean(p * L, -1) - np.mean(p * np.log(p), -1), "number of classes"),
    (ex.check_m2_loss, lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.sum()), "batch size"),
    (ex.check_m2_loss, lambda lb, ub, lq, a: -(lb.sum() + ub.sum()) / (len(lb) + len(ub)), "missing"),
    (ex.check_total_correlation, lambda p, n: -ex.ref_total_correlation(p, n), "sign"),
    (ex.check_total_correlation, lambda p, n: np.mean(
        np.logaddexp.reduce(p.sum(-1), 1) - np.logaddexp.reduce(p, 1).sum(-1)), "importance weights"),
    (ex.check_beta_vae_loss, lambda r, k, b: np.mean(k - b * r), "β weighs the KL"),
    (ex.check_beta_vae_loss, lambda r, k, b: np.sum(b * k - r), "batch size"),
    (ex.check_mig, lambda mi, h: np.mean(np.sort(mi, 1)[:, -1] - np.sort(mi, 1)[:, -2]), "entropy"),
]


@pytest.mark.parametrize("check, wrong, says", WRONG, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(WRONG)])
def test_plausible_wrong_answers_fail_and_say_what_differs(check, wrong, says):
    with np.errstate(all="ignore"):
        result = check(wrong)
    assert not result
    assert says in result.message, result.message


def test_checks_accept_tensorflow_answers():
    """Students may write TensorFlow: tensors are compared like arrays."""
    def kl_tf(mu, sigma):
        q = tfp.distributions.Normal(tf.constant(mu), tf.constant(sigma))
        return tf.reduce_sum(tfp.distributions.kl_divergence(q, tfp.distributions.Normal(0.0, 1.0)), -1)
    assert ex.check_gaussian_kl(kl_tf)
    assert ex.check_iwae(lambda lw: tf.reduce_logsumexp(lw, 0) - tf.math.log(float(lw.shape[0])))


def test_the_reference_total_correlation_matches_the_package(small_mnist):
    """The exercise's estimator is the one DecomposedVAE trains with."""
    import vae_tf
    from vae_tf import disentangle

    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=3, hidden=(16,))
    x = vae_tf.data.binarize_fixed(small_mnist.x_test[:32], 0)
    q = model.encode(x)
    z = q.sample()
    parts = disentangle.decomposed_kl(q, z, model.prior, dataset_size=8000)
    pairs = tfp.distributions.Normal(q.distribution.loc[None], q.distribution.scale[None]).log_prob(z[:, None, :])
    np.testing.assert_allclose(ex.ref_total_correlation(pairs.numpy().astype(np.float64), 8000), parts["tc"], rtol=1e-3, atol=1e-3)


def test_a_student_answer_that_raises_is_reported():
    result = ex.check_mig(lambda mi, h: mi.undefined_attribute)
    assert not result and "AttributeError" in result.message
