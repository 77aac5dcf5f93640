"""Every exercise check passes the reference, fails a stub, and names the slips students write, exactly.

The wrong answers below are written as a student would write them (small functions); each test
asserts the exact diagnosis the check gives. A slip is only named when an input tells it apart:
``test_every_slip_is_told_apart_by_an_input`` keeps every listed slip distinguishable.
"""
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import exercises as ex

ALL = [(nb, name, check, ref) for nb, table in ex.EXERCISES.items() for name, (check, ref) in table.items()]
IDS = [name for _, name, _, _ in ALL]
lse = np.logaddexp.reduce


@pytest.mark.parametrize("notebook, name, check, reference", ALL, ids=IDS)
def test_reference_passes_and_stub_fails(notebook, name, check, reference, capsys):
    assert check(reference)
    assert ": correct, " in capsys.readouterr().out

    def stub(*args):
        raise NotImplementedError("write the equation above")
    result = check(stub)
    assert not result and result.diagnosis == "not implemented yet" and "write the equation above" in result.message
    assert ": not yet: " in capsys.readouterr().out


def test_four_exercises_per_notebook_one_to_think():
    assert len(ex.EXERCISES) == 5 and all(len(t) >= 4 for t in ex.EXERCISES.values())
    for names in ex.EXERCISE_NAMES.values():
        assert any(name in ex.THINK_EXERCISES for name in names)
    assert ex.EXERCISE_NUMBERS["categorical_entropy"] == "4.1" and ex.EXERCISE_NUMBERS["best_classifier"] == "4.4"


@pytest.mark.parametrize("name", sorted(ex.SPECS))
def test_every_slip_is_told_apart_by_an_input(name):
    """Each slip differs from the reference, and from every other slip, on at least one ordinary input."""
    spec = ex.SPECS[name]
    with np.errstate(all="ignore"):
        outputs = [[np.asarray(f(*args), float) for args in spec.cases]
                   for f in [spec.reference] + [wrong for _, wrong in spec.slips]]
    labels = ["the reference"] + [d for d, _ in spec.slips]
    for i in range(len(outputs)):
        for j in range(i + 1, len(outputs)):
            same = all(a.shape == b.shape and np.allclose(a, b, rtol=spec.rtol, atol=spec.atol, equal_nan=True)
                       for a, b in zip(outputs[i], outputs[j]))
            assert not same, f"{name}: no input tells apart {labels[i]!r} and {labels[j]!r}"
    # and every extreme input is one where the textbook formula could fail: the reference stays finite there
    for args, note in spec.extreme:
        assert np.all(np.isfinite(spec.reference(*args))), note


def test_a_stub_of_an_earlier_exercise_is_named():
    """4.2 written correctly while 4.1 is still a stub: the check blames 4.1, not 4.2."""
    def categorical_entropy(probs):
        raise NotImplementedError("np.log(0) is -inf and 0 * -inf is nan; only take the log where probs > 0")

    def unlabeled_bound(bounds, probs):
        return np.sum(probs * bounds, axis=-1) + categorical_entropy(probs)

    result = ex.check_unlabeled_bound(unlabeled_bound)
    assert not result
    assert result.diagnosis == ("your unlabeled_bound calls categorical_entropy (exercise 4.1), which is not "
                                "implemented yet: finish exercise 4.1 first")

    def gaussian_kl(mu, sigma):
        raise NotImplementedError("sum over the latent dimensions")

    def elbo(x, logits, mu, sigma):
        return np.sum(-x * np.logaddexp(0, -logits) - (1 - x) * np.logaddexp(0, logits), -1) - gaussian_kl(mu, sigma)

    assert ex.check_elbo(elbo).diagnosis == ("your elbo calls gaussian_kl (exercise 2.1), which is not implemented "
                                             "yet: finish exercise 2.1 first")


def test_run_on_trained_model_names_the_unfinished_exercise(capsys):
    def iwae(log_weights):
        raise NotImplementedError("subtract the largest log-weight")

    def compare():
        return iwae(np.zeros((3, 2)))

    assert ex.run_on_trained_model(compare) is None
    assert capsys.readouterr().out == "finish exercise 2.3 (iwae) first: this cell runs it\n"
    assert ex.run_on_trained_model(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):  # other errors are the student's to see
        ex.run_on_trained_model(lambda: 1 / 0)


