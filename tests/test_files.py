"""ann.files: atomic writes, and the checks that tell before a long run whether a
path can be written. Every error names the caller's path, never a temporary name."""

import errno
import os
import tempfile
from pathlib import Path

import pytest

from ann.files import atomic_file, atomic_path, check_can_create_folder, check_can_write

needs_proc = pytest.mark.skipif(
    not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be created"
)


def assert_names_only(error, path):
    """``error``'s message names ``path`` and no temporary file."""
    message = str(error)
    assert str(path) in message
    assert ".tmp" not in message and ".probe." not in message


def test_atomic_file_replaces_the_content_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_file(target) as stream:
        stream.write(b"new")
        assert target.read_bytes() == b"old"  # not replaced before the block ends
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failing_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(ZeroDivisionError), atomic_file(target) as stream:
        stream.write(b"half")
        1 / 0
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


@needs_proc
def test_temporary_file_that_cannot_be_created_names_the_destination():
    with pytest.raises(FileNotFoundError) as caught, atomic_path("/proc/x.png", suffix=".png"):
        pass
    assert_names_only(caught.value, "/proc/x.png")


def test_refused_temporary_file_keeps_the_error_type(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(
            errno.EACCES, "Permission denied", str(tmp_path / ".out.bin.abc123.tmp")
        )

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as caught, atomic_file(tmp_path / "out.bin"):
        pass
    assert_names_only(caught.value, tmp_path / "out.bin")
    assert "Permission denied" in str(caught.value)


def test_failed_rename_names_the_destination(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def cross_device(source, destination):
        raise OSError(errno.EXDEV, "Invalid cross-device link", str(source), str(destination))

    monkeypatch.setattr(os, "replace", cross_device)
    with pytest.raises(OSError) as caught, atomic_file(target) as stream:
        stream.write(b"new")
    assert caught.value.errno == errno.EXDEV
    assert_names_only(caught.value, target)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.bin"]


def test_writer_error_about_the_temporary_name_is_retold(tmp_path):
    with (
        pytest.raises(FileNotFoundError) as caught,
        atomic_path(tmp_path / "plot.png", suffix=".png") as temporary,
    ):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(temporary))
    assert_names_only(caught.value, tmp_path / "plot.png")


def test_other_errors_pass_through_unchanged(tmp_path):
    original = PermissionError(errno.EACCES, "Permission denied", "/somewhere/else")
    with pytest.raises(PermissionError) as caught, atomic_path(tmp_path / "plot.png"):
        raise original
    assert caught.value is original


def test_check_can_write_touches_nothing(tmp_path):
    existing = tmp_path / "kept.txt"
    existing.write_text("content")
    assert check_can_write(str(tmp_path / "new.png")) == tmp_path / "new.png"
    assert check_can_write(existing) == existing
    assert existing.read_text() == "content"
    assert sorted(os.listdir(tmp_path)) == ["kept.txt"]


@pytest.mark.parametrize(
    "make_path, error, words",
    [
        (lambda tmp: tmp / "missing" / "x.png", FileNotFoundError, "does not exist"),
        (lambda tmp: tmp / "a-file" / "x.png", NotADirectoryError, "is not a folder"),
        (lambda tmp: tmp, IsADirectoryError, "is a directory"),
    ],
)
def test_check_can_write_refuses(tmp_path, make_path, error, words):
    (tmp_path / "a-file").write_text("")
    path = make_path(tmp_path)
    with pytest.raises(error, match=words) as caught:
        check_can_write(path)
    assert_names_only(caught.value, path)


@needs_proc
def test_check_can_write_really_tries_in_proc():
    with pytest.raises(OSError) as caught:
        check_can_write("/proc/x.png")
    assert_names_only(caught.value, "/proc/x.png")


def test_check_can_write_rejects_a_non_path():
    with pytest.raises(TypeError, match="--plot must be a str or path-like"):
        check_can_write(3, "--plot")


def test_check_can_create_folder_creates_nothing(tmp_path):
    assert check_can_create_folder(tmp_path) == tmp_path
    assert check_can_create_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert os.listdir(tmp_path) == []


def test_check_can_create_folder_refuses_files(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder") as caught:
        check_can_create_folder(blocker)
    assert_names_only(caught.value, blocker)
    with pytest.raises(NotADirectoryError, match="cannot create the folder") as caught:
        check_can_create_folder(blocker / "report")
    assert_names_only(caught.value, blocker / "report")


@needs_proc
@pytest.mark.parametrize("folder", ["/proc", "/proc/report/run1"])
def test_check_can_create_folder_really_tries_in_proc(folder):
    with pytest.raises(OSError) as caught:
        check_can_create_folder(folder)
    assert_names_only(caught.value, folder)
