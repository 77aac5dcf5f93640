"""Training throughput of the collection's models against this machine's matrix-multiply rate.

    python benchmarks/throughput.py [--images 60000] [--epochs 2] [--models ae vae vae-m2 m2]

For the autoencoder, the VAE and the semi-supervised VAE at the notebooks' architectures and batch sizes
(128 for the autoencoder as in notebook 01, 256 for the VAE as in notebooks 02 and 03, 100 for M2 as in
notebook 04) it prints
training images per second through ``fit`` (as the notebooks call it), the achieved GFLOP/s (from
a count of the dense layers' multiply-adds, forward and backward = 3 × forward: the usual convention;
it includes the first layer's gradient with respect to the images, which TensorFlow skips, so for the
VAE the work done is about 16 % less than counted), the ratio to a large
float32 matmul measured in the same run, the same with XLA (``jit_compile=True``; Keras may decline it
for ``fit``, the bare loop then still shows what XLA gives), a bare
``tf.function`` training loop on the same model for the overhead of ``fit``, the time of a
60,000-image epoch (data tiled to that size), and the peak resident memory of the process.
The first epoch (tracing and compilation) is reported separately from the steady-state epochs, and
a second table times the VAE at batch sizes 64 to 512 and with one training step per call of Keras'
compiled loop instead of the count fit chooses, or with Keras' own Adam instead of the
collection's ``FusedAdam``. The matmul rate is the best of three timings. Each model trains with the
optimizer its notebook uses: Keras' Adam at 1e-3 for the autoencoder (notebook 01 compiles it so),
the collection's ``FusedAdam`` (Keras' Adam as one fused kernel per variable) at 2e-3 for the VAE
(notebooks 02 and 03) and at the default 1e-3 for M2. The learning rate does not change the timing.
Data: random binary images (throughput does not depend on pixel values).
"""
import argparse
import itertools
import os
import platform
import resource
import time

import numpy as np

import vae_tf
from vae_tf.cache.training import largest_divisor
from vae_tf.optimizer import FusedAdam
from vae_tf.semisupervised import SemiSupervisedVAE

import keras  # noqa: E402  (after vae_tf, which silences TensorFlow's start-up log)
import tensorflow as tf  # noqa: E402

PIXELS = 784
#: the batch size each model trains with in its notebook
#: M2 as notebook 04 trains it: the model's defaults, batches of 100 with 50 labeled images each
M2_CONFIG = {k: v for k, v in SemiSupervisedVAE().get_config().items() if k not in ("name", "trainable", "dtype")}
M2_BATCH, M2_LABELED_PER_BATCH = 100, 50
NOTEBOOK_BATCH = {"ae": 128, "vae": 256, "vae-m2": M2_BATCH, "m2": M2_BATCH}


def matmul_gflops(n: int = 2048, repeats: int = 20, trials: int = 3) -> float:
    """The best of ``trials`` timings of ``repeats`` float32 n×n matmuls: the machine's rate when it is quiet."""
    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])
    f = tf.function(lambda a, b: tf.matmul(a, b))
    f(a, b).numpy()
    best = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            c = f(a, b)
        c.numpy()
        best = max(best, 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9)
    return best


def steady_seconds(run, epochs: int) -> float:
    """Seconds per call of ``run`` (one epoch), averaged over ``epochs`` calls after a first that traces."""
    run()
    start = time.perf_counter()
    for _ in range(epochs):
        run()
    return (time.perf_counter() - start) / epochs


def dense_macs(sizes) -> int:
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def flops_per_image(name: str) -> float:
    """Forward multiply-adds of the dense layers × 2 FLOP × 3 (forward + backward)."""
    if name == "ae":
        macs = dense_macs([PIXELS, 512, 2]) + dense_macs([2, 512, PIXELS])
    elif name == "vae":
        macs = dense_macs([PIXELS, 512, 40]) + dense_macs([20, 512, PIXELS])
    elif name == "vae-m2":  # a plain VAE with M2's hidden sizes and style size: the comparison for M2
        h, d = M2_CONFIG["hidden"], M2_CONFIG["latent_dim"]
        macs = dense_macs([PIXELS, *h, 2 * d]) + dense_macs([d, *h[::-1], PIXELS])
    else:  # M2: classifier, style encoder and decoder; the unlabeled half enumerates 10 digits
        h, d, k = M2_CONFIG["hidden"], M2_CONFIG["latent_dim"], 10
        classifier = dense_macs([PIXELS, *h, k])
        image_part = PIXELS * h[0]                        # W_x x: once per image, shared by the ten labels
        encoder_rest = k * h[0] + dense_macs([*h, 2 * d])  # W_y onehot(y) and the layers above, once per label
        decoder = dense_macs([d + k, *h[::-1], PIXELS])
        unlabeled_share = 1 - M2_LABELED_PER_BATCH / M2_BATCH
        passes = unlabeled_share * k + (1 - unlabeled_share)
        macs = classifier + image_part + passes * (encoder_rest + decoder)
    return 2 * 3 * macs