# ---------------------------------------------------------------- what students write, and what the check must say
sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
relu = lambda a: np.maximum(a, 0)  # noqa: E731

def w_tc(log_w_fn, naive=False, sum_dims=True):
    def tc(p, n):
        m = p.shape[0]; n = float(n)
        log_w = log_w_fn(m, n)
        if naive:
            qz = np.log(np.sum(np.exp(p.sum(2) + log_w), 1)); qd = np.log(np.sum(np.exp(p + log_w[:, :, None]), 1))
        else:
            qz = lse(p.sum(2) + log_w, axis=1); qd = lse(p + log_w[:, :, None], axis=1)
        return np.mean(qz - qd.sum(1)) if sum_dims else np.mean(qz[:, None] - qd)
    return tc
strat = lambda m, n: np.where(np.eye(m) > 0, -np.log(n), np.log((n - 1) / (n * (m - 1))))

WRONG = [
 ("enc sigmoid", ex.check_encoder_forward, lambda x, W, b, W2, b2: sig(x @ W + b) @ W2 + b2),
 ("dec sigmoid hidden", ex.check_decoder_forward, lambda z, V, c, V2, c2: sig(sig(z @ V + c) @ V2 + c2)),
 ("dec logits", ex.check_decoder_forward, lambda z, V, c, V2, c2: relu(z @ V + c) @ V2 + c2),
 ("bce mean pixels", ex.check_binary_cross_entropy, lambda x, l: np.mean(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1)),
 ("bce batch mean", ex.check_binary_cross_entropy, lambda x, l: np.mean(np.sum(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1))),
 ("bce naive", ex.check_binary_cross_entropy, lambda x, l: -np.sum(x * np.log(sig(l)) + (1 - x) * np.log(1 - sig(l)), -1)),
 ("bce naive eps", ex.check_binary_cross_entropy, lambda x, l: -np.sum(x * np.log(sig(l) + 1e-7) + (1 - x) * np.log(1 - sig(l) + 1e-7), -1)),
 ("bce bits", ex.check_binary_cross_entropy, lambda x, l: np.sum(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1) / np.log(2)),
 ("bce sign", ex.check_binary_cross_entropy, lambda x, l: -np.sum(np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l))), -1)),
 ("const coin", ex.check_constant_decoder_bce, lambda x: x.shape[-1] * np.log(2) * np.ones(len(x))),
 ("const naive", ex.check_constant_decoder_bce, lambda x: -x.shape[-1] * (x.mean(-1) * np.log(x.mean(-1)) + (1 - x.mean(-1)) * np.log(1 - x.mean(-1)))),
 ("const mean pix", ex.check_constant_decoder_bce, lambda x: ex.ref_constant_decoder_bce(x) / x.shape[-1]),
 ("kl sign", ex.check_gaussian_kl, lambda m, s: -0.5 * np.sum(m**2 + s**2 - 1 - np.log(s**2), -1)),
 ("kl mean D", ex.check_gaussian_kl, lambda m, s: 0.5 * np.mean(m**2 + s**2 - 1 - np.log(s**2), -1)),
 ("kl log s", ex.check_gaussian_kl, lambda m, s: 0.5 * np.sum(m**2 + s**2 - 1 - np.log(s), -1)),
 ("kl sigma not sq", ex.check_gaussian_kl, lambda m, s: 0.5 * np.sum(m**2 + s - 1 - np.log(s), -1)),
 ("elbo plus kl", ex.check_elbo, lambda x, l, m, s: -ex.ref_binary_cross_entropy(x, l) + ex.ref_gaussian_kl(m, s)),
 ("elbo naive", ex.check_elbo, lambda x, l, m, s: np.sum(x * np.log(sig(l)) + (1 - x) * np.log(1 - sig(l)), -1) - ex.ref_gaussian_kl(m, s)),
 ("elbo batch mean", ex.check_elbo, lambda x, l, m, s: np.mean(ex.ref_elbo(x, l, m, s))),
 ("iwae naive", ex.check_iwae, lambda lw: np.log(np.mean(np.exp(lw), axis=0))),
 ("iwae elbo", ex.check_iwae, lambda lw: lw.mean(0)),
 ("iwae no logK", ex.check_iwae, lambda lw: lse(lw, axis=0)),
 ("rep var", ex.check_reparameterized_sample, lambda m, s, e: m + s**2 * e),
 ("sf sum", ex.check_score_function_gradient, lambda f, z, m, s: np.sum(f * (z - m) / s**2, 0)),
 ("sf sigma", ex.check_score_function_gradient, lambda f, z, m, s: np.mean(f * (z - m) / s, 0)),
 ("loo S", ex.check_leave_one_out_baseline, lambda f: (f.sum(0, keepdims=True) - f) / f.shape[0]),
 ("ent bits", ex.check_categorical_entropy, lambda p: -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0), -1)),
 ("ent naive", ex.check_categorical_entropy, lambda p: -np.sum(p * np.log(p), -1)),
 ("ent sign", ex.check_categorical_entropy, lambda p: np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), -1)),
 ("ent mean K", ex.check_categorical_entropy, lambda p: -np.mean(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), -1)),
 ("U no H", ex.check_unlabeled_bound, lambda L, p: np.sum(p * L, -1)),
 ("U mean", ex.check_unlabeled_bound, lambda L, p: np.mean(p * L, -1) - np.mean(p * np.log(p), -1)),
 ("m2 group means", ex.check_m2_loss, lambda lb, ub, lq, a: -(np.mean(lb + a * lq) + np.mean(ub))),
 ("m2 alpha mean", ex.check_m2_loss, lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.mean()) / (len(lb) + len(ub))),
 ("m2 sum", ex.check_m2_loss, lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.sum())),
 ("m2 ×2", ex.check_m2_loss, lambda lb, ub, lq, a: -2 * (lb.sum() + ub.sum() + a * lq.sum()) / (len(lb) + len(ub))),
 ("best onehot", ex.check_best_classifier, lambda L: np.eye(L.shape[1])[L.argmax(1)]),
 ("best naive", ex.check_best_classifier, lambda L: np.exp(L) / np.exp(L).sum(1, keepdims=True)),
 ("m2 no labeled L", ex.check_m2_loss, lambda lb, ub, lq, a: (-ub.sum() - a * lq.sum()) / (len(lb) + len(ub))),
 ("m2 alpha on L too", ex.check_m2_loss, lambda lb, ub, lq, a: -a * (lb.sum() + lq.sum()) / (len(lb) + len(ub)) - ub.sum() / (len(lb) + len(ub))),
 ("m2 alpha on L", ex.check_m2_loss, lambda lb, ub, lq, a: -(a * lb.sum() + ub.sum() + lq.sum()) / (len(lb) + len(ub))),
 ("m2 over N_u", ex.check_m2_loss, lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.sum()) / len(ub)),
 ("best global max", ex.check_best_classifier, lambda L: np.exp(L - L.max()) / np.exp(L - L.max()).sum(1, keepdims=True)),
 ("best axis 0", ex.check_best_classifier, lambda L: np.exp(L - L.max(0)) / np.exp(L - L.max(0)).sum(0)),
 ("best sum axis 0", ex.check_best_classifier, lambda L: np.exp(L - L.max(1, keepdims=True)) / np.exp(L - L.max(1, keepdims=True)).sum(0)),
 ("best tf axis 0", ex.check_best_classifier, lambda L: tf.nn.softmax(L, axis=0)),
 ("tc mws", ex.check_total_correlation, w_tc(lambda m, n: np.full((m, m), -np.log(n * m)))),
 ("tc M", ex.check_total_correlation, w_tc(lambda m, n: np.where(np.eye(m) > 0, -np.log(n), np.log((n - 1) / (n * m))))),
 ("tc no sum d", ex.check_total_correlation, w_tc(strat, sum_dims=False)),
 ("tc naive", ex.check_total_correlation, w_tc(strat, naive=True)),
 ("tc sign", ex.check_total_correlation, lambda p, n: -ex.ref_total_correlation(p, n)),
 ("tc lse axis 0", ex.check_total_correlation, lambda p, n: np.mean(
     lse(p.sum(2) + strat(len(p), n), axis=0) - lse(p + strat(len(p), n)[:, :, None], axis=0).sum(1))),
 ("tc lse axis 0 joint", ex.check_total_correlation, lambda p, n: np.mean(
     lse(p.sum(2) + strat(len(p), n), axis=0) - lse(p + strat(len(p), n)[:, :, None], axis=1).sum(1))),
 ("tc lse axis 0 dims", ex.check_total_correlation, lambda p, n: np.mean(
     lse(p.sum(2) + strat(len(p), n), axis=1) - lse(p + strat(len(p), n)[:, :, None], axis=0).sum(1))),
 ("tc sum i", ex.check_total_correlation, lambda p, n: np.sum(
     lse(p.sum(2) + strat(len(p), n), axis=1) - lse(p + strat(len(p), n)[:, :, None], axis=1).sum(1))),
 ("beta both", ex.check_beta_vae_loss, lambda r, k, b: np.mean(b * (k - r))),
 ("beta recon", ex.check_beta_vae_loss, lambda r, k, b: np.mean(k - b * r)),
 ("beta sum", ex.check_beta_vae_loss, lambda r, k, b: np.sum(b * k - r)),
 ("mig asc", ex.check_mig, lambda mi, h: np.mean((np.sort(mi, 1)[:, 0] - np.sort(mi, 1)[:, 1]) / h)),
 ("mig noH", ex.check_mig, lambda mi, h: np.mean(np.sort(mi, 1)[:, -1] - np.sort(mi, 1)[:, -2])),
 ("mig sum k", ex.check_mig, lambda mi, h: np.sum((np.sort(mi, 1)[:, -1] - np.sort(mi, 1)[:, -2]) / h)),

]

