"""One training epoch of the MNIST CNN (60 000 images, batch 32): our NumPy model against PyTorch.

Both models are the same: Conv 32x3x3, max pool 2x2, ReLU, flatten, dense 100 + ReLU, dense 10,
softmax cross-entropy, SGD with momentum 0.9 (the same convention in both: v = 0.9 v + g,
p -= lr v), mini-batches of 32, float32, on the CPU. PyTorch starts from our initial weights and
pools before its ReLU like ours (the same function, less work). PyTorch is optional
(pip install torch); without it only NumPy is timed.

Two measurements, alternating between the frameworks in every repeat so both see the same load:
1. the epoch as notebook 06 trains it (NumPy: ``fit``; PyTorch: the usual loop);
2. the same epoch with a clock around every part: each layer's forward and backward, the loss
   and the optimiser step (PyTorch's backward parts are read from gradient hooks, which fire as
   the gradient of each layer's output is ready).
Medians over the repeats are printed, with the range; the machine's load makes single runs noisy.

Run: python benchmarks/cnn_epoch.py [--repeats 3] [--images 60000] [--impl fast reference]
"""

import argparse
import os
import statistics
import time

import numpy as np

from helpers.datasets import load_mnist
from helpers.losses import softmax_cross_entropy
from helpers.model import fit

LR, MOMENTUM, BATCH = 0.01, 0.9, 32


# ---------------------------------------------------------------------------------------------
# The NumPy implementations: a model builder and an optimiser for each


def _reference_model(rng):
    """The CNN from the readable reference layers (helpers.layers), same shapes and initialisation."""
    from helpers.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
    from helpers.model import Sequential

    try:
        conv = Conv2D(1, 32, 3, rng, needs_input_grad=False)
    except TypeError:  # before the reference layers took needs_input_grad
        conv = Conv2D(1, 32, 3, rng)
    num_flat = 32 * 13 * 13
    return Sequential([conv, MaxPool2D(2), ReLU(), Flatten(),
                       Dense(num_flat, 100, rng, weight_scale=np.sqrt(2.0 / num_flat), dtype=np.float32),
                       ReLU(), Dense(100, 10, rng, dtype=np.float32)])


def _implementations():
    """name -> (build(rng) -> model, make_optimizer() -> object with .step(layers))."""
    from helpers import fast, networks
    from helpers.optim import SGD

    return {"reference": (_reference_model, lambda: SGD(LR, momentum=MOMENTUM)),
            "fast": (networks.mnist_cnn, lambda: fast.SGD(LR, momentum=MOMENTUM))}


def _layer_names(model):
    names, seen = [], {}
    for layer in model.layers:
        name = type(layer).__name__
        if hasattr(layer, "W") and getattr(layer.W, "ndim", 0) == 2:
            name += f" {layer.W.shape[0]}->{layer.W.shape[1]}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return names


def numpy_epoch(impl, X, y, seed):
    """Seconds for one epoch through ``fit``, as notebook 06 trains, and the final loss."""
    build, make_opt = impl
    rng = np.random.default_rng(seed)
    model = build(rng)
    start = time.perf_counter()
    history = fit(model, X, y, make_opt(), num_epochs=1, batch_size=BATCH, rng=rng)
    return time.perf_counter() - start, history["loss"][-1]


class _Parts:
    """Seconds per part, batch by batch; summary() -> {part: (seconds in the epoch, typical seconds)}.

    "typical" is the median batch's time times the number of batches: a machine busy with other work
    stretches some batches (a preempted part can take 100x its time), and the median batch shows
    what an epoch costs when nothing else runs.
    """

    def __init__(self):
        self.batches, self.now = [], {}

    def add(self, part, seconds):
        self.now[part] = self.now.get(part, 0.0) + seconds

    def end_batch(self):
        self.now["total"] = sum(self.now.values())
        self.batches.append(self.now)
        self.now = {}

    def summary(self):
        parts = self.batches[0].keys()
        return {part: (sum(b[part] for b in self.batches),
                       statistics.median(b[part] for b in self.batches) * len(self.batches)) for part in parts}


def numpy_parts(impl, X, y, seed):
    """One epoch with a clock around every part: {part: seconds} (same batches as fit would draw)."""
    build, make_opt = impl
    rng = np.random.default_rng(seed)
    model = build(rng)
    optimizer = make_opt()
    names = _layer_names(model)
    parts = _Parts()
    clock = time.perf_counter
    order = rng.permutation(len(X))
    for i in range(0, len(X), BATCH):
        t0 = clock()
        idx = order[i:i + BATCH]
        out, yb = X[idx], y[idx]
        t1 = clock()
        parts.add("batch gather", t1 - t0)
        for name, layer in zip(names, model.layers):
            out = layer.forward(out)
            t2 = clock()
            parts.add(f"{name} forward", t2 - t1)
            t1 = t2
        loss, dout = softmax_cross_entropy(out, yb)
        t2 = clock()
        parts.add("loss", t2 - t1)
        t1 = t2
        for name, layer in zip(reversed(names), reversed(model.layers)):
            dout = layer.backward(dout)
            t2 = clock()
            parts.add(f"{name} backward", t2 - t1)
            t1 = t2
        optimizer.step(model.layers)
        parts.add("optimiser", clock() - t1)
        parts.end_batch()
    return parts.summary()


