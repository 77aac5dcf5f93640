"""Label and style: the semi-supervised VAE (Kingma et al. 2014, model M2).

Generative model: y ~ Discrete(1/10, …, 1/10), z ~ Normal(0, I), x ~ Bernoulli(η_θ(y, z)).
Inference model: q_φ(y | x) q_φ(z | x, y) (a classifier and a style encoder).
Labeled image (x, y):
    L(x, y) = E_{q(z|x,y)}[log p_θ(x | y, z)] + log p(y) − KL(q_φ(z | x, y) ‖ p(z)).
Unlabeled image x, summed exactly over the ten digits (enumeration, not sampling):
    U(x) = Σ_y q_φ(y | x) L(x, y) + H(q_φ(y | x)).
Loss on a batch (labels of −1 mark unlabeled images):
    (1/B) [Σ_labeled −L(x, y) + Σ_unlabeled −U(x) + α Σ_labeled −log q_φ(y | x)],
so α weighs a labeled image's classification term against its bound each time the image is
drawn. Kingma et al. write J^α = J + α' E_labeled[−log q_φ(y | x)] over the whole data set with
α' = 0.1 · N, where each image counts once: a labeled image's −log q_φ(y | x) weighs 0.1 · N / N_l
against one unlabeled image's −U(x) (60 for 100 labels among N = 60,000). Here the few labeled
images are re-sampled into every batch (:func:`semisupervised_dataset`), so over an epoch each
labeled image's terms count as often as it is drawn (about 67 times for 100 labels, 10 in each
batch of 100, 60,000 images): α is a weight per draw, not the paper's α'.
"""
from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import networks
from vae_tf.data import DEFAULT_BATCH_SIZE, make_dataset, positive_int
from vae_tf.distributions import bernoulli_images, diagonal_normal, standard_normal
from vae_tf.estimators import reparameterized_sample
from vae_tf.optimizer import FusedAdam
from vae_tf.trainer import TrainableModel

tfd = tfp.distributions


def check_labels(y, num_classes: int = 10, argument: str = "y") -> np.ndarray:
    """Labels as int64, each in 0..num_classes−1 or −1 (unlabeled); a clear error otherwise."""
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)))):
        raise ValueError(f"{argument}: expected a vector of integer labels, got dtype {y.dtype} and shape {y.shape}")
    bad = (y < -1) | (y >= num_classes)
    if bad.any():
        raise ValueError(f"{argument}: labels must be in 0..{num_classes - 1} or -1 (unlabeled); found {np.unique(y[bad])[:5].tolist()}")
    return y.astype(np.int64)


