"""The recipe scan behind notebook 06's table: validation accuracy of the CNN for several training
recipes, each trained from 3 initialisations with 3 shuffles, on the notebook's 50 000 / 10 000 split.

Every run trains ``helpers.networks.mnist_cnn`` with ``fit`` (momentum 0.9, batches of 32) for 5
epochs and records the validation accuracy after each; the 4-epoch figures are the same runs after
their 4th epoch. The test set is not loaded. Prints one JSON line per run, then a Markdown table of
the means over the seeds. About 5 minutes on 2 cores (two runs at a time, one core each).

Run: NN_DATA_DIR=... python tools/scan_cnn_recipes.py [--seeds 0 1 2] [--jobs 2]
"""

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RECIPES = {  # name -> (initial learning rate, factor per epoch, max shift in pixels of the augmentation)
    "lr 0.05, constant": (0.05, 1.0, 0),
    "lr 0.05, shrinking 40 % per epoch": (0.05, 0.6, 0),
    "lr 0.05, shrinking 50 % per epoch": (0.05, 0.5, 0),
    "lr 0.03, shrinking 40 % per epoch": (0.03, 0.6, 0),
    "lr 0.05, shrinking 40 % per epoch, shifts of up to 1 pixel": (0.05, 0.6, 1),
    "lr 0.05, shrinking 30 % per epoch, shifts of up to 1 pixel": (0.05, 0.7, 1),
}
NUM_EPOCHS = 5


def run(name, seed):
    """Validation accuracy (%) after every epoch of one run."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from helpers import fast
    from helpers.datasets import load_mnist, shift_images
    from helpers.losses import one_hot
    from helpers.model import fit
    from helpers.networks import mnist_cnn

    lr, factor, max_shift = RECIPES[name]
    X, y, _, _ = load_mnist(progress=False)
    X = X.reshape(-1, 1, 28, 28).astype(np.float32) / 255
    Y = one_hot(y, 10, dtype=np.float32)
    augment = None if not max_shift else (lambda X_batch, rng: shift_images(X_batch, rng, max_shift))
    history = fit(mnist_cnn(np.random.default_rng(seed)), X[:50_000], Y[:50_000], fast.SGD(lr, momentum=0.9),
                  num_epochs=NUM_EPOCHS, batch_size=32, rng=np.random.default_rng(100 + seed),
                  X_val=X[50_000:], y_val=Y[50_000:], lr_schedule=lambda epoch: lr * factor ** (epoch - 1),
                  augment=augment)
    return [round(100 * a, 2) for a in history["val_acc"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # each worker on one core
    jobs = [(name, seed) for name in RECIPES for seed in args.seeds]
    results = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for (name, seed), val in zip(jobs, pool.map(run, *zip(*jobs))):
            results.setdefault(name, []).append(val)
            print(json.dumps({"recipe": name, "seed": seed, "val_acc": val}), flush=True)
    print(f"\n| recipe (momentum 0.9, batches of 32) | mean validation accuracy after epoch "
          f"{' · '.join(str(e) for e in range(1, NUM_EPOCHS + 1))} | epoch 4, each seed | epoch 5, each seed |")
    print("|---|---|---|---|")
    for name, vals in results.items():
        means = [sum(v[e] for v in vals) / len(vals) for e in range(NUM_EPOCHS)]
        print(f"| {name} | {' · '.join(f'{m:.2f}' for m in means)} % | "
              f"{' · '.join(f'{v[3]:.2f}' for v in vals)} | {' · '.join(f'{v[4]:.2f}' for v in vals)} |")


if __name__ == "__main__":
    main()