# ---------------------------------------------------------------------------------------------
# PyTorch


def _torch_model(torch, init):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(32 * 13 * 13, 100), nn.ReLU(), nn.Linear(100, 10))
    conv, dense1, dense2 = [layer for layer in init.layers if layer.param_names]
    with torch.no_grad():  # start from our initial weights (our Flatten is (C, H, W) order too)
        model[0].weight.copy_(torch.from_numpy(np.array(conv.W)))
        model[0].bias.copy_(torch.from_numpy(np.array(conv.b)))
        model[4].weight.copy_(torch.from_numpy(np.array(dense1.W.T)))
        model[4].bias.copy_(torch.from_numpy(np.array(dense1.b)))
        model[6].weight.copy_(torch.from_numpy(np.array(dense2.W.T)))
        model[6].bias.copy_(torch.from_numpy(np.array(dense2.b)))
    return model


def _torch_run(torch, X, y, seed, init):
    """What a PyTorch epoch starts from: the model with our initial weights, its SGD, and the data as tensors."""
    torch.manual_seed(seed)
    model = _torch_model(torch, init)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return model, optimizer, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))


def torch_epoch(torch, X, y, seed, init):
    nn = torch.nn
    model, optimizer, Xt, yt = _torch_run(torch, X, y, seed, init)
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


TORCH_MODULES = ["conv", "max pool", "ReLU", "flatten", "dense 5408->100", "ReLU", "dense 100->10"]


def torch_parts(torch, X, y, seed, init):
    """The PyTorch epoch with a clock around every part: {part: seconds}, parts named by module index."""
    nn = torch.nn
    model, optimizer, Xt, yt = _torch_run(torch, X, y, seed, init)
    M = len(model)
    parts = _Parts()
    clock = time.perf_counter
    stamps = []
    order = torch.randperm(len(Xt))
    for i in range(0, len(Xt), BATCH):
        t0 = clock()
        idx = order[i:i + BATCH]
        out, yb = Xt[idx], yt[idx]
        optimizer.zero_grad()
        t1 = clock()
        parts.add("batch gather", t1 - t0)
        outputs = []
        for k, module in enumerate(model):
            out = module(out)
            outputs.append(out)
            t2 = clock()
            parts.add(f"{k} forward", t2 - t1)
            t1 = t2
        loss = nn.functional.cross_entropy(out, yb)
        stamps.clear()
        for k, o in enumerate(outputs):  # fires when d loss / d (output of module k) is ready
            o.register_hook(lambda grad, k=k: stamps.append((k, clock())))
        t2 = clock()
        parts.add("loss", t2 - t1)
        t1 = t2
        loss.backward()
        t_end = clock()
        ready = dict(stamps)  # module k's backward runs from ready[k] to ready[k - 1] (or the end)
        parts.add("loss", ready[M - 1] - t1)
        for k in range(M - 1, -1, -1):
            parts.add(f"{k} backward", (ready[k - 1] if k else t_end) - ready[k])
        t1 = clock()
        optimizer.step()
        loss.item()
        parts.add("optimiser", clock() - t1)
        parts.end_batch()
    return parts.summary()


def _torch_groups(model):
    """For each of our layers, the PyTorch modules doing its work (a fused layer does several)."""
    groups, k = [], 0
    for layer in model.layers:
        n = 3 if hasattr(layer, "pool_size") else 1  # ConvPoolReLU: conv, max pool, ReLU
        groups.append(list(range(k, k + n)))
        k += n
    if k != len(TORCH_MODULES):
        raise RuntimeError(f"cannot match {k} PyTorch modules to the layers {model.layers}")
    return groups


def _torch_as_ours(parts, names, groups):
    """PyTorch's per-module parts summed into our layers' parts."""
    ours = {key: parts[key] for key in ("loss", "optimiser", "batch gather", "total")}
    for name, group in zip(names, groups):
        for way in ("forward", "backward"):
            ours[f"{name} {way}"] = tuple(sum(parts[f"{k} {way}"][j] for k in group) for j in (0, 1))
    return ours


# ---------------------------------------------------------------------------------------------


def _median_range(values):
    return statistics.median(values), min(values), max(values)