def semisupervised_dataset(x, y, batch_size: int = DEFAULT_BATCH_SIZE, labeled_per_batch: int | None = None,
                           seed: int = 0, binarize: str | None = "dynamic", start_epoch: int = 0,
                           features: bool = False, num_classes: int = 10):
    """Batches of ``batch_size − labeled_per_batch`` unlabeled and ``labeled_per_batch`` labeled images
    (None: a tenth of the batch, at least one).

    The labeled images (y ≥ 0) are re-sampled into every batch, so 100 labels are seen at a
    steady rate instead of once per epoch among thousands of unlabeled images. An epoch is one
    pass over the unlabeled images. Every image appears unlabeled as well: the unlabeled part
    uses all of ``x`` with its labels hidden (−1), as in the paper. With ``labeled_per_batch`` =
    ``batch_size`` the batches hold labeled images only and an epoch is one pass over them. Like
    :func:`~vae_tf.data.make_dataset` it repeats, carries ``steps_per_epoch``, starts at
    ``start_epoch`` with the batches an uninterrupted run would see there, and takes feature
    vectors instead of images with ``features``.
    """
    y = check_labels(y, num_classes)
    if len(y) != len(x):
        raise ValueError(f"y: {len(y)} labels for {len(x)} images; give one label per image (-1 for unlabeled)")
    labeled = np.flatnonzero(y >= 0)
    if len(labeled) == 0:
        raise ValueError("y: no labeled image (all labels are -1)")
    batch_size = positive_int(batch_size, "batch_size")
    if labeled_per_batch is None and batch_size < 2:
        raise ValueError(f"batch_size={batch_size} leaves no room for unlabeled images beside a labeled one; use at "
                         "least 2 (or labeled_per_batch=batch_size to train on the labeled images alone)")
    labeled_per_batch = (default_labeled_per_batch(batch_size) if labeled_per_batch is None
                         else positive_int(labeled_per_batch, "labeled_per_batch"))
    if not 0 < labeled_per_batch <= batch_size:
        raise ValueError(f"labeled_per_batch={labeled_per_batch} must be between 1 and batch_size={batch_size}")
    if labeled_per_batch == batch_size:  # labeled images only: M2's objective without U(x), for an ablation
        return make_dataset(x[labeled], y[labeled], batch_size=batch_size, binarize=binarize, seed=seed,
                            start_epoch=start_epoch, features=features)
    n_unlabeled = batch_size - labeled_per_batch
    unlab = make_dataset(x, np.full(len(x), -1, np.int64), batch_size=n_unlabeled, binarize=binarize, seed=seed,
                         start_epoch=start_epoch, features=features)
    steps = unlab.steps_per_epoch
    # the labeled stream cycles faster: start it where an uninterrupted run would be
    labeled_steps = -(-len(labeled) // labeled_per_batch)
    consumed = int(start_epoch) * steps
    lab = make_dataset(x[labeled], y[labeled], batch_size=labeled_per_batch, binarize=binarize, seed=seed + 1,
                       start_epoch=consumed // labeled_steps, features=features).skip(consumed % labeled_steps)
    lab = lab.unbatch().batch(labeled_per_batch)
    both = tf.data.Dataset.zip((unlab, lab))
    both = both.map(lambda u, l: (tf.concat([u[0], l[0]], 0), tf.concat([u[1], l[1]], 0))).prefetch(tf.data.AUTOTUNE)
    both.steps_per_epoch = steps
    return both


def default_labeled_per_batch(batch_size: int) -> int:
    """A tenth of each batch is labeled (at least one image): 10 of the default 100."""
    return max(1, batch_size // 10)


#: the default optimizer of M2 and its baseline: Adam from this learning rate, decayed over the run
LEARNING_RATE, FINAL_FRACTION = 6e-3, 0.01


def decayed_adam(steps: int | None) -> keras.optimizers.Optimizer:
    """Adam whose learning rate falls along a half cosine over the ``steps`` of a run,
    η_t = η_0 [f + (1 − f) · ½ (1 + cos(π t / steps))], from η_0 = 6·10⁻³ to f = 1 % of it
    (a constant η_0 where ``steps`` is unknown).

    The large early steps take the classifier quickly from the labeled images to the clusters
    the unlabeled bound finds; the small late ones let it settle instead of wandering with the
    noise of dropout and of the images' fresh binarization (benchmarks/semisupervised_accuracy.py).
    """
    rate = LEARNING_RATE if steps is None else keras.optimizers.schedules.CosineDecay(
        LEARNING_RATE, decay_steps=positive_int(steps, "steps"), alpha=FINAL_FRACTION)
    return FusedAdam(learning_rate=rate)


def check_inputs(inputs: str) -> str:
    if inputs not in NETWORK_DEFAULTS:
        raise ValueError(f"inputs={inputs!r}: expected 'images' (intensities in [0, 1]) or 'features' (real vectors)")
    return inputs


# The networks' defaults for each kind of input. Pixels: two hidden layers of 500 softplus units, and
# light dropout in the classifier (0.1: on the validation split it beat 0.3 and 0.5 with every seed
# tried, and none at all was erratic; benchmarks/README.md). Features (a VAE's codes,
# model M1 + M2): one hidden layer of 500 units, Kingma et al.'s M2 networks, and no dropout, as the
# code already summarizes the image.
NETWORK_DEFAULTS = {"images": {"hidden": (500, 500), "dropout": 0.1},
                    "features": {"hidden": (500,), "dropout": 0.0}}


def network_defaults(inputs: str, hidden, dropout) -> tuple[tuple[int, ...], float]:
    """``hidden`` and ``dropout``, each taken from :data:`NETWORK_DEFAULTS` for ``inputs`` where it is None."""
    defaults = NETWORK_DEFAULTS[check_inputs(inputs)]
    hidden = defaults["hidden"] if hidden is None else hidden
    return tuple(int(h) for h in hidden), float(defaults["dropout"] if dropout is None else dropout)


class Classifies:
    """q_φ(y | x) from the network ``self.classifier``: shared by M2 and the labeled-only baseline."""

    def classify(self, x, training: bool = False) -> tfd.Distribution:
        """q_φ(y | x) as a ``tfd.Categorical`` over the digits (``.probs_parameter()``, ``.mode()``, ``.entropy()``)."""
        return tfd.Categorical(logits=self.classifier(self.check_images(x), training=training), name="q_y_given_x")


class SemiSupervisedVAE(networks.DecoderMixin, Classifies, TrainableModel):
    """Model M2: a classifier q_φ(y | x), a style encoder q_φ(z | x, y) and a decoder p_θ(x | y, z).

    ``alpha`` weighs each labeled image's −log q_φ(y | x) in the loss (see the module docstring).
    ``fit(x, y)`` takes NumPy arrays with y = −1 for unlabeled images and builds batches that mix
    unlabeled and labeled images (:func:`semisupervised_dataset`; ``labeled_per_batch`` of each
    ``batch_size``, a tenth by default).

    ``inputs="images"``: x holds intensities in [0, 1], binarized afresh every epoch, and
    p_θ(x | y, z) is Bernoulli per pixel. ``inputs="features"``: x holds real vectors, such as the
    codes of a VAE trained on the images (Kingma et al.'s stacked model M1 + M2), and
    p_θ(x | y, z) = Normal(μ_θ(y, z), diag σ_θ(y, z)²). ``hidden`` and ``classifier_dropout`` left at
    None take the defaults for the kind of input (:data:`NETWORK_DEFAULTS`).
    """

    term_names = ("loss", "labeled_elbo", "unlabeled_elbo", "classification", "labeled_accuracy")
    pipeline_options = ("labeled_per_batch",)

    def __init__(self, latent_dim: int = 10, num_classes: int = 10, hidden: Sequence[int] | None = None,
                 activation: str = "softplus", alpha: float = 50.0, classifier_dropout: float | None = None,
                 inputs: str = "images", **kwargs):
        super().__init__(**kwargs)
        self.inputs = check_inputs(inputs)
        self.latent_dim, self.num_classes = positive_int(latent_dim, "latent_dim"), positive_int(num_classes, "num_classes")
        self.hidden, self.classifier_dropout = network_defaults(inputs, hidden, classifier_dropout)
        self.activation, self.alpha = activation, float(alpha)
        if self.alpha < 0 or not 0 <= self.classifier_dropout < 1:
            raise ValueError(f"alpha={alpha} must be non-negative and classifier_dropout={classifier_dropout} in [0, 1)")
        self.classifier = networks.mlp(self.hidden, self.num_classes, activation, name="classifier",
                                       dropout=self.classifier_dropout)
        # q_φ(z | x, y): the first layer sees the image and its label, the rest is an MLP to [μ, s]
        self.style_input = networks.LabelConditionedDense(self.hidden[0], self.num_classes, activation, name="style_input")
        self.style_encoder = networks.mlp(self.hidden[1:], 2 * self.latent_dim, activation, name="style_encoder",
                                          flatten=False)

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        if self.inputs == "images":
            self._build_decoder(self.hidden, self.activation)
        else:  # [μ, s] of a Normal per feature
            self.decoder = networks.mlp(self.hidden[::-1], 2 * self.event_shape[-1], self.activation, name="decoder")
        self.classifier.build((None, *self.event_shape))
        self.style_input.build((None, int(np.prod(self.event_shape))))
        self.style_encoder.build((None, self.hidden[0]))
        self.decoder.build((None, self.latent_dim + self.num_classes))

    def call(self, x, training=False):
        return self.classifier(x, training=training)

    # -- the distributions ---------------------------------------------------------
    @property
    def prior_y(self) -> tfd.Distribution:
        """p(y) = Discrete(1/K, …, 1/K)."""
        return tfd.Categorical(logits=tf.zeros(self.num_classes), name="prior_y")

    @property
    def prior(self) -> tfd.Distribution:
        """p(z) = Normal(0, I), event shape [latent_dim]."""
        return standard_normal(self.latent_dim)

    def _labels(self, y, argument: str = "y") -> tf.Tensor:
        """Digit labels as int32; outside a compiled function, anything but 0..K−1 is a clear error."""
        if tf.executing_eagerly():
            labels = np.asarray(y)
            check_labels(labels.reshape(-1), self.num_classes, argument)
            if (labels < 0).any():
                raise ValueError(f"{argument}: labels must be digits 0..{self.num_classes - 1} here; -1 (unlabeled) is no digit")
        return tf.cast(y, tf.int32)

    def encode(self, x, y) -> tfd.Distribution:
        """q_φ(z | x, y) = Normal(μ_φ(x, y), diag σ_φ(x, y)²) for digit labels y of shape [..., batch]."""
        x = self.check_images(x)
        h = self.style_input(tf.reshape(x, [tf.shape(x)[0], -1]), self._labels(y))       # [..., batch, hidden]
        params = self.style_encoder(tf.reshape(h, [-1, self.hidden[0]]))
        return diagonal_normal(tf.reshape(params, tf.concat([tf.shape(h)[:-1], [2 * self.latent_dim]], 0)),
                               name="q_z_given_xy")

    def decode(self, z, y) -> tfd.Distribution:
        """p_θ(x | y, z) = Π_i Bernoulli(x_i; sigmoid(η_θ(y, z)_i)) for images, Normal(μ_θ(y, z), diag σ_θ(y, z)²)
        for features; y broadcasts against z's leading axes."""
        self._require_built("decode")
        z = tf.convert_to_tensor(z, tf.float32)
        y = tf.one_hot(self._labels(y), self.num_classes)
        yz = tf.concat([z, tf.broadcast_to(y, tf.concat([tf.shape(z)[:-1], [self.num_classes]], 0))], axis=-1)
        if self.inputs == "images":
            return bernoulli_images(self.decoder_logits(yz), len(self.event_shape), name="p_x_given_yz")
        params = self.decoder(tf.reshape(yz, [-1, self.latent_dim + self.num_classes]))
        return diagonal_normal(tf.reshape(params, tf.concat([tf.shape(yz)[:-1], [2 * self.event_shape[-1]]], 0)),
                               name="p_x_given_yz")

    def sample(self, n: int, seed: int | None = None, y=None) -> np.ndarray:
        """n binary images (or feature vectors) x ~ p_θ(x | y, z), z ~ p(z), with y ~ p(y) (or the digits ``y``)."""
        n = positive_int(n, "n")
        y = self.prior_y.sample(n, seed=seed) if y is None else self._labels(np.broadcast_to(y, (n,)))
        return self.decode(self.prior.sample(n, seed=seed), y).sample(seed=seed).numpy()

    # -- the bounds ----------------------------------------------------------------
    def labeled_bound(self, x, y, num_samples: int = 1) -> tf.Tensor:
        """L(x, y) = E_q(z|x,y)[log p_θ(x | y, z)] + log p(y) − KL(q_φ(z | x, y) ‖ p(z)), shape y.shape.

        y holds labels for the batch of x ([batch]) or several labels per image ([..., batch]).
        """
        x = self.check_images(x)
        if tf.executing_eagerly() and np.shape(y)[-1:] != tuple(x.shape[:1]):
            raise ValueError(f"y: labels of shape {np.shape(y)} for {x.shape[0]} images")
        q_z = self.encode(x, y)
        z = reparameterized_sample(q_z, num_samples, self.noise)            # [S, ..., batch, D]
        reconstruction = tf.reduce_mean(self.decode(z, y).log_prob(x), axis=0)
        return reconstruction + self.prior_y.log_prob(self._labels(y)) - tfd.kl_divergence(q_z, self.prior)

    def unlabeled_bound(self, x, num_samples: int = 1, training: bool = False) -> tf.Tensor:
        """U(x) = Σ_y q_φ(y | x) L(x, y) + H(q_φ(y | x)), shape [batch], summing over all K digits."""
        x = self.check_images(x)
        q_y = self.classify(x, training)
        every_digit = tf.broadcast_to(tf.range(self.num_classes)[:, None], [self.num_classes, tf.shape(x)[0]])
        bounds = self.labeled_bound(x, every_digit, num_samples)             # [K, batch]: L(x, y) for y = 0..K−1
        return tf.reduce_sum(tf.transpose(q_y.probs_parameter()) * bounds, axis=0) + q_y.entropy()

    # -- training ------------------------------------------------------------------
    def compute_terms(self, x, y=None, training=False):
        """The batch's loss (1/B) [Σ_labeled −L(x, y) + Σ_unlabeled −U(x) + α Σ_labeled −log q_φ(y | x)]."""
        if y is None:
            raise ValueError("SemiSupervisedVAE needs labels: fit(x, y) with y = -1 for unlabeled images")
        x = self.check_images(x)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        is_labeled = y >= 0
        x_l, y_l, x_u = tf.boolean_mask(x, is_labeled), tf.boolean_mask(y, is_labeled), tf.boolean_mask(x, ~is_labeled)
        labeled, unlabeled = self.labeled_bound(x_l, y_l), self.unlabeled_bound(x_u, training=training)
        q_y = self.classify(x_l, training)
        log_q_y = q_y.log_prob(y_l)
        batch = tf.cast(tf.shape(x)[0], tf.float32)
        loss = -(tf.reduce_sum(labeled) + tf.reduce_sum(unlabeled) + self.alpha * tf.reduce_sum(log_q_y)) / batch
        predicted = tf.cast(q_y.mode(), tf.int32)                           # in training, with the classifier's dropout
        return {"loss": loss, "labeled_elbo": tf.reduce_mean(labeled), "unlabeled_elbo": tf.reduce_mean(unlabeled),
                "classification": -tf.reduce_mean(log_q_y),
                "labeled_accuracy": tf.reduce_mean(tf.cast(predicted == y_l, tf.float32))}

    def default_optimizer(self, steps: int | None = None) -> keras.optimizers.Optimizer:
        """Adam from 6·10⁻³ with a cosine decay over the run (:func:`decayed_adam`)."""
        return decayed_adam(steps)

    def epoch_steps(self, n, y=None, batch_size=DEFAULT_BATCH_SIZE, labeled_per_batch=None, **pipeline) -> int:
        """Steps in one epoch of :func:`semisupervised_dataset`: one pass over the unlabeled part
        (over the labeled images when every image of a batch is labeled)."""
        batch_size = int(batch_size)
        per_batch = default_labeled_per_batch(batch_size) if labeled_per_batch is None else int(labeled_per_batch)
        if per_batch >= batch_size:
            return -(-int((np.asarray(y) >= 0).sum()) // batch_size)
        return -(-int(n) // (batch_size - per_batch))

    def training_data(self, x, y=None, batch_size=None, seed=0, start_epoch=0, binarize="auto", shuffle=True,
                      labeled_per_batch: int | None = None):
        """:func:`semisupervised_dataset`: ``labeled_per_batch`` labeled images (y ≥ 0, a tenth of the batch by
        default) re-sampled into every batch; images binarized afresh every epoch (``binarize="auto"``)."""
        return semisupervised_dataset(x, y, DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                                      labeled_per_batch, seed=seed, binarize=self._binarize(binarize),
                                      start_epoch=start_epoch, features=self.inputs == "features",
                                      num_classes=self.num_classes)

    def check_targets(self, y, n: int, argument: str = "y"):
        """One label per image, each a digit 0..num_classes−1 or −1 (unlabeled), at least one labeled."""
        if y is None:
            raise ValueError(f"{argument}: SemiSupervisedVAE needs labels, -1 for unlabeled images")
        y = check_labels(y, self.num_classes, argument)
        if len(y) != n:
            raise ValueError(f"{argument}: {len(y)} labels for {n} images; give one label per image (-1 for unlabeled)")
        if argument == "y" and not (y >= 0).any():
            raise ValueError(f"{argument}: no labeled image (all labels are -1)")
        return y


class Classifier(Classifies, TrainableModel):
    """The baseline: a q_φ(y | x) network like M2's, trained on the labeled images only.

    Loss: the cross-entropy −(1/B) Σ_n log q_φ(y_n | x_n); ``accuracy`` is logged with it.
    ``fit(x, y)`` takes images and labels in 0..num_classes−1 (no −1: every image is labeled);
    with ``inputs="features"`` it reads real vectors instead of images, like M2's. Its defaults
    are M2's classifier for the same ``inputs`` (:data:`NETWORK_DEFAULTS`).
    """

    term_names = ("loss", "accuracy")

    def default_optimizer(self, steps: int | None = None) -> keras.optimizers.Optimizer:
        """M2's (:func:`decayed_adam`), so the baseline differs from M2 only in the unlabeled images."""
        return decayed_adam(steps)

    def __init__(self, num_classes: int = 10, hidden: Sequence[int] | None = None, activation: str = "softplus",
                 dropout: float | None = None, inputs: str = "images", **kwargs):
        super().__init__(**kwargs)
        self.inputs = check_inputs(inputs)
        self.num_classes, self.activation = positive_int(num_classes, "num_classes"), activation
        self.hidden, self.dropout = network_defaults(inputs, hidden, dropout)
        self.classifier = networks.mlp(self.hidden, self.num_classes, activation, name="classifier", dropout=self.dropout)

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self.classifier.build((None, *self.event_shape))

    def call(self, x, training=False):
        return self.classifier(x, training=training)

    def compute_terms(self, x, y=None, training=False):
        if y is None:
            raise ValueError("Classifier needs labels: fit(x, y)")
        q_y = self.classify(x, training)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        correct = tf.cast(tf.cast(q_y.mode(), tf.int32) == y, tf.float32)
        return {"loss": -tf.reduce_mean(q_y.log_prob(y)), "accuracy": tf.reduce_mean(correct)}

    def check_targets(self, y, n: int, argument: str = "y"):
        """One label per image, each a digit 0..num_classes−1."""
        if y is None:
            raise ValueError(f"{argument}: Classifier needs a label for every image")
        y = check_labels(y, self.num_classes, argument)
        if (y < 0).any():
            raise ValueError(f"{argument}: Classifier needs a label for every image; -1 (unlabeled) is not allowed")
        if len(y) != n:
            raise ValueError(f"{argument}: {len(y)} labels for {n} images")
        return y
