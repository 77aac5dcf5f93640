import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf import disentangle as dis
from vae_tf.data import binarize_fixed


def _shear(images, s):
    """Shift each row horizontally by s × (height above the image's ink centre), by linear interpolation."""
    out = np.empty_like(images)
    cols = np.arange(images.shape[2])
    for n, img in enumerate(images):
        rows = np.arange(img.shape[0])
        r0 = (img.sum(axis=1) * rows).sum() / img.sum()
        for r in rows:
            out[n, r] = np.interp(cols - s * (r0 - r), cols, img[r], left=0, right=0)
    return out


def test_slant_recovers_a_known_shear(small_mnist):
    x = np.pad(small_mnist.x_test[:50], ((0, 0), (0, 0), (8, 8)))  # room to shear without clipping
    base = dis.slant(x)
    for s in (-0.4, 0.2, 0.5):
        np.testing.assert_allclose(dis.slant(_shear(x, s)) - base, s, atol=0.06)


def test_thickness_grows_when_a_digit_is_dilated(small_mnist):
    x = (small_mnist.x_test[:50] > 0.5).astype(np.float32)
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    dilated = np.max([p[:, 1 + dr: 29 + dr, 1 + dc: 29 + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)], axis=0)
    assert np.all(dis.thickness(dilated) > dis.thickness(x))
    assert np.mean(dis.thickness(dilated) - dis.thickness(x)) > 1.0
    # a bar of known width: thickness ≈ its width
    bar = np.zeros((1, 28, 28), np.float32)
    bar[0, 4:24, 10:13] = 1.0
    np.testing.assert_allclose(dis.thickness(bar), 3.0, rtol=0.15)


def test_width_is_shear_invariant_and_grows_with_horizontal_stretch(small_mnist):
    x = np.pad(small_mnist.x_test[:50], ((0, 0), (0, 0), (8, 8)))
    np.testing.assert_allclose(dis.width(_shear(x, 0.3)), dis.width(x), atol=0.15)  # interpolation blurs a little
    stretched = np.array([[np.interp(np.arange(44), 22 + (np.arange(44) - 22) * 1.3, row) for row in img] for img in x])
    assert np.all(dis.width(stretched) > dis.width(x))


def test_mig_is_high_for_disentangled_codes_and_low_for_a_rotation():
    rng = np.random.default_rng(0)
    factors = {"a": rng.normal(size=5000), "b": rng.uniform(size=5000), "c": rng.integers(0, 10, 5000)}
    z = np.stack([factors["a"], factors["b"], factors["c"] + rng.uniform(size=5000)], axis=1)
    z = np.concatenate([z + 0.05 * rng.normal(size=z.shape), rng.normal(size=(5000, 2))], axis=1)
    rotation, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    good = dis.mig(z, factors)
    rotated = dis.mig((z - z.mean(0)) / z.std(0) @ rotation, factors)
    assert good["score"] > 0.6
    assert rotated["score"] < 0.25
    assert good["best_dim"] == {"a": 0, "b": 1, "c": 2}


def test_decomposed_terms_add_up_to_the_kl_and_match_a_direct_computation(small_mnist):
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=3, hidden=(32,))
    x = binarize_fixed(small_mnist.x_test[:64], 0)
    q = model.encode(x)
    z = q.sample()
    parts = dis.decomposed_kl(q, z, model.prior, dataset_size=64)
    np.testing.assert_allclose(parts["mi"] + parts["tc"] + parts["dim_kl"], parts["kl"], rtol=1e-4, atol=1e-4)
    # with N = M the MWS estimate of log q(z_i) is the exact mixture density over the batch
    loc, scale = q.distribution.loc.numpy(), q.distribution.scale.numpy()
    zn = z.numpy()
    log_pair = -0.5 * ((zn[:, None] - loc[None]) / scale[None]) ** 2 - np.log(scale[None]) - 0.5 * np.log(2 * np.pi)
    log_qz = np.logaddexp.reduce(log_pair.sum(-1), axis=1) - np.log(64)
    log_q_own = log_pair[np.arange(64), np.arange(64)].sum(-1)
    np.testing.assert_allclose(parts["mi"], np.mean(log_q_own - log_qz), rtol=1e-3, atol=1e-3)


