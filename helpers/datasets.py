"""Data sets of the course: logic gates, two moons and MNIST (found on disk or downloaded, verified, parsed)."""

import gzip
import hashlib
import os
import struct
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

# Truth tables of two-input gates, in the row order of GATE_INPUTS.
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "NOR": [1, 0, 0, 0],
    "XOR": [0, 1, 1, 0],
    "XNOR": [1, 0, 0, 1],
}


def logic_gate(name):
    """Inputs and targets of one gate: X (4, 2) and y (4,) of 0s and 1s; "NOT" has X (2, 1)."""
    key = str(name).upper()
    if key == "NOT":
        return np.array([[0.0], [1.0]]), np.array([1, 0])
    if key not in GATES:
        raise ValueError(f"unknown gate {name!r}; expected one of {sorted(GATES) + ['NOT']}")
    return GATE_INPUTS.copy(), np.array(GATES[key])


def logic_gates(names=("AND", "OR", "XOR", "NAND", "NOR")):
    """Several gates at once: X (4, 2) and Y (4, len(names)), one column of targets per gate."""
    X = GATE_INPUTS.copy()
    Y = np.stack([logic_gate(n)[1] for n in names], axis=1).astype(np.float64)
    return X, Y


def make_moons(n, noise, rng):
    """Two interleaving half circles in the plane, a classic set no straight line can separate.

    n: number of points (n // 2 per class, the extra one of an odd n in class 0); noise: the spread
    of the Gaussian noise added to every coordinate; rng: np.random.Generator.
    Returns X (n, 2) and y (n,) with labels 0 (the upper moon) and 1 (the lower moon), shuffled.
    """
    if int(n) != n or n < 2:
        raise ValueError(f"make_moons: n must be a whole number >= 2, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"make_moons: pass rng=np.random.default_rng(seed), got {type(rng).__name__}")
    n0 = (int(n) + 1) // 2
    n1 = int(n) - n0
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2): centre (0, 0), radius 1
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n1, 2): shifted right and down, flipped
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((int(n), 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    order = rng.permutation(int(n))
    return X[order], y[order]


def train_test_split(X, y, test_fraction, rng):
    """Shuffle and split into X_train, X_test, y_train, y_test, holding out test_fraction of the rows.

    The split is stratified: each class is split on its own, so both parts keep the class balance.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)} labels")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be between 0 and 1, got {test_fraction!r}")
    test, train = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        num_test = int(round(test_fraction * len(rows)))
        test.append(rows[:num_test])
        train.append(rows[num_test:])
    test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))
    return X[train], X[test], y[train], y[test]

# ---------------------------------------------------------------------------------------------
# MNIST: the four original IDX files, found on disk or downloaded, verified and parsed here.

# name -> (SHA-256 of the .gz file, number of items). The hashes are those of the canonical files.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 60000),
    "train-labels-idx1-ubyte.gz": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 60000),
    "t10k-images-idx3-ubyte.gz": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 10000),
    "t10k-labels-idx1-ubyte.gz": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 10000),
}
# Public mirrors of the same bytes (the original site no longer serves downloads); tried in order.
MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049

_mnist_cache = {}  # (folder, file sizes and times) -> parsed arrays, so a second load is instant


class ChecksumError(ValueError):
    """A file's SHA-256 is not the one the course expects: it is corrupted or not the MNIST file."""


class DownloadError(ConnectionError):
    """No mirror could deliver a file; the message says where to put the files by hand."""


def default_data_dir():
    """``data/mnist`` of the course checkout, or a user cache folder when helpers is installed elsewhere."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root / "data" / "mnist"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "nn-from-scratch" / "mnist"


def _candidate_dirs(data_dir):
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir).expanduser())
    if os.environ.get("NN_DATA_DIR"):  # an empty value counts as unset
        dirs.append(Path(os.environ["NN_DATA_DIR"]).expanduser())
    dirs.append(default_data_dir())
    return dirs


def sha256_of(path):
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_idx(path, expected_count=None):
    """Parse one gzip-compressed IDX file: images -> uint8 (N, rows, cols), labels -> uint8 (N,).

    Checks the magic number, the item count and the exact size; every problem is a ValueError that
    names the file and says what was wrong. Nothing is unpickled.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"{path}: not a complete gzip file ({err}); delete it so it can be downloaded again") from err
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes after decompression, too short for an IDX header (8 or 16 bytes)")
    magic, count = struct.unpack(">ii", data[:8])
    if magic == IDX_IMAGES_MAGIC:
        if len(data) < 16:
            raise ValueError(f"{path}: truncated image header ({len(data)} of 16 bytes)")
        rows, cols = struct.unpack(">ii", data[8:16])
        header, shape = 16, (count, rows, cols)
    elif magic == IDX_LABELS_MAGIC:
        header, shape = 8, (count,)
    else:
        raise ValueError(f"{path}: wrong magic number {magic}; expected {IDX_IMAGES_MAGIC} (IDX images) "
                         f"or {IDX_LABELS_MAGIC} (IDX labels): this is not an MNIST IDX file")
    if expected_count is not None and count != expected_count:
        raise ValueError(f"{path}: the header says {count} items, expected {expected_count}")
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(f"{path}: {what}: {len(data)} bytes after decompression, expected {expected} "
                         f"for {count} items of shape {shape[1:] or '()'}")
    array = np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
    if magic == IDX_LABELS_MAGIC and array.size and array.max() > 9:
        raise ValueError(f"{path}: labels must be digits 0-9, found {int(array.max())}")
    return array


def download_file(name, dest_dir, mirrors=MNIST_MIRRORS, progress=True, timeout=30):
    """Download one MNIST file into dest_dir, trying each mirror in turn.

    Bytes go to a temporary file in dest_dir; only a complete file whose SHA-256 matches is renamed
    into place, so an interrupted or corrupted download never leaves a file behind.
    """
    expected_sha = MNIST_FILES[name][0]
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        tmp = None
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0)
                h = hashlib.sha256()
                received = 0
                fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".part")
                with os.fdopen(fd, "wb") as f:
                    for chunk in iter(lambda: response.read(1 << 16), b""):
                        f.write(chunk)
                        h.update(chunk)
                        received += len(chunk)
                        if progress and total:
                            sys.stderr.write(f"\rdownloading {name}: {100 * received // total:3d}% "
                                             f"of {total / 1e6:.1f} MB")
                if progress and total:
                    sys.stderr.write("\n")
            if total and received != total:
                raise OSError(f"connection closed after {received} of {total} bytes")
            if h.hexdigest() != expected_sha:
                raise ChecksumError(f"{name} from {url}: SHA-256 {h.hexdigest()} does not match the expected "
                                    f"{expected_sha}; the file was discarded")
            os.replace(tmp, dest_dir / name)  # atomic: the file appears complete or not at all
            tmp = None
            return dest_dir / name
        except (OSError, ChecksumError) as err:  # URLError, timeouts and dropped connections are OSErrors
            failures.append((url, err))
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.remove(tmp)
    if failures and all(isinstance(e, ChecksumError) for _, e in failures):
        raise ChecksumError("; ".join(str(e) for _, e in failures))
    tried = "\n".join(f"  {url}: {err}" for url, err in failures)
    raise DownloadError(
        f"could not download {name}; tried:\n{tried}\n"
        f"Without a network, copy the four MNIST files ({', '.join(MNIST_FILES)}) into {dest_dir}, "
        f"or into any folder and set the environment variable NN_DATA_DIR to it, "
        f"or pass load_mnist(data_dir=...).")