def _machine_line(torch):
    cores = len(os.sched_getaffinity(0))
    line = f"{cores} cores usable (of {os.cpu_count()}), load average {os.getloadavg()[0]:.1f}, NumPy {np.__version__}"
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')} kernel, {i['num_threads']} threads"
                for i in threadpool_info() if i["user_api"] == "blas"]
        line += f" ({'; '.join(blas)})"
    except ImportError:
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            line += f", {var}={os.environ[var]}"
    if torch:
        line += f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats (default 3)")
    parser.add_argument("--images", type=int, default=60000, help="training images per epoch (default 60000)")
    parser.add_argument("--impl", nargs="+", default=["fast"], help="NumPy implementations: fast, reference")
    parser.add_argument("--no-parts", action="store_true", help="only the whole epochs, no per-part table")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both frameworks (default: the cores this process may use); "
                             "NumPy's BLAS is limited with threadpoolctl")
    args = parser.parse_args()
    threads = args.threads or len(os.sched_getaffinity(0))  # the cores this process may use
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    X, y, _, _ = load_mnist(scale=True, progress=False)
    X = np.ascontiguousarray(X[:args.images].reshape(-1, 1, 28, 28), dtype=np.float32)  # (N, 1, 28, 28)
    y = y[:args.images]
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:
        torch = None
    impls = _implementations()
    chosen = {name: impls[name] for name in args.impl}
    first = chosen[args.impl[0]][0]
    print(_machine_line(torch))
    print(f"one epoch = {len(X)} images in batches of {BATCH}; {args.repeats} repeats, alternating")
    epochs = {name: [] for name in list(chosen) + (["PyTorch"] if torch else [])}
    parts = {name: [] for name in epochs}
    for r in range(args.repeats):
        for name, impl in chosen.items():
            seconds, loss = numpy_epoch(impl, X, y, seed=r)
            epochs[name].append(seconds)
            print(f"  repeat {r + 1}  NumPy {name:9s} epoch {seconds:6.2f} s  (loss {loss:.4f})", flush=True)
        if torch:
            seconds, loss = torch_epoch(torch, X, y, seed=r, init=first(np.random.default_rng(r)))
            epochs["PyTorch"].append(seconds)
            print(f"  repeat {r + 1}  PyTorch         epoch {seconds:6.2f} s  (loss {loss:.4f})", flush=True)
        if not args.no_parts:
            for name, impl in chosen.items():
                parts[name].append(numpy_parts(impl, X, y, seed=r))
            if torch:
                parts["PyTorch"].append(torch_parts(torch, X, y, r, first(np.random.default_rng(r))))
            print(f"  repeat {r + 1}  per-part epochs: "
                  + ", ".join(f"{n} {p[-1]['total'][0]:.2f} s (typical {p[-1]['total'][1]:.2f} s)"
                           for n, p in parts.items()), flush=True)

    print("\nwhole epoch (fit for NumPy), seconds: median [min-max]")
    for name, values in epochs.items():
        med, lo, hi = _median_range(values)
        print(f"  {name:10s} {med:6.2f} [{lo:.2f}-{hi:.2f}]")
    if torch:
        base = statistics.median(epochs["PyTorch"])
        for name in chosen:
            pairs = [a / b for a, b in zip(epochs[name], epochs["PyTorch"])]
            print(f"  ratio {name} / PyTorch: {statistics.median(epochs[name]) / base:.2f}x of the medians "
                  f"(per repeat {', '.join(f'{p:.2f}' for p in pairs)}; budget <= 0.75x, aim 0.6x)")
    if not args.no_parts:
        for name, impl in chosen.items():
            _parts_table(name, impl[0](np.random.default_rng(0)), parts[name], parts["PyTorch"] if torch else None)


def _parts_table(name, model, ours, theirs):
    names = _layer_names(model)
    rows = [f"{n} forward" for n in names] + ["loss"] + [f"{n} backward" for n in reversed(names)] \
        + ["optimiser", "batch gather", "total"]
    if theirs:
        groups = _torch_groups(model)
        theirs = [_torch_as_ours(p, names, groups) for p in theirs]
        print(f"\nper part, NumPy {name} against PyTorch, seconds per epoch: median [min-max]; PyTorch's modules "
              f"summed per layer of ours ({', '.join('+'.join(TORCH_MODULES[k] for k in g) for g in groups)})")
    else:
        print(f"\nper part, NumPy {name}, seconds per epoch: median [min-max]")
    print("  (per part: the epoch's seconds, median over the repeats [min-max]; then the typical epoch,"
          " from the median batch, which load stretches least)")
    head = f"  {'part':26s}{'NumPy ' + name:>23s}"
    if theirs:
        head += f"{'PyTorch':>23s}{'ratio':>7s}  |{'typical: NumPy':>15s}{'PyTorch':>9s}{'ratio':>7s}"
    print(head)
    for row in rows:
        med, lo, hi = _median_range([p[row][0] for p in ours])
        typ = statistics.median(p[row][1] for p in ours)
        line = f"  {row:26s}{med:8.3f} [{lo:6.3f}-{hi:6.3f}]"
        if theirs:
            tmed, tlo, thi = _median_range([p[row][0] for p in theirs])
            ttyp = statistics.median(p[row][1] for p in theirs)
            line += f"{tmed:8.3f} [{tlo:6.3f}-{thi:6.3f}]" + _ratio(med, tmed)
            line += f"  |{typ:15.3f}{ttyp:9.3f}" + _ratio(typ, ttyp)
        else:
            line += f"  |{typ:15.3f}"
        print(line)


def _ratio(a, b):
    return f"{a / b:6.2f}x" if b > 1e-3 else f"{'-':>7s}"


if __name__ == "__main__":
    main()
