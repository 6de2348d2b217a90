"""The sandbox's SQLite file in a directory someone else shares: what it opens, refuses, leaves.

A database holds the session-signing secret, and SQLite writes it into `-wal` (and reads a
hot `-journal`) beside the file. So the file and those siblings must be this user's own
regular files, never a symlink or another user's plant, and the directory must not let others
swap them. Tests run in-process (`create_sandbox`), like the dashboard's `--sandbox`; the
command's one-line refusals are in test_sandbox_serve_errors.py.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.errors import OpenRushError
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import SandboxOptions

SIBLINGS = ("-wal", "-shm", "-journal")
OTHER_USER = 65534  # nobody
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="planting another user's file needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def sibling(db: Path, suffix: str) -> Path:
    return db.with_name(db.name + suffix)


def refused(db: Path) -> str:
    """The message of the refusal to open `db`, which must be one plain line."""
    with pytest.raises(OpenRushError) as caught:
        create_sandbox(SandboxOptions(db_path=db)).close()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_symlink_at_the_path_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("")  # empty: the old code made a database of it
    os.chmod(target, 0o644)
    db = tmp_path / "sandbox.sqlite3"
    db.symlink_to(target)
    message = refused(db)
    assert str(db) in message and "symbolic link" in message
    assert target.read_text() == "" and mode(target) == 0o644
    assert db.is_symlink()


@pytest.mark.parametrize("suffix", SIBLINGS)
def test_a_symlink_beside_the_database_is_refused_and_not_followed(
        tmp_path: Path, suffix: str) -> None:
    db = tmp_path / "sandbox.sqlite3"
    create_sandbox(SandboxOptions(db_path=db)).close()
    target = tmp_path / "elsewhere"
    sibling(db, suffix).symlink_to(target)  # dangling: SQLite would create the target
    message = refused(db)
    assert str(sibling(db, suffix)) in message
    assert not target.exists()


@needs_root
@pytest.mark.parametrize("suffix", ["", *SIBLINGS])
def test_another_users_file_at_the_path_or_beside_it_is_refused(
        tmp_path: Path, suffix: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o1777)
    os.chmod(shared, 0o1777)  # noqa: S103 (a shared directory like /tmp is the case tested)
    db = shared / "sandbox.sqlite3"
    planted = sibling(db, suffix)
    planted.write_bytes(b"")
    os.chmod(planted, 0o666)  # noqa: S103 (the attacker's readable plant)
    os.chown(planted, OTHER_USER, OTHER_USER)
    message = refused(db)
    assert str(planted) in message and "another user" in message
    assert planted.read_bytes() == b""  # no secret was written into the plant
    assert planted.lstat().st_uid == OTHER_USER and mode(planted) == 0o666


@pytest.mark.usefixtures("usual_umask")
def test_in_a_shared_sticky_directory_every_file_is_ours_and_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # noqa: S103 (like /tmp)
    db = shared / "sandbox.sqlite3"
    for _opening in ("new", "again"):
        box = create_sandbox(SandboxOptions(db_path=db))
        try:
            present = [p for p in [db, *(sibling(db, s) for s in SIBLINGS)] if p.exists()]
            assert sibling(db, "-wal") in present and sibling(db, "-shm") in present
            for path in present:  # while it runs, as another user would find them
                info = path.lstat()
                assert stat.S_ISREG(info.st_mode) and mode(path) == 0o600, path
                assert info.st_uid == os.geteuid(), path
        finally:
            box.close()


def test_a_directory_others_can_write_to_is_refused_unless_sticky(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # noqa: S103 (anyone could swap the files after our checks)
    message = refused(shared / "sandbox.sqlite3")
    assert str(shared) in message and "other users" in message
    assert not (shared / "sandbox.sqlite3").exists()


def test_a_loose_leftover_of_ours_beside_the_database_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    create_sandbox(SandboxOptions(db_path=db)).close()
    wal = sibling(db, "-wal")
    wal.write_bytes(b"\0" * 64)  # left by a crash, readable by all (an older version's umask)
    os.chmod(wal, 0o644)
    box = create_sandbox(SandboxOptions(db_path=db))
    try:
        assert mode(wal) == 0o600
    finally:
        box.close()


def test_a_hard_linked_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    create_sandbox(SandboxOptions(db_path=db)).close()
    os.link(db, tmp_path / "another-name")
    message = refused(db)
    assert str(db) in message and "link" in message


def _unix_socket(path: Path) -> socket.socket:
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(str(path))
    return listening


@pytest.mark.parametrize("kind", ["socket", "directory", "fifo"])
def test_what_is_not_a_regular_file_is_refused_untouched_and_without_waiting(
        tmp_path: Path, kind: str) -> None:
    db = tmp_path / "sandbox.sqlite3"
    held = None
    if kind == "socket":  # like /dev/null, which the old code chmodded
        held = _unix_socket(db)
    elif kind == "directory":
        db.mkdir()
    else:
        os.mkfifo(db)
    os.chmod(db, 0o755)  # noqa: S103 (loose, so a chmod of it would show)
    outcome: list[BaseException | None] = []

    def open_it() -> None:
        try:
            create_sandbox(SandboxOptions(db_path=db)).close()
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=open_it, daemon=True)
    worker.start()
    worker.join(timeout=30)  # a FIFO must not be waited on; 30 s is generous on any machine
    try:
        assert outcome, "opening the database blocked"
        assert isinstance(outcome[0], OpenRushError), outcome
        assert str(db) in str(outcome[0]) and "not a regular file" in str(outcome[0])
        assert mode(db) == 0o755
    finally:
        if held is not None:
            held.close()
