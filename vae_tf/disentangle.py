"""Disentangling: the decomposed KL term, a VAE that weighs its parts, and a score.

The average KL term of the ELBO splits into three parts (Esmaeili et al. 2019; Chen et al. 2018):
    E_{p(x)} KL(q(z | x) ‖ p(z))
      = I_q(x; z)                          index-code mutual information
      + KL(q(z) ‖ Π_j q(z_j))               total correlation (TC)
      + Σ_j KL(q(z_j) ‖ p(z_j))             dimension-wise KL,
with the aggregate posterior q(z) = (1/N) Σ_n q(z | x_n). On a minibatch of M of the N images,
for z_i ~ q(z | x_i), the stratified estimate counts image i with its true weight 1/N and
lets the other M − 1 images stand in for the other N − 1 (Esmaeili et al. 2019, eq. 10):
    q(z_i) ≈ q(z_i | x_i) / N + (N − 1) / (N (M − 1)) Σ_{m≠i} q(z_i | x_m),
and the same weights give q(z_ij) for each dimension j. (Chen et al.'s minibatch-weighted sampling
for β-TCVAE, (1/(NM)) Σ_m q(z_i | x_m), understates q(z_i) by up to a factor M.) With N = M it is the exact
mixture over the batch. On the same samples the three estimates add up exactly to the
Monte-Carlo KL (1/M) Σ_i [log q(z_i | x_i) − log p(z_i)].
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf.data import positive_int
from vae_tf.vae import VAE

tfd = tfp.distributions


def _log_weights(m, dataset_size: int) -> tf.Tensor:
    """log w_im of the stratified estimate: 1/N for the sample's own image, (N − 1)/(N (M − 1)) otherwise."""
    mf, n = tf.cast(m, tf.float32), float(dataset_size)
    return tf.where(tf.eye(m) > 0, -tf.math.log(n), tf.math.log((n - 1.0) / (n * (mf - 1.0))))  # [M, M]


def _aggregate(log_w, log_q_given_x):
    """log q(·_i) ≈ log Σ_m w_im q(·_i | x_m), from log q(·_i | x_m) of shape [M, M, ...]."""
    for _ in range(len(log_q_given_x.shape) - 2):
        log_w = log_w[..., None]
    return tf.reduce_logsumexp(log_w + log_q_given_x, axis=1)


def decomposed_kl(q, z, prior, dataset_size: int) -> dict[str, tf.Tensor]:
    """Stratified estimates (Esmaeili et al.) of ``mi``, ``tc`` and ``dim_kl`` (batch means) and their sum ``kl``.

    ``q`` is q(z | x) for the M images of the batch (a ``tfd.Independent`` of Normals with
    batch shape [M]); ``z`` holds one sample per image, shape [M, D]; ``prior`` is p(z).
    """
    normal = q.distribution
    log_w = _log_weights(tf.shape(z)[0], dataset_size)
    # log q(z_ij | x_m) for every sample i, image m and dimension j: [M, M, D]
    log_q_pairs = tfd.Normal(normal.loc[None], normal.scale[None]).log_prob(z[:, None, :])
    log_q_zi_given_xi = q.log_prob(z)
    log_qz = _aggregate(log_w, tf.reduce_sum(log_q_pairs, axis=2))
    log_qz_dims = tf.reduce_sum(_aggregate(log_w, log_q_pairs), axis=1)
    log_pz = prior.log_prob(z)
    terms = {
        "mi": tf.reduce_mean(log_q_zi_given_xi - log_qz),
        "tc": tf.reduce_mean(log_qz - log_qz_dims),
        "dim_kl": tf.reduce_mean(log_qz_dims - log_pz),
    }
    terms["kl"] = tf.reduce_mean(log_q_zi_given_xi - log_pz)
    return terms


