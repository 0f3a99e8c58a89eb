"""The MNIST loader: downloads from a local server (127.0.0.1 only), checksums, IDX parsing, errors, and the
faults it must survive: corrupted, truncated, trickling, HTML-instead-of-gzip, killed mid-download, gzip bombs,
unreadable files, stale .part files. Nothing half-written may be left behind."""

import gzip
import http.server
import os
import struct
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import mnist as datasets
from helpers.mnist import ChecksumError, DownloadError, MNIST_FILES, download_file, load_mnist, read_idx

SHARED = Path(os.environ.get("NN_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
HAVE_REAL = all((SHARED / name).is_file() for name in MNIST_FILES)
needs_real = pytest.mark.skipif(not HAVE_REAL, reason=f"the real MNIST files are not in {SHARED} (set NN_DATA_DIR)")
SMALL = "t10k-labels-idx1-ubyte.gz"  # 4.5 kB: quick to serve


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves /good/NAME, /corrupt/NAME (one byte flipped), /drop/NAME (closes halfway), /trickle/NAME (one
    byte every 20 ms), /html/NAME (an error page with status 200) and /nolength/NAME (no Content-Length)."""

    protocol_version = "HTTP/1.0"  # close-delimited bodies, so /nolength works

    def do_GET(self):
        _, mode, name = self.path.split("/", 2)
        body = self.server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        if mode == "corrupt":
            body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
        if mode == "html":
            body = b"<!DOCTYPE html><html><body><h1>Please sign in</h1></body></html>"
        if mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.02)
            return
        if mode == "nolength":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)
            return
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
    with pytest.raises(ChecksumError, match=f"{SMALL} from .*not the MNIST file .*SHA-256 [0-9a-f]{{16}}…, "
                                            f"expected {MNIST_FILES[SMALL][0][:16]}…"):
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
def test_truncated_file_on_disk_is_refused_by_its_checksum_before_parsing(copied):
    folder = copied
    raw = gzip.decompress((SHARED / SMALL).read_bytes())
    _write_gz(folder / SMALL, raw[:5000])
    with pytest.raises(ChecksumError, match=f"{SMALL}: this file is corrupted or is not the MNIST file .*Delete it"):
        load_mnist(data_dir=folder, mirrors=[], progress=False)


@needs_real
def test_a_changed_file_fails_its_checksum(copied):
    folder = copied
    raw = bytearray(gzip.decompress((SHARED / SMALL).read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10  # still a valid label file, but not the original
    _write_gz(folder / SMALL, bytes(raw))
    with pytest.raises(ChecksumError, match=f"{SMALL}: this file is corrupted or is not the MNIST file"):
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


# ---------------------------------------------------------------------------------------------
# Faults a careless network, a killed kernel or a shared folder can cause (issue: fail clearly, lose nothing)


@needs_real
def test_a_trickling_mirror_meets_the_whole_file_deadline_and_leaves_nothing(server, isolated):
    start = time.monotonic()
    with pytest.raises(DownloadError, match="gave up after 0.5 s .*too slow"):
        download_file(SMALL, isolated / "mnist", mirrors=[server + "/trickle/"], progress=False, deadline=0.5)
    assert time.monotonic() - start < 10  # every single read was fast: only the deadline stops it
    assert _leftovers(isolated / "mnist") == []


@needs_real
def test_an_html_page_instead_of_gzip_is_refused_and_leaves_nothing(server, isolated):
    with pytest.raises(ChecksumError, match=f"{SMALL} from .*not the MNIST file"):
        download_file(SMALL, isolated / "mnist", mirrors=[server + "/html/"], progress=False)
    assert _leftovers(isolated / "mnist") == []


@needs_real
def test_progress_without_content_length_goes_to_stderr_only(server, isolated, capsys):
    download_file(SMALL, isolated / "mnist", mirrors=[server + "/nolength/"])
    out, err = capsys.readouterr()
    assert out == ""  # the notebook's own output stays clean
    assert f"downloading {SMALL}: 0.0 MB so far (size not announced)" in err
    assert err.endswith("\n")  # whole lines: they read well in a notebook's stored output too


@needs_real
def test_progress_with_a_known_size_reports_percentages(server, isolated, capsys):
    seen = []
    download_file(SMALL, isolated / "a", mirrors=[server + "/good/"], progress=lambda *a: seen.append(a))
    assert seen[-1] == (SMALL, len((SHARED / SMALL).read_bytes()), len((SHARED / SMALL).read_bytes()))
    download_file(SMALL, isolated / "b", mirrors=[server + "/good/"], progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "(100 %)" in err


@needs_real
def test_downloaded_files_follow_the_umask(server, isolated):
    old = os.umask(0o002)  # a group-shared hub folder
    try:
        path = download_file(SMALL, isolated / "mnist", mirrors=[server + "/good/"], progress=False)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o664


@needs_real
def test_a_download_killed_midway_leaves_a_part_file_that_the_next_load_removes(server, isolated):
    folder = isolated / "mnist"
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r}); "
            f"from helpers.mnist import download_file; "
            f"download_file({SMALL!r}, {str(folder)!r}, mirrors=[{server + '/trickle/'!r}], progress=False)")
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not list(folder.glob(".*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(folder.glob(".*.part")), "the child never started writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert len(list(folder.glob(".*.part"))) == 1  # SIGKILL leaves it: nothing can clean up at that moment
    with pytest.raises(DownloadError):
        load_mnist(data_dir=folder, mirrors=["http://127.0.0.1:9/"], progress=False)
    assert _leftovers(folder) == []  # the dead process's .part file is gone


def test_stale_part_files_are_removed_but_a_live_download_is_left_alone(isolated):
    folder = isolated / "mnist"
    folder.mkdir()
    host = socket.gethostname()
    old = folder / f".{SMALL}.elsewhere-1-abcd.part"  # another machine's, not written to for an hour
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    dead = folder / f".{SMALL}.{host}-999999999-abcd.part"  # this machine, a process that no longer exists
    dead.write_bytes(b"x")
    live = folder / f".{SMALL}.{host}-{os.getpid()}-abcd.part"  # this machine, alive, written just now
    live.write_bytes(b"x")
    legacy = folder / f".{SMALL}.k2j3h4.part"  # an older version's name, fresh: could be a live download
    legacy.write_bytes(b"x")
    removed = datasets.remove_stale_parts(folder)
    assert sorted(removed) == sorted([old.name, dead.name])
    assert live.exists() and legacy.exists()


def _flip_bit_inside(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    path.write_bytes(bytes(raw))


@needs_real
def test_a_bit_flipped_inside_a_local_file_is_one_clear_error(copied):
    _flip_bit_inside(copied / SMALL)
    with pytest.raises(ChecksumError) as info:
        load_mnist(data_dir=copied, mirrors=[], progress=False)
    message = str(info.value)
    assert SMALL in message and "corrupted or is not the MNIST file" in message and "Delete it" in message
    assert "Error -3" not in message and "zlib" not in message


def test_multi_member_gzip_is_read_whole(tmp_path):
    p = tmp_path / "lab.gz"
    p.write_bytes(gzip.compress(struct.pack(">ii", 2049, 3)) + gzip.compress(bytes([1, 2])) + gzip.compress(bytes([3])))
    assert read_idx(p).tolist() == [1, 2, 3]


def test_an_empty_file_is_not_a_gzip_file(tmp_path):
    p = tmp_path / "empty.gz"
    p.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.gz: not a complete gzip file"):
        read_idx(p)


def test_a_corrupt_gzip_read_directly_names_the_file_not_zlib(tmp_path):
    p = _write_gz(tmp_path / "lab.gz", struct.pack(">ii", 2049, 5000) + bytes(range(10)) * 500)
    _flip_bit_inside(p)
    with pytest.raises(ValueError, match="lab.gz: not a complete gzip file .*corrupted or truncated"):
        read_idx(p)


def _make_bomb(path, size):
    """A gzip file that inflates to an IDX image header and ``size`` zero bytes, about 1 MB per GiB on disk.

    It is a valid gzip file of many members (the format allows members one after another), each the
    same 16 MiB of zeros, so it is quick to write."""
    zeros = gzip.compress(bytes(1 << 24), compresslevel=9)
    with open(path, "wb") as f:
        f.write(gzip.compress(struct.pack(">iiii", 2051, 60000, 28, 28)))
        for _ in range(size // (1 << 24)):
            f.write(zeros)


BOMB_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from helpers.mnist import load_mnist, read_idx
for what in ("load", "read"):
    try:
        load_mnist(data_dir=sys.argv[2], mirrors=[], progress=False) if what == "load" else read_idx(sys.argv[3])
        print(what, "LOADED")
    except Exception as e:
        print(what, type(e).__name__, str(e)[:200])
# VmHWM is this process's own peak; ru_maxrss would also count the parent's peak from before exec
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("maxrss_mb", peak_kb / 1024)
"""


@needs_real
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures memory through Linux's /proc")
def test_a_gzip_bomb_is_refused_in_little_memory(copied):
    name = "train-images-idx3-ubyte.gz"
    _make_bomb(copied / name, 1 << 30)  # inflates to 1 GiB
    assert (copied / name).stat().st_size < 2_000_000
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", BOMB_CHILD, root, str(copied), str(copied / name)],
                         capture_output=True, text=True, timeout=120).stdout
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert lines["load"].startswith("ChecksumError") and name in lines["load"]  # refused before inflating
    assert lines["read"].startswith("ValueError") and "more than 64 MiB" in lines["read"]  # bounded inflation
    assert float(lines["maxrss_mb"]) < 200, out


@needs_real
def test_a_file_that_cannot_be_read_is_called_a_permission_problem(copied, monkeypatch):
    target = copied / SMALL
    if os.geteuid() == 0:  # root reads everything: pretend, through the same check the loader uses
        real_access = os.access
        monkeypatch.setattr(datasets.os, "access", lambda p, mode: False if Path(p) == target else real_access(p, mode))
    else:
        target.chmod(0)
    try:
        with pytest.raises(PermissionError, match=f"{SMALL}: permission denied.*permission problem, not a corrupted"):
            load_mnist(data_dir=copied, mirrors=[], progress=False)
    finally:
        target.chmod(0o644)
    assert target.exists()  # never deleted or replaced


def test_nn_data_dir_naming_a_file_says_a_folder_is_expected(isolated, monkeypatch):
    a_file = isolated / "mnist.tar"
    a_file.write_bytes(b"")
    monkeypatch.setenv("NN_DATA_DIR", str(a_file))
    with pytest.raises(NotADirectoryError, match="NN_DATA_DIR is .*mnist.tar, which is a file; it must name a folder"):
        load_mnist(mirrors=[], progress=False)
    with pytest.raises(NotADirectoryError, match="data_dir is .*mnist.tar, which is a file"):
        load_mnist(data_dir=a_file, mirrors=[], progress=False)


def test_bad_arguments_are_named(isolated):
    with pytest.raises(TypeError, match="load_mnist: scale must be True or False, got 'yes'"):
        load_mnist(scale="yes")
    with pytest.raises(TypeError, match="load_mnist: data_dir must be a folder path"):
        load_mnist(data_dir=3)
    with pytest.raises(ValueError, match="download_file: name must be one of"):
        download_file("mnist.zip", isolated)


def test_the_notebooks_import_path_still_works():
    from helpers.datasets import load_mnist as via_datasets

    assert via_datasets is load_mnist


def test_stale_parts_in_a_folder_we_may_not_change_are_left_alone(isolated, monkeypatch):
    folder = isolated / "shared"
    folder.mkdir()
    old = folder / f".{SMALL}.elsewhere-1-abcd.part"
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)  # as in a read-only hub folder (root would not be refused)
    assert datasets.remove_stale_parts(folder) == []
