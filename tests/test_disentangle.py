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
