"""Train once, reload after: cached training with per-epoch resume, and memoised evaluations.

- ``training``: every model's ``fit`` on arrays trains once, then reloads the stored weights and
  history; it checkpoints after every epoch, so an interrupted run resumes where it stopped.
- :func:`cached` (``results``): a decorator: an expensive evaluation computed once, then reloaded.
- ``folder``: where the cache lives (``VAE_TF_CACHE_DIR``, default ``~/.cache/vae-tf``, ``off``
  to disable), listing and clearing it (``python -m vae_tf.cache --list`` / ``--clear``).

Everything is stored as NumPy arrays and JSON in ``.npz`` files written atomically (never
pickles), and checked against its hash before any of it reaches a model.
"""
from vae_tf.cache.folder import CACHE_ENV, cache_folder, clear, entries, main
from vae_tf.cache.results import cached, remember
from vae_tf.cache.store import CacheError
from vae_tf.cache.training import TrainingRun, describe

__all__ = ["CACHE_ENV", "CacheError", "TrainingRun", "cache_folder", "cached", "clear", "describe", "entries",
           "main", "remember"]