def _load_mnist_arrays(data_dir, mirrors, progress):
    dirs = _candidate_dirs(data_dir)
    folder = next((d for d in dirs if all((d / name).is_file() for name in MNIST_FILES)), None)
    if folder is None:  # download what is missing into the first folder named
        folder = dirs[0]
        for name in MNIST_FILES:
            if not (folder / name).is_file():
                download_file(name, folder, mirrors, progress)
    key = (str(folder.resolve()),) + tuple((folder / n).stat().st_mtime_ns for n in MNIST_FILES)
    if key not in _mnist_cache:
        arrays = []
        for name, (sha, count) in MNIST_FILES.items():
            path = folder / name
            array = read_idx(path, expected_count=count)  # format errors first: they say more
            actual = sha256_of(path)
            if actual != sha:
                raise ChecksumError(f"{path}: SHA-256 {actual} does not match the expected {sha}; "
                                    f"delete the file so it can be downloaded again")
            array.flags.writeable = False  # shared by every caller: nobody may change it in place
            arrays.append(array)
        _mnist_cache.clear()
        _mnist_cache[key] = tuple(arrays)
    return _mnist_cache[key]


def load_mnist(data_dir=None, scale=False, one_hot=False, mirrors=MNIST_MIRRORS, progress=True):
    """The MNIST digits: X_train (60000, 28, 28), y_train (60000,), X_test (10000, 28, 28), y_test (10000,).

    Images are uint8 in 0..255, or float32 in [0, 1] with ``scale=True``; labels are int64 digits,
    or float32 one-hot rows (N, 10) with ``one_hot=True``. The files are looked for in ``data_dir``,
    then in $NN_DATA_DIR, then in ``default_data_dir()``; when none has them they are downloaded
    into the first of those folders, verified, and kept. Parsed arrays are cached for the session;
    the uint8 arrays returned are read-only (copy one before changing it).
    """
    X_train, y_train, X_test, y_test = _load_mnist_arrays(data_dir, mirrors, progress)
    if scale:
        X_train = X_train.astype(np.float32) / np.float32(255)
        X_test = X_test.astype(np.float32) / np.float32(255)
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    if one_hot:
        y_train = np.eye(10, dtype=np.float32)[y_train]
        y_test = np.eye(10, dtype=np.float32)[y_test]
    return X_train, y_train, X_test, y_test
