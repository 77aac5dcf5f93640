"""Where a training epoch's time goes, for the VAE and M2 at their notebooks' configurations.

    python benchmarks/breakdown.py [--images 60000] [--m2-images 20000] [--epochs 2]

Each model is timed four ways, each adding one part to the one before, so that the differences are
what the parts cost (seconds per 60,000-image epoch, steady state after a first traced epoch):

1. **floor**: a bare ``tf.function`` loop of the model's own dense layers at the shapes one training
   step uses (M2: the classifier, the style encoder and the decoder, the latter two once for each of
   the ten digits of every unlabeled image), a linear loss, its gradient and Adam; batches already in
   memory; no distributions, no sampling, no likelihood, no metrics;
2. **+ the model's loss**: the same loop calling ``compute_terms`` (the Bernoulli likelihood, the
   reparameterized sample, the KL, the sum over y, the logged terms), batches still in memory;
3. **+ the input pipeline**: the same loop fed by the pipeline ``fit`` builds (shuffling, binarizing
   afresh every epoch, M2's labeled/unlabeled mix);
4. **fit**: ``model.fit(x, y, epochs=..., batch_size=...)`` on the arrays, as the notebooks train (the
   collection's one ``fit``: its checks, its pipeline, the steps per call it chooses; cache off).

It also prints each row's fraction of a large float32 matmul's rate (dense-layer FLOPs, forward and
backward = 3 × forward), the ratio of ``fit`` to the floor, and, at the top, the CPU and its vector
instruction sets. Configurations: the VAE of notebooks 02 and 03 (784-512-20, batch 256, Adam 2·10⁻³),
M2 of notebook 04 (``SemiSupervisedVAE()`` defaults, batch 100 with 10 labeled, Adam 2·10⁻³).
Data: random binary-valued images (the time does not depend on pixel values).
"""
import argparse
import itertools
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vae_tf  # noqa: E402
from throughput import PIXELS, dense_macs, matmul_gflops, steady_seconds  # noqa: E402

import keras  # noqa: E402  (after vae_tf, which silences TensorFlow's start-up log)
import tensorflow as tf  # noqa: E402

VAE_BATCH, M2_BATCH, M2_LABELED = 256, 100, 10