def grouped_kl(q_y, q_z, y, z, prior_y, prior_z, dataset_size: int) -> dict[str, tf.Tensor]:
    """The KL term of a latent made of two groups, a digit y and a style z (Esmaeili et al. 2019):
        E_p(x) KL(q(y, z | x) ‖ p(y) p(z))
          = I_q(x; y, z)                      ``mi``: index-code mutual information
          + KL(q(y, z) ‖ q(y) q(z))            ``tc_groups``: total correlation between the groups, I_q(y; z)
          + KL(q(y) ‖ p(y))                    ``kl_y``
          + KL(q(z) ‖ Π_j q(z_j))              ``tc_z``: total correlation within z
          + Σ_j KL(q(z_j) ‖ p(z_j))            ``dim_kl_z``,
    each a stratified estimate (batch mean) as in :func:`decomposed_kl`; ``kl`` is their sum.
    Also ``mi_z``: I_q(x; z), what the style group alone tells about the image (not a part of the sum).

    ``q_y``: q(y | x_m), a ``tfd.Categorical`` with batch shape [M]; ``q_z``: q(z | x_m, y = k) for
    every digit k, a ``tfd.Independent`` of Normals with batch shape [K, M]; ``y`` [M] and ``z``
    [M, D]: one sample y_i ~ q(y | x_i), z_i ~ q(z | x_i, y_i) per image.
    """
    y = tf.cast(y, tf.int32)
    log_w = _log_weights(tf.shape(z)[0], dataset_size)
    normal = q_z.distribution
    log_q_k = tf.transpose(tf.math.log_softmax(q_y.logits_parameter()))               # [K, M]: log q(k | x_m)
    # log q(z_ij | x_m, k) for every digit k, sample i, image m, dimension j: [K, M, M, D]
    log_q_pairs = tfd.Normal(normal.loc[:, None], normal.scale[:, None]).log_prob(z[None, :, None, :])
    log_q_y_pairs = tf.gather(log_q_k, y)                                           # [M, M]: log q(y_i | x_m)
    log_q_z_pairs_yi = tf.reduce_sum(tf.gather(tf.transpose(log_q_pairs, [1, 0, 2, 3]), y, batch_dims=1), axis=-1)
    log_q_yz_pairs = log_q_y_pairs + log_q_z_pairs_yi                               # log q(y_i, z_i | x_m)
    log_q_z_pairs = tf.reduce_logsumexp(log_q_k[:, None, :] + tf.reduce_sum(log_q_pairs, -1), axis=0)   # log q(z_i | x_m)
    log_q_zj_pairs = tf.reduce_logsumexp(log_q_k[:, None, :, None] + log_q_pairs, axis=0)             # log q(z_ij | x_m)
    own = tf.linalg.diag_part(log_q_yz_pairs)                                       # log q(y_i, z_i | x_i)
    log_qyz, log_qy = _aggregate(log_w, log_q_yz_pairs), _aggregate(log_w, log_q_y_pairs)
    log_qz, log_qz_dims = _aggregate(log_w, log_q_z_pairs), tf.reduce_sum(_aggregate(log_w, log_q_zj_pairs), axis=1)
    log_py, log_pz = prior_y.log_prob(y), prior_z.log_prob(z)
    terms = {
        "mi": tf.reduce_mean(own - log_qyz),
        "tc_groups": tf.reduce_mean(log_qyz - log_qy - log_qz),
        "kl_y": tf.reduce_mean(log_qy - log_py),
        "tc_z": tf.reduce_mean(log_qz - log_qz_dims),
        "dim_kl_z": tf.reduce_mean(log_qz_dims - log_pz),
    }
    terms["kl"] = tf.reduce_mean(own - log_py - log_pz)
    terms["mi_z"] = tf.reduce_mean(tf.linalg.diag_part(log_q_z_pairs) - log_qz)
    return terms


class BetaVAE(VAE):
    """β-VAE (Higgins et al. 2017): maximises reconstruction − β KL(q(z | x) ‖ p(z)).

    β > 1 presses every part of the KL term alike; β = 1 is the plain VAE. ``fit`` logs ``elbo``
    (the true, unweighted ELBO), ``reconstruction`` and ``kl``.
    """

    def __init__(self, beta: float = 4.0, latent_dim: int = 10, hidden=(512,), activation: str = "relu", **kwargs):
        super().__init__(latent_dim=latent_dim, hidden=hidden, activation=activation, **kwargs)
        self.beta = float(beta)
        if self.beta < 0:
            raise ValueError(f"beta={beta} must be non-negative")

    def penalty_terms(self, q, z, kl):
        return {"penalty": self.beta * tf.reduce_mean(kl)}


