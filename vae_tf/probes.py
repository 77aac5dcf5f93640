"""Linear probes: how much of a label can be read off a representation.

A multinomial logistic regression p(y | z) = softmax(W z + b), fitted on training codes and
scored on test codes. Near-chance accuracy means the codes carry little linearly readable
information about y; high accuracy means they do.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from vae_tf._quiet import retracing_warnings_silenced


def linear_probe_accuracy(z_train, y_train, z_test, y_test, epochs: int = 50, seed: int = 0) -> float:
    """Test accuracy of a softmax regression from standardised codes z to labels y (``seed`` fixes its
    initial weights and order; Python's, NumPy's and TensorFlow's global random state stay untouched)."""
    z_train, z_test = np.asarray(z_train, np.float32), np.asarray(z_test, np.float32)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if z_train.ndim != 2 or z_test.ndim != 2 or z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"z_train {z_train.shape} and z_test {z_test.shape} must be (N, D) with the same D")
    if len(z_train) != len(y_train) or len(z_test) != len(y_test):
        raise ValueError("each code needs exactly one label")
    mean, std = z_train.mean(axis=0), z_train.std(axis=0) + 1e-6
    # seeded through its own initializer and shuffle: the global random state is left alone
    probe = keras.Sequential([keras.layers.Dense(int(y_train.max()) + 1,
                                                 kernel_initializer=keras.initializers.GlorotUniform(seed=seed))])
    steps = -(-len(z_train) // 256)  # one compiled call per epoch: the same updates, without a Python round trip per step
    probe.compile(optimizer=keras.optimizers.Adam(1e-2), steps_per_execution=steps,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # plain tf.data pipelines (Keras' NumPy adapter logs a harmless native error in TF 2.21)
    train = tf.data.Dataset.from_tensor_slices(((z_train - mean) / std, y_train)).shuffle(len(z_train), seed=seed).batch(256)
    test = tf.data.Dataset.from_tensor_slices(((z_test - mean) / std, y_test)).batch(1024)
    with retracing_warnings_silenced():  # each probe is a new model
        probe.fit(train, epochs=epochs, verbose=0, shuffle=False)  # the pipeline shuffles
        return float(probe.evaluate(test, verbose=0)[1])
