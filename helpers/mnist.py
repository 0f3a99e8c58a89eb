"""The MNIST loader: find the four original files (or download them), verify, parse, cache.

Order of work, chosen so that nothing bad is ever half-done:

1. find a folder holding the four files (argument, then $NN_DATA_DIR, then ``default_data_dir()``);
2. when none has them, download each into the first folder: bytes go to a hidden ``.part`` file, whose
   SHA-256 is checked before it is renamed into place (a file appears complete or not at all);
3. verify every file's SHA-256 **before** decompressing it: a corrupted or hostile file is refused with one
   error naming it, without inflating a byte of it;
4. parse the IDX format ourselves (no pickle), checking the header and the exact size.

Stale ``.part`` files of a download that was killed are removed at the next load. Downloaded files get
the permissions the user's umask gives new files, so a shared hub folder stays readable for everyone.
"""

import hashlib
import os
import socket
import struct
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np

# name -> (SHA-256 of the .gz file, number of items); the checksums of the files Yann LeCun published.
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
MAX_IDX_BYTES = 64 * 2**20  # the largest MNIST file inflates to 47 MB; anything claiming more is refused
STALE_PART_SECONDS = 120  # a live download writes every few milliseconds; an older .part file is dead
_PART_SUFFIX = ".part"

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
    """The folders to look in, in order; a name that is a file, not a folder, is an error."""
    named = []
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(f"load_mnist: data_dir must be a folder path (str or Path), got {type(data_dir).__name__}")
        named.append(("data_dir", Path(data_dir).expanduser()))
    if os.environ.get("NN_DATA_DIR"):  # an empty value counts as unset
        named.append(("the environment variable NN_DATA_DIR", Path(os.environ["NN_DATA_DIR"]).expanduser()))
    for what, folder in named:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(f"load_mnist: {what} is {folder}, which is a file; it must name a folder "
                                     f"that holds (or will hold) the four MNIST files: {', '.join(MNIST_FILES)}")
    return [folder for _, folder in named] + [default_data_dir()]


def _readable(path):
    """Raise a PermissionError that says what to do when ``path`` exists but cannot be read."""
    if not os.access(path, os.R_OK):
        raise PermissionError(f"{path}: permission denied: this account may not read the file. It is a "
                              f"permission problem, not a corrupted file: ask its owner to make it readable "
                              f"(chmod a+r), or point NN_DATA_DIR to a copy you can read.")


def sha256_of(path):
    """Hex SHA-256 of a file, read in 1 MiB chunks (cheap: the hash needs no decompression)."""
    _readable(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path):
    """Check one MNIST file's SHA-256 against the course's list; a mismatch is one clear ChecksumError."""
    path = Path(path)
    expected = MNIST_FILES[path.name][0]
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumError(f"{path}: this file is corrupted or is not the MNIST file of that name (its SHA-256 "
                            f"is {actual[:16]}…, expected {expected[:16]}…). Delete it and load again to "
                            f"download a fresh copy, or replace it with the original file.")


def _inflate(path, limit):
    """Decompress a gzip file, refusing to produce more than ``limit`` bytes (a gzip bomb stops here).

    Streams through zlib 1 MiB of output at a time, so memory stays close to the size of the real data.
    """
    out = bytearray()
    inflater, in_member = zlib.decompressobj(wbits=31), False  # 31: a gzip container around deflate data
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
            while data:
                in_member = True
                out += inflater.decompress(data, min(1 << 20, limit + 1 - len(out)))
                if len(out) > limit:
                    raise ValueError(f"{path}: decompresses to more than {limit / 2**20:.0f} MiB, far more than "
                                     f"any MNIST file: this is not an MNIST file. Delete it.")
                if inflater.eof:  # a gzip file may hold several members, one after another
                    data = inflater.unused_data or f.read(1 << 16)
                    inflater, in_member = zlib.decompressobj(wbits=31), False
                else:
                    data = inflater.unconsumed_tail or f.read(1 << 16)
    except zlib.error as err:  # a flipped bit, or not gzip at all
        raise ValueError(f"{path}: not a complete gzip file ({err}): the file is corrupted or truncated. "
                         f"Delete it and load again to download a fresh copy.") from err
    if in_member or not out:
        raise ValueError(f"{path}: not a complete gzip file (it ends too early or is empty): the file is "
                         f"corrupted or truncated. Delete it and load again to download a fresh copy.")
    return out  # a bytearray: np.frombuffer reads it without another copy


