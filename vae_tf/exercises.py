"""Self-checks for the exercises: ``check_<exercise>(student_fn)`` prints a pass or what differs.

Each check calls the student's function on several inputs (ordinary random ones, then extreme
ones: log-densities around −1000, probabilities of exactly 0, logits of ±60) and compares it with
the reference implementation (the equation in its docstring). A failure says what was expected and
what was got on one input, and names a slip only when the inputs tell it apart: the student's
answer agrees with that slip on every ordinary input (each check's ``slips``: what students
write), or right on every ordinary input and wrong on an extreme one (a numerically unstable
form), or the same sign flip / factor / offset on every input. A stub of an *earlier* exercise
that the student's function calls is named as such. "Predict, then run" questions are functions
returning a letter; their check explains why a choice is right or wrong.

Each check returns a :class:`CheckResult`, true when it passed; ``diagnosis`` is the slip's name
alone (the tests assert it), ``message`` adds the expected and the got values.
:func:`run_on_trained_model` runs a notebook cell's comparison on the trained model and prints
"finish exercise N first" instead of raising while an exercise is still a stub.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str
    diagnosis: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.message}"


@dataclass
class Spec:
    """One exercise: its reference, the inputs it is checked on and the slips they tell apart.

    ``cases``: ordinary inputs (argument tuples). ``extreme``: (arguments, what breaks there) for
    inputs where a textbook formula fails numerically. ``slips``: (diagnosis, wrong function),
    named when the answer matches the wrong function on every ordinary input. ``factors``:
    (label, factor of the arguments, the axis) for a sum where a mean belongs and vice versa.
    """
    name: str
    reference: Callable
    cases: list
    extreme: list = field(default_factory=list)
    slips: list = field(default_factory=list)
    factors: list = field(default_factory=list)
    rtol: float = 1e-4
    atol: float = 1e-4


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _relu(a):
    return np.maximum(a, 0.0)


def _lse(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def _numpy(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


def _report(name, passed, diagnosis, detail=""):
    message = diagnosis + (f" ({detail})" if detail else "")
    print(f"{name}: " + ("correct, " if passed else "not yet: ") + message)
    return CheckResult(name, passed, message, diagnosis)


def _fmt(a):
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.6g}"
    return np.array2string(a, precision=4, separator=", ", max_line_width=200)


def _close(got, want, rtol, atol):
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True))


def _stub_in_traceback(err: BaseException) -> str | None:
    """The innermost exercise function (by name) on the traceback of a NotImplementedError."""
    tb, found = err.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_name in EXERCISE_NUMBERS:
            found = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return found


def _not_implemented(name, err):
    """The stub that raised: this exercise's own ("not implemented yet") or an earlier one it calls."""
    stub = _stub_in_traceback(err)
    if stub is not None and stub != name:
        return (f"your {name} calls {stub} (exercise {EXERCISE_NUMBERS[stub]}), which is not implemented yet: "
                f"finish exercise {EXERCISE_NUMBERS[stub]} first"), ""
    return "not implemented yet", str(err)


def _describe(i, n_ordinary, notes):
    return f"ordinary input {i + 1} of {n_ordinary}" if i < n_ordinary else f"extreme input {i - n_ordinary + 1}"


def _difference(got, want, where, rtol, atol):
    """Expected against got on one input: whole values when small, the worst entry otherwise."""
    if want.size <= 6:
        return f"on {where}: expected {_fmt(want)}, got {_fmt(got)}"
    with np.errstate(all="ignore"):
        err = np.where(np.isfinite(got), np.abs(got - want), np.inf)
    worst = np.unravel_index(np.argmax(err), want.shape)
    wrong = ~np.isclose(got, want, rtol=rtol, atol=atol)
    return (f"on {where}: {wrong.sum()} of {want.size} entries differ; at index {tuple(int(i) for i in worst)} "
            f"expected {float(want[worst]):.6g}, got {float(got[worst]):.6g}")


def _check(spec: Spec, student: Callable) -> CheckResult:
    """Run ``student`` and the reference on every input and explain what differs."""
    outputs = _outputs(spec, student)
    if isinstance(outputs, CheckResult):
        return outputs
    gots, wants = outputs
    n, notes = len(spec.cases), [note for _, note in spec.extreme]
    ok = [_close(g, w, spec.rtol, spec.atol) for g, w in zip(gots, wants)]
    if all(ok):
        return _report(spec.name, True, f"matches the reference on {n} ordinary inputs"
                       + (f" and {len(notes)} extreme one{'s' * (len(notes) > 1)}" if notes else ""))
    first = ok.index(False)
    detail = _difference(gots[first], wants[first], _describe(first, n, notes), spec.rtol, spec.atol)
    if all(ok[:n]):  # right on every ordinary input, wrong on an extreme one
        return _report(spec.name, False, f"right on the {n} ordinary inputs, wrong on the extreme input: "
                                         f"{notes[first - n]}", detail)
    return _report(spec.name, False, _diagnosis(spec, gots[:n], wants[:n]), detail)


def _outputs(spec: Spec, student: Callable):
    """(student's outputs, reference outputs) on every input, or the :class:`CheckResult` of a run that failed."""
    inputs = list(spec.cases) + [args for args, _ in spec.extreme]
    n, notes = len(spec.cases), [note for _, note in spec.extreme]
    wants, gots = [], []
    for i, args in enumerate(inputs):
        want = _numpy(spec.reference(*args))
        try:
            with np.errstate(all="ignore"):  # as in the notebooks: the student's function gets float32 arrays
                got = student(*[a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args])
        except NotImplementedError as err:
            return _report(spec.name, False, *_not_implemented(spec.name, err))
        except Exception as err:  # noqa: BLE001 - the student's code may raise anything
            return _report(spec.name, False, f"raised {type(err).__name__}", f"on {_describe(i, n, notes)}: {err}")
        try:
            got = _numpy(got)
        except (TypeError, ValueError) as err:
            return _report(spec.name, False, f"returned {type(got).__name__}, which is not an array of numbers", str(err))
        if got.shape != want.shape:
            hint = ""
            if got.ndim < want.ndim:
                hint = ": an axis is reduced that should stay (e.g. the batch)"
            elif got.ndim > want.ndim:
                hint = ": an axis is not summed or averaged yet"
            return _report(spec.name, False, f"shape {got.shape}, expected {want.shape}{hint}")
        wants.append(want)
        gots.append(got)
    return gots, wants


def _diagnosis(spec: Spec, got_o: list, want_o: list) -> str:
    """What is wrong, from the ordinary inputs: a listed slip, else a pattern every input shows, else "values differ"."""
    rtol, atol = spec.rtol, spec.atol
    for diagnosis, wrong in spec.slips:
        with np.errstate(all="ignore"):
            outs = [_numpy(wrong(*args)) for args in spec.cases]
        if all(_close(g, o, rtol, atol) for g, o in zip(got_o, outs)):
            return diagnosis
    if any(not np.all(np.isfinite(g)) for g in got_o):
        return "the result contains NaN or inf on an ordinary input (a log of 0? an exp that overflows?)"
    if all(np.abs(w).max() > 1e-8 and _close(g, -w, rtol, atol) for g, w in zip(got_o, want_o)):
        return "the sign is reversed on every input"
    for label, factor, axis in spec.factors:
        fs = [float(factor(args)) for args in spec.cases]
        if any(f != 1 for f in fs):
            if all(_close(g, w * f, rtol, atol) for g, w, f in zip(got_o, want_o, fs)):
                return f"too large by a factor of {label} on every input: a sum over {axis} where the mean belongs"
            if all(_close(g, w / f, rtol, atol) for g, w, f in zip(got_o, want_o, fs)):
                return f"too small by a factor of {label} on every input: a mean over {axis} where the sum belongs"
    g_all, w_all = np.concatenate([g.ravel() for g in got_o]), np.concatenate([w.ravel() for w in want_o])
    nonzero = np.abs(w_all) > 1e-8
    if nonzero.sum() >= 3:  # a factor or offset claimed only when at least three values share it
        ratio = g_all[nonzero] / w_all[nonzero]
        r = float(np.median(ratio))
        if not np.isclose(r, 1.0, rtol=1e-3) and np.allclose(ratio, r, rtol=1e-3):
            if np.isclose(r, 1 / np.log(2), rtol=1e-3):
                return ("every value is 1/ln 2 = 1.443 times the expected one: that is bits (log base 2); the models "
                        "work in nats (the natural log)")
            return f"every value is {r:.4g} times the expected one, on every input: a wrong constant factor"
    if g_all.size >= 3:
        offset = g_all - w_all
        d = float(np.median(offset))
        if abs(d) > atol and np.allclose(offset, d, rtol=1e-3, atol=atol):
            return f"every value is off by the same {d:.4g}: a missing or extra constant term"
    return "values differ"