def test_tc_vae_penalises_the_total_correlation_and_the_beta_vae_the_whole_kl(small_mnist):
    vae_tf.set_seed(0)
    data = small_mnist.x_train[:500]
    x = binarize_fixed(data[:100], 0)
    tc_vae = vae_tf.TCVAE(dataset_size=len(data), beta=6.0, latent_dim=4, hidden=(32,))
    hist = tc_vae.fit(vae_tf.make_dataset(data, batch_size=100), epochs=2, verbose=0)
    assert hist.history["elbo"][-1] > hist.history["elbo"][0]
    # loss = −reconstruction + MI + β TC + dim-KL: on the same ε, raising β by one adds exactly the TC
    state = tc_vae.noise.state.numpy()

    def terms_at(beta):
        tc_vae.beta = beta
        tc_vae.noise.state.assign(state)
        return tc_vae.compute_terms(x, training=True)

    t6, t7 = terms_at(6.0), terms_at(7.0)
    assert float(t6["tc"]) > 1e-3
    np.testing.assert_allclose(float(t7["loss"] - t6["loss"]), float(t6["tc"]), rtol=1e-3, atol=1e-4)

    beta_vae = vae_tf.BetaVAE(beta=4.0, latent_dim=4, hidden=(32,))
    q = beta_vae.encode(x)
    terms = beta_vae.compute_terms(x)
    kl = tf.reduce_mean(0.5 * tf.reduce_sum(q.distribution.scale**2 + q.distribution.loc**2 - 1
                                            - 2 * tf.math.log(q.distribution.scale), -1))
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-4)          # the KL term against its closed form
    assert beta_vae.get_config()["beta"] == 4.0 and "gradient_estimator" not in beta_vae.get_config()
    with pytest.raises(ValueError, match="dataset_size"):
        vae_tf.TCVAE(dataset_size=0)
    with pytest.raises((TypeError, ValueError), match="alpha"):
        vae_tf.TCVAE(dataset_size=10, alpha=2.0)                  # no argument it would ignore