DIAGNOSES = {
    'enc sigmoid':
        "σ is the model's ReLU, max(0, a), not the sigmoid (networks.mlp: Dense(activation='relu'))",
    'dec sigmoid hidden':
        "the hidden layer's σ is the model's ReLU, not the sigmoid: only the output layer is a sigmoid",
    'dec logits':
        "these are logits: the output layer's sigmoid turns them into pixel probabilities",
    'bce mean pixels':
        'too small by a factor of the number of pixels on every input: a mean over the pixels where the sum belongs',
    'bce batch mean':
        'shape (), expected (6,): an axis is reduced that should stay (e.g. the batch)',
    'bce naive':
        'right on the 4 ordinary inputs, wrong on the extreme input: logits of ±60 (a confident decoder): sigmoid(60) rounds to 1 and log(1 − 1) = −inf; write it from the logits, max(l, 0) − l x + log(1 + exp(−|l|)), which never overflows',
    'bce naive eps':
        'right on the 4 ordinary inputs, wrong on the extreme input: logits of ±60 (a confident decoder): sigmoid(60) rounds to 1 and log(1 − 1) = −inf; write it from the logits, max(l, 0) − l x + log(1 + exp(−|l|)), which never overflows',
    'bce bits':
        'that is the BCE in bits (log base 2); the models work in nats (the natural log)',
    'bce sign':
        'the sign is reversed: a BCE is a positive loss, −Σ [x log x̂ + (1 − x) log(1 − x̂)]',
    'const coin':
        'that is the coin-flip decoder, p = 1/2 (n log 2): the best constant p depends on the image; set the derivative of the BCE with respect to p to zero',
    'const naive':
        'right on the 4 ordinary inputs, wrong on the extreme input: a blank image (every pixel 0): the best p is 0 and its BCE is 0, with 0 log 0 = 0; np.log(0) = −inf and 0 · −inf = nan',
    'const mean pix':
        'too small by a factor of the number of pixels on every input: a mean over the pixels where the sum belongs',
    'kl sign':
        'the sign is reversed: a KL is never negative',
    'kl mean D':
        'too small by a factor of the latent size D on every input: a mean over the latent dimensions where the sum belongs',
    'kl log s':
        'log σ² is the log of the variance: you used log σ',
    'kl sigma not sq':
        'σ (the scale) used where σ² (the variance) belongs, in both σ² and log σ²',
    'elbo plus kl':
        'the KL should be subtracted, not added',
    'elbo naive':
        'right on the 4 ordinary inputs, wrong on the extreme input: logits of ±60 (a confident decoder): sigmoid(60) rounds to 1, so log(1 − sigmoid(60)) = log 0 = −inf; write log sigmoid(l) = −logaddexp(0, −l) and log(1 − sigmoid(l)) = −logaddexp(0, l)',
    'elbo batch mean':
        'shape (), expected (5,): an axis is reduced that should stay (e.g. the batch)',
    'iwae naive':
        "right on the 4 ordinary inputs, wrong on the extreme input: log-weights around −120, like a real image's: in float32 exp(−120) underflows to 0 and the log gives −inf; subtract the largest log-weight before exp (log-sum-exp)",
    'iwae elbo':
        'that is the mean of the log-weights (the ELBO), not the log of the mean weight: the log-sum-exp is missing',
    'iwae no logK':
        'the −log K term is missing (the log of a sum of weights, not of their mean)',
    'rep var':
        'σ² used where σ belongs (the scale, not the variance)',
    'sf sum':
        'too large by a factor of the number of samples S on every input: a sum over the samples where the mean belongs',
    'sf sigma':
        'the score of a Normal is (z − μ)/σ², not (z − μ)/σ: σ² is the variance',
    'loo S':
        'divide by S − 1, the number of other samples, not S: off by one',
    'ent bits':
        'that is the entropy in bits (log base 2); the model works in nats (the natural log)',
    'ent naive':
        'right on the 4 ordinary inputs, wrong on the extreme input: probabilities of exactly 0 (a confident classifier): 0 log 0 counts as 0, but np.log(0) = −inf and 0 · −inf = nan; take the log only where q > 0',
    'ent sign':
        'the minus sign is missing: H = −Σ q log q is positive',
    'ent mean K':
        'too small by a factor of the number of classes K on every input: a mean over the classes where the sum belongs',
    'U no H':
        'the entropy term H(q(y | x)) is missing',
    'U mean':
        'too small by a factor of the number of classes K on every input: a mean over the classes where the sum belongs',
    'm2 group means':
        "each group is averaged over its own size: divide the batch's total by B = N_labeled + N_unlabeled, the whole batch",
    'm2 alpha mean':
        "α multiplies only the labeled images' log q(y | x) and that sum is divided by B like the rest: (α/B) Σ_labeled −log q(y | x), not α · mean_labeled inside the bracket",
    'm2 sum':
        'too large by a factor of the batch size B on every input: a sum over the batch where the mean belongs',
    'm2 ×2':
        'every value is 2 times the expected one, on every input: a wrong constant factor',
    'best onehot':
        'one-hot on argmax_y L(x, y) maximises Σ_y q L alone; the entropy H(q) rewards spreading q where the bounds are close: set the derivative of Σ q L + H(q) + λ(Σ q − 1) to zero',
    'best naive':
        "right on the 4 ordinary inputs, wrong on the extreme input: bounds around −150, like a real image's: in float32 exp(−150) underflows to 0 and 0/0 = nan; subtract each image's largest bound before exp (it cancels in the ratio)",
    'm2 no labeled L':
        'the labeled bounds are left out: each labeled image contributes its −L(x, y) as well as α times its −log q(y | x)',
    'm2 alpha on L too':
        'α is applied to L(x, y) too: it weighs only the classification term, (α/B) Σ_labeled −log q(y | x); the labeled bounds count once, like the unlabeled ones',
    'm2 alpha on L':
        'α is applied to L(x, y) instead of −log q(y | x): it weighs the classification term, (α/B) Σ_labeled −log q(y | x); the labeled bounds count once, like the unlabeled ones',
    'm2 over N_u':
        "divided by the number of unlabeled images N_u: divide the batch's total by B = N_labeled + N_unlabeled, the whole batch",
    'best global max':
        "right on the 4 ordinary inputs, wrong on the extreme input: one image's bounds around −90, another's around −400: the largest bound of the whole batch (bounds.max()) leaves the second image 300 nats below it, exp underflows to 0 and 0/0 = nan; subtract each image's own largest bound, bounds.max(axis=-1, keepdims=True)",
    'best axis 0':
        "the softmax runs over axis 0, the images: each image's q(y | x) is a distribution over its digits, the last axis of [batch, K] (axis=-1)",
    'best sum axis 0':
        "normalised over axis 0, the images: each image's q(y | x) sums to 1 over its digits, e.sum(axis=-1, keepdims=True)",
    'best tf axis 0':
        "the softmax runs over axis 0, the images: each image's q(y | x) is a distribution over its digits, the last axis of [batch, K] (axis=-1)",
    'tc mws':
        "those are the minibatch-weighted-sampling weights of Chen et al.'s β-TCVAE, 1/(N M) for every image; this estimator is Esmaeili et al.'s stratified one: 1/N for the sample's own image, (N − 1)/(N (M − 1)) for the others",
    'tc M':
        "off by one: the other images' weight is (N − 1)/(N (M − 1)), with M − 1 (the number of other images), not M",
    'tc no sum d':
        'Σ_d is missing: sum log q(z_id) over the dimensions d before subtracting it from log q(z_i)',
    'tc naive':
        "right on the 4 ordinary inputs, wrong on the extreme input: log q(z_id | x_m) around −1000, as for a trained model's codes far from another image's posterior: exp underflows to 0 and the log gives −inf; use log-sum-exp (np.logaddexp.reduce, or subtract the max before exp)",
    'tc sign':
        'log q(z) should be taken before Σ_d log q(z_d): the sign is reversed',
    'tc lse axis 0':
        'both log-sum-exps run over axis 0, the samples i; q(z_i) and q(z_id) are mixtures over the images m: log_q_pairs[i, m, d] has them on axis 1',
    'tc lse axis 0 joint':
        'the log-sum-exp for log q(z_i) runs over axis 0, the samples i; q(z_i) is a mixture over the images m, axis 1 of log_q_pairs[i, m, d]',
    'tc lse axis 0 dims':
        'the log-sum-exp for log q(z_id) runs over axis 0, the samples i; q(z_id) is a mixture over the images m, axis 1 of log_q_pairs[i, m, d]',
    'tc sum i':
        'too large by a factor of the batch size M on every input: a sum over the samples i where the mean belongs',
    'beta both':
        'β multiplies only the KL: weighing both terms is the plain loss scaled by β',
    'beta recon':
        'β weighs the KL, not the reconstruction',
    'beta sum':
        'too large by a factor of the batch size B on every input: a sum over the batch where the mean belongs',
    'mig asc':
        'np.sort sorts in ascending order: [:, 0] and [:, 1] are the two smallest; the best and the second-best are [:, -1] and [:, -2]',
    'mig noH':
        "normalise each gap by its factor's entropy H(v_k)",
    'mig sum k':
        'too large by a factor of the number of factors K on every input: a sum over the factors k where the mean belongs',
}


