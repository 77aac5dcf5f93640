import itertools

import numpy as np
import pytest
import tensorflow as tf

import vae_tf
from vae_tf.data import binarize_fixed, mask_labels
from vae_tf.semisupervised import Classifier, SemiSupervisedVAE, check_labels, semisupervised_dataset


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
    x4, S = x8[:4], 10000  # many samples: each bound's Monte-Carlo error is well under 1 nat
    tf.random.set_seed(1)
    probs = model.classify(x4).probs_parameter().numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    # L(x, y) for each digit separately, then U(x) = Σ_y q(y|x) L(x, y) + H(q(y|x)) by hand
    explicit_bounds = np.stack([model.labeled_bound(x4, np.full(4, k), num_samples=S).numpy() for k in range(10)])
    entropy = -(probs * np.log(probs)).sum(axis=1)
    explicit_u = (probs * explicit_bounds.T).sum(axis=1) + entropy
    assert np.ptp(explicit_bounds, axis=0).min() > 3  # the bound really depends on y
    every_digit = np.repeat(np.arange(10)[:, None], 4, axis=1)  # [10, 4]: all labels in one call
    batched = model.labeled_bound(x4, every_digit, num_samples=S).numpy()
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
        every_digit = np.repeat(np.arange(10)[:, None], 4, axis=1)
        others = np.delete(model.labeled_bound(x8[:4], every_digit, num_samples=3000).numpy(), 3, axis=0)
        assert np.all(np.abs(others - u).max(axis=0) > 2)  # U picked out digit 3, not an average
    finally:
        model.classifier.layers[-1].set_weights(saved)


def test_minus_one_routes_an_image_to_the_unlabeled_term_only(model, x8):
    y_all_unlabeled = np.full(8, -1)
    tf.random.set_seed(4)
    terms = [model.compute_terms(x8, y_all_unlabeled) for _ in range(60)]
    losses = np.array([t["loss"].numpy() for t in terms])
    assert all(np.isnan(t["classification"].numpy()) and np.isnan(t["labeled_elbo"].numpy()) for t in terms)
    expected = -model.unlabeled_bound(x8, num_samples=3000).numpy().mean()
    assert abs(losses.mean() - expected) < 4 * losses.std() / np.sqrt(len(losses)) + 0.2
    # one labeled image: its classification term enters with weight alpha / batch
    y_one = y_all_unlabeled.copy()
    y_one[0] = 7
    t = model.compute_terms(x8, y_one)
    expected_ce = -np.log(model.classify(x8[:1]).probs_parameter().numpy()[0, 7])
    np.testing.assert_allclose(t["classification"].numpy(), expected_ce, rtol=1e-4)
    tf.random.set_seed(5)
    with_label = np.array([model.compute_terms(x8, y_one)["loss"].numpy() for _ in range(60)])
    expected = (-model.labeled_bound(x8[:1], [7], num_samples=3000).numpy()[0] + model.alpha * expected_ce
                - model.unlabeled_bound(x8[1:], num_samples=3000).numpy().sum()) / 8
    assert abs(with_label.mean() - expected) < 4 * with_label.std() / np.sqrt(len(with_label)) + 0.2


def test_labels_are_checked(model, x8):
    with pytest.raises(ValueError, match="-1"):
        check_labels(np.array([0, 3, 10]))
    with pytest.raises(ValueError, match="-1"):
        check_labels(np.array([-2, 1]))
    with pytest.raises(ValueError, match="integer"):
        check_labels(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="needs labels"):
        SemiSupervisedVAE(hidden=(8,)).fit(x8, None)
    with pytest.raises(ValueError, match="alpha"):
        SemiSupervisedVAE(alpha=-1.0)


def test_batches_carry_labeled_images_at_a_steady_rate(small_mnist):
    y = mask_labels(small_mnist.y_train, 20, seed=0)
    ds = semisupervised_dataset(small_mnist.x_train, y, batch_size=50, labeled_per_batch=10, seed=0)
    assert ds.steps_per_epoch == int(np.ceil(1000 / 40))
    epoch = [yb.numpy() for _, yb in itertools.islice(ds, ds.steps_per_epoch)]
    counts = [(yb >= 0).sum() for yb in epoch]
    assert all(c == 10 for c in counts)
    labeled_seen = np.concatenate([yb[yb >= 0] for yb in epoch])
    assert set(labeled_seen) == set(range(10))