def optimizer_for(name: str, fused: bool = True) -> keras.optimizers.Optimizer:
    """The optimizer the notebooks train ``name`` with (``fused=False``: Keras' own Adam, same learning rate)."""
    learning_rate = 2e-3 if name == "vae" else vae_tf.trainer.DEFAULT_LEARNING_RATE
    if name == "ae" or not fused:
        return keras.optimizers.Adam(learning_rate)
    return FusedAdam(learning_rate)


def build(name: str, jit: bool, steps_per_execution: int, fused: bool = True):
    if name == "ae":
        model = vae_tf.Autoencoder(latent_dim=2, hidden=(512,))
    elif name == "vae":
        model = vae_tf.VAE(latent_dim=20, hidden=(512,))
    elif name == "vae-m2":
        model = vae_tf.VAE(latent_dim=M2_CONFIG["latent_dim"], hidden=M2_CONFIG["hidden"],
                           activation=M2_CONFIG["activation"])
    else:
        model = SemiSupervisedVAE(**M2_CONFIG)
    model.compile(optimizer=optimizer_for(name, fused), jit_compile=jit, steps_per_execution=steps_per_execution)
    return model


def data_for(name: str, x, y, batch: int):
    if name == "m2":
        return vae_tf.semisupervised.semisupervised_dataset(x, y, batch_size=batch,
                                                            labeled_per_batch=M2_LABELED_PER_BATCH)
    return vae_tf.make_dataset(x, batch_size=batch, seed=0)


def per_call_for(ds) -> int:
    """The steps per call of Keras' compiled loop that fit chooses for this pipeline."""
    return largest_divisor(vae_tf.data.steps_per_epoch(ds))


def time_fit(model, ds, epochs: int):
    timer = vae_tf.trainer.EpochTimer()
    model.fit(ds, epochs=epochs + 1, verbose=0, callbacks=[timer])
    seconds = np.diff([0.0] + model.history.history["seconds"])
    return seconds[0], float(np.mean(seconds[1:]))


def time_bare_loop(model, ds, epochs: int, jit: bool = False) -> float:
    """Steady-state seconds per epoch of a hand-written tf.function loop over the same steps."""
    optimizer = model.optimizer  # fresh (the model is compiled, not trained)
    first = next(iter(ds))
    model.check_images((first[0] if isinstance(first, tuple) else first)[:1])  # build the networks eagerly
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=jit)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = model.compute_terms(x, y, training=True)["loss"]
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    steps = vae_tf.data.steps_per_epoch(ds)
    batches = iter(ds)

    def run():  # one epoch of the (repeating) pipeline
        for batch in itertools.islice(batches, steps):
            x, y = (batch if isinstance(batch, tuple) else (batch, None))
            loss = step(x, y)
        loss.numpy()

    return steady_seconds(run, epochs)


def batch_sweep(x, epochs: int, peak: float):
    """The VAE through fit (no XLA) at several batch sizes, and at the notebooks' 256 with one step per
    call or with Keras' own Adam."""
    print(f"\nVAE 784-512-20 through fit, no XLA: batch size, steps per call, optimizer\n"
          f"{'batch':>5} {'steps/call':>10} {'optimizer':>10} {'epoch s':>8} {'img/s':>8} {'GFLOP/s':>8} {'of matmul':>9} "
          f"{'60k epoch s':>11}")
    for batch, per_call, fused in [(64, "auto", True), (128, "auto", True), (256, 1, True), (256, "auto", False),
                                   (256, "auto", True), (512, "auto", True)]:
        keras.utils.set_random_seed(0)
        ds = data_for("vae", x, None, batch)
        model = build("vae", False, per_call_for(ds) if per_call == "auto" else per_call, fused)
        _, epoch = time_fit(model, ds, epochs)
        images_per_s = vae_tf.data.steps_per_epoch(ds) * batch / epoch
        gflops = images_per_s * flops_per_image("vae") / 1e9
        print(f"{batch:5d} {model.steps_per_execution:10d} {type(model.optimizer).__name__:>10} {epoch:8.2f} "
              f"{images_per_s:8.0f} {gflops:8.1f} "
              f"{gflops / peak:9.0%} {epoch * 60000 / len(x):11.1f}", flush=True)
    floor = dense_layers_only(x, NOTEBOOK_BATCH["vae"], epochs)
    gflops = len(x) * flops_per_image("vae") / floor / 1e9
    print(f"batch {NOTEBOOK_BATCH['vae']}, a bare loop of the dense layers and Adam only (no sampling, no distributions, no metrics): "
          f"{floor:.2f} s per epoch, {gflops:.1f} GFLOP/s, {gflops / peak:.0%} of matmul", flush=True)


