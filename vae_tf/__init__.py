"""vae-tf: from autoencoders to semi-supervised and disentangled VAEs, in TensorFlow Probability.

Everything a notebook uses is importable from here: the models (:class:`Autoencoder`,
:class:`PriorSampledModel` (a decoder learned with prior proposals), :class:`VAE`,
:class:`BetaVAE`, :class:`TCVAE`, :class:`SemiSupervisedVAE` and its baseline :class:`Classifier`),
the data (:func:`load_mnist`, :func:`binarize_fixed`, :func:`mask_labels`), evaluations computed
once (:func:`cached`), the notebook's header line (:func:`header`), and the modules ``plotting``,
``estimators``, ``disentangle``. Every model trains with Keras' ``compile`` and ``fit``; its ``fit``
trains once and reloads after (:mod:`vae_tf.cache`).
"""
from vae_tf._quiet import import_tensorflow_quietly as _import_tf

_import_tf()  # before anything else imports TensorFlow: keeps its native start-up log quiet

from vae_tf.config import device_summary, header, is_fast, set_seed  # noqa: E402
from vae_tf.claims import claim  # noqa: E402
from vae_tf.data import DataError, binarize_fixed, load_mnist, make_dataset, mask_labels  # noqa: E402
from vae_tf.autoencoder import Autoencoder  # noqa: E402
from vae_tf.vae import VAE  # noqa: E402
from vae_tf.prior_sampling import PriorSampledModel  # noqa: E402
from vae_tf.disentangle import BetaVAE, TCVAE  # noqa: E402
from vae_tf.semisupervised import Classifier, SemiSupervisedVAE  # noqa: E402
from vae_tf.probes import linear_probe_accuracy  # noqa: E402
from vae_tf.explorer import latent_explorer  # noqa: E402
from vae_tf import disentangle, estimators, plotting  # noqa: E402
from vae_tf.cache import cached, remember  # noqa: E402
from vae_tf.sources import show_source  # noqa: E402

__all__ = ["Autoencoder", "BetaVAE", "Classifier", "DataError", "PriorSampledModel", "SemiSupervisedVAE", "TCVAE", "VAE", "binarize_fixed", "claim",
           "cached", "device_summary", "disentangle", "estimators", "header", "is_fast", "latent_explorer",
           "linear_probe_accuracy", "load_mnist", "make_dataset", "mask_labels", "plotting", "remember",
           "set_seed", "show_source"]
__version__ = "0.1.0"