class TCVAE(BetaVAE):
    """TC-VAE: the objective of β-TCVAE (Chen et al. 2018), the KL term split as I_q(x; z) + TC + Σ_j KL_j
    with only the total correlation weighted by β: maximises reconstruction − (I_q + β TC + Σ_j KL_j).

    The three parts are the stratified estimates of :func:`decomposed_kl` (Esmaeili et al. 2019, not
    Chen et al.'s minibatch-weighted sampling), which need N,
    the number of training images (``dataset_size``). ``fit`` logs them as ``mi``, ``tc`` and
    ``dim_kl`` besides ``elbo``, ``reconstruction`` and ``kl``.
    """

    term_names = ("loss", "elbo", "reconstruction", "kl", "mi", "tc", "dim_kl")

    def __init__(self, dataset_size: int, beta: float = 4.0, latent_dim: int = 10, hidden=(512,),
                 activation: str = "relu", **kwargs):
        super().__init__(beta=beta, latent_dim=latent_dim, hidden=hidden, activation=activation, **kwargs)
        if int(dataset_size) <= 1:
            raise ValueError(f"dataset_size={dataset_size} must be N, the number of training images (at least 2)")
        self.dataset_size = int(dataset_size)

    def penalty_terms(self, q, z, kl):
        parts = decomposed_kl(q, z[0], self.prior, self.dataset_size)
        return {"penalty": parts["mi"] + self.beta * parts["tc"] + parts["dim_kl"],
                "mi": parts["mi"], "tc": parts["tc"], "dim_kl": parts["dim_kl"]}


# --------------------------------------------------------------------------- image features
def _moments(images):
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"images: expected (N, rows, cols), got {x.shape}")
    rows, cols = np.mgrid[: x.shape[1], : x.shape[2]]
    mass = x.sum(axis=(1, 2)) + 1e-9
    r0 = (x * rows).sum(axis=(1, 2)) / mass
    c0 = (x * cols).sum(axis=(1, 2)) / mass
    dr, dc = rows[None] - r0[:, None, None], cols[None] - c0[:, None, None]
    mu_rr = (x * dr**2).sum(axis=(1, 2)) / mass
    mu_cc = (x * dc**2).sum(axis=(1, 2)) / mass
    mu_rc = (x * dr * dc).sum(axis=(1, 2)) / mass
    return mass, mu_rr, mu_cc, mu_rc


def slant(images) -> np.ndarray:
    """Horizontal shear from second-order moments: s = −μ_rc / μ_rr (row index grows downwards).

    An image sheared by x' = x + s·(height above the centre) has slant s; upright digits give ≈ 0,
    digits leaning right give s > 0.
    """
    _, mu_rr, _, mu_rc = _moments(images)
    return -mu_rc / (mu_rr + 1e-9)


def width(images) -> np.ndarray:
    """Horizontal spread of the ink once the slant is removed: sqrt(μ_cc − μ_rc² / μ_rr), in pixels."""
    _, mu_rr, mu_cc, mu_rc = _moments(images)
    return np.sqrt(np.maximum(mu_cc - mu_rc**2 / (mu_rr + 1e-9), 0.0))


def thickness(images, threshold: float = 0.5) -> np.ndarray:
    """Stroke thickness ≈ 2 · ink area / ink perimeter, in pixels (a stroke of length ℓ and width w
    has area ℓ·w and perimeter ≈ 2ℓ). The perimeter counts ink/background pixel edges."""
    ink = np.asarray(images) > threshold
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    edges = (np.abs(np.diff(padded.astype(np.int8), axis=1)).sum(axis=(1, 2))
             + np.abs(np.diff(padded.astype(np.int8), axis=2)).sum(axis=(1, 2)))
    return 2.0 * ink.sum(axis=(1, 2)) / np.maximum(edges, 1)


