"""The MNIST loader: downloads from a local server (127.0.0.1 only), checksums, IDX parsing, errors."""

import gzip
import http.server
import os
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from helpers import datasets
from helpers.datasets import ChecksumError, DownloadError, MNIST_FILES, download_file, load_mnist, read_idx

SHARED = Path(os.environ.get("NN_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
HAVE_REAL = all((SHARED / name).is_file() for name in MNIST_FILES)
needs_real = pytest.mark.skipif(not HAVE_REAL, reason=f"the real MNIST files are not in {SHARED} (set NN_DATA_DIR)")
SMALL = "t10k-labels-idx1-ubyte.gz"  # 4.5 kB: quick to serve


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves /good/NAME, /corrupt/NAME (one byte flipped) and /drop/NAME (closes halfway)."""

    def do_GET(self):
        _, mode, name = self.path.split("/", 2)
        body = self.server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        if mode == "corrupt":
            body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server():
    files = {name: (SHARED / name).read_bytes() for name in MNIST_FILES if (SHARED / name).is_file()}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files = files
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No NN_DATA_DIR and a default folder inside tmp_path: nothing outside the test is read or written."""
    monkeypatch.delenv("NN_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "default_data_dir", lambda: tmp_path / "default")
    datasets._mnist_cache.clear()
    return tmp_path


@pytest.fixture
def copied(isolated):
    """A private copy of the four real MNIST files, free to damage."""
    folder = isolated / "copy"
    folder.mkdir()
    for name in MNIST_FILES:
        (folder / name).write_bytes((SHARED / name).read_bytes())
    return folder


def _leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


@needs_real
def test_download_from_a_mirror_verifies_and_loads(server, isolated):
    target = isolated / "mnist"
    X_train, y_train, X_test, y_test = load_mnist(data_dir=target, mirrors=[server + "/good/"], progress=False)
    assert _leftovers(target) == sorted(MNIST_FILES)  # four files, no temporary ones
    assert X_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    for name in MNIST_FILES:
        assert datasets.sha256_of(target / name) == MNIST_FILES[name][0]


@needs_real
def test_corrupted_bytes_give_a_checksum_error_and_leave_nothing(server, isolated):
    with pytest.raises(ChecksumError, match=f"{SMALL} from .*SHA-256 [0-9a-f]{{64}} does not match the expected "
                                            f"{MNIST_FILES[SMALL][0]}"):
        download_file(SMALL, isolated / "mnist", mirrors=[server + "/corrupt/"], progress=False)
    assert _leftovers(isolated / "mnist") == []


@needs_real
def test_a_dropped_connection_leaves_nothing_and_the_next_mirror_is_tried(server, isolated):
    path = download_file(SMALL, isolated / "mnist", mirrors=[server + "/drop/", server + "/good/"], progress=False)
    assert path.name == SMALL and _leftovers(isolated / "mnist") == [SMALL]
    assert datasets.sha256_of(path) == MNIST_FILES[SMALL][0]


@needs_real
def test_only_a_dropping_mirror_is_an_error_and_leaves_nothing(server, isolated):
    with pytest.raises(DownloadError, match="could not download"):
        download_file(SMALL, isolated / "mnist", mirrors=[server + "/drop/"], progress=False)
    assert _leftovers(isolated / "mnist") == []


def test_no_files_and_no_network_says_where_to_put_them(isolated):
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    with pytest.raises(DownloadError) as info:
        load_mnist(data_dir=isolated / "mine", mirrors=[closed], progress=False)
    message = str(info.value)
    assert str(isolated / "mine") in message and "NN_DATA_DIR" in message
    assert "train-images-idx3-ubyte.gz" in message
    assert _leftovers(isolated / "mine") == []


def _write_gz(path, raw):
    with gzip.open(path, "wb") as f:
        f.write(raw)
    return path


def test_idx_images_and_labels_are_parsed(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = _write_gz(tmp_path / "img.gz", struct.pack(">iiii", 2051, 2, 3, 4) + images.tobytes())
    np.testing.assert_array_equal(read_idx(p), images)
    q = _write_gz(tmp_path / "lab.gz", struct.pack(">ii", 2049, 3) + bytes([7, 0, 9]))
    assert read_idx(q).tolist() == [7, 0, 9]


def test_wrong_magic_names_the_file(tmp_path):
    p = _write_gz(tmp_path / "bad.gz", struct.pack(">ii", 1234, 1) + b"\x00")
    with pytest.raises(ValueError, match=r"bad.gz: wrong magic number 1234; expected 2051 .* or 2049"):
        read_idx(p)


def test_truncated_body_names_the_file_and_the_sizes(tmp_path):
    p = _write_gz(tmp_path / "short.gz", struct.pack(">iiii", 2051, 2, 28, 28) + bytes(100))
    with pytest.raises(ValueError, match=r"short.gz: truncated: 116 bytes after decompression, expected 1584"):
        read_idx(p)


def test_truncated_gzip_names_the_file(tmp_path):
    whole = gzip.compress(struct.pack(">ii", 2049, 1000) + bytes(1000))
    p = tmp_path / "cut.gz"
    p.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="cut.gz: not a complete gzip file"):
        read_idx(p)


def test_labels_must_be_digits(tmp_path):
    p = _write_gz(tmp_path / "lab.gz", struct.pack(">ii", 2049, 2) + bytes([3, 12]))
    with pytest.raises(ValueError, match="labels must be digits 0-9, found 12"):
        read_idx(p)


@needs_real
def test_truncated_file_on_disk_is_reported_by_load_mnist(copied):
    folder = copied
    raw = gzip.decompress((SHARED / SMALL).read_bytes())
    _write_gz(folder / SMALL, raw[:5000])
    with pytest.raises(ValueError, match=f"{SMALL}: truncated: 5000 bytes after decompression, expected 10008"):
        load_mnist(data_dir=folder, mirrors=[], progress=False)


@needs_real
def test_a_changed_file_fails_its_checksum(copied):
    folder = copied
    raw = bytearray(gzip.decompress((SHARED / SMALL).read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10  # still a valid label file, but not the original
    _write_gz(folder / SMALL, bytes(raw))
    with pytest.raises(ChecksumError, match=f"{SMALL}: SHA-256 .* does not match the expected"):
        load_mnist(data_dir=folder, mirrors=[], progress=False)


@needs_real
def test_real_mnist_sanity(monkeypatch):
    monkeypatch.setenv("NN_DATA_DIR", str(SHARED))
    X_train, y_train, X_test, y_test = load_mnist()
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert X_train.mean() == pytest.approx(33.318, abs=1e-3)
    assert not X_train.flags.writeable  # cached and shared: read-only


@needs_real
def test_scaling_one_hot_and_cache(monkeypatch):
    monkeypatch.setenv("NN_DATA_DIR", str(SHARED))
    first = load_mnist()
    X_train, y_train, X_test, y_test = load_mnist(scale=True, one_hot=True)
    assert X_train.dtype == np.float32 and 0.0 <= X_train.min() and X_train.max() == 1.0
    assert X_train.mean() == pytest.approx(0.1307, abs=1e-4)
    assert y_test.shape == (10000, 10) and y_test.dtype == np.float32
    np.testing.assert_array_equal(y_test.argmax(axis=1), first[3])
    assert load_mnist()[0] is first[0]  # the second load comes from the in-process cache


@needs_real
def test_argument_folder_comes_before_nn_data_dir_and_empty_variable_is_unset(monkeypatch, isolated, copied):
    folder = copied
    monkeypatch.setenv("NN_DATA_DIR", str(isolated / "empty"))
    assert datasets._candidate_dirs(folder)[0] == folder
    load_mnist(data_dir=folder, mirrors=[], progress=False)  # found in the argument's folder, nothing downloaded
    monkeypatch.setenv("NN_DATA_DIR", "")
    assert datasets._candidate_dirs(None) == [isolated / "default"]