def test_traversal_codes_vary_one_dimension_at_a_time():
    codes = vae_tf.plotting.traversal_codes(np.array([1.0, 2.0, 3.0]), [1, 2], np.array([-1.0, 0.0, 1.0]))
    assert codes.shape == (6, 3)
    np.testing.assert_array_equal(codes[:3, 1], [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(codes[:3, 0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(codes[3:, 2], [-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="dims"):
        vae_tf.plotting.traversal_codes(np.zeros(3), [3], [0.0])


def _mixture_terms(log_q_k, loc, scale, y, z, prior_y, prior_z):
    """The grouped KL terms of the exact mixture over M = N images, by tfd mixtures (a second method)."""
    tfd = vae_tf.disentangle.tfd
    k, m, d = loc.shape
    probs = np.exp(log_q_k)                                            # [K, M]: q(k | x_m)
    terms = {n: [] for n in ("mi", "tc_groups", "kl_y", "tc_z", "dim_kl_z", "kl", "mi_z")}
    # q(z): a mixture of K·M Normals, weight q(k | x_m) / M; q(z_j): the same mixture, one dimension
    flat = tfd.Categorical(probs=probs.reshape(-1) / m)
    q_z = tfd.MixtureSameFamily(flat, tfd.Independent(tfd.Normal(loc.reshape(-1, d), scale.reshape(-1, d)), 1))
    q_zj = [tfd.MixtureSameFamily(flat, tfd.Normal(loc[..., j].reshape(-1), scale[..., j].reshape(-1))) for j in range(d)]
    for i in range(m):
        yi, zi = int(y[i]), z[i]
        q_y = probs[yi].mean()                                         # q(y_i) = (1/M) Σ_m q(y_i | x_m)
        q_yz = tfd.MixtureSameFamily(tfd.Categorical(probs=probs[yi] / probs[yi].sum()),
                                     tfd.Independent(tfd.Normal(loc[yi], scale[yi]), 1)).log_prob(zi).numpy() + np.log(q_y)
        own = log_q_k[yi, i] + tfd.Independent(tfd.Normal(loc[yi, i], scale[yi, i]), 1).log_prob(zi).numpy()
        lz, lzj = q_z.log_prob(zi).numpy(), sum(q_zj[j].log_prob(zi[j]).numpy() for j in range(d))
        own_z = tfd.MixtureSameFamily(tfd.Categorical(probs=probs[:, i]),                # q(z_i | x_i), a mixture over y
                                      tfd.Independent(tfd.Normal(loc[:, i], scale[:, i]), 1)).log_prob(zi).numpy()
        lpy, lpz = prior_y.log_prob(yi).numpy(), prior_z.log_prob(zi).numpy()
        for name, value in [("mi", own - q_yz), ("tc_groups", q_yz - np.log(q_y) - lz), ("kl_y", np.log(q_y) - lpy),
                            ("tc_z", lz - lzj), ("dim_kl_z", lzj - lpz), ("kl", own - lpy - lpz), ("mi_z", own_z - lz)]:
            terms[name].append(value)
    return {n: float(np.mean(v)) for n, v in terms.items()}


def test_grouped_kl_is_the_exact_mixture_when_the_batch_is_the_data_set():
    tfd = vae_tf.disentangle.tfd
    rng = np.random.default_rng(1)
    k, m, d = 3, 6, 2
    logits = rng.normal(size=(m, k)).astype(np.float32) * 2
    loc = rng.normal(size=(k, m, d)).astype(np.float32)
    scale = rng.uniform(0.3, 1.5, size=(k, m, d)).astype(np.float32)
    q_y = tfd.Categorical(logits=logits)
    y = q_y.sample(seed=3).numpy()
    z = tfd.Independent(tfd.Normal(loc, scale), 1).sample(seed=4).numpy()[y, np.arange(m)]   # z_i ~ q(z | x_i, y_i)
    prior_y, prior_z = tfd.Categorical(logits=np.zeros(k, np.float32)), tfd.MultivariateNormalDiag(tf.zeros(d))
    got = dis.grouped_kl(q_y, tfd.Independent(tfd.Normal(loc, scale), 1), y, z, prior_y, prior_z, dataset_size=m)
    want = _mixture_terms(tf.transpose(tf.math.log_softmax(logits)).numpy(), loc, scale, y, z, prior_y, prior_z)
    for name in want:
        np.testing.assert_allclose(float(got[name]), want[name], rtol=1e-4, atol=1e-4, err_msg=name)


def test_grouped_kl_has_no_total_correlation_between_groups_when_z_ignores_y():
    tfd = vae_tf.disentangle.tfd
    rng = np.random.default_rng(2)
    k, m, d = 10, 32, 3
    loc = np.broadcast_to(rng.normal(size=(1, m, d)), (k, m, d)).astype(np.float32)    # q(z | x, y) the same for every y
    q_z = tfd.Independent(tfd.Normal(loc, np.full((k, m, d), 0.5, np.float32)), 1)
    q_y = tfd.Categorical(logits=rng.normal(size=(m, k)).astype(np.float32) * 3)
    y, z = q_y.sample(seed=1), q_z.sample(seed=2)[0]
    terms = dis.grouped_kl(q_y, q_z, y, z, tfd.Categorical(logits=tf.zeros(k)), tfd.MultivariateNormalDiag(tf.zeros(d)), 1000)
    assert abs(float(terms["tc_groups"])) < 0.1 * float(terms["mi"])   # only the estimator's own noise
    # and a y-dependent encoder does have it: z tells the digit
    loc2 = loc + 4.0 * np.arange(k, dtype=np.float32)[:, None, None]
    q_z2 = tfd.Independent(tfd.Normal(loc2, np.full((k, m, d), 0.5, np.float32)), 1)
    z2 = tf.gather(tf.transpose(q_z2.sample(seed=2), [1, 0, 2]), tf.cast(y, tf.int32), batch_dims=1)
    terms2 = dis.grouped_kl(q_y, q_z2, y, z2, tfd.Categorical(logits=tf.zeros(k)), tfd.MultivariateNormalDiag(tf.zeros(d)), 1000)
    assert float(terms2["tc_groups"]) > 1.0


def test_mutual_information_is_bias_corrected_and_the_floor_catches_chance_gaps():
    rng = np.random.default_rng(0)
    n = 10_000
    a, b = rng.normal(size=n), rng.normal(size=n)
    mi = dis.mutual_information_matrix(a[:, None], {"b": b})[0, 0]
    # the plug-in estimate of two independent variables is (20 − 1)² / 2n ≈ 0.018 nats too high
    assert abs(mi) < 0.006
    # a Gaussian pair with correlation ρ has I = −½ log(1 − ρ²); 20 equal-mass bins lose a little of it
    rho = 0.8
    c = rho * a + np.sqrt(1 - rho**2) * b
    true = -0.5 * np.log(1 - rho**2)
    assert 0.85 * true < dis.mutual_information_matrix(a[:, None], {"c": c})[0, 0] < 1.02 * true
    # a code that holds factor f in dimension 0: gap far above the floor of shuffled codes
    f = rng.normal(size=n)
    codes = np.stack([f + 0.3 * rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)], axis=1)
    gap, floor = dis.mig(codes, {"f": f})["per_factor"]["f"], dis.mig_floor(codes, {"f": f})["per_factor"]["f"]
    assert gap > 0.3 and floor < 0.01
    # the floor is what chance gives: codes unrelated to f stay at or below about it
    unrelated = dis.mig(rng.normal(size=(n, 3)), {"f": f})["per_factor"]["f"]
    assert unrelated < 3 * floor + 0.002