def _choice(name: str, fn: Callable, answer: str, why: dict[str, str]) -> CheckResult:
    """A "predict, then run" question: ``fn()`` returns a letter; explain the right one, or why another is wrong."""
    try:
        got = fn()
    except NotImplementedError as err:
        return _report(name, False, *_not_implemented(name, err))
    except Exception as err:  # noqa: BLE001
        return _report(name, False, f"raised {type(err).__name__}", str(err))
    letters = ", ".join(repr(k) for k in why)
    if not isinstance(got, str) or got.strip().lower() not in why:
        return _report(name, False, f"answer with one of the letters {letters}", f"got {got!r}")
    got = got.strip().lower()
    return _report(name, got == answer, ("right: " if got == answer else f"not ({got}): ") + why[got])


def run_on_trained_model(run: Callable[[], object]):
    """Run a notebook's comparison of the student's functions with the trained model.

    While an exercise it uses is still a stub, print "finish exercise N first" instead of raising,
    so the student version of the notebook runs to the end.
    """
    try:
        return run()
    except NotImplementedError as err:
        stub = _stub_in_traceback(err)
        which = f"exercise {EXERCISE_NUMBERS[stub]} ({stub})" if stub else "the exercises above"
        print(f"finish {which} first: this cell runs it")
        return None


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 01: autoencoder
# σ is the model's hidden nonlinearity, ReLU (networks.mlp); the decoder's output layer is the sigmoid.
def ref_encoder_forward(x, W, b, W2, b2):
    """h = σ(W x + b) with σ = ReLU, z = W' h + b' (row-vector convention: x @ W)."""
    return _relu(x @ W + b) @ W2 + b2


def ref_decoder_forward(z, V, c, V2, c2):
    """x̂ = sigmoid(V' σ(V z + c) + c'), σ = ReLU: pixel probabilities."""
    return _sigmoid(_relu(z @ V + c) @ V2 + c2)


def ref_binary_cross_entropy(x, logits):
    """BCE(x, x̂) = −Σ_i [x_i log x̂_i + (1 − x_i) log(1 − x̂_i)], x̂ = sigmoid(logits), per image, in nats."""
    return np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)


def _binary_entropy(m):
    """H(m) = −m log m − (1 − m) log(1 − m) in nats, with 0 log 0 = 0."""
    m = np.asarray(m, dtype=np.float64)
    safe = lambda p: np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)  # noqa: E731
    return -safe(m) - safe(1.0 - m)


def ref_constant_decoder_bce(x):
    """The smallest BCE of a decoder that ignores z and gives every pixel the same probability p, per image.

    The BCE −Σ_i [x_i log p + (1 − x_i) log(1 − p)] is smallest at p = m, the image's mean intensity,
    where it is n H(m) = −n [m log m + (1 − m) log(1 − m)] for n pixels (0 log 0 = 0).
    """
    return x.shape[-1] * _binary_entropy(np.mean(x, axis=-1))


def _mlp_cases(inputs, hidden, outputs, n=4):
    rng = _rng(1)
    return [(rng.normal(size=(5, inputs)), rng.normal(size=(inputs, hidden)) * 0.3, rng.normal(size=hidden),
             rng.normal(size=(hidden, outputs)) * 0.3, rng.normal(size=outputs)) for _ in range(n)]


SPECS: dict[str, Spec] = {}


def _spec(spec: Spec) -> Spec:
    SPECS[spec.name] = spec
    return spec


_spec(Spec("encoder_forward", ref_encoder_forward, _mlp_cases(12, 7, 3), slips=[
    ("σ is the model's ReLU, max(0, a), not the sigmoid (networks.mlp: Dense(activation='relu'))",
     lambda x, W, b, W2, b2: _sigmoid(x @ W + b) @ W2 + b2),
    ("the hidden layer's bias b is missing", lambda x, W, b, W2, b2: _relu(x @ W) @ W2 + b2),
    ("the output bias b' is missing", lambda x, W, b, W2, b2: _relu(x @ W + b) @ W2),
    ("z is linear in h: no nonlinearity on the output layer (the code can be any real vector)",
     lambda x, W, b, W2, b2: _relu(_relu(x @ W + b) @ W2 + b2)),
    ("z is linear in h: no sigmoid on the output layer (the code can be any real vector)",
     lambda x, W, b, W2, b2: _sigmoid(_relu(x @ W + b) @ W2 + b2)),
]))
_spec(Spec("decoder_forward", ref_decoder_forward, _mlp_cases(3, 7, 12), slips=[
    ("these are logits: the output layer's sigmoid turns them into pixel probabilities",
     lambda z, V, c, V2, c2: _relu(z @ V + c) @ V2 + c2),
    ("the hidden layer's σ is the model's ReLU, not the sigmoid: only the output layer is a sigmoid",
     lambda z, V, c, V2, c2: _sigmoid(_sigmoid(z @ V + c) @ V2 + c2)),
    ("the output layer is the sigmoid (probabilities in (0, 1)), not ReLU",
     lambda z, V, c, V2, c2: _relu(_relu(z @ V + c) @ V2 + c2)),
]))


def _bce_cases():
    rng = _rng(2)
    return [((rng.random((6, p)) < 0.3).astype(float), rng.normal(size=(6, p)) * 2) for p in (20, 31, 12, 50)]


_spec(Spec("binary_cross_entropy", ref_binary_cross_entropy, _bce_cases(),
           extreme=[((np.array([[1.0, 1, 0, 1, 0], [0, 1, 1, 0, 1]]), np.array([[60.0, -60, 0, 5, -5]] * 2)),
                     "logits of ±60 (a confident decoder): sigmoid(60) rounds to 1 and log(1 − 1) = −inf; write it "
                     "from the logits, max(l, 0) − l x + log(1 + exp(−|l|)), which never overflows")],
           slips=[("the (1 − x) log(1 − x̂) term is missing",
                   lambda x, l: -np.sum(x * (l - np.logaddexp(0, l)), axis=-1)),
                  ("that is the BCE in bits (log base 2); the models work in nats (the natural log)",
                   lambda x, l: ref_binary_cross_entropy(x, l) / np.log(2)),
                  ("the sign is reversed: a BCE is a positive loss, −Σ [x log x̂ + (1 − x) log(1 − x̂)]",
                   lambda x, l: -ref_binary_cross_entropy(x, l))],
           factors=[("the number of pixels", lambda a: a[0].shape[-1], "the pixels")]))


def _grey_cases():
    rng = _rng(15)
    cases = []
    for p in (16, 30, 9, 784):
        x = np.clip(rng.random((5, p)) ** 3 * 1.3, 0, 1)
        x[0] = x[0] * 0.1
        cases.append((x,))
    return cases


_spec(Spec("constant_decoder_bce", ref_constant_decoder_bce, _grey_cases(),
           extreme=[((np.array([[0.0] * 8, [0.0] * 7 + [1.0]]),),
                     "a blank image (every pixel 0): the best p is 0 and its BCE is 0, with 0 log 0 = 0; "
                     "np.log(0) = −inf and 0 · −inf = nan")],
           slips=[("that is the coin-flip decoder, p = 1/2 (n log 2): the best constant p depends on the image; set "
                   "the derivative of the BCE with respect to p to zero",
                   lambda x: np.full(x.shape[0], x.shape[-1] * np.log(2))),
                  ("p is the batch's mean intensity: each image gets its own best p, its own mean",
                   lambda x: -np.sum(x * np.log(x.mean()) + (1 - x) * np.log(1 - x.mean()), axis=-1)),
                  ("that is in bits (log base 2); the models work in nats (the natural log)",
                   lambda x: ref_constant_decoder_bce(x) / np.log(2)),
                  ("the sign is reversed: a BCE is positive, −n [m log m + (1 − m) log(1 − m)]",
                   lambda x: -ref_constant_decoder_bce(x))],
           factors=[("the number of pixels", lambda a: a[0].shape[-1], "the pixels")]))


def check_encoder_forward(fn) -> CheckResult:
    """``fn(x, W, b, W2, b2)`` → codes z, shape [batch, D]; σ = ReLU as in the model."""
    return _check(SPECS["encoder_forward"], fn)


def check_decoder_forward(fn) -> CheckResult:
    """``fn(z, V, c, V2, c2)`` → pixel probabilities x̂, shape [batch, pixels]."""
    return _check(SPECS["decoder_forward"], fn)


def check_binary_cross_entropy(fn) -> CheckResult:
    """``fn(x, logits)`` → BCE per image in nats, shape [batch]; x in {0, 1}, logits any real."""
    return _check(SPECS["binary_cross_entropy"], fn)


def check_constant_decoder_bce(fn) -> CheckResult:
    """``fn(x)`` with grey-level images [batch, pixels] → the best constant decoder's BCE per image, in nats."""
    return _check(SPECS["constant_decoder_bce"], fn)


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


def ref_iwae_against_k():
    """Exercise 2.4: the IWAE estimate rises with K by a few nats and levels off (below log p(x))."""
    return "c"


def _kl_cases():
    rng = _rng(3)
    return [(rng.normal(size=(5, d)), np.exp(rng.normal(size=(5, d)) * 0.5)) for d in (4, 2, 7, 3)]