@pytest.mark.parametrize("label, check, wrong", WRONG, ids=[label for label, _, _ in WRONG])
def test_plausible_wrong_answers_get_the_exact_diagnosis(label, check, wrong):
    with np.errstate(all="ignore"):
        result = check(wrong)
    assert not result
    assert result.diagnosis == DIAGNOSES[label]
    assert result.message.startswith(result.diagnosis)


def test_scalar_answers_say_what_was_expected_and_got():
    """A scalar answer that matches no listed slip gets the values, not a guessed constant factor."""
    result = ex.check_m2_loss(lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.sum()) / (len(lb) + len(ub)) + 0.01 * len(lb))
    assert result.diagnosis == "values differ"
    assert result.message == "values differ (on ordinary input 1 of 4: expected 99.5381, got 99.5681)"
    # one disagreeing scalar is no evidence of a factor: a ratio is claimed only when three values share it
    result = ex.check_beta_vae_loss(lambda r, k, b: np.mean(b * k - r) * (1.5 if len(r) == 4 else 1.0))
    assert result.diagnosis == "values differ"


def test_choice_questions_explain_right_and_wrong_answers():
    right = ex.check_iwae_against_k(lambda: "c")
    assert right and right.diagnosis.startswith("right: at K = 1 the estimate is a one-sample ELBO")
    wrong = ex.check_duplicated_latent_prediction(lambda: "a")
    assert not wrong and wrong.diagnosis.startswith("not (a): the copy adds no information, but the MIG")
    assert ex.check_constant_shift_prediction(lambda: " B ")  # case and spaces do not matter
    invalid = ex.check_constant_shift_prediction(lambda: "maybe")
    assert not invalid and invalid.diagnosis == "answer with one of the letters 'a', 'b', 'c', 'd'"


