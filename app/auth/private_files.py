"""Small files only this user may read: the config directory (0700) and atomic 0600 writes.

The rules, stated once (README, "Reliability"):

- The directory must be a real directory owned by this user: a symlink or another user's
  directory is refused with the fix, never followed or chmodded. Missing directories (parents
  included) are created 0700 whatever the umask.
- A file is never world-readable, not even for a moment: the new content goes into a temporary
  file created with mode 0600 by the same `open` call (O_CREAT | O_EXCL), in the same 0700
  directory, and then replaces the old file in one `os.replace`.
- Every read-modify-write (`update_private_json`) holds the directory's lock, so two commands at
  once (two logins, a login and a logout) never lose or resurrect an entry.
- What is read is checked: a file of the wrong shape, or one the OS will not let us read, is a
  `PrivateFileError` naming the file and the fix, never an AttributeError or an OSError.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from openrush_tui.errors import OpenRushError
from openrush_tui.text.paths import display_path

T = TypeVar("T")
LOCK_NAME = ".lock"


class PrivateFileError(OpenRushError):
    """A private file that cannot be used safely; the message says how to fix it.

    An OpenRushError so that every command prints it as one line, like the API's errors.
    """


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_private_dir(directory: Path) -> bool:
    """True when `directory` exists and is ours alone; False when it does not exist yet."""
    shown = display_path(directory)
    try:
        info = directory.lstat()
    except FileNotFoundError:
        return False
    except OSError as exc:  # e.g. a parent that is a regular file
        raise PrivateFileError(f"{shown} cannot be used ({_why(exc)})",
                               f"Check the path; this tool keeps its keys in {directory}.") \
            from None
    if stat.S_ISLNK(info.st_mode):
        raise PrivateFileError(
            f"{shown} is a symbolic link, and keys are kept only in a real directory",
            f"Replace it with a directory of your own: rm {directory} (its target is not "
            "touched), then sign in again.")
    if not stat.S_ISDIR(info.st_mode):
        raise PrivateFileError(f"{shown} is not a directory",
                               f"Move it away (mv {directory} {directory}.old) and sign in again.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PrivateFileError(f"{shown} belongs to another user",
                               "Move it away (it is not yours to use), then sign in again.")
    return True


def ensure_private_dir(directory: Path) -> None:
    """`directory` as a 0700 directory of ours, created (with its parents) when missing."""
    if check_private_dir(directory):
        # Ours; tighten it if something created it with wider permissions.
        if stat.S_IMODE(directory.stat().st_mode) != 0o700:
            directory.chmod(0o700)
        return
    missing = [directory]
    while not missing[-1].parent.exists() and missing[-1].parent != missing[-1]:
        missing.append(missing[-1].parent)
    try:
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # a concurrent command made it
                folder.mkdir(mode=0o700)
                folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    except OSError as exc:
        raise PrivateFileError(f"Could not create {display_path(directory)} ({_why(exc)})",
                               "Check that your home directory is writable.") from None
    check_private_dir(directory)


def check_private(path: Path) -> None:
    """Refuse a file that others could read or write, or that is not ours."""
    info = path.lstat()
    shown = display_path(path)
    if not stat.S_ISREG(info.st_mode):
        raise PrivateFileError(f"{shown} is not a regular file; remove it and sign in again.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PrivateFileError(f"{shown} belongs to another user; remove it and sign in again.")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise PrivateFileError(
            f"{shown} can be read by other users (mode {mode:04o}), so it was not used. "
            f"Fix it with: chmod 600 {path}"
        )


def not_ours(path: Path, problem: str) -> PrivateFileError:
    """A file of a shape this tool never writes: name it and say how to start afresh."""
    return PrivateFileError(f"{display_path(path)} is not what this tool writes ({problem})",
                            f"Remove it (rm {path}) and sign in again.")


def read_private_json(path: Path, *, loose_mode_ok: bool = False) -> dict[str, Any] | None:
    """The JSON object in `path`, None when absent; PrivateFileError if unsafe or unreadable.

    `loose_mode_ok` reads a file others can read too (to remove a key from it, not to use it).
    """
    if not check_private_dir(path.parent):
        return None
    try:
        check_private(path)
    except FileNotFoundError:
        return None
    except PrivateFileError:
        if not loose_mode_ok or not path.is_file() or path.is_symlink():
            raise
    except OSError as exc:
        raise PrivateFileError(f"{display_path(path)} cannot be read ({_why(exc)})",
                               "Check its permissions.") from None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PrivateFileError(f"{display_path(path)} cannot be read ({_why(exc)})",
                               "Check its permissions.") from None
    except (ValueError, RecursionError):
        raise PrivateFileError(
            f"{display_path(path)} could not be read as JSON",
            f"Remove it (rm {path}) and sign in again.") from None
    if not isinstance(data, dict):
        raise not_ours(path, "not a JSON object")
    return data


def entries(data: dict[str, Any], path: Path, field: str) -> dict[str, dict[str, Any]]:
    """``data["profiles"]``: profile name → an object holding `field` as a string."""
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise not_ours(path, "“profiles” is not an object")
    for name, entry in profiles.items():
        if not isinstance(entry, dict) or not isinstance(entry.get(field, ""), str):
            raise not_ours(path, f"the profile “{name}” has no {field} text")
    return profiles


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` atomically, 0600 from the first byte, in a 0700 directory."""
    ensure_private_dir(path.parent)
    import secrets  # only when writing; kept off the dashboard's start-up path

    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(temporary, flags, 0o600)
    except OSError as exc:
        raise PrivateFileError(f"Could not write {display_path(path)} ({_why(exc)})",
                               "Check that the config directory is writable.") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PrivateFileError(f"Could not write {display_path(path)} ({_why(exc)})",
                                   "Check that the config directory is writable.") from None
        raise


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the config directory's lock (an flock on ``.lock``; none where flock is missing)."""
    ensure_private_dir(directory)
    try:
        import fcntl
    except ImportError:  # Windows: no flock; commands there run one at a time in practice
        yield
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(directory / LOCK_NAME, flags, 0o600)
    except OSError as exc:
        raise PrivateFileError(f"Could not lock {display_path(directory)} ({_why(exc)})",
                               "Check that the config directory is writable.") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def update_private_json(path: Path, change: Callable[[dict[str, Any]], T], *,
                        loose_mode_ok: bool = False) -> T:
    """Read, `change` in place, and write back (removing the file when it ends up empty), all
    under the directory's lock. `change` returns what the caller wants to know."""
    with locked(path.parent):
        data = read_private_json(path, loose_mode_ok=loose_mode_ok) or {}
        before = json.dumps(data, sort_keys=True)
        result = change(data)
        if json.dumps(data, sort_keys=True) != before:
            if data:
                write_private_json(path, data)  # a new 0600 file, whatever the old mode
            else:
                remove(path)
        return result


def leftover_temporaries(path: Path) -> list[Path]:
    """Temporary copies of `path` left by a write that was killed half-way (they may hold keys).
    Only meaningful under `locked`: then no write is under way."""
    try:
        return sorted(path.parent.glob(f".{path.name}.*.tmp"))
    except OSError:
        return []


def remove(path: Path) -> bool:
    """Delete `path`; False when it was not there. PrivateFileError when it cannot be."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PrivateFileError(f"Could not remove {display_path(path)} ({_why(exc)})",
                               "Check that the config directory is writable.") from None
    return True