def cpu_description() -> str:
    """The CPU model and which of AVX2 / FMA / AVX-512 it offers (from /proc/cpuinfo on Linux)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    sets = [name for name, flag in [("AVX2", "avx2"), ("FMA", "fma"), ("AVX-512F", "avx512f")] if flag in flags]
    return f"{model}; {', '.join(sets) or 'no AVX2/AVX-512 flags found'}; {os.cpu_count()} cores"


def vae_flops_per_image() -> float:
    return 2 * 3 * (dense_macs([PIXELS, 512, 40]) + dense_macs([20, 512, PIXELS]))


def m2_flops_per_image(model) -> float:
    """Per image of a batch: classifier and style input once, the rest once per label it is paired with."""
    h, d, k = model.hidden, model.latent_dim, model.num_classes
    passes = (M2_BATCH - M2_LABELED) / M2_BATCH * k + M2_LABELED / M2_BATCH
    per_label = k * h[0] + dense_macs([*h, 2 * d]) + dense_macs([d + k, *h[::-1], PIXELS])
    return 2 * 3 * (dense_macs([PIXELS, *h, k]) + PIXELS * h[0] + passes * per_label)


def build(name: str, x):
    """The model, compiled with the notebooks' optimizer and built on ``x``'s image shape."""
    keras.utils.set_random_seed(0)
    model = vae_tf.VAE(latent_dim=20, hidden=(512,)) if name == "vae" else vae_tf.SemiSupervisedVAE()
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.check_images(x[:1])
    return model


def pipeline(model, x, y):
    if isinstance(model, vae_tf.SemiSupervisedVAE):
        return model.training_data(x, y, batch_size=M2_BATCH, labeled_per_batch=M2_LABELED, binarize="dynamic")
    return model.training_data(x, batch_size=VAE_BATCH, binarize="dynamic")


def dense_loss(model, x, y):
    """A linear loss through the model's dense layers at a training step's shapes (the floor's work)."""
    flat = tf.reshape(x, [tf.shape(x)[0], -1])
    if not isinstance(model, vae_tf.SemiSupervisedVAE):
        loc, _ = tf.split(model.encoder(x), 2, axis=-1)
        return -tf.reduce_mean(tf.reduce_sum(model.decoder(loc) * flat, axis=-1))
    k, labeled = model.num_classes, y >= 0
    labels = tf.where(labeled, y, 0)
    # every digit for each unlabeled image, its own for each labeled one: [K, B] labels
    pairs = tf.where(labeled[None], tf.broadcast_to(labels[None], [k, tf.shape(y)[0]]), tf.range(k)[:, None])
    keep = tf.reshape(tf.logical_or(~labeled[None], tf.range(k)[:, None] == 0), [-1])
    hidden = tf.boolean_mask(tf.reshape(model.style_input(flat, pairs), [-1, model.hidden[0]]), keep)
    loc = tf.split(model.style_encoder(hidden), 2, axis=-1)[0]
    codes = tf.concat([loc, tf.one_hot(tf.boolean_mask(tf.reshape(pairs, [-1]), keep), k)], axis=-1)
    images = tf.boolean_mask(tf.reshape(tf.tile(flat[None], [k, 1, 1]), [-1, flat.shape[-1]]), keep)
    return (-tf.reduce_mean(tf.reduce_sum(model.decoder(codes) * images, axis=-1))
            + tf.reduce_mean(model.classifier(x, training=True)))


def time_loop(model, batches, steps: int, epochs: int, loss_of) -> float:
    """Steady-state seconds per epoch of a tf.function step (``loss_of(model, x, y)``, its gradient, Adam)."""
    optimizer, variables = model.optimizer, model.trainable_variables
    optimizer.build(variables)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_of(model, x, y)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def run():
        for x, y in itertools.islice(batches, steps):
            loss = step(x, y)
        loss.numpy()

    return steady_seconds(run, epochs)


def with_labels(ds):
    """Batches as (x, y) pairs; y = −1 where the pipeline has no labels."""
    return ((b, -tf.ones(tf.shape(b)[0], tf.int64)) if not isinstance(b, tuple) else b for b in ds)


def breakdown(name: str, x, y, epochs: int):
    """Seconds per epoch of the four rows, for ``name`` ("vae" or "m2") on images ``x`` (labels ``y``)."""
    model = build(name, x)
    ds = pipeline(model, x, y)
    steps = vae_tf.data.steps_per_epoch(ds)
    in_memory = [(bx, tf.cast(by, tf.int32)) for bx, by in itertools.islice(with_labels(ds), steps)]
    rows = {"floor: dense layers + Adam, batches in memory": time_loop(model, itertools.cycle(in_memory), steps, epochs, dense_loss)}
    terms = lambda m, bx, by: m.compute_terms(bx, by if name == "m2" else None, training=True)["loss"]  # noqa: E731
    rows["+ the model's loss (compute_terms), batches in memory"] = time_loop(build(name, x), itertools.cycle(in_memory),
                                                                            steps, epochs, terms)
    rows["+ the input pipeline (binarized on the fly)"] = time_loop(build(name, x), with_labels(pipeline(model, x, y)), steps,
                                                                   epochs, terms)
    fitted = build(name, x)
    timer = vae_tf.trainer.EpochTimer()
    os.environ["VAE_TF_CACHE_DIR"] = "off"  # time training, not the cache
    if name == "m2":
        fitted.fit(x, y, epochs=epochs + 1, batch_size=M2_BATCH, labeled_per_batch=M2_LABELED, verbose=0,
                   callbacks=[timer])
    else:
        fitted.fit(x, epochs=epochs + 1, batch_size=VAE_BATCH, verbose=0, callbacks=[timer])
    rows["fit (as the notebooks train)"] = float(np.mean(np.diff([0.0] + fitted.history.history["seconds"])[1:]))
    images = steps * (VAE_BATCH if name == "vae" else M2_BATCH)
    flops = images * (vae_flops_per_image() if name == "vae" else m2_flops_per_image(model))
    return rows, flops


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=60000, help="training images for the VAE")
    parser.add_argument("--m2-images", type=int, default=20000, help="training images for M2 (its epochs are long)")
    parser.add_argument("--epochs", type=int, default=2, help="steady-state epochs timed after the first")
    parser.add_argument("--models", nargs="+", default=["vae", "m2"], choices=["vae", "m2"])
    args = parser.parse_args()

    print(f"CPU: {cpu_description()}")
    print(f"python {platform.python_version()} | TensorFlow {tf.__version__} | Keras {keras.__version__}")
    peak = matmul_gflops()
    print(f"float32 matmul 2048×2048: {peak:.1f} GFLOP/s\n")
    rng = np.random.default_rng(0)
    goals = {"vae": 1.25, "m2": 1.2}
    for name in args.models:
        n = args.images if name == "vae" else args.m2_images
        x = (rng.random((n, 28, 28)) < 0.13).astype(np.float32)
        y = np.full(n, -1, np.int64)
        y[rng.choice(n, 100, replace=False)] = np.arange(100) % 10
        rows, flops = breakdown(name, x, y, args.epochs)
        scale = 60000 / n
        title = ("VAE 784-512-20, batch 256" if name == "vae"
                 else f"M2 (SemiSupervisedVAE() defaults), batch {M2_BATCH} with {M2_LABELED} labeled")
        print(f"{title}: seconds per 60,000-image epoch ({n} images timed)")
        print(f"  {'':58} {'60k epoch s':>11} {'× floor':>8} {'of matmul':>9} {'this part s':>11}")
        floor, before = next(iter(rows.values())), 0.0
        for label, seconds in rows.items():
            part = seconds - before if before else seconds
            print(f"  {label:58} {seconds * scale:11.2f} {seconds / floor:8.2f} {flops / seconds / 1e9 / peak:9.0%} "
                  f"{part * scale:11.2f}", flush=True)
            before = seconds
        fit = rows["fit (as the notebooks train)"]
        print(f"  goal: fit ≤ {goals[name]} × floor: {fit / floor:.2f} × "
              f"({'met' if fit / floor <= goals[name] else 'not met'})\n", flush=True)


if __name__ == "__main__":
    main()