def test_checks_accept_tensorflow_answers():
    """Students may write TensorFlow: tensors are compared like arrays."""
    def kl_tf(mu, sigma):
        q = tfp.distributions.Normal(tf.constant(mu), tf.constant(sigma))
        return tf.reduce_sum(tfp.distributions.kl_divergence(q, tfp.distributions.Normal(0.0, 1.0)), -1)
    assert ex.check_gaussian_kl(kl_tf)
    assert ex.check_iwae(lambda lw: tf.reduce_logsumexp(lw, 0) - tf.math.log(float(lw.shape[0])))
    assert ex.check_best_classifier(lambda L: tf.nn.softmax(L, axis=-1))


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


def test_the_exercise_sigma_is_the_models_relu(small_mnist):
    """Exercise 1.1's σ is the autoencoder's own: the reference reproduces Autoencoder.encode from its weights."""
    import vae_tf

    vae_tf.set_seed(0)
    ae = vae_tf.Autoencoder(latent_dim=2, hidden=(16,))
    x = small_mnist.x_test[:8]
    z = ae.encode(x).mean().numpy()
    (W, b), (W2, b2) = [layer.get_weights() for layer in ae.encoder.layers if layer.weights]
    np.testing.assert_allclose(ex.ref_encoder_forward(x.reshape(8, -1), W, b, W2, b2), z, rtol=1e-4, atol=1e-5)
    (V, c), (V2, c2) = [layer.get_weights() for layer in ae.decoder.layers if layer.weights]
    np.testing.assert_allclose(ex.ref_decoder_forward(z, V, c, V2, c2), ae.decode(z).mean().numpy().reshape(8, -1), rtol=1e-4, atol=1e-5)


