"""Test accuracy of the semi-supervised VAE (M2) against the fair baseline and the labeled-only ablation, over seeds.

    python benchmarks/semisupervised_accuracy.py [--labels 100 1000] [--seeds 0 1 2] [--epochs 6]

Uses the configuration of notebooks/04_label_and_style.ipynb: SemiSupervisedVAE's defaults, Adam at 2e-3,
batches of 100 images with 10 labeled. The baseline is the same q(y|x) network (``Classifier()``, the same
dropout) trained on the labeled images, binarized afresh each time, each presented as often as in M2; the
ablation is M2 trained on labeled-only batches of the same images, presented as often. The data is that of
vae_tf.load_mnist() ($VAE_TF_DATA_DIR). Prints one row per run, then a summary; classification reads the
grey-level test images.
"""
import argparse
import time

import keras
import numpy as np

import vae_tf
from vae_tf import Classifier, SemiSupervisedVAE, mask_labels

BATCH, LABELED_PER_BATCH = 100, 10


def accuracy(model, data) -> float:
    return float((model.classify(data.x_test).mode().numpy() == data.y_test).mean())


def trained(make, x, y, epochs, seed, **fit):
    keras.utils.set_random_seed(seed)
    model = make()
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x, y, epochs=epochs, verbose=0, **fit)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()

    data = vae_tf.load_mnist()
    print(vae_tf.header(data))
    print(f"M2 config: {SemiSupervisedVAE().get_config()}, Adam 2e-3, batches of {BATCH} with {LABELED_PER_BATCH} labeled, "
          f"{args.epochs} epochs")
    print(f"{'labels':>6} {'seed':>4} {'M2 acc':>7} {'baseline':>9} {'ablation':>9} {'M2 s/epoch':>10}")
    steps = -(-len(data.x_train) // (BATCH - LABELED_PER_BATCH))       # one pass over the unlabeled part
    results = {}
    for n_labels in args.labels:
        repeats = max(1, steps * LABELED_PER_BATCH // n_labels)      # presentations of each labeled image per epoch
        for seed in args.seeds:
            y = mask_labels(data.y_train, n_labels, seed=seed)
            start = time.perf_counter()
            m2 = trained(SemiSupervisedVAE, data.x_train, y, args.epochs, seed, batch_size=BATCH,
                         labeled_per_batch=LABELED_PER_BATCH)
            per_epoch = (time.perf_counter() - start) / args.epochs
            x_l, y_l = np.repeat(data.x_train[y >= 0], repeats, axis=0), np.repeat(y[y >= 0], repeats)
            base = trained(Classifier, x_l, y_l, args.epochs, seed, batch_size=LABELED_PER_BATCH, binarize="dynamic")
            ablation = trained(SemiSupervisedVAE, x_l, y_l, args.epochs, seed, batch_size=LABELED_PER_BATCH,
                               labeled_per_batch=LABELED_PER_BATCH)
            row = (accuracy(m2, data), accuracy(base, data), accuracy(ablation, data))
            results.setdefault(n_labels, []).append(row)
            print(f"{n_labels:>6} {seed:>4} {row[0]:>7.1%} {row[1]:>9.1%} {row[2]:>9.1%} {per_epoch:>10.1f}", flush=True)
    for n_labels, rows in results.items():
        a = np.array(rows)
        print(f"{n_labels} labels: " + ", ".join(f"{name} {a[:, i].mean():.1%} (spread {np.ptp(a[:, i]):.1%})"
                                                for i, name in enumerate(["M2", "baseline", "ablation"])))


if __name__ == "__main__":
    main()
