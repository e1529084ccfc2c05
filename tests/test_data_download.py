"""ann.data.download_mnist against a local HTTP server (never the internet)."""

import functools
import http.server
import pickle
import threading

import numpy as np
import pytest
from test_data_helpers import (
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    encode,
    gz_bytes,
    md5,
    small_arrays,
)

import ann.data
from ann.data import FILE_NAMES, MNISTDownloadError, download_mnist, load_mnist


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from its directory; under /short/ it lies about the length."""

    requests = None  # a list shared with the test, set per server

    def do_GET(self):
        self.requests.append(self.path)
        if self.path.startswith("/short/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b only a little")
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class Mirror:
    """A local HTTP server holding small MNIST .gz files and their MD5 sums."""

    def __init__(self, directory):
        self.arrays = small_arrays()
        self.payloads = {name + ".gz": gz_bytes(data) for name, data in encode(self.arrays).items()}
        directory.mkdir()
        for name, data in self.payloads.items():
            (directory / name).write_bytes(data)
        self.checksums = {name: md5(data) for name, data in self.payloads.items()}
        self.requests = []
        handler = type("BoundHandler", (Handler,), {"requests": self.requests})
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def mirror(tmp_path):
    server = Mirror(tmp_path / "served")
    yield server
    server.close()


@pytest.fixture
def target(tmp_path):
    return tmp_path / "downloads" / "mnist"


def download(target, mirrors, checksums, **kwargs):
    return download_mnist(
        target, mirrors=mirrors, checksums=checksums, quiet=True, timeout=5, **kwargs
    )


def test_good_download(mirror, target):
    paths = download(target, [mirror.url], mirror.checksums)
    assert sorted(paths) == sorted(target / name for name in mirror.payloads)
    assert sorted(p.name for p in target.iterdir()) == sorted(mirror.payloads)
    for name, data in mirror.payloads.items():
        assert (target / name).read_bytes() == data


def test_nothing_to_download(mirror, target):
    download(target, [mirror.url], mirror.checksums)
    mirror.requests.clear()
    assert download(target, [mirror.url], mirror.checksums) == []
    assert mirror.requests == []


def test_only_missing_files_are_downloaded(mirror, target):
    target.mkdir(parents=True)
    blobs = encode(mirror.arrays)
    (target / TRAIN_IMAGES).write_bytes(blobs[TRAIN_IMAGES])  # raw copy
    (target / (TEST_LABELS + ".gz")).write_bytes(gz_bytes(blobs[TEST_LABELS]))
    paths = download(target, [mirror.url], mirror.checksums)
    assert sorted(p.name for p in paths) == sorted(
        name + ".gz" for name in FILE_NAMES if name not in (TRAIN_IMAGES, TEST_LABELS)
    )
    assert sorted(mirror.requests) == sorted(f"/{p.name}" for p in paths)


def test_checksum_mismatch_leaves_nothing_behind(mirror, target):
    wrong = dict.fromkeys(mirror.checksums, "0" * 32)
    with pytest.raises(MNISTDownloadError) as caught:
        download(target, [mirror.url], wrong)
    assert list(target.iterdir()) == []
    error = caught.value
    message = str(error)
    assert "no mirror supplied a good copy" in message and "MD5" in message
    assert str(target) in message and all(name in message for name in FILE_NAMES)
    assert error.missing == list(FILE_NAMES) and error.directory == target
    assert [url for url, _ in error.failures] == [mirror.url + name for name in mirror.payloads]
    assert all(reason.startswith("MD5 ") for _, reason in error.failures)


def test_one_bad_checksum_keeps_the_good_files(mirror, target):
    checksums = dict(mirror.checksums, **{TRAIN_LABELS + ".gz": "0" * 32})
    with pytest.raises(MNISTDownloadError, match=TRAIN_LABELS) as caught:
        download(target, [mirror.url], checksums)
    assert caught.value.missing == [TRAIN_LABELS]
    assert sorted(p.name for p in target.iterdir()) == sorted(
        name + ".gz" for name in FILE_NAMES if name != TRAIN_LABELS
    )


@pytest.mark.parametrize("first", ["closed-port", "404", "short-body"])
def test_dead_first_mirror_falls_through(mirror, target, dead_url, first):
    broken = {
        "closed-port": dead_url,
        "404": mirror.url + "nothing/here/",
        "short-body": mirror.url + "short/",
    }[first]
    download(target, [broken, mirror.url.rstrip("/")], mirror.checksums)
    assert sorted(p.name for p in target.iterdir()) == sorted(mirror.payloads)


def test_all_mirrors_dead(mirror, target, dead_url):
    mirrors = [dead_url, mirror.url + "nothing/", mirror.url + "short/"]
    with pytest.raises(MNISTDownloadError) as caught:
        download(target, mirrors, mirror.checksums)
    error = caught.value
    assert isinstance(error, RuntimeError) and isinstance(error, FileNotFoundError)
    message = str(error)
    assert str(target) in message and "MNIST_DIR" in message
    assert all(name in message for name in FILE_NAMES)
    assert len(message.splitlines()) == 2 and dead_url not in message
    assert "no mirror supplied a good copy" in message  # the 404 and the short body
    assert [url for url, _ in error.failures] == [
        base + name for name in mirror.payloads for base in mirrors
    ]
    assert list(target.iterdir()) == []


def test_no_mirror_reachable_is_said_in_two_lines(target, dead_url):
    with pytest.raises(MNISTDownloadError) as caught:
        download(target, [dead_url, dead_url + "other/"], ann.data.MD5_GZ)
    error = caught.value
    first, second = str(error).splitlines()
    assert first.startswith(f"MNIST file(s) missing from {target}: ")
    assert ", ".join(FILE_NAMES) in first and "no internet?" in first
    assert "MNIST_DIR" in second and "internet access" in second
    assert "127.0.0.1" not in str(error)
    assert len(error.failures) == 2 * len(FILE_NAMES)
    assert all(
        url.startswith(dead_url) and "refused" in reason.lower() for url, reason in error.failures
    )


def test_download_error_survives_pickling(target, dead_url):
    with pytest.raises(MNISTDownloadError) as caught:
        download(target, [dead_url], ann.data.MD5_GZ)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert (copy.directory, copy.missing, copy.failures) == (
        caught.value.directory,
        caught.value.missing,
        caught.value.failures,
    )


def test_directory_that_cannot_be_created(mirror, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(MNISTDownloadError, match="cannot create") as caught:
        download(blocker / "mnist", [mirror.url], mirror.checksums)
    assert caught.value.missing == list(FILE_NAMES) and caught.value.failures == []
    assert mirror.requests == []


def test_load_mnist_downloads_missing_files(mirror, target, monkeypatch):
    monkeypatch.setattr(ann.data, "MIRRORS", (mirror.url,))
    monkeypatch.setattr(ann.data, "MD5_GZ", mirror.checksums)
    loaded = load_mnist(target, quiet=True)
    for got, want in zip(loaded, mirror.arrays):
        np.testing.assert_array_equal(got, want)


def test_defaults_are_the_official_mirrors_and_checksums():
    assert ann.data.MIRRORS == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert dict(ann.data.MD5_GZ) == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"mirrors": "http://example.org/"}, TypeError, "sequence of URL"),
        ({"mirrors": []}, ValueError, "empty"),
        ({"mirrors": [3]}, TypeError, "URL string"),
        ({"mirrors": ["ftp://example.org/"]}, ValueError, "not an http"),
        ({"checksums": ["abc"]}, TypeError, "mapping"),
        ({"checksums": {}}, ValueError, "no valid MD5"),
        ({"checksums": {name + ".gz": "xyz" for name in FILE_NAMES}}, ValueError, "MD5"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": "5"}, ValueError, "timeout"),
    ],
)
def test_bad_arguments(target, kwargs, error, pattern):
    arguments = {
        "mirrors": ["http://127.0.0.1:9/"],
        "checksums": ann.data.MD5_GZ,
        "quiet": True,
        **kwargs,
    }
    with pytest.raises(error, match=pattern):
        download_mnist(target, **arguments)
    assert not target.exists()