def test_the_m2_loss_alpha_is_the_models_alpha():
    """Exercise 4.3's loss, with the model's α, is the loss SemiSupervisedVAE trains on (the same draws of z)."""
    from vae_tf import SemiSupervisedVAE

    rng = np.random.default_rng(0)
    x = (rng.random((6, 28, 28)) < 0.3).astype(np.float32)
    y = np.array([3, -1, 5, -1, -1, 0])
    model = SemiSupervisedVAE(latent_dim=2, hidden=(8,), alpha=7.0)
    model(x[:1])
    state = model.noise.state.numpy()
    loss = model.compute_terms(x, y)["loss"].numpy()
    model.noise.state.assign(state)  # the same ε, drawn in the same order: labeled images first
    labeled = model.labeled_bound(x[y >= 0], y[y >= 0]).numpy()
    unlabeled = model.unlabeled_bound(x[y < 0]).numpy()
    log_q_y = model.classify(x[y >= 0]).log_prob(y[y >= 0]).numpy()
    np.testing.assert_allclose(ex.ref_m2_loss(labeled, unlabeled, log_q_y, model.alpha), loss, rtol=1e-5)


def _every_digit(model, x):
    return tf.broadcast_to(tf.range(model.num_classes)[:, None], [model.num_classes, tf.shape(x)[0]])


