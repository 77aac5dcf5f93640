"""Label and style: the semi-supervised VAE (Kingma et al. 2014, model M2).

Generative model: y ~ Discrete(1/10, …, 1/10), z ~ Normal(0, I), x ~ Bernoulli(η_θ(y, z)).
Inference model: q_φ(y | x) q_φ(z | x, y) (a classifier and a style encoder).
Labeled image (x, y):
    L(x, y) = E_{q(z|x,y)}[log p_θ(x | y, z)] + log p(y) − KL(q_φ(z | x, y) ‖ p(z)).
Unlabeled image x, summed exactly over the ten digits (enumeration, not sampling):
    U(x) = Σ_y q_φ(y | x) L(x, y) + H(q_φ(y | x)).
Loss on a batch (labels of −1 mark unlabeled images):
    (1/B) [Σ_labeled −L(x, y) + Σ_unlabeled −U(x)] + (α/B) Σ_labeled −log q_φ(y | x).
With α = 0.1 · N / N_l this weighs each labeled image's classification term against its
ELBO exactly as the paper's J^α = J + α E_labeled[−log q_φ(y | x)] with α = 0.1 · N does
(N images, N_l of them labeled); see :func:`paper_alpha`.
"""
from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_tf import networks
from vae_tf.autoencoder import DecoderMixin
from vae_tf.data import check_intensities
from vae_tf.estimators import reparameterized_sample
from vae_tf.trainer import TrainableModel

tfd = tfp.distributions
_SCALE_FLOOR = 1e-4


#: the configuration notebook 04 and benchmarks/semisupervised_accuracy.py use. alpha = 50 per labeled
#: image was tuned on mnist-mini (8,000 images): the paper's weight (0.1 N / N_l = 8 for 100 labels,
#: 0.8 for 1,000) left the classifier under-trained here (about 80 % and 44–63 % test accuracy).
#: A 10-D style z (rather than the paper's 50) keeps about the same accuracy and leaks less of the
#: digit into z (a linear probe reads the digit from z at 57 % instead of 77 % with 100 labels).
NOTEBOOK_CONFIG = dict(latent_dim=10, hidden=(500, 500), activation="softplus", alpha=50.0,
                       batch_size=100, labeled_per_batch=50, classifier_dropout=0.3)


def paper_alpha(n_total: int, n_labeled: int, paper_factor: float = 0.1) -> float:
    """Per-labeled-image classification weight equivalent to Kingma et al.'s α = 0.1 · N."""
    if n_labeled <= 0 or n_total < n_labeled:
        raise ValueError(f"n_labeled={n_labeled} must be in 1..n_total={n_total}")
    return paper_factor * n_total / n_labeled


def check_labels(y, num_classes: int = 10, argument: str = "y") -> np.ndarray:
    """Labels as int64, each in 0..num_classes−1 or −1 (unlabeled); a clear error otherwise."""
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)))):
        raise ValueError(f"{argument}: expected a vector of integer labels, got dtype {y.dtype} and shape {y.shape}")
    bad = (y < -1) | (y >= num_classes)
    if bad.any():
        raise ValueError(f"{argument}: labels must be in 0..{num_classes - 1} or -1 (unlabeled); found {np.unique(y[bad])[:5].tolist()}")
    return y.astype(np.int64)


