"""A lock for read-modify-write: an flock on a file of ours, given up after a timeout.

Two terminals on one profile (a login and a logout, two `agents install`) must not lose each
other's writes, so every read-modify-write holds a lock; and a lock that another process keeps
(or a FIFO planted at the lock's name) must not hang a command forever, so taking it polls
until `timeout` and then says who to look for.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from openrush_tui.files.errors import LocalFileError, why
from openrush_tui.text.paths import display_path

LOCK_TIMEOUT = 10.0  # seconds: far beyond any write of ours, short enough to say so
_POLL = 0.05


class LockTimeout(LocalFileError):
    """Another process has held the lock for longer than we wait."""


# Locks this thread holds, so that a function holding one may call another that takes it
# (signing out holds the lock across the keyring and the file, whose update takes it too).
# Another thread or process still waits: flock conflicts between descriptors.
_held = threading.local()


def _holding() -> dict[str, int]:
    if not hasattr(_held, "paths"):
        _held.paths = {}
    paths: dict[str, int] = _held.paths  # a threading.local's attributes are untyped
    return paths


@contextlib.contextmanager
def locked(lock_path: Path, *, timeout: float | None = None,
           sleep: Callable[[float], None] = time.sleep,
           clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Hold the exclusive lock at `lock_path` (a small 0600 file, created when missing).

    LockTimeout after `timeout` seconds of someone else holding it; LocalFileError when the
    name holds anything but a regular file of ours. Without flock (Windows) it does nothing.
    Re-entrant within one thread.
    """
    try:
        # lazy: not on Windows
        import fcntl
    except ImportError:  # Windows: no flock; commands there run one at a time in practice
        yield
        return
    held, name = _holding(), os.path.abspath(lock_path)
    if held.get(name):
        held[name] += 1
        try:
            yield
        finally:
            held[name] -= 1
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    shown = display_path(lock_path)
    try:
        descriptor = os.open(lock_path, flags, 0o600)
    except OSError as exc:
        raise LocalFileError(f"Could not lock {shown} ({why(exc)})",
                             f"Remove it if no other openrush-tui is running (rm {lock_path}).") \
            from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid")
                                              and info.st_uid != os.getuid()):
            raise LocalFileError(f"{shown} is not a lock file of this tool",
                                 f"Remove it (rm {lock_path}) and try again.")
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    raise LockTimeout(
                        f"{shown} has been locked by another process for {timeout:g} s",
                        "Another openrush-tui (a login, a logout, an install) may be "
                        "waiting for input: finish or stop it, then try again.") from None
                sleep(_POLL)
        held[name] = 1
        try:
            yield
        finally:
            held.pop(name, None)
    finally:
        os.close(descriptor)  # closing releases the lock