_spec(Spec("gaussian_kl", ref_gaussian_kl, _kl_cases(), slips=[
    ("log σ² is the log of the variance: you used log σ",
     lambda mu, s: 0.5 * np.sum(mu**2 + s**2 - 1 - np.log(s), axis=-1)),
    ("σ² (the variance) is needed where σ is used: μ² + σ² − 1 − log σ²",
     lambda mu, s: 0.5 * np.sum(mu**2 + s - 1 - np.log(s**2), axis=-1)),
    ("σ (the scale) used where σ² (the variance) belongs, in both σ² and log σ²",
     lambda mu, s: 0.5 * np.sum(mu**2 + s - 1 - np.log(s), axis=-1)),
    ("the −1 is missing inside the sum: it is −1 per latent dimension (−D in all)",
     lambda mu, s: 0.5 * np.sum(mu**2 + s**2 - np.log(s**2), axis=-1)),
    ("the factor ½ is missing", lambda mu, s: np.sum(mu**2 + s**2 - 1 - np.log(s**2), axis=-1)),
    ("the sign is reversed: a KL is never negative", lambda mu, s: -ref_gaussian_kl(mu, s)),
], factors=[("the latent size D", lambda a: a[0].shape[-1], "the latent dimensions")]))


def _elbo_cases():
    rng = _rng(4)
    return [((rng.random((5, p)) < 0.4).astype(float), rng.normal(size=(5, p)) * 2, rng.normal(size=(5, 3)),
             np.exp(rng.normal(size=(5, 3)) * 0.4)) for p in (16, 9, 25, 12)]


_spec(Spec("elbo", ref_elbo, _elbo_cases(),
           extreme=[((np.array([[1.0, 0, 1, 0]]), np.array([[60.0, -60, 30, -30]]), np.zeros((1, 2)), np.ones((1, 2))),
                     "logits of ±60 (a confident decoder): sigmoid(60) rounds to 1, so log(1 − sigmoid(60)) = log 0 = "
                     "−inf; write log sigmoid(l) = −logaddexp(0, −l) and log(1 − sigmoid(l)) = −logaddexp(0, l)")],
           slips=[("the KL should be subtracted, not added",
                   lambda x, l, m, s: -ref_binary_cross_entropy(x, l) + ref_gaussian_kl(m, s)),
                  ("the KL term is missing", lambda x, l, m, s: -ref_binary_cross_entropy(x, l)),
                  ("the reconstruction term is averaged over the pixels instead of summed",
                   lambda x, l, m, s: -ref_binary_cross_entropy(x, l) / x.shape[-1] - ref_gaussian_kl(m, s)),
                  ("that is the BCE plus the KL, the loss: the ELBO is its negative, log p(x | z) − KL",
                   lambda x, l, m, s: ref_binary_cross_entropy(x, l) + ref_gaussian_kl(m, s)),
                  ("log p(x | z) is −BCE: the reconstruction term has the wrong sign",
                   lambda x, l, m, s: ref_binary_cross_entropy(x, l) - ref_gaussian_kl(m, s))]))


def _iwae_cases():
    rng = _rng(5)
    return [(rng.normal(size=(k, 4)) * 2 - 5.0,) for k in (1, 7, 50, 400)]


_spec(Spec("iwae", ref_iwae, _iwae_cases(),
           extreme=[((_rng(16).normal(size=(30, 3)) * 3 - 120.0,),
                     "log-weights around −120, like a real image's: in float32 exp(−120) underflows to 0 and the log "
                     "gives −inf; subtract the largest log-weight before exp (log-sum-exp)"),
                    ((np.array([[-1000.0, -5.0], [-1001.0, -7.0]]),),
                     "log-weights around −1000: exp underflows to 0 even in float64; use log-sum-exp")],
           slips=[("the −log K term is missing (the log of a sum of weights, not of their mean)", lambda lw: _lse(lw, 0)),
                  ("that is the mean of the log-weights (the ELBO), not the log of the mean weight: the log-sum-exp "
                   "is missing", lambda lw: lw.mean(axis=0)),
                  ("that is the largest log-weight minus log K: the log-sum-exp keeps every weight, not only the "
                   "largest", lambda lw: lw.max(axis=0) - np.log(lw.shape[0])),
                  ("subtracting log K is the mean over the K samples: −log K, not −K or /K",
                   lambda lw: _lse(lw, 0) - lw.shape[0])]))


def check_gaussian_kl(fn) -> CheckResult:
    """``fn(mu, sigma)`` → KL per image, shape [batch]."""
    return _check(SPECS["gaussian_kl"], fn)


def check_elbo(fn) -> CheckResult:
    """``fn(x, logits, mu, sigma)`` → ELBO per image with the analytic KL, shape [batch]."""
    return _check(SPECS["elbo"], fn)


def check_iwae(fn) -> CheckResult:
    """``fn(log_weights)`` with log_weights [K, batch] → the IWAE estimate of log p(x), shape [batch]."""
    return _check(SPECS["iwae"], fn)


def check_iwae_against_k(fn) -> CheckResult:
    """``fn()`` → 'a', 'b', 'c' or 'd': how much the IWAE estimate rises from K = 1 to K = 1000 (exercise 2.4)."""
    return _choice("iwae_against_k", fn, "c", {
        "a": "a rise that small would mean q(z | x) is almost the exact posterior; the estimate starts at K = 1 as a "
             "one-sample ELBO and approaches log p(x) as K grows: compare the ELBO and log p(x) in section 6's table",
        "b": "the estimate starts at K = 1 as a one-sample ELBO and approaches log p(x) as K grows, so it rises by about "
             "the gap log p(x) − ELBO: section 6's table shows that gap for vae20",
        "c": "at K = 1 the estimate is a one-sample ELBO; on average it grows with K towards log p(x) and stays below "
             "it (a single estimate may land above), so it rises by about the gap log p(x) − ELBO = KL(q(z | x) ‖ "
             "p(z | x)), and section 6's table puts vae20's log p(x) about 5 nats above its ELBO",
        "d": "on average the estimate stays below log p(x), so from the ELBO at K = 1 it can rise by at most the gap "
             "log p(x) − ELBO: section 6's table shows that gap for vae20",
    })


# --------------------------------------------------------------------------- 02: the VAE's train_step, in Keras
#: the check's run: Adam steps on fixed batches of synthetic 28×28 binary images, from one set of weights
TRAIN_STEP_RUN = {"steps": 300, "batch": 32, "images": 256, "latent_dim": 2, "hidden": 32, "learning_rate": 1e-2}


def ref_train_step(self, x):
    """One step of gradient descent on −L = −(1/B) Σ_i [log p_θ(x_i | z_i) − KL(q_φ(z | x_i) ‖ p(z))], with one
    reparameterized z_i ~ q_φ(z | x_i) per image (``tfd.Normal`` samples are μ + σ ε); returns ``{"loss": −L}``."""
    import tensorflow as tf
    import tensorflow_probability as tfp

    with tf.GradientTape() as tape:
        q = self.encode(x)
        z = q.sample()
        elbo = self.decode(z).log_prob(x) - tfp.distributions.kl_divergence(q, self.prior)
        loss = -tf.reduce_mean(elbo)
    grads = tape.gradient(loss, self.trainable_variables)
    self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
    return {"loss": loss}


def _scratch_vae_class():
    """Notebook 02's ScratchVAE (its encoder, decoder, prior, ``encode`` and ``decode``): the model the check
    trains a ``train_step`` on."""
    import keras
    import tensorflow as tf
    import tensorflow_probability as tfp

    tfd = tfp.distributions

    class ScratchVAE(keras.Model):
        def __init__(self, latent_dim, hidden=512):
            super().__init__()
            dense = keras.layers.Dense
            self.encoder = keras.Sequential(
                [keras.layers.Flatten(), dense(hidden, activation="relu"), dense(2 * latent_dim)])
            self.decoder = keras.Sequential(
                [dense(hidden, activation="relu"), dense(28 * 28), keras.layers.Reshape((28, 28))])
            self.prior = tfd.Independent(tfd.Normal(tf.zeros(latent_dim), 1.0), 1)

        def encode(self, x):
            mu, s = tf.split(self.encoder(x), 2, axis=-1)
            return tfd.Independent(tfd.Normal(mu, tf.nn.softplus(s) + 1e-4), 1)

        def decode(self, z):
            return tfd.Independent(tfd.Bernoulli(logits=self.decoder(z)), 2)

    return ScratchVAE


def _train_step_batches():
    """Batches [steps per pass, B, 28, 28] of binary images drawn from four prototypes (each pixel on with
    probability 0.05 or 0.95): a VAE learns them in a few hundred steps."""
    rng, run = _rng(17), TRAIN_STEP_RUN
    prototypes = np.where(rng.random((4, 28, 28)) < 0.3, 0.95, 0.05)
    images = (rng.random((run["images"], 28, 28)) < prototypes[np.arange(run["images"]) % 4]).astype(np.float32)
    return images[rng.permutation(len(images))].reshape(-1, run["batch"], 28, 28)


