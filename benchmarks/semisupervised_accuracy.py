"""Test accuracy of the semi-supervised VAE (M2) against the labeled-only classifier, over seeds.

    python benchmarks/semisupervised_accuracy.py [--labels 100 1000] [--seeds 0 1 2] [--epochs 15]

Uses the configuration of notebooks/04_label_and_style.ipynb (SemiSupervisedVAE's defaults, batches of 100
with 50 labeled images),
the data of vae_tf.load_mnist() ($VAE_TF_DATA_DIR) and prints one row per run, then a summary.
Classification uses the grey-level test images as input to q(y|x).
"""
import argparse
import time

import numpy as np

import vae_tf
from vae_tf import Classifier, SemiSupervisedVAE, binarize_fixed, mask_labels


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()

    data = vae_tf.load_mnist()
    print(vae_tf.header(args.seeds[0], data))
    print(f"M2 config: {SemiSupervisedVAE().get_config()}, {args.epochs} epochs")
    print(f"{'labels':>6} {'seed':>4} {'M2 acc':>7} {'baseline acc':>12} {'s/epoch':>8}")
    results = {}
    for n_labels in args.labels:
        for seed in args.seeds:
            vae_tf.set_seed(seed)
            y = mask_labels(data.y_train, n_labels, seed=seed)
            model = SemiSupervisedVAE()
            start = time.perf_counter()
            model.fit(data.x_train, y, epochs=args.epochs, verbose=0, seed=seed, batch_size=100, labeled_per_batch=50)
            per_epoch = (time.perf_counter() - start) / args.epochs
            acc = float((model.classify(data.x_test).mode().numpy() == data.y_test).mean())
            vae_tf.set_seed(seed)  # as notebook 04 does: seed 0 reproduces its numbers
            base = Classifier()
            labeled = y >= 0
            base.fit(binarize_fixed(data.x_train[labeled], seed=1), y[labeled], epochs=100,
                     batch_size=min(100, n_labels // 5), verbose=0, seed=seed)
            base_acc = float((base.classify(data.x_test).mode().numpy() == data.y_test).mean())
            results.setdefault(n_labels, []).append((acc, base_acc))
            print(f"{n_labels:>6} {seed:>4} {acc:>7.1%} {base_acc:>12.1%} {per_epoch:>8.1f}", flush=True)
    for n_labels, rows in results.items():
        a = np.array(rows)
        print(f"{n_labels} labels: M2 {a[:, 0].mean():.1%} ± {a[:, 0].std():.1%} (min {a[:, 0].min():.1%}), "
              f"baseline {a[:, 1].mean():.1%} ± {a[:, 1].std():.1%}")


if __name__ == "__main__":
    main()
