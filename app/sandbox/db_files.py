"""The sandbox database's files: vetted before SQLite opens them, checked again after.

The database holds the session-signing secret, and SQLite writes pages of it into `-wal` (and
plays back a hot `-journal`) beside the file, opening those by name. So before SQLite opens
anything, `claim_files` makes sure that the file and those siblings are this user's own
regular files, 0600, never a symlink, a device, a hard link or another user's plant, and
that nobody else can swap them: a folder others may write to is refused unless sticky (like
/tmp), and there the siblings are created first, exclusively, so no one else can take their
names. After SQLite has opened them they are checked again (`check_claim`). With `store.py`,
the only place of the sandbox that opens or chmods files (tests/test_files_guard.py): SQLite's
files are not `openrush_tui.files`' to write.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from openrush_tui.errors import OpenRushError
from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.writing import make_dirs, make_folder_private
from openrush_tui.text.safe import visible

SIBLINGS = ("-wal", "-shm", "-journal")  # what SQLite opens by name beside the database
_NEW = os.O_RDONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
# Never follows a link, never waits on a FIFO: the file was lstat-ed as regular just before.
_EXISTING = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_ELSEWHERE = "Pick a file in a folder of your own with --db"
_RETRY = "Try again, or pick a file in a folder of your own with --db"
_WRITABLE = "Pick a file in a folder you can write to with --db"


class DatabaseFileError(OpenRushError):
    """The database, a file SQLite keeps beside it, or its folder cannot be used safely.

    An OpenRushError, so `sandbox serve` prints it as one line and the dashboard shows it."""


def _shown(path: Path) -> str:
    return visible(str(path))


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _owner() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None  # None: no owners (Windows)


def _private_group(gid: int) -> bool:
    """A user-private group (Debian, Ubuntu, Fedora: umask 002), named after us and with no
    one else in it: its write bit lets no other user in."""
    try:
        # lazy: not on Windows
        import grp
        import pwd

        name = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(gid)
    except (ImportError, KeyError, OSError):
        return False
    return group.gr_name == name and set(group.gr_mem) <= {name}


def _others_can_write(info: os.stat_result) -> bool:
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        return True
    return bool(mode & stat.S_IWGRP) and not _private_group(info.st_gid)


def _make_folders(directory: Path) -> None:
    """`directory` and its missing parents, each 0700 whatever the umask; existing ones as
    they are (`files.writing.make_dirs`), its failure said as this module's error."""
    try:
        make_dirs(directory)
    except LocalFileError as exc:
        raise DatabaseFileError(exc.message, _WRITABLE) from None


def _fchmod(descriptor: int, mode: int) -> None:
    if hasattr(os, "fchmod"):  # not on Windows before 3.13, where modes mean little anyway
        os.fchmod(descriptor, mode)


def _check_folder(directory: Path, *, own_directory: bool) -> bool:
    """Whether others may write to `directory` (then it is sticky: they cannot remove or
    rename our files). A folder of another user, or one others may write to that is not
    sticky, is refused. `own_directory` (the default location, ours alone): an older,
    looser one of ours is tightened to 0700."""
    try:
        info = directory.stat()  # a folder reached through a link the user named is theirs
    except OSError as exc:
        raise DatabaseFileError(f"Cannot use the folder {_shown(directory)} ({exc.strerror})",
                                _ELSEWHERE) from None
    if not stat.S_ISDIR(info.st_mode):
        raise DatabaseFileError(f"{_shown(directory)} is not a folder", _ELSEWHERE)
    me = _owner()
    if me is None:
        return False
    if info.st_uid not in (me, 0):
        raise DatabaseFileError(f"The folder {_shown(directory)} belongs to another user, who "
                                "could swap the sandbox's files", _ELSEWHERE)
    if own_directory and info.st_uid == me and stat.S_IMODE(info.st_mode) & 0o077 \
            and directory.lstat().st_ino == info.st_ino:
        make_folder_private(directory)  # ours alone (our default location), made looser
        return False
    if not _others_can_write(info):
        return False
    if not info.st_mode & stat.S_ISVTX:
        raise DatabaseFileError(
            f"The folder {_shown(directory)} can be written by other users, who could swap "
            "the sandbox's files for their own", _ELSEWHERE + " (mkdir -m 700 DIR)")
    return True