def _u_tf(weights=lambda q: q.probs_parameter(), entropy=1.0, transpose=True, axis=0, num_samples=1):
    """Exercise 4.5 as a student writes it, with one of its parts changed."""
    def unlabeled_bound_tf(model, x):
        q_y = model.classify(x)
        bounds = model.labeled_bound(x, _every_digit(model, x), num_samples=num_samples)       # [K, batch]
        w = weights(q_y)
        return tf.reduce_sum((tf.transpose(w) if transpose else w) * bounds, axis=axis) + entropy * q_y.entropy()
    return unlabeled_bound_tf


def _u_tf_per_digit(model, x):
    q_y = model.classify(x)
    bounds = tf.stack([model.labeled_bound(x, tf.fill([len(x)], y)) for y in range(model.num_classes)], axis=1)
    return tf.reduce_sum(q_y.probs_parameter() * bounds, axis=1) + q_y.entropy()


def _u_tf_at_mode(model, x):
    q_y = model.classify(x)
    return model.labeled_bound(x, q_y.mode()) + q_y.entropy()


U_TF_WRONG = {
    "the entropy term H(q(y | x)) is missing: q_y.entropy() adds it": _u_tf(entropy=0.0),
    "the entropy should be added: −Σ q log q is positive, you subtracted it": _u_tf(entropy=-1.0),
    "weigh each L(x, y) by q(y | x), not by the prior 1/K": _u_tf(weights=lambda q: tf.fill(tf.shape(q.logits), 0.1)),
    "that is L(x, y) of the classifier's most probable digit, plus H: U sums over every digit, weighted by q(y | x)":
        _u_tf_at_mode,
    "the weights are the logits: weigh L(x, y) by the probabilities q(y | x), q_y.probs_parameter()":
        _u_tf(weights=lambda q: q.logits),
    "the weights are the log-probabilities log q(y | x): weigh L(x, y) by the probabilities, q_y.probs_parameter()":
        _u_tf(weights=lambda q: tf.math.log(q.probs_parameter())),
    "q(y | x) is [batch, K] (probs_parameter()), the bounds of every digit [K, batch] (labeled_bound with labels "
    "[K, batch]): transpose one of them before multiplying": _u_tf(transpose=False),
    "shape (10,), expected (7,): that is one value per digit; sum over the digits y (axis 0 of the [K, batch] bounds), "
    "not the images": lambda model, x: tf.reduce_sum(
        tf.transpose(model.classify(x).probs_parameter()) * model.labeled_bound(x, _every_digit(model, x)), axis=1),
    "a sum over the images: U(x) has one value per image, so sum over the digits y (axis 0 of the [K, batch] bounds)":
        _u_tf(axis=1),
    "equal to model.unlabeled_bound only up to Monte Carlo noise: call model.labeled_bound once, with labels of shape "
    "[K, batch] for every digit and the default num_samples, so that it draws the ε that unlabeled_bound draws":
        _u_tf(num_samples=2),
}


