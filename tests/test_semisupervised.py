import itertools

import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf.data import binarize_fixed, mask_labels
from vae_tf.semisupervised import Classifier, SemiSupervisedVAE, check_labels, paper_alpha, semisupervised_dataset


@pytest.fixture(scope="module")
def model(small_mnist):
    vae_tf.set_seed(0)
    m = SemiSupervisedVAE(latent_dim=4, hidden=(32,), alpha=1.0)
    # one short epoch, so that L(x, y) depends clearly on the digit y
    m.fit(small_mnist.x_train, mask_labels(small_mnist.y_train, 100, seed=0), epochs=1, verbose=0)
    return m


@pytest.fixture(scope="module")
def x8(small_mnist):
    return binarize_fixed(small_mnist.x_test[:8], seed=0)


def test_unlabeled_bound_equals_the_explicit_sum_over_digits(model, x8):
    x4, S = x8[:4], 3000  # many samples: each bound's Monte-Carlo error is well under 1 nat
    tf.random.set_seed(1)
    probs = model.classify(x4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    # L(x, y) for each digit separately, then U(x) = Σ_y q(y|x) L(x, y) + H(q(y|x)) by hand
    explicit_bounds = np.stack([model.labeled_bound(x4, np.full(4, k), num_samples=S).numpy() for k in range(10)])
    entropy = -(probs * np.log(probs)).sum(axis=1)
    explicit_u = (probs * explicit_bounds.T).sum(axis=1) + entropy
    assert np.ptp(explicit_bounds, axis=0).min() > 3  # the bound really depends on y
    batched = model.bounds_for_every_label(x4, num_samples=S).numpy()
    np.testing.assert_allclose(batched, explicit_bounds, atol=1.0)
    np.testing.assert_allclose(model.unlabeled_bound(x4, num_samples=S).numpy(), explicit_u, atol=1.0)


def test_with_a_one_hot_classifier_u_reduces_to_l(model, x8):
    saved = model.classifier.layers[-1].get_weights()
    kernel, bias = np.zeros_like(saved[0]), np.full_like(saved[1], -1e4)
    model.classifier.layers[-1].set_weights([kernel, bias])
    try:
        # every row of q(y|x) becomes one-hot on digit 3: U(x) = L(x, 3) and H = 0
        bias[3] = 1e4
        model.classifier.layers[-1].set_weights([kernel, bias])
        u = model.unlabeled_bound(x8[:4], num_samples=3000).numpy()
        l3 = model.labeled_bound(x8[:4], np.full(4, 3), num_samples=3000).numpy()
        np.testing.assert_allclose(u, l3, atol=1.0)
        others = np.delete(model.bounds_for_every_label(x8[:4], num_samples=3000).numpy(), 3, axis=0)
        assert np.all(np.abs(others - u).max(axis=0) > 2)  # U picked out digit 3, not an average
    finally:
        model.classifier.layers[-1].set_weights(saved)


def test_minus_one_routes_an_image_to_the_unlabeled_term_only(model, x8):
    y_all_unlabeled = np.full(8, -1)
    tf.random.set_seed(4)
    terms = [model.compute_terms(x8, y_all_unlabeled) for _ in range(60)]
    losses = np.array([t["loss"].numpy() for t in terms])
    assert all(t["classification"].numpy() == 0.0 and t["labeled_elbo"].numpy() == 0.0 for t in terms)
    expected = -model.unlabeled_bound(x8, num_samples=3000).numpy().mean()
    assert abs(losses.mean() - expected) < 4 * losses.std() / np.sqrt(len(losses)) + 0.2
    # one labeled image: its classification term enters with weight alpha / batch
    y_one = y_all_unlabeled.copy()
    y_one[0] = 7
    t = model.compute_terms(x8, y_one)
    expected_ce = -np.log(model.classify(x8[:1])[0, 7])
    np.testing.assert_allclose(t["classification"].numpy(), expected_ce, rtol=1e-4)


def test_labels_are_checked(model, x8):
    with pytest.raises(ValueError, match="-1"):
        check_labels(np.array([0, 3, 10]))
    with pytest.raises(ValueError, match="-1"):
        check_labels(np.array([-2, 1]))
    with pytest.raises(ValueError, match="integer"):
        check_labels(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="needs labels"):
        SemiSupervisedVAE(hidden=(8,)).fit(x8, None)
    with pytest.raises(ValueError, match="n_labeled"):
        paper_alpha(100, 0)
    assert paper_alpha(8000, 100) == pytest.approx(8.0)


def test_batches_carry_labeled_images_at_a_steady_rate(small_mnist):
    y = mask_labels(small_mnist.y_train, 20, seed=0)
    ds = semisupervised_dataset(small_mnist.x_train, y, batch_size=50, labeled_per_batch=10, seed=0)
    assert ds.steps_per_epoch == int(np.ceil(1000 / 40))
    epoch = [yb.numpy() for _, yb in itertools.islice(ds, ds.steps_per_epoch)]
    counts = [(yb >= 0).sum() for yb in epoch]
    assert all(c == 10 for c in counts)
    labeled_seen = np.concatenate([yb[yb >= 0] for yb in epoch])
    assert set(labeled_seen) == set(range(10))


def test_short_training_with_100_labels_beats_chance(mnist):
    data = mnist.subset(n_train=3000, n_test=1000)
    vae_tf.set_seed(0)
    y = mask_labels(data.y_train, 100, seed=0)
    m = SemiSupervisedVAE(latent_dim=16, hidden=(256,))
    m.fit(data.x_train, y, epochs=2, verbose=0)
    accuracy = (m.classify(data.x_test).argmax(axis=1) == data.y_test).mean()
    assert m.alpha == pytest.approx(0.1 * 3000 / 100)
    assert accuracy > 0.5  # chance is 0.1
    baseline = Classifier(hidden=(256,))
    labeled = y >= 0
    baseline.fit(data.x_train[labeled], y[labeled], epochs=30, batch_size=20, verbose=0)
    assert (baseline.classify(data.x_test).argmax(axis=1) == data.y_test).mean() > 0.4


def test_generate_and_style_shapes(model, x8):
    q = model.encode_style(x8, np.arange(8))
    assert q.event_shape == [4] and q.batch_shape == [8]
    p = model.generate(np.arange(8), q.sample())
    assert p.event_shape == [28, 28] and p.batch_shape == [8]


def test_classifier_rejects_unlabeled_or_out_of_range_labels(small_mnist):
    clf = Classifier(hidden=(16,))
    x = small_mnist.x_train[:10]
    with pytest.raises(ValueError, match="-1"):
        clf.fit(x, np.r_[np.zeros(9, int), -1], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="0..9"):
        clf.fit(x, np.r_[np.zeros(9, int), 10], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y"):
        clf.fit(x, epochs=1, verbose=0)


def test_shared_first_layer_gives_the_same_style_posterior_as_concatenating_x_and_y(model, x8):
    """The enumeration's q(z | x, y) for all ten y equals the network applied to [x; onehot(y)] per y."""
    x_flat = model.flatten(model.check_images(x8))
    fast = model._style_for_every_label(x_flat).distribution
    labels = np.repeat(np.arange(10), len(x8))
    direct = model._style(tf.tile(x_flat, [10, 1]), model._onehot(labels)).distribution
    np.testing.assert_allclose(fast.loc.numpy(), direct.loc.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fast.scale.numpy(), direct.scale.numpy(), rtol=1e-4, atol=1e-5)