def _check_file(path: Path, info: os.stat_result) -> None:
    """A regular file of ours with one name, whatever is at `path`, else refused."""
    if stat.S_ISLNK(info.st_mode):
        raise DatabaseFileError(
            f"{_shown(path)} is a symbolic link, which the sandbox does not follow",
            f"Give --db the real file's path, or remove the link (rm {_shown(path)})")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseFileError(f"{_shown(path)} is not a regular file, so it was not touched",
                                _ELSEWHERE)
    me = _owner()
    if me is not None and info.st_uid != me:
        raise DatabaseFileError(
            f"{_shown(path)} belongs to another user (planted, perhaps, to read the "
            "sandbox's secrets), so it was not touched", _ELSEWHERE)
    if info.st_nlink > 1:
        raise DatabaseFileError(f"{_shown(path)} has other hard links, through which others "
                                "might read it", f"Copy it (cp {_shown(path)} NEW) and "
                                "give --db the copy")


def _claim_file(path: Path, *, create: bool) -> tuple[int, int] | None:
    """`path` as a private regular file of ours: (st_dev, st_ino), or None when it does not
    exist and `create` is False. A new one is created exclusively, 0600; an existing one
    is vetted (`_check_file`) without following a link or waiting on a FIFO, and, being ours,
    has its group and other bits taken away."""
    if create:
        try:
            descriptor = os.open(path, _NEW, 0o600)
        except FileExistsError:
            pass
        except OSError as exc:
            raise DatabaseFileError(f"Cannot create {_shown(path)} ({exc.strerror})",
                                    _WRITABLE) from None
        else:
            try:
                _fchmod(descriptor, 0o600)  # ours and new: whatever the umask left
                info = os.fstat(descriptor)
            finally:
                os.close(descriptor)
            return info.st_dev, info.st_ino
    try:
        before = path.lstat()
    except FileNotFoundError:
        if create:  # removed between our two calls
            raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                    _RETRY) from None
        return None
    except OSError as exc:
        raise DatabaseFileError(f"Cannot use {_shown(path)} ({exc.strerror})",
                                _ELSEWHERE) from None
    _check_file(path, before)
    try:
        descriptor = os.open(path, _EXISTING)
    except OSError as exc:
        raise DatabaseFileError(f"Cannot open {_shown(path)} ({exc.strerror})",
                                _ELSEWHERE) from None
    try:
        info = os.fstat(descriptor)
        if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
            raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                    _RETRY)
        _check_file(path, info)
        if stat.S_IMODE(info.st_mode) & 0o077:
            _fchmod(descriptor, stat.S_IMODE(info.st_mode) & 0o700)
    finally:
        os.close(descriptor)
    return info.st_dev, info.st_ino


def claim_files(path: Path, *, own_directory: bool) -> tuple[int, int]:
    """Make `path` and the files SQLite keeps beside it safe to open (see the module's
    docstring); the database's (st_dev, st_ino), for `check_claim`. Our descriptors are
    closed before SQLite opens the files: closing one while SQLite holds its POSIX locks on
    the same file would drop those locks."""
    _make_folders(path.parent)
    shared = _check_folder(path.parent, own_directory=own_directory)
    identity = _claim_file(path, create=True)
    assert identity is not None  # noqa: S101 (create=True always gives one)
    for suffix in SIBLINGS:
        # In a shared folder, names left free could be taken by others before SQLite
        # creates them (it does not create exclusively); ours, empty, are what it expects.
        _claim_file(_sibling(path, suffix), create=shared)
    return identity


def check_claim(path: Path, identity: tuple[int, int]) -> None:
    """After SQLite opened them: the database is still the file vetted, and whatever SQLite
    keeps beside it is ours, regular and private."""
    try:
        now = path.lstat()
    except OSError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != identity:
        raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                _RETRY)
    for suffix in SIBLINGS:
        sibling = _sibling(path, suffix)
        try:
            info = sibling.lstat()
        except FileNotFoundError:
            continue
        _check_file(sibling, info)
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise DatabaseFileError(f"{_shown(sibling)} is readable by others", _ELSEWHERE)