def read_idx(path, expected_count=None):
    """Parse one gzip-compressed IDX file: images -> uint8 (N, rows, cols), labels -> uint8 (N,).

    Checks the magic number, the item count and the exact size; every problem is a ValueError that
    names the file and says what was wrong. Nothing is unpickled; at most 64 MiB is ever inflated.
    """
    path = Path(path)
    _readable(path)
    data = _inflate(path, MAX_IDX_BYTES)
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
    if min(shape) < 0:
        raise ValueError(f"{path}: the header gives a negative size {shape}: this is not an MNIST IDX file")
    if expected_count is not None and count != expected_count:
        raise ValueError(f"{path}: the header says {count} items, expected {expected_count}")
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(f"{path}: {what}: {len(data)} bytes after decompression, expected {expected} "
                         f"for {count} items of shape {shape[1:] or '()'}")
    array = np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
    if magic == IDX_LABELS_MAGIC and array.size and array.max() > 9:
        raise ValueError(f"{path}: labels must be digits 0-9, found {int(array.max())}")
    return array


# ---------------------------------------------------------------------------------------------
# Downloading


def _part_name(name):
    """A hidden temporary name that says which machine and process is writing it."""
    return f".{name}.{socket.gethostname()}-{os.getpid()}-{os.urandom(4).hex()}{_PART_SUFFIX}"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        return True
    return True