def semisupervised_dataset(x, y, batch_size: int = 100, labeled_per_batch: int = 50, seed: int = 0,
                           binarize: str | None = "dynamic", start_epoch: int = 0):
    """Batches of ``batch_size − labeled_per_batch`` unlabeled and ``labeled_per_batch`` labeled images.

    The labeled images (y ≥ 0) are re-sampled into every batch, so 100 labels are seen at a
    steady rate instead of once per epoch among thousands of unlabeled images. An epoch is one
    pass over the unlabeled images. Every image appears unlabeled as well: the unlabeled part
    uses all of ``x`` with its labels hidden (−1), as in the paper. Like
    :func:`~vae_tf.data.make_dataset` it repeats, carries ``steps_per_epoch``, and starts at
    ``start_epoch`` with the batches an uninterrupted run would see there.
    """
    from vae_tf.data import make_dataset

    y = check_labels(y)
    if len(y) != len(x):
        raise ValueError(f"y: {len(y)} labels for {len(x)} images; give one label per image (-1 for unlabeled)")
    labeled = np.flatnonzero(y >= 0)
    if len(labeled) == 0:
        raise ValueError("y: no labeled image (all labels are -1)")
    if not 0 < labeled_per_batch < batch_size:
        raise ValueError(f"labeled_per_batch={labeled_per_batch} must be between 1 and batch_size-1={batch_size - 1}")
    n_unlabeled = batch_size - labeled_per_batch
    unlab = make_dataset(x, np.full(len(x), -1, np.int64), batch_size=n_unlabeled, binarize=binarize, seed=seed,
                         start_epoch=start_epoch)
    steps = unlab.steps_per_epoch
    # the labeled stream cycles faster: start it where an uninterrupted run would be
    labeled_steps = -(-len(labeled) // labeled_per_batch)
    consumed = int(start_epoch) * steps
    lab = make_dataset(x[labeled], y[labeled], batch_size=labeled_per_batch, binarize=binarize, seed=seed + 1,
                       start_epoch=consumed // labeled_steps).skip(consumed % labeled_steps)
    lab = lab.unbatch().batch(labeled_per_batch)
    both = tf.data.Dataset.zip((unlab, lab))
    both = both.map(lambda u, l: (tf.concat([u[0], l[0]], 0), tf.concat([u[1], l[1]], 0))).prefetch(tf.data.AUTOTUNE)
    both.steps_per_epoch = steps
    return both


class SemiSupervisedVAE(DecoderMixin, TrainableModel):
    """Model M2: a classifier q_φ(y | x), a style encoder q_φ(z | x, y) and a decoder p_θ(x | y, z).

    ``fit(x, y)`` with NumPy arrays (y = −1 for unlabeled images) builds the batches of
    :func:`semisupervised_dataset` itself; ``alpha=None`` then takes :func:`paper_alpha` from y.
    """

    term_names = ("loss", "labeled_elbo", "unlabeled_elbo", "classification", "labeled_accuracy")

    def __init__(self, latent_dim: int = 50, num_classes: int = 10, hidden: Sequence[int] = (500,),
                 activation: str = "softplus", alpha: float | None = None, batch_size: int = 100,
                 labeled_per_batch: int = 50, classifier_dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.num_classes, self.hidden, self.activation = int(latent_dim), int(num_classes), tuple(hidden), activation
        self.alpha = None if alpha is None else float(alpha)
        self.batch_size, self.labeled_per_batch = int(batch_size), int(labeled_per_batch)
        self.classifier = networks.mlp(self.hidden, self.num_classes, activation, name="classifier",
                                       dropout=classifier_dropout)
        self.style_encoder = networks.mlp(self.hidden, 2 * self.latent_dim, activation, name="style_encoder")
        self.flatten = keras.layers.Flatten()

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self._build_decoder(self.hidden, self.activation)
        pixels = int(np.prod(self.event_shape))
        self.classifier.build((None, *self.event_shape))
        self.style_encoder.build((None, pixels + self.num_classes))
        self.decoder.build((None, self.latent_dim + self.num_classes))

    def call(self, x, training=False):
        return self.classifier(x, training=training)

    # -- distributions -------------------------------------------------------------
    @property
    def prior_y(self) -> tfd.Distribution:
        """p(y) = Discrete(1/K, …, 1/K)."""
        return tfd.Categorical(logits=tf.zeros(self.num_classes), name="prior_y")

    @property
    def prior_z(self) -> tfd.Distribution:
        """p(z) = Normal(0, I), event shape [latent_dim]."""
        zeros = tf.zeros(self.latent_dim)
        return tfd.Independent(tfd.Normal(zeros, tf.ones_like(zeros)), 1, name="prior_z")

    def _onehot(self, y, argument: str = "y"):
        """One-hot digits; outside a compiled function, labels outside 0..K−1 are an error (not a zero vector)."""
        if tf.executing_eagerly():
            labels = np.asarray(y)
            check_labels(labels.reshape(-1), self.num_classes, argument)
            if (labels < 0).any():
                raise ValueError(f"{argument}: labels must be digits 0..{self.num_classes - 1} here; -1 (unlabeled) has no one-hot code")
        return tf.one_hot(tf.cast(y, tf.int32), self.num_classes)

    def classify_distribution(self, x, training: bool = False) -> tfd.Distribution:
        """q_φ(y | x) as a ``tfd.Categorical`` over the K digits."""
        return tfd.Categorical(logits=self.classifier(self.check_images(x), training=training), name="q_y_given_x")

    def classify(self, x) -> np.ndarray:
        """Class probabilities q_φ(y | x), shape [batch, K], rows summing to 1."""
        return tf.nn.softmax(self.classifier(self.check_images(x))).numpy()

    def encode_style(self, x, y) -> tfd.Distribution:
        """q_φ(z | x, y) = Normal(μ_φ(x, y), diag σ_φ(x, y)²); y are digit labels, shape [batch]."""
        x = self.check_images(x)
        return self._style(self.flatten(x), self._onehot(y))

    def _style(self, x_flat, y_onehot):
        out = self.style_encoder(tf.concat([x_flat, y_onehot], axis=-1))
        loc, raw = tf.split(out, 2, axis=-1)
        return tfd.Independent(tfd.Normal(loc, tf.nn.softplus(raw) + _SCALE_FLOOR), 1, name="q_z_given_xy")

    def generate(self, y, z) -> tfd.Distribution:
        """p_θ(x | y, z): independent Bernoulli pixels, event shape = image shape."""
        if self.event_shape is None:
            raise ValueError("generate: the model is not built yet; call it on images (or fit) first")
        yz = tf.concat([tf.convert_to_tensor(z, tf.float32), self._onehot(y)], axis=-1)
        return tfd.Independent(tfd.Bernoulli(logits=self.decoder_logits(yz), dtype=tf.float32),
                               reinterpreted_batch_ndims=len(self.event_shape), name="p_x_given_yz")

    # -- the bounds ----------------------------------------------------------------
    def labeled_bound(self, x, y, num_samples: int = 1) -> tf.Tensor:
        """L(x, y) per image, shape [batch]: E_q(z|x,y)[log p(x | y, z)] + log p(y) − KL(q(z|x,y) ‖ p(z))."""
        x = self.check_images(x)
        self._onehot(y)  # checks the labels
        if np.shape(y)[:1] != tuple(x.shape[:1]):
            raise ValueError(f"y: {np.shape(y)[0] if np.ndim(y) else 'a scalar'} labels for {x.shape[0]} images")
        return self._labeled_bound(x, self.flatten(x), tf.convert_to_tensor(y), num_samples)

    def _labeled_bound(self, x, x_flat, y, num_samples=1, q_z=None):
        q_z = self._style(x_flat, self._onehot(y)) if q_z is None else q_z
        z = reparameterized_sample(q_z, num_samples, self.noise)                  # [S, B, D]
        yz = tf.concat([z, tf.broadcast_to(self._onehot(y), tf.concat([tf.shape(z)[:-1], [self.num_classes]], 0))], -1)
        log_px = tfd.Independent(tfd.Bernoulli(logits=self.decoder_logits(yz), dtype=tf.float32),
                                 len(self.event_shape)).log_prob(x)
        return (tf.reduce_mean(log_px, axis=0) + self.prior_y.log_prob(tf.cast(y, tf.int32))
                - tfd.kl_divergence(q_z, self.prior_z))

    def _style_for_every_label(self, x_flat):
        """q_φ(z | x, y) for y = 0..K−1, batch [K·B] label-major, sharing the image's part of the first layer.

        The first layer computes W [x; onehot(y)] + b = (W_x x + b) + W_y[y]: the 784-wide
        product W_x x is the same for every y, so it is computed once per image, not K times.
        """
        layers = [layer for layer in self.style_encoder.layers if not isinstance(layer, keras.layers.Flatten)]
        first, pixels = layers[0], x_flat.shape[-1]
        shared = tf.matmul(x_flat, first.kernel[:pixels]) + first.bias               # [B, h]
        h = first.activation(tf.reshape(shared[None] + first.kernel[pixels:][:, None], [-1, first.units]))
        for layer in layers[1:]:
            h = layer(h)
        loc, raw = tf.split(h, 2, axis=-1)
        return tfd.Independent(tfd.Normal(loc, tf.nn.softplus(raw) + _SCALE_FLOOR), 1, name="q_z_given_xy")

    def bounds_for_every_label(self, x, num_samples: int = 1) -> tf.Tensor:
        """L(x, y) for y = 0..K−1 in one batched pass, shape [K, batch]."""
        x = self.check_images(x)
        batch = tf.shape(x)[0]
        labels = tf.repeat(tf.range(self.num_classes), batch)                  # [K·B]: 0…0, 1…1, …
        x_rep = tf.tile(x, tf.concat([[self.num_classes], tf.ones(tf.rank(x) - 1, tf.int32)], 0))
        q_z = self._style_for_every_label(self.flatten(x))
        bounds = self._labeled_bound(x_rep, None, labels, num_samples, q_z=q_z)
        return tf.reshape(bounds, [self.num_classes, batch])

    def unlabeled_bound(self, x, num_samples: int = 1, training: bool = False) -> tf.Tensor:
        """U(x) = Σ_y q_φ(y | x) L(x, y) + H(q_φ(y | x)), shape [batch], enumerating all K digits."""
        return self._unlabeled_bound(x, self.classify_distribution(x, training), num_samples)

    def _unlabeled_bound(self, x, q_y, num_samples=1):
        probs = tf.transpose(q_y.probs_parameter())                           # [K, B]
        return tf.reduce_sum(probs * self.bounds_for_every_label(x, num_samples), axis=0) + q_y.entropy()

    # -- training ------------------------------------------------------------------
    def compute_terms(self, x, y=None, training=False):
        if y is None:
            raise ValueError("SemiSupervisedVAE needs labels: fit(x, y) with y = -1 for unlabeled images")
        x = self.check_images(x)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        is_labeled = y >= 0
        x_l, y_l = tf.boolean_mask(x, is_labeled), tf.boolean_mask(y, is_labeled)
        x_u = tf.boolean_mask(x, ~is_labeled)
        batch = tf.cast(tf.shape(x)[0], tf.float32)

        logits = self.classifier(x, training=training)                       # q_φ(y | x): one pass for the batch
        logits_l, logits_u = tf.boolean_mask(logits, is_labeled), tf.boolean_mask(logits, ~is_labeled)

        labeled = self._labeled_bound(x_l, self.flatten(x_l), y_l)
        unlabeled = self._unlabeled_bound(x_u, tfd.Categorical(logits=logits_u))
        log_q_y = tfd.Categorical(logits=logits_l).log_prob(y_l)
        alpha = self.alpha if self.alpha is not None else 0.0
        loss = (-tf.reduce_sum(labeled) - tf.reduce_sum(unlabeled) - alpha * tf.reduce_sum(log_q_y)) / batch
        safe_mean = lambda v: tf.math.divide_no_nan(tf.reduce_sum(v), tf.cast(tf.size(v), tf.float32))  # noqa: E731
        predicted = tf.argmax(logits_l, axis=-1, output_type=tf.int32)  # in training, with the classifier's dropout
        return {"loss": loss, "labeled_elbo": safe_mean(labeled), "unlabeled_elbo": safe_mean(unlabeled),
                "classification": safe_mean(-log_q_y), "labeled_accuracy": safe_mean(tf.cast(predicted == y_l, tf.float32))}

    def training_data(self, x, y=None, batch_size=None, seed=0, start_epoch=0, binarize="dynamic", shuffle=True):
        """:func:`semisupervised_dataset`: the labeled images (y ≥ 0) re-sampled into every batch."""
        if batch_size is not None and int(batch_size) != self.batch_size:
            raise ValueError(f"batch_size={batch_size}: this model was built for batch_size={self.batch_size}")
        return semisupervised_dataset(x, y, self.batch_size, self.labeled_per_batch, seed=seed,
                                      binarize=binarize, start_epoch=start_epoch)

    def fit(self, x=None, y=None, *args, seed: int = 0, binarize: str | None = "dynamic", **kwargs):
        """Keras ``fit``; with NumPy ``x, y`` (y = −1 for unlabeled images) the batches come from
        :meth:`training_data`, and ``alpha=None`` becomes :func:`paper_alpha`."""
        if isinstance(x, tf.data.Dataset):
            if self.alpha is None:
                raise ValueError("alpha: pass alpha=... to the constructor when fitting on a tf.data.Dataset")
            return super().fit(x, *args, **kwargs)
        if y is None:
            raise ValueError("y: SemiSupervisedVAE.fit needs labels (use -1 for unlabeled images)")
        check_intensities(np.asarray(x), "x")
        y = check_labels(y, self.num_classes)
        if len(y) != len(x):
            raise ValueError(f"y: {len(y)} labels for {len(x)} images; give one label per image (-1 for unlabeled)")
        if self.alpha is None:
            self.alpha = paper_alpha(len(y), int((y >= 0).sum()))
        return super().fit(x, y, *args, seed=seed, binarize=binarize, **kwargs)


class Classifier(TrainableModel):
    """The baseline: the same q_φ(y | x) network, trained on the labeled images only.

    Loss: the cross-entropy −(1/B) Σ_n log q_φ(y_n | x_n); ``accuracy`` is logged with it.
    ``fit(x, y)`` takes images and labels in 0..num_classes−1 (no −1: every image is labeled).
    """

    term_names = ("loss", "accuracy")

    def __init__(self, num_classes: int = 10, hidden: Sequence[int] = (500,), activation: str = "softplus", **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.net = networks.mlp(hidden, num_classes, activation, name="classifier")

    def build(self, input_shape):
        self._set_event_shape(input_shape)
        self.net.build((None, *self.event_shape))
        self.built = True

    def call(self, x, training=False):
        return self.net(self.check_images(x), training=training)

    def classify(self, x) -> np.ndarray:
        """q_φ(y | x) for each image: an (N, num_classes) array of probabilities."""
        return tf.nn.softmax(self(x)).numpy()

    def compute_terms(self, x, y=None, training=False):
        if y is None:
            raise ValueError("Classifier needs labels: fit(x, y)")
        logits = self(x, training=training)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        correct = tf.cast(tf.argmax(logits, axis=-1, output_type=tf.int32) == y, tf.float32)
        return {"loss": loss, "accuracy": tf.reduce_mean(correct)}

    def fit(self, x=None, y=None, *args, **kwargs):
        """Keras ``fit`` on images and labels (NumPy arrays go through :meth:`training_data`)."""
        if not isinstance(x, tf.data.Dataset):
            if y is None:
                raise ValueError("y: Classifier.fit needs a label for every image")
            y = check_labels(y, self.num_classes)
            if (y < 0).any():
                raise ValueError("y: Classifier.fit needs a label for every image; -1 (unlabeled) is not allowed")
        return super().fit(x, y, *args, **kwargs)