def _train_step_terms(model, x):
    """E_q log p(x | z) (summed over the pixels, and averaged over them) and KL(q ‖ p) per image, with 64 fixed
    draws of ε: the check's measure of a model, whatever its train_step returns."""
    import tensorflow as tf
    import tensorflow_probability as tfp

    q = model.encode(x)
    eps = tf.random.stateless_normal([64, *q.batch_shape, q.event_shape[0]], seed=[3, 4])
    z = tf.reshape(q.distribution.loc + q.distribution.scale * eps, [-1, q.event_shape[0]])
    logits = tf.reshape(model.decoder(z), [64, -1, *x.shape[1:]])
    pixels = tfp.distributions.Bernoulli(logits=logits).log_prob(x)                      # [64, B, 28, 28]
    return (tf.reduce_mean(tf.reduce_sum(pixels, [-2, -1]), 0).numpy().astype(np.float64),
            tf.reduce_mean(tf.reduce_mean(pixels, [-2, -1]), 0).numpy().astype(np.float64),
            tfp.distributions.kl_divergence(q, model.prior).numpy().astype(np.float64))


def _train_step_model(train_step):
    """The check's model with ``train_step``, built with the check's initial weights and compiled with Adam."""
    import keras
    import tensorflow as tf

    run = TRAIN_STEP_RUN
    model = type("StudentVAE", (_scratch_vae_class(),), {"train_step": train_step})(run["latent_dim"], run["hidden"])
    keras.utils.set_random_seed(17)                                    # the same initial weights for every run
    model.decode(model.encode(tf.constant(_train_step_batches()[0])).mean())  # builds both networks
    model.compile(optimizer=keras.optimizers.Adam(run["learning_rate"]))
    return model


def _train_step_run(train_step):
    """Train the check's model with ``train_step``: (what each step returned, the model, its compiled step, whether
    the weights changed). The first step runs eagerly (a student's error keeps its own traceback), the others
    compiled, as ``fit`` runs them; ``tf.random.set_seed`` first, so the same code draws the same ε."""
    import tensorflow as tf

    batches, model = _train_step_batches(), _train_step_model(train_step)
    initial = model.get_weights()
    tf.random.set_seed(5)
    returned = [model.train_step(tf.constant(batches[0]))]
    step = tf.function(model.train_step)
    for t in range(1, TRAIN_STEP_RUN["steps"]):
        if not _finite_loss(returned[-1]):
            break
        returned.append(step(tf.constant(batches[t % len(batches)])))
    changed = any(not np.array_equal(a, b) for a, b in zip(initial, model.get_weights()))
    return returned, model, step, changed


def _finite_loss(out):
    try:
        return bool(np.all(np.isfinite(_numpy(out["loss"]))))
    except Exception:  # noqa: BLE001 - judged in detail by _train_step_returns
        return True


def _train_step_returns(out):
    """What is wrong with what one call of train_step returned, or ``None``."""
    if not isinstance(out, dict):
        return (f"train_step returns a dict of the numbers Keras shows, {{'loss': loss}}; yours returned "
                f"{type(out).__name__}")
    if "loss" not in out:
        return f"return the loss under the name 'loss', {{'loss': loss}}; yours returned the keys {sorted(out)}"
    try:
        loss = _numpy(out["loss"])
    except (TypeError, ValueError):
        return f"the 'loss' you return is {type(out['loss']).__name__}, not a number"
    if loss.shape != ():
        return (f"the loss has shape {loss.shape}, one value per image: average −L over the batch "
                "(tf.reduce_mean) to get one number")
    return None


#: what train_step may return, as a function of the reconstruction term (summed over the pixels and averaged
#: over them) and the KL of each image, at the weights it is given: the right loss first, then the slips
TRAIN_STEP_CANDIDATES = [
    ("", lambda rec, rec_mean, kl: -np.mean(rec - kl)),
    ("the KL is added, not subtracted: L = E_q log p(x | z) − KL(q ‖ p(z)), so the loss −L adds it to −E_q log p(x | z)",
     lambda rec, rec_mean, kl: -np.mean(rec + kl)),
    ("the KL term is missing: L = E_q log p(x | z) − KL(q ‖ p(z))", lambda rec, rec_mean, kl: -np.mean(rec)),
    ("the loss is summed over the batch: average it (tf.reduce_mean), so its size does not depend on the batch size",
     lambda rec, rec_mean, kl: -np.mean(rec - kl) * TRAIN_STEP_RUN["batch"]),
    ("the reconstruction is averaged over the pixels: log p(x | z) sums over the 784 pixels (tfd.Independent(..., 2) "
     "does it), so the KL weighs 784 times too much and the codes collapse onto the prior",
     lambda rec, rec_mean, kl: -np.mean(rec_mean - kl)),
    ("that is the ELBO L, not the loss −L: the optimizer makes the loss smaller, and L should grow",
     lambda rec, rec_mean, kl: np.mean(rec - kl)),
]


def _train_step_close(got, want):
    return abs(got - want) <= 0.03 * abs(want) + 1.0


def _probe(step, model, batches):
    """Each batch once through the compiled step at the trained weights (restored after each): (the mean of what
    it returned, and the reconstruction terms and the KL of those weights on those batches)."""
    weights = model.get_weights()
    got, parts = [], []
    for b in batches:
        parts.append(_train_step_terms(model, b))
        got.append(float(_numpy(step(b)["loss"])))
        model.set_weights(weights)
    return float(np.mean(got)), [np.concatenate(p) for p in zip(*parts)]


_reference_train_step = {}


def check_train_step(fn) -> CheckResult:
    """``fn``: the ``train_step(self, x)`` of notebook 02's ScratchVAE (or the class itself). The check trains the
    check's small ScratchVAE with it and with the reference from the same weights for a few hundred Adam steps on
    synthetic images, and compares the loss it returns and the −L the trained model reaches; a slip is named when
    what it returns matches that slip's loss at its own trained weights. It seeds TensorFlow's and Keras' random
    generators for its runs (Python's and NumPy's states are restored after)."""
    import random

    import tensorflow as tf

    name, run = "train_step", TRAIN_STEP_RUN
    fn = getattr(fn, "train_step", fn)
    fn = getattr(fn, "__func__", fn)  # a bound method: its function
    states = random.getstate(), np.random.get_state()  # the run seeds them; the notebook's own draws go on after
    try:
        if "run" not in _reference_train_step:
            rec, _, kl = _train_step_terms(_train_step_model(ref_train_step), _train_step_batches().reshape(-1, 28, 28))
            _, model, step, _ = _train_step_run(ref_train_step)
            got, (rec_t, _, kl_t) = _probe(step, model, tf.constant(_train_step_batches()))
            _reference_train_step["run"] = got, float(-np.mean(rec_t - kl_t)), float(-np.mean(rec - kl))
        try:
            returned, model, step, changed = _train_step_run(fn)
        except NotImplementedError as err:
            return _report(name, False, *_not_implemented(name, err))
        except Exception as err:  # noqa: BLE001 - the student's code may raise anything
            return _report(name, False, f"raised {type(err).__name__}", str(err).strip().splitlines()[0][:300])
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
    ref_loss, ref_bound, start_bound = _reference_train_step["run"]
    wrong = next((w for w in map(_train_step_returns, returned) if w), None)
    if wrong:
        return _report(name, False, wrong)
    if not _finite_loss(returned[-1]):
        return _report(name, False, f"the loss became nan or inf at step {len(returned)} of {run['steps']}",
                       f"the step before, it was {float(_numpy(returned[-2]['loss'])):.6g}" if len(returned) > 1 else "")
    if not changed:
        return _report(name, False, f"the weights did not change in {run['steps']} steps: apply the gradients, "
                                    "self.optimizer.apply_gradients(zip(grads, self.trainable_variables))")
    batches = tf.constant(_train_step_batches())
    got, (rec, rec_mean, kl) = _probe(step, model, batches)
    bound = float(-np.mean(rec - kl))
    detail = (f"after {run['steps']} steps on batches of {run['batch']} images your train_step returns {got:.6g} "
              f"on average, and your model's −L is {bound:.6g}; the reference's returns {ref_loss:.6g}, its −L is "
              f"{ref_bound:.6g}")
    for diagnosis, formula in TRAIN_STEP_CANDIDATES:
        if _train_step_close(got, formula(rec, rec_mean, kl)):
            if diagnosis:
                return _report(name, False, diagnosis, detail)
            if _train_step_close(bound, ref_bound):
                return _report(name, True, f"trains like the reference: after {run['steps']} steps its loss is "
                                           f"{got:.1f} nats, the reference's {ref_loss:.1f}")
            return _report(name, False, "the loss you return is −L, but training does not lower it as the "
                                        "reference does: are the gradients those of this loss, applied to "
                                        "self.trainable_variables?", detail)
    if bound > start_bound and got < 0 < bound and abs(got + bound) <= 0.2 * bound:
        # L returned and minimised: −L grows without bound, so the Monte-Carlo terms match only roughly
        return _report(name, False, TRAIN_STEP_CANDIDATES[-1][0], detail)
    if bound > start_bound:
        return _report(name, False, f"training makes −L larger, from {start_bound:.1f} at the start to {bound:.4g}: the "
                                    "optimizer makes the loss smaller, so the loss must be −L, with the KL subtracted "
                                    "in L", detail)
    return _report(name, False, "values differ", detail)


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


