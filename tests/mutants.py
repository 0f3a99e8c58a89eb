"""A small mutation runner for the core helpers: does the unit suite catch each hand-made bug?

    python tests/mutants.py            # every mutant; prints killed/survived and the figures
    python tests/mutants.py 3 7        # only mutants 3 and 7

Each mutant is one textual change to one file of ``helpers``, applied in a scratch copy of the
repository; the unit tests of the core helpers then run there (stopping at the first failure). A
mutant "survives" when every test still passes: a bug the tests would not notice.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_mutants.py", "tests/test_activations.py", "tests/test_layers_core.py", "tests/test_model.py",
         "tests/test_optim.py", "tests/test_datasets_gates.py", "tests/test_widgets.py", "tests/test_bad_input.py",
         "tests/test_fast.py", "tests/test_augment.py", "tests/test_mnist_loader.py"]

# (file, text to find, replacement, what the mutation means)
MUTANTS = [
    # the seven of issue 13 (the loader's needs NN_DATA_DIR, as the tests do)
    ("model.py", "optimizer.lr = check.real(\"fit\", f\"lr_schedule({epoch})\", lr, positive=True)",
     "check.real(\"fit\", f\"lr_schedule({epoch})\", lr, positive=True)", "fit ignores its lr schedule"),
    ("model.py", "order = rng.permutation(N) if batch_size < N else None",
     "order = np.arange(N) if batch_size < N else None", "fit never shuffles"),
    ("model.py", "record[\"acc\"] = correct / N", "record[\"acc\"] = 0.0", "fit records accuracy 0"),
    ("model.py", "record[\"val_loss\"] = loss_fn(val_out, y_val)[0]", "record[\"val_loss\"] = 0.0",
     "fit records val_loss 0"),
    ("datasets.py", "num_test = int(round(test_fraction * len(rows)))", "num_test = int(test_fraction * len(rows))",
     "train_test_split truncates"),
    ("mnist.py", "sys.stderr.write(f\"downloading {name}: {received / 1e6:.1f} MB so far",
     "sys.stdout.write(f\"downloading {name}: {received / 1e6:.1f} MB so far", "download progress goes to stdout"),
    ("activations.py", "return (z > 0).astype(z.dtype)", "return (z >= 0).astype(z.dtype)", "relu_prime(0) = 1"),
    # more bugs a careless edit could bring
    ("optim.py", "v += dp  # v = momentum * v + dp", "v -= dp", "momentum velocity with the wrong sign"),
    ("optim.py", "p -= lr * v\n", "p -= v\n", "momentum step without the learning rate"),
    ("optim.py", "state = layer.__dict__.setdefault(\"velocity\", {})", "state = SGD.__dict__.get(\"_shared\") or {}",
     "velocity not kept (momentum lost)"),
    ("layers.py", "self.db = dout.sum(axis=0)  # (num_out,)", "self.db = dout.mean(axis=0)  # (num_out,)",
     "Dense db averaged instead of summed"),
    ("layers.py", "return dout @ self.W.T  # (N, num_out) @ (num_out, num_in)", "return dout @ self.W.T * 0.5",
     "Dense dX scaled"),
    ("layers.py", "return dout * self.out * (1.0 - self.out)", "return dout * self.out", "Sigmoid derivative"),
    ("layers.py", "return dout * (1.0 - self.out * self.out)", "return dout * (1.0 - self.out)", "Tanh derivative"),
    ("layers.py", "out = self.cols @ self.W.reshape(F, -1).T + self.b", "out = self.cols @ self.W.reshape(F, -1).T",
     "Conv2D forgets its bias"),
    ("layers.py", "self.db = dout_rows.sum(axis=0)  # (F,)", "self.db = dout_rows.sum(axis=0) * 0  # (F,)",
     "Conv2D db zero"),
    ("layers.py", "self.argmax = windows.argmax(axis=-1)", "self.argmax = windows.argmin(axis=-1)",
     "MaxPool2D routes to the minimum"),
    ("layers.py", "+= \\\n                dcols", "= \\\n                dcols", "col2im overwrites overlapping patches"),
    ("activations.py", "return np.where(z >= 0, 1.0, e) / (1 + e)", "return 1 / (1 + np.exp(-z))",
     "naive sigmoid (overflows, float32 lost)"),
    ("activations.py", "shifted = z - z_max  # largest", "shifted = z  # largest", "softmax without the shift"),
    ("losses.py", "return 0.5 * float(np.sum(diff * diff)) / N, diff / N", "return float(np.sum(diff * diff)) / N, diff / N",
     "mse loses its 1/2"),
    ("losses.py", "grad = (np.exp(log_p) - Y) / N", "grad = (np.exp(log_p) - Y)", "cross-entropy gradient not averaged"),
    ("losses.py", "return loss, [reg * W for W in weights]", "return loss, [0.5 * reg * W for W in weights]",
     "L2 gradient halved"),
    ("model.py", "np.add(layer.dW, grad, out=layer.dW)", "np.add(layer.dW, 0, out=layer.dW)", "fit drops the L2 gradient"),
    ("model.py", "or loss > SPIKE_FACTOR * reference or steps_high >= STUCK_STEPS", "or False",
     "divergence only on NaN/inf (issue 14)"),
    ("model.py", "X = check.array(\"fit\", \"X\", X, floating=True, finite=True)",
     "X = check.array(\"fit\", \"X\", X, floating=True)", "fit no longer checks its data for NaN"),
    ("datasets.py", "for label in np.unique(classes):", "for label in [classes[0]] if False else [None]:",
     "split not stratified"),
    ("gradcheck.py", "grad[i] = (f_plus - f_minus) / (2 * h)", "grad[i] = (f_plus - f_minus) / h",
     "numerical gradient off by 2"),
    ("_checks.py", "if not allow_empty and x.size == 0:", "if False:", "empty batches accepted"),
    # the fast path and data augmentation
    ("fast.py", "np.greater(z[t], top, out=beat[t])", "np.greater_equal(z[t], top, out=beat[t])",
     "ConvPoolReLU gives ties to the last maximum"),
    ("fast.py", "np.greater(self._out.reshape(F, Mq), 0, out=opened)", "opened.fill(True)",
     "ConvPoolReLU's backward forgets the ReLU"),
    ("fast.py", "flush = age >= _FLUSH_EVERY", "flush = False", "fast SGD lets velocities turn subnormal"),
    ("model.py", "X_batch = _augmented(augment, X_batch, rng)", "X_batch = X_batch", "fit ignores augment"),
    ("datasets.py", "padded = np.pad(X, ((0, 0), (0, 0), (s, s), (s, s)))",
     "padded = np.pad(X, ((0, 0), (0, 0), (s, s), (s, s)), mode=\"wrap\")", "shift_images wraps around"),
]


def run(index, mutant, python):
    path, old, new, what = mutant
    with tempfile.TemporaryDirectory() as scratch:
        for part in ("helpers", "tests", "benchmarks", "notebooks"):
            shutil.copytree(ROOT / part, Path(scratch) / part)
        target = Path(scratch) / "helpers" / path
        source = target.read_text()
        if source.count(old) != 1:
            return "stale", f"the text to mutate occurs {source.count(old)} times in {path}"
        target.write_text(source.replace(old, new))
        tests = [t for t in TESTS if (Path(scratch) / t).exists()]
        result = subprocess.run([python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests], cwd=scratch,
                                env={"PYTHONPATH": scratch, "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                     **{k: os.environ[k] for k in ("NN_DATA_DIR",) if k in os.environ}},
                                capture_output=True, text=True)
        failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
        return ("killed" if result.returncode else "SURVIVED"), (failed[0] if failed else "")


def main(argv):
    chosen = [int(a) for a in argv] or range(len(MUTANTS))
    counts = {}
    start = time.perf_counter()
    for i in chosen:
        verdict, detail = run(i, MUTANTS[i], sys.executable)
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{i:2d} {verdict:8s} {MUTANTS[i][0]:15s} {MUTANTS[i][3]}  {detail[:90]}", flush=True)
    print(f"{len(chosen)} mutants: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
          + f" ({time.perf_counter() - start:.0f} s)")
    return 1 if counts.get("SURVIVED") or counts.get("stale") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
