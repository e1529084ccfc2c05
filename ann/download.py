"""Downloading the MNIST files: mirrors tried in turn, MD5 checked before the rename.

``download_mnist`` fetches each missing ``NAME.gz`` from the mirrors in ``MIRRORS``,
streams it into a temporary file beside its destination, checks it against the MD5 sum
in ``MD5_GZ`` and only then renames it into place, so that a failed or interrupted
download never leaves a file under a real name. When no mirror supplies a good copy,
``MNISTDownloadError`` says which files are missing where, why in short, and how to
provide them.
"""

from __future__ import annotations

import hashlib
import http.client
import numbers
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from ann.files import StrPath, atomic_file
from ann.mnist_files import find_sources, resolve_data_dir
from ann.progress import progress_bar

__all__ = ["MD5_GZ", "MIRRORS", "MNISTDownloadError", "download_mnist"]

#: Download mirrors, tried in order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: Expected MD5 of each ``.gz`` file as the mirrors serve it.
MD5_GZ = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
)

_DOWNLOAD_TIMEOUT = 60.0
_CHUNK_BYTES = 1 << 20


class MNISTDownloadError(FileNotFoundError, RuntimeError):
    """MNIST files are missing and could not be downloaded.

    It is a ``FileNotFoundError`` (the files are still not there) and a ``RuntimeError``.
    The message says in two lines which files are missing where, why in short, and how
    to provide them. The details are attributes:

    - ``directory``: the Path the files were looked for and downloaded into;
    - ``missing``: the standard names (without ``.gz``) of the files still missing;
    - ``failures``: one ``(url, reason)`` pair of strings per failed download attempt.
    """

    def __init__(
        self,
        directory: StrPath,
        missing: Iterable[str],
        reason: str,
        failures: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.directory = Path(directory)
        self.missing = list(missing)
        self.reason = reason
        self.failures = list(failures)
        super().__init__(
            f"MNIST file(s) missing from {self.directory}: {', '.join(self.missing)} "
            f"(raw or .gz); downloading them failed: {reason}.\n"
            f"Set MNIST_DIR to a folder that holds the four MNIST files, or run once with "
            f"internet access to download them."
        )

    def __reduce__(self) -> tuple[type[MNISTDownloadError], tuple[object, ...]]:
        return type(self), (self.directory, self.missing, self.reason, self.failures)


class _ChecksumMismatch(Exception):
    """A downloaded file does not have the expected MD5."""


def _check_mirrors(mirrors):
    """Validate ``mirrors``: a non-empty sequence of http(s):// or file:// base URLs."""
    if isinstance(mirrors, (str, bytes)) or not hasattr(mirrors, "__iter__"):
        raise TypeError(f"mirrors must be a sequence of URL strings, not {mirrors!r}")
    mirrors = list(mirrors)
    if not mirrors:
        raise ValueError("mirrors is empty: give at least one base URL")
    for url in mirrors:
        if not isinstance(url, str):
            raise TypeError(f"each mirror must be a URL string, not {url!r}")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
            raise ValueError(f"mirror {url!r} is not an http://, https:// or file:// URL")
    return mirrors


def _check_checksums(checksums, names):
    """Validate that ``checksums`` maps each ``.gz`` name in ``names`` to a hex MD5."""
    if not hasattr(checksums, "get"):
        raise TypeError(f"checksums must be a mapping of file name to MD5, not {checksums!r}")
    for name in names:
        digest = checksums.get(name)
        if (
            not isinstance(digest, str)
            or len(digest) != 32
            or not all(c in "0123456789abcdef" for c in digest.lower())
        ):
            raise ValueError(f"checksums has no valid MD5 (32 hex digits) for {name}: {digest!r}")


def _check_timeout(timeout):
    """Validate ``timeout``: a positive number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not float(timeout) > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


def _content_length(response):
    """The Content-Length of a urllib response as an int, or None when unknown."""
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _fetch(url, target, md5, *, timeout, quiet):
    """Download ``url`` to ``target`` via a temporary file, checking its MD5 first."""
    digest = hashlib.md5()
    with (
        atomic_file(target, durable=True) as stream,
        urllib.request.urlopen(url, timeout=timeout) as response,
        progress_bar(
            total=_content_length(response), desc=target.name, quiet=quiet, unit="B"
        ) as bar,
    ):
        while chunk := response.read(_CHUNK_BYTES):
            digest.update(chunk)
            stream.write(chunk)
            bar.update(len(chunk))
        if digest.hexdigest() != md5.lower():
            raise _ChecksumMismatch(f"MD5 {digest.hexdigest()}, expected {md5.lower()}")


def _fetch_from_any(name, directory, mirrors, md5, *, timeout, quiet):
    """Download ``name`` from the first mirror that works.

    Returns the failed attempts as ``(url, error)`` pairs: [] on success."""
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            _fetch(url, directory / name, md5, timeout=timeout, quiet=quiet)
            return []
        except (OSError, http.client.HTTPException, ValueError, _ChecksumMismatch) as err:
            failures.append((url, err))
    return failures


def _unreachable(error):
    """Whether a download ``error`` means the server could not be reached at all
    (no network, unknown host, refused connection, timeout), not that it answered badly."""
    if isinstance(error, urllib.error.HTTPError):
        return False
    return isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError))


def _short_reason(failures):
    """Why the downloads failed, in a few words, from the ``(url, error)`` attempts."""
    if all(_unreachable(error) for _, error in failures):
        return "no mirror could be reached (no internet?)"
    url, error = next((url, error) for url, error in failures if not _unreachable(error))
    return f"no mirror supplied a good copy (e.g. {url}: {error})"


def download_mnist(
    data_dir: StrPath | None = None,
    *,
    mirrors: Iterable[str] = MIRRORS,
    checksums: Mapping[str, str] = MD5_GZ,
    quiet: bool = False,
    timeout: float = _DOWNLOAD_TIMEOUT,
) -> list[Path]:
    """Download the MNIST ``.gz`` files missing from ``data_dir``; return their paths.

    ``data_dir`` is resolved as in ``load_mnist`` (None: ``$MNIST_DIR``, else ``data/``)
    and created if needed. A file counts as present when its raw or ``.gz`` form is there.
    Each missing ``NAME.gz`` is fetched from ``mirror + NAME.gz`` for each mirror in turn,
    streamed into a temporary file in ``data_dir``, checked against ``checksums[NAME.gz]``
    (hex MD5) and only then renamed into place; a failed attempt leaves nothing behind.
    ``timeout`` is in seconds per network operation.

    Raises ``MNISTDownloadError`` naming the files and the directory when some file
    could not be downloaded from any mirror (files that did download stay); its
    ``failures`` attribute lists each attempt's URL and error.
    """
    directory = resolve_data_dir(data_dir)
    mirrors = _check_mirrors(mirrors)
    _check_timeout(timeout)
    _, missing = find_sources(directory)
    wanted = [name + ".gz" for name in missing]
    _check_checksums(checksums, wanted)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MNISTDownloadError(directory, missing, f"cannot create {directory}: {err}") from err
    failures, still_missing = [], []
    for name in wanted:
        attempts = _fetch_from_any(
            name, directory, mirrors, checksums[name], timeout=timeout, quiet=quiet
        )
        if attempts:
            failures += attempts
            still_missing.append(name.removesuffix(".gz"))
    if failures:
        raise MNISTDownloadError(
            directory,
            still_missing,
            _short_reason(failures),
            [(url, str(error)) for url, error in failures],
        )
    return [directory / name for name in wanted]