def image_factors(images, labels=None) -> dict[str, np.ndarray]:
    """The measured factors of variation: slant, width, thickness (and the digit, when labels are given)."""
    factors = {"slant": slant(images), "width": width(images), "thickness": thickness(images)}
    if labels is not None:
        factors["digit"] = np.asarray(labels)
    return factors


# --------------------------------------------------------------------------- the score
def _discretize(values, bins):
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.integer) and len(np.unique(values)) <= bins:
        return np.unique(values, return_inverse=True)[1]
    edges = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, values)


def _mutual_information(a, b):
    """I(a; b) in nats from paired bin indices: the plug-in estimate with the Miller–Madow correction,
    (k_a − 1 + k_b − 1 − (k_ab − 1)) / 2n for k occupied bins, which removes the plug-in's first-order
    bias ((k_a − 1)(k_b − 1) / 2n for independent a and b, about 0.02 nats for 20 × 20 bins and n = 10,000)."""
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    n = joint.sum()
    joint /= n
    pa, pb = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    plug_in = float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())
    return plug_in + ((pa > 0).sum() - 1 + (pb > 0).sum() - 1 - (nz.sum() - 1)) / (2 * n)


def mutual_information_matrix(codes, factors: dict[str, np.ndarray], bins: int = 20) -> np.ndarray:
    """I(z_j; v_k) between each code dimension j and each factor k, in nats, by histogram (equal-mass
    bins, Miller–Madow corrected); I(v_k; v_k) is the factor's entropy H(v_k)."""
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"codes: expected (N, D), got {codes.shape}")
    cz = [_discretize(codes[:, j], bins) for j in range(codes.shape[1])]
    cv = [_discretize(v, bins) for v in factors.values()]
    return np.array([[_mutual_information(z, v) for v in cv] for z in cz])


def mig(codes, factors: dict[str, np.ndarray], bins: int = 20) -> dict[str, object]:
    """Mutual information gap (Chen et al. 2018): for each factor v_k,
    (I(z_(1); v_k) − I(z_(2); v_k)) / H(v_k), the gap between the two code dimensions that know
    most about it, normalised by the factor's entropy; ``score`` is the mean over factors.
    1 means each factor is captured by one dimension alone; 0 means it is spread or absent.
    Also returns ``per_factor`` gaps, the ``best_dim`` for each factor and the MI matrix.
    """
    mi = mutual_information_matrix(codes, factors, bins)
    gaps, best = {}, {}
    for k, (name, v) in enumerate(factors.items()):
        dv = _discretize(v, bins)
        entropy = _mutual_information(dv, dv)
        top = np.sort(mi[:, k])[::-1]
        gaps[name] = float((top[0] - (top[1] if len(top) > 1 else 0.0)) / max(entropy, 1e-12))
        best[name] = int(np.argmax(mi[:, k]))
    return {"score": float(np.mean(list(gaps.values()))), "per_factor": gaps, "best_dim": best, "mi": mi}


def mig_floor(codes, factors: dict[str, np.ndarray], bins: int = 20, repeats: int = 5, seed: int = 0) -> dict[str, object]:
    """The MIG of codes that know nothing about the factors: each dimension of ``codes`` shuffled
    across images on its own (its values kept, their link to the images cut), ``repeats`` times.
    Returns the largest ``score`` and, per factor, the largest gap (``per_factor``) over the repeats:
    a gap at or below it is what the estimator gives by chance.
    """
    codes, rng = np.asarray(codes), np.random.default_rng(seed)
    runs = [mig(np.stack([rng.permutation(c) for c in codes.T], axis=1), factors, bins) for _ in range(positive_int(repeats, "repeats"))]
    return {"score": max(r["score"] for r in runs), "per_factor": {k: max(r["per_factor"][k] for r in runs) for k in factors}}


__all__ = ["BetaVAE", "TCVAE", "decomposed_kl", "grouped_kl", "image_factors", "mig", "mig_floor", "mutual_information_matrix",
           "slant", "thickness", "width"]