def ref_constant_shift_prediction():
    """Exercise 3.4: adding 100 to f raises the score-function estimate's variance, not the reparameterized one's."""
    return "b"


def _sample_cases():
    rng = _rng(6)
    return [(rng.normal(size=(4, 3)), np.exp(rng.normal(size=(4, 3))), rng.normal(size=(4, 3))) for _ in range(4)]


def _score_cases():
    rng = _rng(7)
    cases = []
    for s in (20, 7, 50, 12):
        mu, sigma = rng.normal(size=3), np.exp(rng.normal(size=3) * 0.5)
        z = mu + sigma * rng.normal(size=(s, 3))
        cases.append((np.sin(z) + z**2, z, mu, sigma))
    return cases


_spec(Spec("reparameterized_sample", ref_reparameterized_sample, _sample_cases(), slips=[
    ("σ² used where σ belongs (the scale, not the variance)", lambda m, s, e: m + s**2 * e),
    ("the noise ε is not scaled by σ", lambda m, s, e: m + e),
    ("σ multiplies μ + ε: only the noise is scaled, z = μ + σ ε", lambda m, s, e: s * (m + e)),
    ("√σ used where σ belongs: σ is already the standard deviation", lambda m, s, e: m + np.sqrt(s) * e),
]))
_spec(Spec("score_function_gradient", ref_score_function_gradient, _score_cases(), slips=[
    ("the score of a Normal is (z − μ)/σ², not (z − μ)/σ: σ² is the variance",
     lambda f, z, m, s: np.mean(f * (z - m) / s, axis=0)),
    ("the sign is reversed: the score is (z − μ)/σ², not (μ − z)/σ²",
     lambda f, z, m, s: np.mean(f * (m - z) / s**2, axis=0)),
    ("f(z) is missing: the mean of the scores alone estimates 0, not the gradient",
     lambda f, z, m, s: np.mean((z - m) / s**2, axis=0)),
], factors=[("the number of samples S", lambda a: a[0].shape[0], "the samples")]))
_spec(Spec("leave_one_out_baseline", ref_leave_one_out_baseline,
           [(_rng(8).normal(size=(s, 3)) * 5 + 2,) for s in (2, 5, 10, 40)], slips=[
    ("that is the mean over all S samples, including z_s itself: the baseline would depend on z_s",
     lambda f: np.broadcast_to(f.mean(axis=0, keepdims=True), f.shape)),
    ("divide by S − 1, the number of other samples, not S: off by one",
     lambda f: (f.sum(axis=0, keepdims=True) - f) / f.shape[0]),
    ("that is the sum of the other samples: divide it by their number, S − 1",
     lambda f: f.sum(axis=0, keepdims=True) - f),
    ("average over the samples (axis 0), not over the dimensions",
     lambda f: (f.sum(axis=-1, keepdims=True) - f) / (f.shape[-1] - 1)),
]))


def check_reparameterized_sample(fn) -> CheckResult:
    """``fn(mu, sigma, eps)`` → z, the same shape as eps."""
    return _check(SPECS["reparameterized_sample"], fn)


def check_score_function_gradient(fn) -> CheckResult:
    """``fn(f_values, z, mu, sigma)``: S samples → the score-function estimate of ∂/∂μ E[f(z)], per dimension."""
    return _check(SPECS["score_function_gradient"], fn)


def check_leave_one_out_baseline(fn) -> CheckResult:
    """``fn(f_values)`` with samples along axis 0 → one baseline per sample, the same shape."""
    return _check(SPECS["leave_one_out_baseline"], fn)


def check_constant_shift_prediction(fn) -> CheckResult:
    """``fn()`` → 'a', 'b', 'c' or 'd': what adding a constant to f does to each estimator (exercise 3.4)."""
    return _choice("constant_shift_prediction", fn, "b", {
        "a": "the expected gradient is unchanged, but the score-function estimate multiplies f(z_s) + 100 by the "
             "score (z_s − μ)/σ²: the extra 100 (z_s − μ)/σ² has mean 0 and variance 100²/σ² per sample (100²/(Sσ²) for an average of S samples)",
        "b": "the reparameterized estimate averages the derivative f'(μ + σ ε), and a constant has derivative 0; "
             "the score function weighs f(z) itself, so the constant adds 100 (z − μ)/σ², of mean 0 but variance "
             "100²/(Sσ²) for an average of S. A baseline subtracted from f removes such a constant",
        "c": "the reparameterized estimate averages the derivative f'(μ + σ ε), and the derivative of a constant "
             "is 0: its estimates do not change at all",
        "d": "the constant does not cancel inside the score-function estimate: it adds 100 (z − μ)/σ², a term of "
             "mean 0 and variance 100²/(Sσ²) for S samples, so the spread grows",
    })


# --------------------------------------------------------------------------- 04: label and style
def ref_categorical_entropy(probs):
    """H(q) = −Σ_y q(y) log q(y) in nats, with 0 log 0 = 0; probs [batch, K]."""
    return -np.sum(np.where(probs > 0, probs * np.log(np.where(probs > 0, probs, 1.0)), 0.0), axis=-1)


def ref_unlabeled_bound(bounds, probs):
    """U(x) = Σ_y q(y | x) L(x, y) + H(q(y | x)); bounds and probs [batch, K]."""
    return np.sum(probs * bounds, axis=-1) + ref_categorical_entropy(probs)


def ref_m2_loss(labeled_bounds, unlabeled_bounds, log_q_y, alpha):
    """loss = (1/B) [Σ_labeled −L(x, y) + Σ_unlabeled −U(x)] + (α/B) Σ_labeled −log q(y | x), B = N_l + N_u.

    α is the model's ``alpha``, a weight per labeled image in the batch, each time it is drawn (vae_tf.semisupervised).
    """
    b = len(labeled_bounds) + len(unlabeled_bounds)
    return (-labeled_bounds.sum() - unlabeled_bounds.sum()) / b + alpha / b * (-log_q_y.sum())


def ref_best_classifier(bounds):
    """argmax_q Σ_y q(y) L(x, y) + H(q) = softmax_y L(x, y) (q(y) ∝ exp L(x, y)), per image; bounds [batch, K]."""
    e = np.exp(bounds - bounds.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _probs(rng, b, k, peaked=False):
    logits = rng.normal(size=(b, k)) * (6 if peaked else 1)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def _entropy_cases():
    rng = _rng(9)
    return [(_probs(rng, 5, k, peaked=i % 2 == 1),) for i, k in enumerate((10, 4, 10, 7))]


_spec(Spec("categorical_entropy", ref_categorical_entropy, _entropy_cases(),
           extreme=[((np.array([[1.0, 0, 0, 0], [0.5, 0.5, 0, 0]]),),
                     "probabilities of exactly 0 (a confident classifier): 0 log 0 counts as 0, but np.log(0) = −inf "
                     "and 0 · −inf = nan; take the log only where q > 0")],
           slips=[("that is the entropy in bits (log base 2); the model works in nats (the natural log)",
                   lambda p: ref_categorical_entropy(p) / np.log(2)),
                  ("the minus sign is missing: H = −Σ q log q is positive", lambda p: -ref_categorical_entropy(p)),
                  ("that is −Σ log q, without the weights q(y): the entropy is −Σ_y q(y) log q(y)",
                   lambda p: -np.sum(np.log(p), axis=-1)),
                  ("that is −Σ q log(1 − q): the entropy is −Σ_y q(y) log q(y)",
                   lambda p: -np.sum(p * np.log1p(-p), axis=-1))],
           factors=[("the number of classes K", lambda a: a[0].shape[-1], "the classes")]))


def _unlabeled_cases():
    rng = _rng(10)
    return [(rng.normal(size=(5, k)) * 20 - 100, _probs(rng, 5, k, peaked=i % 2 == 1)) for i, k in enumerate((10, 3, 10, 6))]


_spec(Spec("unlabeled_bound", ref_unlabeled_bound, _unlabeled_cases(), slips=[
    ("the entropy term H(q(y | x)) is missing", lambda L, p: np.sum(p * L, axis=-1)),
    ("the entropy should be added: −Σ q log q is positive, you subtracted it",
     lambda L, p: np.sum(p * L, axis=-1) - ref_categorical_entropy(p)),
    ("weigh each L(x, y) by q(y | x), not by the prior 1/K",
     lambda L, p: L.mean(axis=-1) + ref_categorical_entropy(p)),
    ("that is max_y L(x, y) + H: U sums over every y, weighted by q(y | x)",
     lambda L, p: L.max(axis=-1) + ref_categorical_entropy(p)),
], factors=[("the number of classes K", lambda a: a[0].shape[-1], "the classes")]))


def _m2_cases():
    rng = _rng(11)
    return [(rng.normal(size=nl) * 10 - 100, rng.normal(size=nu) * 10 - 100, -np.abs(rng.normal(size=nl)) * 2, a)
            for nl, nu, a in ((3, 7, 0.5), (5, 5, 50.0), (2, 9, 10.0), (8, 2, 3.0))]


def _group_means(lb, ub, lq, a):
    return -(lb.mean() + a * lq.mean()) - ub.mean()


_spec(Spec("m2_loss", ref_m2_loss, _m2_cases(), slips=[
    ("each group is averaged over its own size: divide the batch's total by B = N_labeled + N_unlabeled, the whole "
     "batch", _group_means),
    ("α · mean_labeled log q(y | x) is the paper's α (0.1 N) form; here α is the model's weight per labeled image in the batch: "
     "(α/B) Σ_labeled −log q(y | x), a sum over the labeled images",
     lambda lb, ub, lq, a: -(lb.sum() + ub.sum()) / (len(lb) + len(ub)) - a * lq.mean()),
    ("α multiplies only the labeled images' log q(y | x) and that sum is divided by B like the rest: "
     "(α/B) Σ_labeled −log q(y | x), not α · mean_labeled inside the bracket",
     lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.mean()) / (len(lb) + len(ub))),
    ("the classification term has the wrong sign: −log q(y | x) is a loss, added with weight α/B",
     lambda lb, ub, lq, a: -(lb.sum() + ub.sum() - a * lq.sum()) / (len(lb) + len(ub))),
    ("the classification term α log q(y | x) is missing",
     lambda lb, ub, lq, a: -(lb.sum() + ub.sum()) / (len(lb) + len(ub))),
    ("the bounds are added with the wrong sign: the loss is −(L + U)/B, minimised",
     lambda lb, ub, lq, a: (lb.sum() + ub.sum() - a * lq.sum()) / (len(lb) + len(ub))),
    ("the labeled bounds are left out: each labeled image contributes its −L(x, y) as well as α times its "
     "−log q(y | x)", lambda lb, ub, lq, a: -(ub.sum() + a * lq.sum()) / (len(lb) + len(ub))),
    ("α is applied to L(x, y) too: it weighs only the classification term, (α/B) Σ_labeled −log q(y | x); the "
     "labeled bounds count once, like the unlabeled ones",
     lambda lb, ub, lq, a: -(a * lb.sum() + ub.sum() + a * lq.sum()) / (len(lb) + len(ub))),
    ("α is applied to L(x, y) instead of −log q(y | x): it weighs the classification term, (α/B) Σ_labeled "
     "−log q(y | x); the labeled bounds count once, like the unlabeled ones",
     lambda lb, ub, lq, a: -(a * lb.sum() + ub.sum() + lq.sum()) / (len(lb) + len(ub))),
    ("divided by the number of unlabeled images N_u: divide the batch's total by B = N_labeled + N_unlabeled, "
     "the whole batch", lambda lb, ub, lq, a: -(lb.sum() + ub.sum() + a * lq.sum()) / len(ub)),
], factors=[("the batch size B", lambda a: len(a[0]) + len(a[1]), "the batch")]))