def remove_stale_parts(folder):
    """Delete ``.part`` files left by killed downloads: those of a dead process on this machine, and any
    not written to for STALE_PART_SECONDS. Returns the names removed."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    host = socket.gethostname()
    for part in folder.glob(f".*{_PART_SUFFIX}"):
        try:
            owner = part.name[:-len(_PART_SUFFIX)].rsplit(".", 1)[-1]  # host-pid-random
            owner_host, pid, _ = owner.rsplit("-", 2)
            dead_here = owner_host == host and not _pid_alive(int(pid))
        except ValueError:  # not one of ours by name (an older version's .part): judge by age alone
            dead_here = False
        try:
            if dead_here or time.time() - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink()
                removed.append(part.name)
        except FileNotFoundError:  # another process cleaned it up first
            pass
        except PermissionError:  # a read-only shared folder: not ours to clean, and harmless to leave
            pass
    return removed


def _stderr_progress(name, received, total):
    """The default progress report: one line per 10 % (or per 5 MB without a size) on stderr."""
    if total:
        sys.stderr.write(f"downloading {name}: {received / 1e6:.1f} of {total / 1e6:.1f} MB "
                         f"({100 * received // total} %)\n")
    else:
        sys.stderr.write(f"downloading {name}: {received / 1e6:.1f} MB so far (size not announced)\n")


def _progress_steps(total):
    """Byte counts at which to report: every 10 % of a known size, else every 5 MB."""
    step = total // 10 if total else 5_000_000
    return max(step, 1)


def download_file(name, dest_dir, mirrors=MNIST_MIRRORS, progress=True, timeout=30, deadline=600):
    """Download one MNIST file into dest_dir, trying each mirror in turn; return its path.

    Bytes go to a hidden temporary file in dest_dir, created with the permissions the umask gives new
    files; only a complete file whose SHA-256 matches is renamed into place. ``timeout`` bounds each
    read and ``deadline`` the whole file (a mirror that trickles bytes is given up). ``progress``:
    True for lines on stderr, False for none, or a function ``progress(name, received, total)`` (total
    is 0 when the server does not announce a size).
    """
    if name not in MNIST_FILES:
        raise ValueError(f"download_file: name must be one of {list(MNIST_FILES)}, got {name!r}")
    report = _stderr_progress if progress is True else (progress or None)
    expected_sha = MNIST_FILES[name][0]
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest_dir)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        tmp = dest_dir / _part_name(name)
        try:
            _fetch(url, tmp, name, expected_sha, report, timeout, deadline)
            os.replace(tmp, dest_dir / name)  # atomic: the file appears complete or not at all
            return dest_dir / name
        except (OSError, ChecksumError) as err:  # URLError, timeouts and dropped connections are OSErrors
            failures.append((url, err))
        finally:
            tmp.unlink(missing_ok=True)
    if failures and all(isinstance(e, ChecksumError) for _, e in failures):
        raise ChecksumError("; ".join(str(e) for _, e in failures))
    tried = "\n".join(f"  {url}: {err}" for url, err in failures)
    raise DownloadError(
        f"could not download {name}; tried:\n{tried}\n"
        f"Without a network, copy the four MNIST files ({', '.join(MNIST_FILES)}) into {dest_dir}, "
        f"or into any folder and set the environment variable NN_DATA_DIR to it, "
        f"or pass load_mnist(data_dir=...).")


def _fetch(url, tmp, name, expected_sha, report, timeout, deadline):
    """Stream ``url`` into the new file ``tmp``, hashing as it goes; raise on a short, slow or wrong file."""
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)
        h = hashlib.sha256()
        received, reported, next_report = 0, 0, _progress_steps(total)
        # os.open with mode 0o666 lets the umask decide, as for any new file (mkstemp would force 0600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            while True:
                if time.monotonic() - start > deadline:
                    raise TimeoutError(f"gave up after {deadline:g} s with {received} bytes received "
                                       f"(the mirror is too slow)")
                chunk = response.read1(1 << 16)  # whatever has arrived: a trickle still reaches the deadline check
                if not chunk:
                    break
                f.write(chunk)
                h.update(chunk)
                received += len(chunk)
                if report and received >= next_report:
                    report(name, received, total)
                    reported, next_report = received, received + _progress_steps(total)
    if total and received != total:
        raise OSError(f"connection closed after {received} of {total} bytes")
    if h.hexdigest() != expected_sha:
        raise ChecksumError(f"{name} from {url}: the downloaded bytes are not the MNIST file (SHA-256 "
                            f"{h.hexdigest()[:16]}…, expected {expected_sha[:16]}…); they were discarded")
    if report and reported != received:  # the last line says the file is complete
        report(name, received, total)


# ---------------------------------------------------------------------------------------------
# Loading


def _load_mnist_arrays(data_dir, mirrors, progress):
    dirs = _candidate_dirs(data_dir)
    for folder in dirs:
        remove_stale_parts(folder)
    folder = next((d for d in dirs if all((d / name).is_file() for name in MNIST_FILES)), None)
    if folder is None:  # download what is missing into the first folder named
        folder = dirs[0]
        for name in MNIST_FILES:
            if not (folder / name).is_file():
                download_file(name, folder, mirrors, progress)
    key = (str(folder.resolve()),) + tuple((folder / n).stat().st_mtime_ns for n in MNIST_FILES)
    if key not in _mnist_cache:
        arrays = []
        for name, (_, count) in MNIST_FILES.items():
            path = folder / name
            verify(path)  # first: cheap, and a corrupted or hostile file is never inflated
            array = read_idx(path, expected_count=count)
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
    for arg, value in (("scale", scale), ("one_hot", one_hot)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"load_mnist: {arg} must be True or False, got {value!r}")
    X_train, y_train, X_test, y_test = _load_mnist_arrays(data_dir, mirrors, progress)
    if scale:
        X_train = X_train.astype(np.float32) / np.float32(255)
        X_test = X_test.astype(np.float32) / np.float32(255)
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    if one_hot:
        y_train = np.eye(10, dtype=np.float32)[y_train]
        y_test = np.eye(10, dtype=np.float32)[y_test]
    return X_train, y_train, X_test, y_test
