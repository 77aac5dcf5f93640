"""Self-checks for the exercises: ``check_<exercise>(student_fn)`` prints a pass or what differs.

Each check calls the student's function on several random inputs and compares it with the
reference implementation (the equation in its docstring). A failure names what differs, the
shape, the sign, a constant factor (the batch size, the number of pixels: a mean where a sum
belongs), or a known slip (a missing term), without printing the solution. Each check returns
a :class:`CheckResult`, true when it passed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.message}"


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _lse(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def _numpy(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


# the student's function gets float32 copies (what the notebooks' tensors hold); the reference runs in float64


def _check(name: str, student: Callable, reference: Callable, cases: Sequence[tuple],
           factors: dict[str, Callable[[tuple], float]] | None = None,
           slips: Sequence[tuple[str, Callable]] = (), rtol: float = 1e-4, atol: float = 1e-4) -> CheckResult:
    """Run ``student`` and ``reference`` on every case and explain the first difference."""
    def report(passed, message):
        result = CheckResult(name, passed, message)
        print(("✔ " if passed else "✘ ") + f"{name}: {message}")
        return result

    for i, args in enumerate(cases):
        want = _numpy(reference(*args))
        try:
            got = student(*[a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args])  # as in the notebooks
        except NotImplementedError as err:
            return report(False, f"not implemented yet ({err})" if str(err) else "not implemented yet")
        except Exception as err:  # noqa: BLE001 - the student's code may raise anything
            return report(False, f"raised {type(err).__name__}: {err}")
        try:
            got = _numpy(got)
        except (TypeError, ValueError) as err:
            return report(False, f"returned {type(got).__name__}, which is not an array of numbers ({err})")
        if got.shape != want.shape:
            hint = ""
            if got.ndim < want.ndim:
                hint = " (did you reduce over an axis that should stay, e.g. average over the batch?)"
            elif got.ndim > want.ndim:
                hint = " (an axis is not summed or averaged yet)"
            return report(False, f"shape {got.shape}, expected {want.shape}{hint}")
        if not np.all(np.isfinite(got)):
            return report(False, "the result contains NaN or inf (a log of 0? an exp that overflows?)")
        if np.allclose(got, want, rtol=rtol, atol=atol):
            continue
        for slip, wrong in slips:
            if np.allclose(got, _numpy(wrong(*args)), rtol=rtol, atol=atol):
                return report(False, slip)
        if np.allclose(got, -want, rtol=rtol, atol=atol):
            return report(False, "right magnitude, wrong sign")
        nonzero = np.abs(want) > 1e-8
        if nonzero.any():
            ratio = got[nonzero] / want[nonzero]
            if np.allclose(ratio, 1.0, rtol=2e-2):
                err = np.abs(got - want)
                return report(False, f"close, but off by up to {err.max():.3g}: a numerically unstable formula? "
                                     "(work with logits and log-sum-exp / softplus forms, not exp then log)")
            if np.allclose(ratio, ratio.flat[0], rtol=1e-3):
                r = float(ratio.flat[0])
                for label, factor in (factors or {}).items():
                    f = float(factor(args))
                    if np.isclose(r, 1 / f, rtol=1e-3):
                        return report(False, f"too small by a factor of {label} ({f:g}): a mean where a sum belongs?")
                    if np.isclose(r, f, rtol=1e-3):
                        return report(False, f"too large by a factor of {label} ({f:g}): a sum where a mean belongs?")
                return report(False, f"off by a constant factor of {r:.4g}")
            offset = got - want
            if np.allclose(offset, offset.flat[0], rtol=1e-3, atol=atol):
                return report(False, f"off by a constant {float(offset.flat[0]):.4g} (a missing or extra constant term?)")
        err = np.abs(got - want)
        return report(False, f"values differ on random case {i + 1}: largest difference {err.max():.3g} "
                             f"({(err > atol + rtol * np.abs(want)).mean():.0%} of entries)")
    return report(True, f"matches the reference on {len(cases)} random cases")


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 01: autoencoder
def ref_encoder_forward(x, W, b, W2, b2):
    """h = σ(W x + b), z = W' h + b' (row-vector convention: x @ W)."""
    return _sigmoid(x @ W + b) @ W2 + b2


def ref_binary_cross_entropy(x, logits):
    """BCE(x, x̂) = −Σ_i [x_i log x̂_i + (1 − x_i) log(1 − x̂_i)], x̂ = sigmoid(logits), per image."""
    return np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)


def ref_decoder_forward(z, V, c, V2, c2):
    """x̂ = sigmoid(V' σ(V z + c) + c'): pixel probabilities."""
    return _sigmoid(_sigmoid(z @ V + c) @ V2 + c2)


def _mlp_cases(inputs, hidden, outputs, n=4):
    rng = _rng(1)
    return [(rng.normal(size=(5, inputs)), rng.normal(size=(inputs, hidden)) * 0.3, rng.normal(size=hidden),
             rng.normal(size=(hidden, outputs)) * 0.3, rng.normal(size=outputs)) for _ in range(n)]


def check_encoder_forward(fn) -> CheckResult:
    """``fn(x, W, b, W2, b2)`` → codes z, shape [batch, D]."""
    no_hidden_bias = lambda x, W, b, W2, b2: _sigmoid(x @ W) @ W2 + b2  # noqa: E731
    relu = lambda x, W, b, W2, b2: np.maximum(x @ W + b, 0) @ W2 + b2  # noqa: E731
    squashed = lambda x, W, b, W2, b2: _sigmoid(_sigmoid(x @ W + b) @ W2 + b2)  # noqa: E731
    return _check("encoder_forward", fn, ref_encoder_forward, _mlp_cases(12, 7, 3),
                  slips=[("the hidden layer's bias b is missing", no_hidden_bias),
                         ("the hidden activation should be the sigmoid σ, not ReLU", relu),
                         ("z is linear in h: no sigmoid on the output layer", squashed)])


def check_decoder_forward(fn) -> CheckResult:
    """``fn(z, V, c, V2, c2)`` → pixel probabilities x̂, shape [batch, pixels]."""
    logits = lambda z, V, c, V2, c2: _sigmoid(z @ V + c) @ V2 + c2  # noqa: E731
    return _check("decoder_forward", fn, ref_decoder_forward, _mlp_cases(3, 7, 12),
                  slips=[("these are logits: squash the output with the sigmoid to get probabilities", logits)])


def check_binary_cross_entropy(fn) -> CheckResult:
    """``fn(x, logits)`` → BCE per image in nats, shape [batch]; x in {0, 1}, logits any real."""
    rng = _rng(2)
    cases = [((rng.random((6, 20)) < 0.3).astype(float), rng.normal(size=(6, 20)) * 4) for _ in range(4)]
    cases.append((np.ones((2, 5)), np.array([[60.0, -60, 0, 5, -5]] * 2)))  # extreme logits stay finite
    return _check("binary_cross_entropy", fn, ref_binary_cross_entropy, cases,
                  factors={"the number of pixels": lambda a: a[0].shape[-1]},
                  slips=[("the (1 − x) log(1 − x̂) term is missing",
                          lambda x, l: -np.sum(x * (l - np.logaddexp(0, l)), axis=-1))])


# --------------------------------------------------------------------------- 02: the VAE
def ref_gaussian_kl(mu, sigma):
    """KL(Normal(μ, diag σ²) ‖ Normal(0, I)) = ½ Σ_d (μ_d² + σ_d² − 1 − log σ_d²), per image."""
    return 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - np.log(sigma**2), axis=-1)


def ref_elbo(x, logits, mu, sigma):
    """L = log p(x | z) − KL(q(z | x) ‖ p(z)) per image: Bernoulli log-likelihood summed over pixels."""
    return -ref_binary_cross_entropy(x, logits) - ref_gaussian_kl(mu, sigma)


def ref_iwae(log_weights):
    """log p(x) ≈ log (1/K) Σ_k w_k = logsumexp_k(log w_k) − log K, per image (axis 0 = K)."""
    return _lse(log_weights, axis=0) - np.log(log_weights.shape[0])


def check_gaussian_kl(fn) -> CheckResult:
    """``fn(mu, sigma)`` → KL per image, shape [batch]."""
    rng = _rng(3)
    cases = [(rng.normal(size=(5, 4)), np.exp(rng.normal(size=(5, 4)) * 0.5)) for _ in range(4)]
    return _check("gaussian_kl", fn, ref_gaussian_kl, cases, factors={"the latent size D": lambda a: a[0].shape[-1]},
                  slips=[("log σ² should be log of the variance: you used log σ",
                          lambda mu, s: 0.5 * np.sum(mu**2 + s**2 - 1 - np.log(s), axis=-1)),
                         ("σ² needed where σ is used", lambda mu, s: 0.5 * np.sum(mu**2 + s - 1 - np.log(s**2), axis=-1))])


def check_elbo(fn) -> CheckResult:
    """``fn(x, logits, mu, sigma)`` → ELBO per image with the analytic KL, shape [batch]."""
    rng = _rng(4)
    cases = [((rng.random((5, 16)) < 0.4).astype(float), rng.normal(size=(5, 16)) * 3, rng.normal(size=(5, 3)),
              np.exp(rng.normal(size=(5, 3)) * 0.4)) for _ in range(4)]
    return _check("elbo", fn, ref_elbo, cases, factors={"the number of pixels": lambda a: a[0].shape[-1]},
                  slips=[("the KL should be subtracted, not added",
                          lambda x, l, m, s: -ref_binary_cross_entropy(x, l) + ref_gaussian_kl(m, s)),
                         ("the KL term is missing", lambda x, l, m, s: -ref_binary_cross_entropy(x, l)),
                         ("the reconstruction term is averaged over pixels instead of summed",
                          lambda x, l, m, s: -ref_binary_cross_entropy(x, l) / x.shape[-1] - ref_gaussian_kl(m, s))])


def check_iwae(fn) -> CheckResult:
    """``fn(log_weights)`` with log_weights [K, batch] → the IWAE estimate of log p(x), shape [batch]."""
    rng = _rng(5)
    cases = [(rng.normal(size=(k, 4)) * 3 - 100.0,) for k in (1, 7, 50, 400)]
    cases.append((np.array([[-1000.0, -5.0], [-1001.0, -7.0]]),))  # a naive exp underflows here
    return _check("iwae", fn, ref_iwae, cases,
                  slips=[("the −log K term is missing (a sum of weights, not their mean)", lambda lw: _lse(lw, 0)),
                         ("that is the mean of the log-weights (the ELBO), not the log of the mean weight",
                          lambda lw: lw.mean(axis=0))])


# --------------------------------------------------------------------------- 03: gradients
def ref_reparameterized_sample(mu, sigma, eps):
    """z = μ + σ ⊙ ε."""
    return mu + sigma * eps


def ref_score_function_gradient(f_values, z, mu, sigma):
    """(1/S) Σ_s f(z_s) ∇_μ log N(z_s; μ, σ²) = mean_s f(z_s) (z_s − μ) / σ²."""
    return np.mean(f_values * (z - mu) / sigma**2, axis=0)


def ref_leave_one_out_baseline(f_values):
    """b_s = (1/(S − 1)) Σ_{s' ≠ s} f(z_s'), along axis 0."""
    return (f_values.sum(axis=0, keepdims=True) - f_values) / (f_values.shape[0] - 1)


def check_reparameterized_sample(fn) -> CheckResult:
    """``fn(mu, sigma, eps)`` → z, the same shape as eps."""
    rng = _rng(6)
    cases = [(rng.normal(size=(4, 3)), np.exp(rng.normal(size=(4, 3))), rng.normal(size=(4, 3))) for _ in range(4)]
    return _check("reparameterized_sample", fn, ref_reparameterized_sample, cases,
                  slips=[("σ² used where σ belongs (the scale, not the variance)", lambda m, s, e: m + s**2 * e),
                         ("the noise ε is not scaled by σ", lambda m, s, e: m + e)])


def check_score_function_gradient(fn) -> CheckResult:
    """``fn(f_values, z, mu, sigma)``: S samples → the score-function estimate of ∂/∂μ E[f(z)], per dimension."""
    rng = _rng(7)
    cases = []
    for _ in range(4):
        mu, sigma = rng.normal(size=3), np.exp(rng.normal(size=3) * 0.3)
        z = mu + sigma * rng.normal(size=(20, 3))
        cases.append((np.sin(z) + z**2, z, mu, sigma))
    return _check("score_function_gradient", fn, ref_score_function_gradient, cases,
                  factors={"the number of samples S": lambda a: a[0].shape[0]},
                  slips=[("the score of a Normal is (z − μ)/σ², not (z − μ)/σ",
                          lambda f, z, m, s: np.mean(f * (z - m) / s, axis=0)),
                         ("the score is (z − μ)/σ², the sign is (z − μ)", lambda f, z, m, s: np.mean(f * (m - z) / s**2, axis=0))])


def check_leave_one_out_baseline(fn) -> CheckResult:
    """``fn(f_values)`` with samples along axis 0 → one baseline per sample, the same shape."""
    rng = _rng(8)
    cases = [(rng.normal(size=(s, 3)) * 5 + 2,) for s in (2, 5, 10, 40)]
    return _check("leave_one_out_baseline", fn, ref_leave_one_out_baseline, cases,
                  slips=[("that is the mean over all S samples, including z_s itself: the baseline would depend on z_s",
                          lambda f: np.broadcast_to(f.mean(axis=0, keepdims=True), f.shape)),
                         ("divide by S − 1, the number of other samples, not S",
                          lambda f: (f.sum(axis=0, keepdims=True) - f) / f.shape[0])])


# --------------------------------------------------------------------------- 04: label and style
def ref_unlabeled_bound(bounds, probs):
    """U(x) = Σ_y q(y | x) L(x, y) + H(q(y | x)); bounds and probs [batch, K]."""
    return np.sum(probs * bounds, axis=-1) - np.sum(probs * np.log(np.maximum(probs, 1e-30)), axis=-1)


def ref_categorical_entropy(probs):
    """H(q) = −Σ_y q(y) log q(y), with 0 log 0 = 0; probs [batch, K]."""
    return -np.sum(np.where(probs > 0, probs * np.log(np.where(probs > 0, probs, 1.0)), 0.0), axis=-1)


def ref_m2_loss(labeled_bounds, unlabeled_bounds, log_q_y, alpha):
    """−J^α / batch = −(Σ_labeled L(x, y) + Σ_unlabeled U(x) + α Σ_labeled log q(y | x)) / (N_l + N_u)."""
    n = len(labeled_bounds) + len(unlabeled_bounds)
    return -(labeled_bounds.sum() + unlabeled_bounds.sum() + alpha * log_q_y.sum()) / n


def _probs(rng, b, k, peaked=False):
    logits = rng.normal(size=(b, k)) * (6 if peaked else 1)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def check_categorical_entropy(fn) -> CheckResult:
    """``fn(probs)`` → H(q(y | x)) per image, shape [batch]."""
    rng = _rng(9)
    cases = [(_probs(rng, 5, 10, peaked=i % 2 == 1),) for i in range(4)]
    cases.append((np.array([[1.0, 0, 0, 0], [0.5, 0.5, 0, 0]]),))  # zero probabilities: 0 log 0 = 0
    return _check("categorical_entropy", fn, ref_categorical_entropy, cases,
                  factors={"the number of classes K": lambda a: a[0].shape[-1]})


def check_unlabeled_bound(fn) -> CheckResult:
    """``fn(bounds, probs)``: L(x, y) and q(y | x) for every y, [batch, K] → U(x), shape [batch]."""
    rng = _rng(10)
    cases = [(rng.normal(size=(5, 10)) * 20 - 100, _probs(rng, 5, 10, peaked=i % 2 == 1)) for i in range(4)]
    return _check("unlabeled_bound", fn, ref_unlabeled_bound, cases,
                  factors={"the number of classes K": lambda a: a[0].shape[-1]},
                  slips=[("the entropy term H(q(y | x)) is missing", lambda L, p: np.sum(p * L, axis=-1)),
                         ("the entropy should be added: −Σ q log q is positive",
                          lambda L, p: np.sum(p * L, axis=-1) + np.sum(p * np.log(p), axis=-1)),
                         ("weigh each L(x, y) by q(y | x), not by the prior 1/K",
                          lambda L, p: L.mean(axis=-1) - np.sum(p * np.log(p), axis=-1))])


def check_m2_loss(fn) -> CheckResult:
    """``fn(labeled_bounds, unlabeled_bounds, log_q_y, alpha)`` → the loss to minimise, a scalar."""
    rng = _rng(11)
    cases = [(rng.normal(size=nl) * 10 - 100, rng.normal(size=nu) * 10 - 100, -np.abs(rng.normal(size=nl)), a)
             for nl, nu, a in ((3, 7, 0.5), (5, 5, 50.0), (1, 9, 10.0), (8, 2, 0.0))]
    n = lambda a: len(a[0]) + len(a[1])  # noqa: E731
    return _check("m2_loss", fn, ref_m2_loss, cases, factors={"the batch size": n},
                  slips=[("the classification term should be added with weight α inside J (and J is maximised)",
                          lambda lb, ub, lq, a: -(lb.sum() + ub.sum() - a * lq.sum()) / (len(lb) + len(ub))),
                         ("the classification term α log q(y | x) is missing",
                          lambda lb, ub, lq, a: -(lb.sum() + ub.sum()) / (len(lb) + len(ub)))])


# --------------------------------------------------------------------------- 05: disentangling
def ref_total_correlation(log_q_pairs, dataset_size):
    """TC ≈ mean_i [log q(z_i) − Σ_d log q(z_id)], with log q(z_i) ≈ logsumexp_m(log w_im + Σ_d log q(z_id | x_m)).

    ``log_q_pairs[i, m, d]`` = log q(z_id | x_m) for M images; weights w_ii = 1/N and
    w_im = (N − 1)/(N (M − 1)) for m ≠ i (sample i came from image i: stratified sampling).
    """
    m = log_q_pairs.shape[0]
    n = float(dataset_size)
    log_w = np.where(np.eye(m) > 0, -np.log(n), np.log((n - 1) / (n * (m - 1))))
    log_qz = _lse(log_q_pairs.sum(-1) + log_w, axis=1)
    log_qz_dims = _lse(log_q_pairs + log_w[:, :, None], axis=1).sum(-1)
    return np.mean(log_qz - log_qz_dims)


def ref_beta_vae_loss(reconstruction, kl, beta):
    """−(1/B) Σ_n [E_q log p(x_n | z) − β KL(q(z | x_n) ‖ p(z))]: the β-VAE loss, a scalar."""
    return np.mean(beta * kl - reconstruction)


def ref_mig(mutual_information, entropies):
    """MIG = (1/K) Σ_k (I(z_(1); v_k) − I(z_(2); v_k)) / H(v_k); mutual_information [K factors, D latents]."""
    top = np.sort(mutual_information, axis=1)[:, ::-1]
    return np.mean((top[:, 0] - top[:, 1]) / entropies)


def _pairs_case(rng, m, d):
    loc, scale = rng.normal(size=(m, d)), np.exp(rng.normal(size=(m, d)) * 0.3)
    z = loc + scale * rng.normal(size=(m, d))
    pairs = -0.5 * ((z[:, None] - loc[None]) / scale[None]) ** 2 - np.log(scale[None]) - 0.5 * np.log(2 * np.pi)
    return pairs


def check_total_correlation(fn) -> CheckResult:
    """``fn(log_q_pairs, dataset_size)`` with log_q_pairs [M, M, D] → the total-correlation estimate, a scalar."""
    rng = _rng(12)
    cases = [(_pairs_case(rng, m, d), n) for m, d, n in ((8, 3, 1000), (16, 5, 60000), (4, 2, 50), (32, 4, 8000))]
    def plain_mixture(p, n):  # every image weighted 1/M: ignores that the batch is a sample of N images
        return np.mean(_lse(p.sum(-1), 1) - _lse(p, 1).sum(-1))
    def swapped(p, n):
        return -ref_total_correlation(p, n)
    return _check("total_correlation", fn, ref_total_correlation, cases,
                  slips=[("log q(z) should be taken before Σ_d log q(z_d): the sign is reversed", swapped),
                         ("the importance weights are missing (1/N for the sample's own image, "
                          "(N − 1)/(N (M − 1)) for the others)", plain_mixture)])


def check_beta_vae_loss(fn) -> CheckResult:
    """``fn(reconstruction, kl, beta)`` with per-image reconstruction and KL → the β-VAE loss, a scalar."""
    rng = _rng(13)
    cases = [(-np.abs(rng.normal(size=b)) * 100, np.abs(rng.normal(size=b)) * 20, beta)
             for b, beta in ((4, 1.0), (7, 4.0), (10, 0.5), (3, 10.0))]
    return _check("beta_vae_loss", fn, ref_beta_vae_loss, cases, factors={"the batch size": lambda a: len(a[0])},
                  slips=[("β weighs the KL, not the reconstruction", lambda r, k, b: np.mean(k - b * r)),
                         ("that is the ELBO (to maximise); the loss is its negative with β on the KL",
                          lambda r, k, b: np.mean(r - b * k))])


def check_mig(fn) -> CheckResult:
    """``fn(mutual_information, entropies)``: I(z_j; v_k) as [K, D] and H(v_k) as [K] → MIG, a scalar."""
    rng = _rng(14)
    cases = [(np.abs(rng.normal(size=(k, d))), 1 + np.abs(rng.normal(size=k))) for k, d in ((3, 5), (2, 10), (4, 4), (1, 3))]
    return _check("mig", fn, ref_mig, cases,
                  slips=[("normalise each gap by its factor's entropy H(v_k)",
                          lambda mi, h: np.mean(np.sort(mi, 1)[:, -1] - np.sort(mi, 1)[:, -2])),
                         ("the gap is between the best and the second-best latent, not the best and the worst",
                          lambda mi, h: np.mean((mi.max(1) - mi.min(1)) / h))])


#: the exercises of each notebook, by name: ``check_<name>`` checks against ``ref_<name>``
EXERCISE_NAMES = {
    "01_autoencoder": ("encoder_forward", "decoder_forward", "binary_cross_entropy"),
    "02_variational_autoencoder": ("gaussian_kl", "elbo", "iwae"),
    "03_reparameterization": ("reparameterized_sample", "score_function_gradient", "leave_one_out_baseline"),
    "04_label_and_style": ("categorical_entropy", "unlabeled_bound", "m2_loss"),
    "05_disentangled_representations": ("total_correlation", "beta_vae_loss", "mig"),
}
#: notebook → exercise name → (check, reference)
EXERCISES = {notebook: {name: (globals()[f"check_{name}"], globals()[f"ref_{name}"]) for name in names}
             for notebook, names in EXERCISE_NAMES.items()}