def _classifier_cases():
    rng = _rng(17)
    return [(rng.normal(size=(5, k)) * 2 - 5,) for k in (10, 3, 10, 6)]


def _softmax_over_images(L):  # max and sum over axis 0, the images
    e = np.exp(L - L.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _normalised_over_images(L):  # each image's largest bound subtracted, but the sum over axis 0
    e = np.exp(L - L.max(axis=-1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _normalised_over_batch(L):  # one sum over every entry of the batch
    e = np.exp(L - L.max(axis=-1, keepdims=True))
    return e / e.sum()


_spec(Spec("best_classifier", ref_best_classifier, _classifier_cases(),
           extreme=[((_rng(18).normal(size=(4, 10)) * 20 - 150,),
                     "bounds around −150, like a real image's: in float32 exp(−150) underflows to 0 and 0/0 = nan; "
                     "subtract each image's largest bound before exp (it cancels in the ratio)"),
                    ((np.array([[-90.0, -91, -95, -100], [-400.0, -401, -403, -410]]),),
                     "one image's bounds around −90, another's around −400: the largest bound of the whole batch "
                     "(bounds.max()) leaves the second image 300 nats below it, exp underflows to 0 and 0/0 = nan; "
                     "subtract each image's own largest bound, bounds.max(axis=-1, keepdims=True)"),
                    ((np.array([[-1000.0, -1001, -1010], [-2000.0, -2000, -2000]]),),
                     "bounds around −1000 and −2000: exp underflows to 0 even in float64; subtract each image's "
                     "own largest bound first, bounds.max(axis=-1, keepdims=True), not the batch's bounds.max()")],
           slips=[("one-hot on argmax_y L(x, y) maximises Σ_y q L alone; the entropy H(q) rewards spreading q "
                   "where the bounds are close: set the derivative of Σ q L + H(q) + λ(Σ q − 1) to zero",
                   lambda L: np.eye(L.shape[-1])[np.argmax(L, axis=-1)]),
                  ("the uniform q maximises the entropy alone and ignores the bounds",
                   lambda L: np.full(L.shape, 1.0 / L.shape[-1])),
                  ("q ∝ exp(−L) puts most mass on the digit with the lowest bound: the sign is reversed",
                   lambda L: ref_best_classifier(-L)),
                  ("q ∝ L(x, y) favours the digit with the most negative bound: L is a log-probability bound, "
                   "so the best q is ∝ exp L(x, y)", lambda L: L / L.sum(axis=-1, keepdims=True)),
                  ("the softmax runs over axis 0, the images: each image's q(y | x) is a distribution over its "
                   "digits, the last axis of [batch, K] (axis=-1)", _softmax_over_images),
                  ("normalised over axis 0, the images: each image's q(y | x) sums to 1 over its digits, "
                   "e.sum(axis=-1, keepdims=True)", _normalised_over_images),
                  ("normalised over the whole batch: each image's q(y | x) sums to 1 over its own digits, "
                   "e.sum(axis=-1, keepdims=True)", _normalised_over_batch)]))


def check_categorical_entropy(fn) -> CheckResult:
    """``fn(probs)`` → H(q(y | x)) per image in nats, shape [batch]."""
    return _check(SPECS["categorical_entropy"], fn)


def check_unlabeled_bound(fn) -> CheckResult:
    """``fn(bounds, probs)``: L(x, y) and q(y | x) for every y, [batch, K] → U(x), shape [batch]."""
    return _check(SPECS["unlabeled_bound"], fn)


def check_m2_loss(fn) -> CheckResult:
    """``fn(labeled_bounds, unlabeled_bounds, log_q_y, alpha)`` → the loss to minimise, a scalar."""
    return _check(SPECS["m2_loss"], fn)


def check_best_classifier(fn) -> CheckResult:
    """``fn(bounds)`` with L(x, y) [batch, K] → the q(y | x) that maximises U(x), [batch, K] (exercise 4.4)."""
    return _check(SPECS["best_classifier"], fn)


# --------------------------------------------------------------------------- 04: U(x) in TensorFlow, on the model
#: images the check feeds the model when the notebook gives none: 7, so that [batch, K] and [K, batch] differ
U_TF_IMAGES = 7


def ref_unlabeled_bound_tf(model, x):
    """U(x) = Σ_y q_φ(y | x) L(x, y) + H(q_φ(y | x)) per image, shape [batch], in TensorFlow from the model's
    ``classify`` (q_φ(y | x), probabilities [batch, K]) and ``labeled_bound`` with every digit in one call (labels
    [K, batch], bounds [K, batch]), as ``model.unlabeled_bound`` computes it."""
    import tensorflow as tf

    q_y = model.classify(x)
    every_digit = tf.broadcast_to(tf.range(model.num_classes)[:, None], [model.num_classes, tf.shape(x)[0]])
    bounds = model.labeled_bound(x, every_digit)                                   # [K, batch]
    return tf.reduce_sum(tf.transpose(q_y.probs_parameter()) * bounds, axis=0) + q_y.entropy()


_u_tf_default = {}


def _u_tf_model():
    """The check's own model when the notebook gives none: a small untrained M2 with a confident classifier, and
    U_TF_IMAGES synthetic binary images (built once; the caller's random states are left as they were)."""
    if "model" not in _u_tf_default:
        import random

        import keras

        from vae_tf.semisupervised import SemiSupervisedVAE

        states = random.getstate(), np.random.get_state()
        try:
            keras.utils.set_random_seed(29)
            model = SemiSupervisedVAE(latent_dim=3, hidden=(32,))
            x = (_rng(29).random((U_TF_IMAGES, 28, 28)) < 0.3).astype(np.float32)
            model(x[:1])                                                           # builds the networks
            last = model.classifier.layers[-1]
            last.set_weights([w * 8 for w in last.get_weights()])                  # q(y | x) far from uniform
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])
        _u_tf_default["model"] = model, x
    return _u_tf_default["model"]


def _u_tf_pieces(model, x, start) -> dict:
    """With the model's ε replayed from the random-number state ``start`` for each: its own U(x) ("want"), L(x, y) [batch, K] from
    one call for all digits as unlabeled_bound draws them ("L") and from one call per digit ("per_digit"), L(x, y)
    of the most probable digit ("at_mode"), q(y | x) ("q") and its logits."""
    def replayed(compute):
        model.noise.state.assign(start)
        return np.asarray(compute(), np.float64)

    k, n = model.num_classes, len(x)
    q_y = model.classify(x)
    probs = q_y.probs_parameter().numpy().astype(np.float64)
    pieces = {"want": replayed(lambda: model.unlabeled_bound(x).numpy()),
              "L": replayed(lambda: model.labeled_bound(x, np.repeat(np.arange(k)[:, None], n, axis=1)).numpy().T),
              "per_digit": replayed(lambda: np.stack([model.labeled_bound(x, np.full(n, y)).numpy() for y in range(k)],
                                                     axis=1)),
              "at_mode": replayed(lambda: model.labeled_bound(x, probs.argmax(-1)).numpy()),
              "q": probs, "logits": q_y.logits_parameter().numpy().astype(np.float64)}
    model.noise.state.assign(start)
    return pieces


def _u(bounds, probs, weights=None):
    return np.sum((probs if weights is None else weights) * bounds, axis=-1) + ref_categorical_entropy(probs)


#: what a student's U(x) may equal, from the same draws of ε (the pieces of :func:`_u_tf_pieces`): (diagnosis,
#: formula); an empty diagnosis is right
U_TF_CANDIDATES = [
    ("", lambda p: _u(p["L"], p["q"])),
    ("", lambda p: _u(p["per_digit"], p["q"])),
    ("the entropy term H(q(y | x)) is missing: q_y.entropy() adds it", lambda p: np.sum(p["q"] * p["L"], axis=-1)),
    ("the entropy should be added: −Σ q log q is positive, you subtracted it",
     lambda p: np.sum(p["q"] * p["L"], axis=-1) - ref_categorical_entropy(p["q"])),
    ("weigh each L(x, y) by q(y | x), not by the prior 1/K",
     lambda p: p["L"].mean(axis=-1) + ref_categorical_entropy(p["q"])),
    ("that is L(x, y) of the classifier's most probable digit, plus H: U sums over every digit, weighted by q(y | x)",
     lambda p: p["at_mode"] + ref_categorical_entropy(p["q"])),
    ("the weights are the logits: weigh L(x, y) by the probabilities q(y | x), q_y.probs_parameter()",
     lambda p: _u(p["L"], p["q"], p["logits"])),
    ("the weights are the log-probabilities log q(y | x): weigh L(x, y) by the probabilities, q_y.probs_parameter()",
     lambda p: _u(p["L"], p["q"], np.log(p["q"]))),
]


def check_unlabeled_bound_tf(fn, model=None, x=None) -> CheckResult:
    """``fn(model, x)`` → U(x) per image, shape [batch], in TensorFlow from ``model.classify`` and
    ``model.labeled_bound`` (exercise 4.5). It is run on ``model`` (the notebook's trained M2; the check's small one
    when None) and the images ``x``, and compared with ``model.unlabeled_bound(x)`` under the same draws of ε:
    the model's random-number state is replayed, then left as it was."""
    name = "unlabeled_bound_tf"
    if model is None:
        model, x = _u_tf_model()
    x = np.asarray(x, np.float32)
    start = model.noise.state.numpy()
    try:
        try:
            got = fn(model, x)
        except NotImplementedError as err:
            return _report(name, False, *_not_implemented(name, err))
        except Exception as err:  # noqa: BLE001 - the student's code may raise anything
            text = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
            n, k, shapes = len(x), model.num_classes, str(err).replace(" ", "")
            if f"[{n},{k}]vs.[{k},{n}]" in shapes or f"[{k},{n}]vs.[{n},{k}]" in shapes:
                return _report(name, False, f"q(y | x) is [batch, K] (probs_parameter()), the bounds of every digit "
                                            f"[K, batch] (labeled_bound with labels [K, batch]): transpose one of "
                                            f"them before multiplying", f"raised {type(err).__name__}: {text}")
            if f"[{k}]vs.[{n}]" in shapes or f"[{n}]vs.[{k}]" in shapes:
                return _report(name, False, "a sum over the images: U(x) has one value per image, so sum over the "
                                            "digits y (axis 0 of the [K, batch] bounds)",
                               f"raised {type(err).__name__}: {text}")
            return _report(name, False, f"raised {type(err).__name__}", text)
        pieces = _u_tf_pieces(model, x, start)
    finally:
        model.noise.state.assign(start)
    try:
        got = _numpy(got)
    except (TypeError, ValueError) as err:
        return _report(name, False, f"returned {type(got).__name__}, which is not an array of numbers", str(err))
    n, k, want = len(x), model.num_classes, pieces["want"]
    if got.shape != want.shape:
        if got.shape == (k,):
            hint = (": that is one value per digit; sum over the digits y (axis 0 of the [K, batch] bounds), "
                    "not the images")
        elif got.size == n * k:
            hint = ": the sum over the digits y is missing"
        else:
            hint = ": U(x) is one number per image"
        return _report(name, False, f"shape {got.shape}, expected {want.shape}{hint}")
    detail = f"on {n} images: expected {_fmt(want)}, got {_fmt(got)}"
    for diagnosis, formula in U_TF_CANDIDATES:
        if _close(got, formula(pieces), 1e-5, 1e-3):
            if diagnosis:
                return _report(name, False, diagnosis, detail)
            return _report(name, True, f"equals model.unlabeled_bound on {n} images, with the same draws of ε")
    if not np.all(np.isfinite(got)):
        return _report(name, False, "the result contains NaN or inf", detail)
    # how far two estimates of the same bound lie apart: U(x) again, with the draws of ε that come next
    model.noise.state.assign(start)
    model.unlabeled_bound(x)                                                       # the draws of "want"
    fresh = model.unlabeled_bound(x).numpy().astype(np.float64)
    model.noise.state.assign(start)
    if np.mean(np.abs(got - want)) <= 3 * np.mean(np.abs(fresh - want)):
        return _report(name, False, "equal to model.unlabeled_bound only up to Monte Carlo noise: call "
                                    "model.labeled_bound once, with labels of shape [K, batch] for every digit and the "
                                    "default num_samples, so that it draws the ε that unlabeled_bound draws", detail)
    return _report(name, False, "values differ", detail)


# --------------------------------------------------------------------------- 05: disentangling
def _tc_log_weights(m, n):
    return np.where(np.eye(m) > 0, -np.log(n), np.log((n - 1) / (n * (m - 1))))


def _tc(log_q_pairs, log_w):
    log_qz = _lse(log_q_pairs.sum(-1) + log_w, axis=1)
    log_qz_dims = _lse(log_q_pairs + log_w[:, :, None], axis=1).sum(-1)
    return np.mean(log_qz - log_qz_dims)


def ref_total_correlation(log_q_pairs, dataset_size):
    """TC ≈ mean_i [log q(z_i) − Σ_d log q(z_id)], with log q(z_i) ≈ logsumexp_m(log w_im + Σ_d log q(z_id | x_m)).

    ``log_q_pairs[i, m, d]`` = log q(z_id | x_m) for M images; weights w_ii = 1/N and
    w_im = (N − 1)/(N (M − 1)) for m ≠ i (sample i came from image i: stratified sampling).
    """
    return _tc(log_q_pairs, _tc_log_weights(log_q_pairs.shape[0], float(dataset_size)))


def ref_beta_vae_loss(reconstruction, kl, beta):
    """−(1/B) Σ_n [E_q log p(x_n | z) − β KL(q(z | x_n) ‖ p(z))]: the β-VAE loss, a scalar."""
    return np.mean(beta * kl - reconstruction)


def ref_mig(mutual_information, entropies):
    """MIG = (1/K) Σ_k (I(z_(1); v_k) − I(z_(2); v_k)) / H(v_k); mutual_information [K factors, D latents]."""
    top = np.sort(mutual_information, axis=1)[:, ::-1]
    return np.mean((top[:, 0] - top[:, 1]) / entropies)


def ref_duplicated_latent_prediction():
    """Exercise 5.4: a copy of the best latent makes the runner-up as good as the best: that factor's gap is 0."""
    return "c"


def _pairs_case(rng, m, d, spread=0.3):
    loc, scale = rng.normal(size=(m, d)), np.exp(rng.normal(size=(m, d)) * spread)
    z = loc + scale * rng.normal(size=(m, d))
    return -0.5 * ((z[:, None] - loc[None]) / scale[None]) ** 2 - np.log(scale[None]) - 0.5 * np.log(2 * np.pi)


def _tc_cases():
    rng = _rng(12)
    return [(_pairs_case(rng, m, d), n) for m, d, n in ((8, 3, 1000), (16, 5, 60000), (4, 2, 50), (32, 4, 8000))]


def _tc_naive_mixture(p, n):  # every image weighted 1/M: ignores that the batch is a sample of N images
    return np.mean(_lse(p.sum(-1), 1) - _lse(p, 1).sum(-1))


def _tc_mws(p, n):  # β-TCVAE's minibatch-weighted sampling: every weight 1/(N M)
    return _tc(p, np.full((p.shape[0], p.shape[0]), -np.log(n * p.shape[0])))


def _tc_m_not_m_minus_1(p, n):
    m = p.shape[0]
    return _tc(p, np.where(np.eye(m) > 0, -np.log(n), np.log((n - 1) / (n * m))))


def _tc_no_dim_sum(p, n):  # Σ_d log q(z_id) left as a [M, D] array, broadcast against log q(z_i)
    log_w = _tc_log_weights(p.shape[0], float(n))
    return np.mean(_lse(p.sum(-1) + log_w, 1)[:, None] - _lse(p + log_w[:, :, None], 1))


def _tc_sum_not_lse(p, n):  # log Σ_m replaced by Σ_m log: the mixture's log-sum-exp is missing
    log_w = _tc_log_weights(p.shape[0], float(n))
    return np.mean(np.sum(p.sum(-1) + log_w, 1) - np.sum(p + log_w[:, :, None], 1).sum(-1))


def _tc_lse_axes(joint_axis, dims_axis):
    """The estimate with each log-sum-exp over the given axis of [i, m, ...]: 1 is right, 0 runs over the samples i."""
    def tc(p, n):
        log_w = _tc_log_weights(p.shape[0], float(n))
        return np.mean(_lse(p.sum(-1) + log_w, joint_axis) - _lse(p + log_w[:, :, None], dims_axis).sum(-1))
    return tc


_extreme_tc = _pairs_case(_rng(19), 6, 3) - 1000.0
_spec(Spec("total_correlation", ref_total_correlation, _tc_cases(),
           extreme=[((_extreme_tc, 5000),
                     "log q(z_id | x_m) around −1000, as for a trained model's codes far from another image's "
                     "posterior: exp underflows to 0 and the log gives −inf; use log-sum-exp "
                     "(np.logaddexp.reduce, or subtract the max before exp)")],
           slips=[("log q(z) should be taken before Σ_d log q(z_d): the sign is reversed",
                   lambda p, n: -ref_total_correlation(p, n)),
                  ("the importance weights are missing (1/N for the sample's own image, (N − 1)/(N (M − 1)) for the "
                   "others): every image weighted 1/M", _tc_naive_mixture),
                  ("those are the minibatch-weighted-sampling weights of Chen et al.'s β-TCVAE, 1/(N M) for every "
                   "image; this estimator is Esmaeili et al.'s stratified one: 1/N for the sample's own image, "
                   "(N − 1)/(N (M − 1)) for the others", _tc_mws),
                  ("off by one: the other images' weight is (N − 1)/(N (M − 1)), with M − 1 (the number of other "
                   "images), not M", _tc_m_not_m_minus_1),
                  ("Σ_d is missing: sum log q(z_id) over the dimensions d before subtracting it from log q(z_i)",
                   _tc_no_dim_sum),
                  ("the log-sum-exp is missing: log q(z_i) = log Σ_m w_im q(z_i | x_m) is the log of a sum over m, "
                   "not a sum of logs", _tc_sum_not_lse),
                  ("both log-sum-exps run over axis 0, the samples i; q(z_i) and q(z_id) are mixtures over the images "
                   "m: log_q_pairs[i, m, d] has them on axis 1", _tc_lse_axes(0, 0)),
                  ("the log-sum-exp for log q(z_i) runs over axis 0, the samples i; q(z_i) is a mixture over the "
                   "images m, axis 1 of log_q_pairs[i, m, d]", _tc_lse_axes(0, 1)),
                  ("the log-sum-exp for log q(z_id) runs over axis 0, the samples i; q(z_id) is a mixture over the "
                   "images m, axis 1 of log_q_pairs[i, m, d]", _tc_lse_axes(1, 0))],
           factors=[("the batch size M", lambda a: a[0].shape[0], "the samples i")]))


def _beta_cases():
    rng = _rng(13)
    return [(-np.abs(rng.normal(size=b)) * 100, np.abs(rng.normal(size=b)) * 20, beta)
            for b, beta in ((4, 2.0), (7, 4.0), (10, 0.5), (3, 10.0))]


_spec(Spec("beta_vae_loss", ref_beta_vae_loss, _beta_cases(), slips=[
    ("β weighs the KL, not the reconstruction", lambda r, k, b: np.mean(k - b * r)),
    ("β multiplies only the KL: weighing both terms is the plain loss scaled by β",
     lambda r, k, b: np.mean(b * (k - r))),
    ("that is the β-weighted ELBO, which is maximised; the loss is its negative",
     lambda r, k, b: np.mean(r - b * k)),
    ("the reconstruction term enters the loss with a minus sign: loss = β KL − E_q log p(x | z)",
     lambda r, k, b: np.mean(b * k + r)),
    ("the KL is divided by β: a large β must weigh it more, not less",
     lambda r, k, b: np.mean(k / b - r)),
], factors=[("the batch size B", lambda a: len(a[0]), "the batch")]))


def _mig_cases():
    rng = _rng(14)
    return [(np.abs(rng.normal(size=(k, d))), 1 + np.abs(rng.normal(size=k))) for k, d in ((3, 5), (2, 10), (4, 4), (1, 3))]


_spec(Spec("mig", ref_mig, _mig_cases(), slips=[
    ("normalise each gap by its factor's entropy H(v_k)",
     lambda mi, h: np.mean(np.sort(mi, 1)[:, -1] - np.sort(mi, 1)[:, -2])),
    ("the gap is between the best and the second-best latent, not the best and the worst",
     lambda mi, h: np.mean((mi.max(1) - mi.min(1)) / h)),
    ("np.sort sorts in ascending order: [:, 0] and [:, 1] are the two smallest; the best and the second-best are "
     "[:, -1] and [:, -2]", lambda mi, h: np.mean((np.sort(mi, 1)[:, 0] - np.sort(mi, 1)[:, 1]) / h)),
    ("the gap is the best minus the second-best, not the best alone",
     lambda mi, h: np.mean(np.sort(mi, 1)[:, -1] / h)),
], factors=[("the number of factors K", lambda a: a[0].shape[0], "the factors k")]))


def check_total_correlation(fn) -> CheckResult:
    """``fn(log_q_pairs, dataset_size)`` with log_q_pairs [M, M, D] → the total-correlation estimate, a scalar."""
    return _check(SPECS["total_correlation"], fn)


def check_beta_vae_loss(fn) -> CheckResult:
    """``fn(reconstruction, kl, beta)`` with per-image reconstruction and KL → the β-VAE loss, a scalar."""
    return _check(SPECS["beta_vae_loss"], fn)


def check_mig(fn) -> CheckResult:
    """``fn(mutual_information, entropies)``: I(z_j; v_k) as [K, D] and H(v_k) as [K] → MIG, a scalar."""
    return _check(SPECS["mig"], fn)


def check_duplicated_latent_prediction(fn) -> CheckResult:
    """``fn()`` → 'a', 'b', 'c' or 'd': what a copy of the best latent does to a factor's MIG gap (exercise 5.4)."""
    return _choice("duplicated_latent_prediction", fn, "c", {
        "a": "the copy adds no information, but the MIG is not about information alone: the runner-up latent now "
             "knows exactly as much as the best one",
        "b": "the gap is best minus second-best, and the copy is the new second-best: the gap cannot grow",
        "c": "the copy knows as much about the factor as the original, so the runner-up equals the best and the gap "
             "is 0: MIG rewards a factor held by one latent alone, not a factor that is merely well encoded",
        "d": "the gap is a difference, not a share: best minus an equally good second-best is 0, not half",
    })


#: the exercises of each notebook, in order (exercise N.i is the i-th name of notebook N):
#: ``check_<name>`` checks against ``ref_<name>``
EXERCISE_NAMES = {
    "01_autoencoder": ("encoder_forward", "decoder_forward", "binary_cross_entropy", "constant_decoder_bce"),
    "02_variational_autoencoder": ("gaussian_kl", "elbo", "iwae", "iwae_against_k", "train_step"),
    "03_reparameterization": ("reparameterized_sample", "score_function_gradient", "leave_one_out_baseline",
                              "constant_shift_prediction"),
    "04_label_and_style": ("categorical_entropy", "unlabeled_bound", "m2_loss", "best_classifier",
                           "unlabeled_bound_tf"),
    "05_disentangled_representations": ("total_correlation", "beta_vae_loss", "mig", "duplicated_latent_prediction"),
}
#: the exercise number of each name, "4.1" for categorical_entropy
EXERCISE_NUMBERS = {name: f"{i}.{j}" for i, names in enumerate(EXERCISE_NAMES.values(), 1)
                    for j, name in enumerate(names, 1)}
#: the "predict, then run" and "derive" exercises: they make the student think rather than transcribe
THINK_EXERCISES = ("constant_decoder_bce", "iwae_against_k", "constant_shift_prediction", "best_classifier",
                   "duplicated_latent_prediction")
#: notebook → exercise name → (check, reference)
EXERCISES = {notebook: {name: (globals()[f"check_{name}"], globals()[f"ref_{name}"]) for name in names}
             for notebook, names in EXERCISE_NAMES.items()}
