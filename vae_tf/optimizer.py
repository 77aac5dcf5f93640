"""Adam whose update is one fused TensorFlow kernel per variable.

Adam (Kingma & Ba 2015), at step t with gradient g:

    m ← m + (1 − β1)(g − m),   v ← v + (1 − β2)(g² − v),
    w ← w − α m / (√v + ε),    α = lr √(1 − β2^t) / (1 − β1^t).

Keras' ``Adam`` writes this as about a dozen elementwise TensorFlow ops per variable, each a
pass over memory. :class:`FusedAdam` is the same Keras optimizer (same arguments, state, schedule,
clipping, checkpoints) whose update runs TensorFlow's ``ResourceApplyAdam`` kernel: one pass per
variable, on the CPU threads or the GPU. On a 2-core CPU it halves the time of the VAE's update
(batch 128) and shortens an M2 epoch by about a tenth (``benchmarks/throughput.py``, ``benchmarks/README.md``).

It computes 1 − β1 and 1 − β2 in float32 where Keras computes them in float64, so the two agree
to float32 rounding, not necessarily bit for bit (``tests/test_optimizer.py``).
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="vae_tf")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` with the update above run by ``tf.raw_ops.ResourceApplyAdam``.

    AMSGrad and sparse (``IndexedSlices``) gradients fall back to Keras' own update.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = ops.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            beta1_power=ops.power(ops.cast(self.beta_1, dtype), step),
            beta2_power=ops.power(ops.cast(self.beta_2, dtype), step),
            lr=ops.cast(learning_rate, dtype), beta1=ops.cast(self.beta_1, dtype), beta2=ops.cast(self.beta_2, dtype),
            epsilon=ops.cast(self.epsilon, dtype), grad=ops.cast(gradient, dtype))