@pytest.mark.parametrize("diagnosis", list(U_TF_WRONG), ids=range(len(U_TF_WRONG)))
def test_unlabeled_bound_tf_names_each_slip(diagnosis):
    """Exercise 4.5, on the check's own small model: each slip gets its message, and the model's random-number
    state is left as it was."""
    model, x = ex._u_tf_model()
    state = model.noise.state.numpy()
    result = ex.check_unlabeled_bound_tf(U_TF_WRONG[diagnosis])
    assert not result and result.diagnosis == diagnosis
    np.testing.assert_array_equal(model.noise.state.numpy(), state)


def test_unlabeled_bound_tf_accepts_a_right_answer_on_a_given_model(small_mnist):
    """A right U(x) passes on a model the notebook gives, with the ten digits in one call or one call per digit."""
    import vae_tf

    vae_tf.set_seed(0)
    model = vae_tf.SemiSupervisedVAE(latent_dim=2, hidden=(16,))
    x = vae_tf.data.binarize_fixed(small_mnist.x_test[:5], 0)
    model(x[:1])
    for right in (ex.ref_unlabeled_bound_tf, _u_tf(), _u_tf_per_digit):
        result = ex.check_unlabeled_bound_tf(right, model, x)
        assert result and "same draws of ε" in result.message
    assert ex.check_unlabeled_bound_tf(_u_tf(entropy=0.0), model, x).diagnosis == (
        "the entropy term H(q(y | x)) is missing: q_y.entropy() adds it")


def test_a_student_answer_that_raises_is_reported():
    result = ex.check_mig(lambda mi, h: mi.undefined_attribute)
    assert not result and result.diagnosis == "raised AttributeError"