@pytest.mark.parametrize("batch_size, labeled", [(100, 10), (50, 5), (25, 2), (5, 1)])
def test_by_default_a_tenth_of_each_batch_is_labeled(small_mnist, batch_size, labeled):
    y = mask_labels(small_mnist.y_train, 20, seed=0)
    ds = SemiSupervisedVAE().training_data(small_mnist.x_train, y, batch_size=batch_size)
    first = [yb.numpy() for _, yb in itertools.islice(ds, 3)]
    assert [len(yb) for yb in first] == [batch_size] * 3
    assert [(yb >= 0).sum() for yb in first] == [labeled] * 3
    assert ds.steps_per_epoch == -(-len(y) // (batch_size - labeled))  # an epoch: one pass over the unlabeled images


def test_short_training_with_100_labels_beats_chance(mnist):
    data = mnist.subset(n_train=3000, n_test=1000)
    vae_tf.set_seed(0)
    y = mask_labels(data.y_train, 100, seed=0)
    m = SemiSupervisedVAE(latent_dim=16, hidden=(256,))
    m.fit(data.x_train, y, epochs=2, verbose=0)
    accuracy = (m.classify(data.x_test).mode().numpy() == data.y_test).mean()
    assert m.get_config()["alpha"] == 50.0  # fit leaves the model's configuration alone
    assert accuracy > 0.5  # chance is 0.1
    baseline = Classifier(hidden=(256,))
    labeled = y >= 0
    baseline.fit(data.x_train[labeled], y[labeled], epochs=30, batch_size=20, verbose=0)
    assert (baseline.classify(data.x_test).mode().numpy() == data.y_test).mean() > 0.4


def test_encode_decode_and_sample_shapes(model, x8):
    q = model.encode(x8, np.arange(8))
    assert q.event_shape == [4] and q.batch_shape == [8]
    p = model.decode(q.sample(), np.arange(8))
    assert p.event_shape == [28, 28] and p.batch_shape == [8]
    images = model.sample(5, seed=1)                 # the same kind of value as every model's sample
    assert images.shape == (5, 28, 28) and set(np.unique(images)) <= {0.0, 1.0}
    assert model.sample(3, seed=1, y=7).shape == (3, 28, 28)


def test_classifier_rejects_unlabeled_or_out_of_range_labels(small_mnist):
    clf = Classifier(hidden=(16,))
    x = small_mnist.x_train[:10]
    with pytest.raises(ValueError, match="-1"):
        clf.fit(x, np.r_[np.zeros(9, int), -1], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="0..9"):
        clf.fit(x, np.r_[np.zeros(9, int), 10], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y"):
        clf.fit(x, epochs=1, verbose=0)


def test_every_label_at_once_gives_the_style_posterior_of_each_label_alone(model, x8):
    """q(z | x, y) for all ten y in one call (the image's product shared) equals ten separate calls,
    and both equal a Dense layer on the concatenation [x; onehot(y)] (computed here with NumPy)."""
    every_digit = np.repeat(np.arange(10)[:, None], len(x8), axis=1)
    together = model.encode(x8, every_digit).distribution
    for k in (0, 4, 9):
        alone = model.encode(x8, np.full(len(x8), k)).distribution
        np.testing.assert_allclose(together.loc.numpy()[k], alone.loc.numpy(), rtol=1e-5, atol=1e-5)
    layer = model.style_input
    kernel = np.concatenate([layer.image_kernel.numpy(), layer.label_kernel.numpy()])  # W acting on [x; onehot(y)]
    xy = np.concatenate([x8.reshape(len(x8), -1), np.eye(10, dtype=np.float32)[np.full(len(x8), 4)]], axis=1)
    pre = xy @ kernel + layer.bias.numpy()
    h = np.log1p(np.exp(pre))  # softplus, the model's activation
    np.testing.assert_allclose(layer(x8.reshape(len(x8), -1), np.full(len(x8), 4)).numpy(), h, rtol=1e-4, atol=1e-5)


def test_labeled_only_batches_hold_each_labeled_image_once_per_epoch(small_mnist):
    y = mask_labels(small_mnist.y_train, 100, seed=0)
    ds = semisupervised_dataset(small_mnist.x_train, y, batch_size=50, labeled_per_batch=50, binarize=None)
    assert ds.steps_per_epoch == 2
    seen = np.concatenate([labels.numpy() for _, labels in ds.take(2)])
    np.testing.assert_array_equal(np.sort(seen), np.sort(y[y >= 0]))   # every labeled image once, no -1


def test_labeled_only_training_has_no_unlabeled_term(small_mnist):
    # the ablation "M2's objective on the labeled images only": loss = (1/B) Σ [−L(x, y) − α log q(y | x)]
    y = mask_labels(small_mnist.y_train, 100, seed=0)
    vae_tf.set_seed(0)
    m = SemiSupervisedVAE(latent_dim=2, hidden=(16,), alpha=3.0)
    history = m.fit(small_mnist.x_train, y, epochs=1, batch_size=50, labeled_per_batch=50, verbose=0).history
    assert np.isnan(history["unlabeled_elbo"][0])                      # no unlabeled image was seen
    expected = -history["labeled_elbo"][0] + 3.0 * history["classification"][0]
    np.testing.assert_allclose(history["loss"][0], expected, rtol=1e-4)


def _three_clusters(n_per_class=300, seed=0):
    """Three well-separated Gaussian clusters in 2-D (centres 8 standard deviations apart), one label each."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 7.0]], np.float32)
    y_true = np.repeat(np.arange(3), n_per_class)
    x = (centres[y_true] + rng.normal(size=(len(y_true), 2))).astype(np.float32)
    y = np.full(len(x), -1)
    y[[0, n_per_class, 2 * n_per_class]] = [0, 1, 2]
    return x, y, y_true, centres


def test_m2_on_feature_vectors_learns_the_clusters_and_a_normal_likelihood_of_their_centres():
    """inputs="features": real vectors, p(x | y, z) Normal. With one label per cluster M2 must classify the
    clusters, and the decoder's mean at the prior's centre z = 0 must sit near each digit's cluster centre."""
    x, y, y_true, centres = _three_clusters()
    vae_tf.set_seed(0)
    model = SemiSupervisedVAE(num_classes=3, latent_dim=1, hidden=(32,), classifier_dropout=0.0, inputs="features")
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
    model.fit(x, y, epochs=30, batch_size=60, labeled_per_batch=3, verbose=0)
    assert (model.classify(x).mode().numpy() == y_true).mean() > 0.95
    p_x = model.decode(np.zeros((3, 1), np.float32), np.arange(3))
    assert p_x.event_shape == [2]
    np.testing.assert_allclose(p_x.mean().numpy(), centres, atol=1.5)
    assert np.all(p_x.stddev().numpy() < 2.0)                        # a Normal around the centre, not a broad one


def test_feature_inputs_are_checked_and_never_binarized():
    x, y, _, _ = _three_clusters(n_per_class=10)
    model = SemiSupervisedVAE(num_classes=3, latent_dim=1, hidden=(8,), inputs="features")
    with pytest.raises(ValueError, match="binarize"):
        model.fit(x, y, epochs=1, batch_size=10, labeled_per_batch=3, binarize="dynamic", verbose=0)
    bad = x.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, y, epochs=1, batch_size=10, labeled_per_batch=3, verbose=0)
    with pytest.raises(ValueError, match="inputs"):
        SemiSupervisedVAE(inputs="pixels")
    images = SemiSupervisedVAE(num_classes=3, latent_dim=1, hidden=(8,))   # images: values outside [0, 1] are an error
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        images.classify(x)
    assert Classifier(num_classes=3, hidden=(8,), inputs="features").classify(x).probs_parameter().shape == (30, 3)


def test_fit_trains_on_feature_vectors_with_feature_validation_data(tmp_path):
    """Real-valued features (outside [0, 1]) are valid training and validation inputs of a feature model."""
    x, y, y_true, _ = _three_clusters(n_per_class=20)
    model = SemiSupervisedVAE(num_classes=3, latent_dim=1, hidden=(8,), inputs="features")
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
    model.fit(x, y, epochs=2, batch_size=12, labeled_per_batch=3, validation_data=(x, y_true), verbose=0)
    history = model.history.history
    assert len(history["val_loss"]) == 2 and np.all(np.isfinite(history["val_loss"]))


def _dense_units_and_dropout(network):
    layers = network.layers
    return ([layer.units for layer in layers if isinstance(layer, tf.keras.layers.Dense)],
            [layer.rate for layer in layers if isinstance(layer, tf.keras.layers.Dropout)])


@pytest.mark.parametrize("inputs, units, rates", [("images", [500, 500, 10], [0.1, 0.1]), ("features", [500, 10], [])])
def test_default_networks_follow_the_inputs_and_the_baseline_is_m2s_classifier(inputs, units, rates):
    """Pixels: two hidden layers of 500 with dropout in the classifier; codes (M1 + M2): Kingma et al.'s one
    hidden layer of 500 and no dropout. The baseline Classifier's default network is M2's q(y|x) either way,
    and an explicit argument still wins."""
    m2, baseline = SemiSupervisedVAE(inputs=inputs), Classifier(inputs=inputs)
    assert _dense_units_and_dropout(m2.classifier) == (units, rates)
    assert _dense_units_and_dropout(baseline.classifier) == (units, rates)
    explicit = SemiSupervisedVAE(inputs=inputs, hidden=units[:-1], classifier_dropout=rates[0] if rates else 0.0)
    assert _dense_units_and_dropout(explicit.classifier) == (units, rates)
    assert _dense_units_and_dropout(SemiSupervisedVAE(inputs=inputs, hidden=(64,), classifier_dropout=0.4).classifier) == ([64, 10], [0.4])
    assert _dense_units_and_dropout(Classifier(inputs=inputs, hidden=(64,), dropout=0.0).classifier) == ([64, 10], [])


@pytest.mark.parametrize("batch_size, labeled_per_batch", [(100, None), (50, 20), (10, 10)])
def test_the_default_learning_rate_decays_along_a_cosine_over_exactly_the_run(small_mnist, batch_size,
                                                                             labeled_per_batch):
    """Uncompiled, M2 trains with Adam from 6e-3 along a half cosine to 1 % of it: after the run's last
    step (counted here from the batches themselves) the rate is 6e-5, half-way through it is about half of
    6e-3; the baseline classifier gets the same schedule, so the two differ only in the unlabeled images."""
    x = small_mnist.x_train[:600]
    y = mask_labels(small_mnist.y_train[:600], 20, seed=0)
    options = {} if labeled_per_batch is None else {"labeled_per_batch": labeled_per_batch}
    vae_tf.set_seed(0)
    m2 = SemiSupervisedVAE(latent_dim=2, hidden=(16,))
    m2.fit(x, y, epochs=2, batch_size=batch_size, verbose=0, **options)
    # an epoch is one pass over the images in the batches' unlabeled share (over the labeled ones when none is)
    unlabeled_per_batch = batch_size - (labeled_per_batch or batch_size // 10)
    steps = 2 * (-(-(y >= 0).sum() // batch_size) if unlabeled_per_batch == 0 else -(-len(x) // unlabeled_per_batch))
    assert int(m2.optimizer.iterations.numpy()) == steps
    rate = m2.optimizer.learning_rate
    assert float(rate.numpy() if hasattr(rate, "numpy") else rate) == pytest.approx(6e-5, rel=1e-3)
    schedule = m2.optimizer._learning_rate
    assert float(schedule(steps // 2)) == pytest.approx(6e-3 * (0.01 + 0.99 * 0.5), rel=1e-4)
    baseline = Classifier(hidden=(16,))
    baseline.fit(x[y >= 0], y[y >= 0], epochs=3, batch_size=5, verbose=0)
    assert int(baseline.optimizer.iterations.numpy()) == 3 * 4
    assert float(baseline.optimizer.learning_rate.numpy()) == pytest.approx(6e-5, rel=1e-3)
