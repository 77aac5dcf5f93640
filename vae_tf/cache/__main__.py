"""``python -m vae_tf.cache --list`` / ``--clear``: see :func:`vae_tf.cache.folder.main`."""
import sys

from vae_tf.cache.folder import main

sys.exit(main())
