"""vae-tf: from autoencoders to semi-supervised and disentangled VAEs, in TensorFlow Probability."""
from vae_tf._quiet import import_tensorflow_quietly as _import_tf

_import_tf()  # before anything else imports TensorFlow: keeps its native start-up log quiet

from vae_tf.config import device_summary, header, is_fast, pick, set_seed  # noqa: E402
from vae_tf.data import DataError, load_mnist, make_dataset  # noqa: E402
from vae_tf.autoencoder import Autoencoder  # noqa: E402
from vae_tf.vae import VAE  # noqa: E402
from vae_tf.optimizer import FusedAdam  # noqa: E402
from vae_tf import estimators  # noqa: E402
from vae_tf.cache import fit_or_load, remember  # noqa: E402

__all__ = ["Autoencoder", "VAE", "FusedAdam", "estimators", "fit_or_load", "remember", "DataError", "device_summary", "header", "is_fast", "load_mnist",
           "make_dataset", "pick", "set_seed"]
__version__ = "0.1.0"
