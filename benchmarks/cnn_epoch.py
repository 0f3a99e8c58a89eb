"""One training epoch of the MNIST CNN (60 000 images, batch 32): our NumPy model against PyTorch.

Both models are the same: Conv 32x3x3 + ReLU, max pool 2x2, dense 100 + ReLU, dense 10, softmax
cross-entropy, SGD with momentum 0.9, mini-batches of 32, float32, on the CPU. PyTorch starts from
our initial weights. PyTorch is optional (pip install -e ".[bench]"); without it only NumPy is timed.

Run: .venv/bin/python benchmarks/cnn_epoch.py [--repeats 2] [--images 60000]
"""

import argparse
import os
import statistics
import time

import numpy as np

from helpers.datasets import load_mnist
from helpers.model import fit, mnist_cnn
from helpers.optim import SGD

LR, MOMENTUM, BATCH = 0.01, 0.9, 32


def numpy_epoch(X, y, seed):
    rng = np.random.default_rng(seed)
    model = mnist_cnn(rng)
    start = time.perf_counter()
    history = fit(model, X, y, SGD(LR, momentum=MOMENTUM), num_epochs=1, batch_size=BATCH, rng=rng)
    return time.perf_counter() - start, history["loss"][-1], model


def torch_epoch(torch, X, y, seed, init):
    nn = torch.nn
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(32 * 13 * 13, 100), nn.ReLU(), nn.Linear(100, 10))
    with torch.no_grad():  # start from our initial weights (our Flatten is (C, H, W) order too)
        model[0].weight.copy_(torch.from_numpy(init.layers[0].W))
        model[0].bias.copy_(torch.from_numpy(init.layers[0].b))
        model[4].weight.copy_(torch.from_numpy(init.layers[4].W.T.copy()))
        model[4].bias.copy_(torch.from_numpy(init.layers[4].b))
        model[6].weight.copy_(torch.from_numpy(init.layers[6].W.T.copy()))
        model[6].bias.copy_(torch.from_numpy(init.layers[6].b))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    start = time.perf_counter()
    order = torch.randperm(len(Xt))
    total = 0.0
    for i in range(0, len(Xt), BATCH):
        idx = order[i:i + BATCH]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return time.perf_counter() - start, total / len(Xt)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="epochs timed for each framework (default 2)")
    parser.add_argument("--images", type=int, default=60000, help="training images per epoch (default 60000)")
    args = parser.parse_args()
    X, y, _, _ = load_mnist(scale=True)
    X = np.ascontiguousarray(X[:args.images].reshape(-1, 1, 28, 28))  # (N, 1, 28, 28) float32
    y = y[:args.images]
    try:
        import torch
        torch.set_num_threads(os.cpu_count())
    except ImportError:
        torch = None
    print(f"{os.cpu_count()} cores, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ", PyTorch not installed"))
    print(f"one epoch = {len(X)} images in batches of {BATCH}; each framework timed {args.repeats} times, alternating")
    ours, theirs = [], []
    for r in range(args.repeats):  # alternate, so both see the same machine load
        seconds, loss, model = numpy_epoch(X, y, seed=r)
        ours.append(seconds)
        print(f"  NumPy   epoch {r + 1}: {seconds:6.2f} s  (loss {loss:.4f})", flush=True)
        if torch:
            seconds, loss = torch_epoch(torch, X, y, seed=r, init=mnist_cnn(np.random.default_rng(r)))
            theirs.append(seconds)
            print(f"  PyTorch epoch {r + 1}: {seconds:6.2f} s  (loss {loss:.4f})", flush=True)
    print(f"NumPy:   median {statistics.median(ours):.2f} s per epoch (min {min(ours):.2f}, max {max(ours):.2f})")
    if theirs:
        print(f"PyTorch: median {statistics.median(theirs):.2f} s per epoch (min {min(theirs):.2f}, max {max(theirs):.2f})")
        ratios = [a / b for a, b in zip(ours, theirs)]
        print(f"ratio NumPy / PyTorch: {statistics.median(ours) / statistics.median(theirs):.2f}x "
              f"(per pair: {', '.join(f'{r:.2f}' for r in ratios)}; must be <= 1.0, aim 0.6)")


if __name__ == "__main__":
    main()