def dense_layers_only(x, batch: int, epochs: int) -> float:
    """Seconds per epoch of a bare loop that runs only the VAE's dense layers and Adam: no sampling, no
    distributions, no metrics. The floor for the VAE at this batch size on this machine."""
    keras.utils.set_random_seed(0)
    model = vae_tf.VAE(latent_dim=20, hidden=(512,))
    model.check_images(x[:1])
    optimizer = optimizer_for("vae")
    optimizer.build(model.trainable_variables)
    ds = vae_tf.make_dataset(x, batch_size=batch, seed=0)

    @tf.function
    def step(xb):
        with tf.GradientTape() as tape:
            loc, _ = tf.split(model.encoder(xb), 2, axis=-1)
            loss = -tf.reduce_mean(tf.reduce_sum(model.decoder(loc) * tf.reshape(xb, [-1, PIXELS]), axis=-1))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    steps, batches = vae_tf.data.steps_per_epoch(ds), iter(ds)

    def run():
        for batch_x in itertools.islice(batches, steps):
            loss = step(batch_x)
        loss.numpy()

    return steady_seconds(run, epochs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=2, help="steady-state epochs timed after the first")
    parser.add_argument("--models", nargs="+", default=["ae", "vae", "vae-m2", "m2"], choices=["ae", "vae", "vae-m2", "m2"])
    parser.add_argument("--batch", type=int, default=None,
                        help="batch size for ae and vae (default: their notebooks', 128 and 256); M2 keeps 100")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false",
                        help="skip the VAE's batch-size and steps-per-call table")
    args = parser.parse_args()

    print(f"python {platform.python_version()} | TensorFlow {tf.__version__} | Keras {keras.__version__} | "
          f"{platform.machine()}, {os.cpu_count()} cores")
    print(f"device: {vae_tf.device_summary()}")
    peak = matmul_gflops()
    print(f"float32 matmul 2048×2048: {peak:.1f} GFLOP/s")
    rng = np.random.default_rng(0)
    x = (rng.random((args.images, 28, 28)) < 0.13).astype(np.float32)
    y = np.full(args.images, -1, np.int64)
    y[rng.choice(args.images, 100, replace=False)] = np.arange(100) % 10
    batches = {name: args.batch if args.batch and name in ("ae", "vae") else size for name, size in NOTEBOOK_BATCH.items()}
    print(f"{args.images} images, {args.epochs} timed epochs after the first; batch sizes "
          f"{', '.join(f'{name} {batches[name]}' for name in args.models)}; optimizer: "
          f"Keras' Adam for ae (as notebook 01), FusedAdam for the others\n")
    print(f"{'model':6} {'batch':>5} {'XLA':4} {'steps/call':>10} {'1st epoch s':>11} {'epoch s':>8} {'img/s':>8} {'GFLOP/s':>8} "
          f"{'of matmul':>9} {'bare loop s':>11} {'fit overhead':>12} {'60k epoch s':>11}")
    epoch_seconds = {}
    for name in args.models:
        batch = batches[name]
        for jit in (False, True):
            keras.utils.set_random_seed(0)  # not vae_tf.set_seed: under op determinism Keras declines XLA
            ds = data_for(name, x, y, batch)
            model = build(name, jit, per_call_for(ds))
            first, epoch = time_fit(model, ds, args.epochs)
            xla_in_fit = bool(model.jit_compile)  # Keras falls back to False where it cannot compile
            try:
                bare = time_bare_loop(build(name, False, 1), ds, args.epochs, jit=jit)
            except Exception as exc:  # XLA cannot compile every graph (e.g. dynamic shapes)
                print(f"  (bare loop with XLA={jit} failed: {exc.__class__.__name__})")
                bare = float("nan")
            # an M2 epoch is one pass over the unlabeled images, each batch half labeled: twice the images
            images_per_s = vae_tf.data.steps_per_epoch(ds) * batch / epoch
            epoch_seconds[name, jit] = epoch
            gflops = images_per_s * flops_per_image(name) / 1e9
            overhead = f"{(epoch / bare - 1):+.0%}" if np.isfinite(bare) else "n/a"
            xla = ("on" if xla_in_fit else "off*") if jit else "off"
            print(f"{name:6} {batch:5d} {xla:4} {model.steps_per_execution:10d} {first:11.1f} {epoch:8.2f} {images_per_s:8.0f} {gflops:8.1f} "
                  f"{gflops / peak:9.0%} {bare:11.2f} {overhead:>12} {epoch * 60000 / args.images:11.1f}", flush=True)
    print("\nXLA column: 'off*' = jit_compile=True was asked, Keras declined it for fit (the bare loop still used XLA).")
    print("steps/call: training steps per call of Keras' compiled loop (what fit chooses: the largest divisor of the epoch up to 32).")
    print("img/s counts every image a step trains on (an M2 epoch: the unlabeled images plus as many labeled re-draws).")
    if ("m2", False) in epoch_seconds and ("vae-m2", False) in epoch_seconds:
        print(f"M2 epoch / VAE epoch at the same hidden sizes (no XLA): "
              f"{epoch_seconds['m2', False] / epoch_seconds['vae-m2', False]:.1f}x")
    if args.sweep and "vae" in args.models:
        batch_sweep(x, args.epochs, peak)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
