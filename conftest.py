"""Root pytest configuration: applies to tests/ and to the notebooks nbval executes.

The test command runs the notebooks in the fast setting unless told otherwise (VAE_TF_FAST=0 runs
them in full), strictly (a notebook's failed claim stops it in full mode); nbval's kernels inherit
this environment. TensorFlow's native log stays quiet.
"""
import os

os.environ.setdefault("VAE_TF_FAST", "1")
os.environ.setdefault("VAE_TF_STRICT", "1")  # the maintainers' run: a claim that no longer holds stops a full-mode notebook
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
