"""Root pytest configuration: applies to tests/ and to the notebooks nbval executes.

The test command runs the notebooks in the fast setting unless told otherwise (VAE_TF_FAST=0 runs
them in full); nbval's kernels inherit this environment. TensorFlow's native log stays quiet.
"""
import os

os.environ.setdefault("VAE_TF_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
