"""`files.writing.rewrite`: replacing a file that was read, keeping its mode, through a new
temporary file of ours (never a chmod of the file that is there), and only while the file is
still the version that was read."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openrush_tui.files.reading import read_bytes
from openrush_tui.files.writing import FileChanged, leftover_temporaries, rewrite


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def set_mode(path: Path, mode: int) -> None:
    descriptor = os.open(path, os.O_RDONLY)  # os.chmod is out of bounds in these tests
    try:
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)


@pytest.fixture(autouse=True)
def tight_umask_and_no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def no_chmod(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"chmod of {args[0]}")

    monkeypatch.setattr(os, "chmod", no_chmod)
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mode", [0o640, 0o644, 0o444, 0o600])
def test_the_mode_of_the_file_is_kept(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "config.json"
    path.write_text("old\n")
    set_mode(path, mode)
    _old, stamp = read_bytes(path)
    rewrite(path, "new\n", expect=stamp)
    assert path.read_text() == "new\n" and mode_of(path) == mode
    assert not leftover_temporaries(path)


def test_set_id_bits_are_not_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("old\n")
    set_mode(path, 0o4755)
    _old, stamp = read_bytes(path)
    rewrite(path, b"new\n", expect=stamp)
    assert path.read_bytes() == b"new\n" and mode_of(path) == 0o755


def test_a_file_changed_since_it_was_read_stays_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("old\n")
    _old, stamp = read_bytes(path)
    path.write_text("someone else's\n")
    with pytest.raises(FileChanged, match="nothing was written"):
        rewrite(path, "new\n", expect=stamp)
    assert path.read_text() == "someone else's\n"
    assert not leftover_temporaries(path)


def test_a_file_swapped_for_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    path, victim = tmp_path / "config.json", tmp_path / "victim"
    path.write_text("old\n")
    victim.write_text("precious\n")
    _old, stamp = read_bytes(path)
    path.unlink()
    path.symlink_to(victim)
    with pytest.raises(FileChanged):
        rewrite(path, "new\n", expect=stamp)
    assert path.is_symlink() and victim.read_text() == "precious\n"


def test_a_file_removed_since_it_was_read_is_not_created_again(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("old\n")
    _old, stamp = read_bytes(path)
    path.unlink()
    with pytest.raises(FileChanged):
        rewrite(path, "new\n", expect=stamp)
    assert not path.exists() and not leftover_temporaries(path)
