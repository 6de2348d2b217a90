"""Small JSON files only this user may read: the credential store, the settings, the profiles.

Built on the rest of the package: the directory is `writing.ensure_private_dir` (0700, ours,
refused with the fix otherwise), a file is never world-readable, not even for a moment
(`writing.write_file`, 0600 from the first byte), and every read-modify-write
(`update_private_json`) holds the directory's lock (`locks.locked`, with a timeout) and
replaces the file only if it is still the version it read. What is read is checked: a file of
the wrong shape, an unsafe one, or one the OS will not let us read is a `PrivateFileError`
naming the file and the fix, never an AttributeError or an OSError.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from openrush_tui.files import strict_json
from openrush_tui.files.errors import LocalFileError, why
from openrush_tui.files.locks import locked as _locked
from openrush_tui.files.reading import Stamp, read_bytes
from openrush_tui.files.writing import (
    check_private_dir,
    ensure_private_dir,
    leftover_temporaries,
    remove,
    write_file,
)
from openrush_tui.text.paths import display_path

__all__ = [
    "LOCK_NAME",
    "PrivateFileError",
    "check_private",
    "check_private_dir",
    "ensure_private_dir",
    "entries",
    "leftover_temporaries",
    "locked",
    "not_ours",
    "read_private_json",
    "remove",
    "update_private_json",
    "write_private_json",
]

T = TypeVar("T")
LOCK_NAME = ".lock"
PrivateFileError = LocalFileError  # the name the credential store's callers know


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


def _read(path: Path, loose_mode_ok: bool) -> tuple[dict[str, Any] | None, Stamp | None]:
    if not check_private_dir(path.parent):
        return None, None
    try:
        check_private(path)
    except FileNotFoundError:
        return None, None
    except PrivateFileError:
        if not loose_mode_ok or not path.is_file() or path.is_symlink():
            raise
    except OSError as exc:
        raise PrivateFileError(f"{display_path(path)} cannot be read ({why(exc)})",
                               "Check its permissions.") from None
    try:
        content, stamp = read_bytes(path, follow_symlinks=False)
    except FileNotFoundError:
        return None, None
    try:
        data = strict_json.loads(content)
    except strict_json.NotStrictJson as exc:
        raise PrivateFileError(f"{display_path(path)} could not be read as JSON ({exc})",
                               f"Remove it (rm {path}) and sign in again.") from None
    if not isinstance(data, dict):
        raise not_ours(path, "not a JSON object")
    return data, stamp


def read_private_json(path: Path, *, loose_mode_ok: bool = False) -> dict[str, Any] | None:
    """The JSON object in `path`, None when absent; PrivateFileError if unsafe or unreadable.

    `loose_mode_ok` reads a file others can read too (to remove a key from it, not to use it).
    """
    return _read(path, loose_mode_ok)[0]


def entries(data: dict[str, Any], path: Path, field: str) -> dict[str, dict[str, Any]]:
    """``data["profiles"]``: profile name → an object holding `field` as a string."""
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise not_ours(path, "“profiles” is not an object")
    for name, entry in profiles.items():
        if not isinstance(entry, dict) or not isinstance(entry.get(field, ""), str):
            raise not_ours(path, f"the profile “{name}” has no {field} text")
    return profiles


def _dumps(data: dict[str, Any]) -> str:
    # allow_nan=False: a value that is not JSON is refused here rather than written as such.
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` atomically, 0600 from the first byte, in a 0700 directory."""
    ensure_private_dir(path.parent)
    write_file(path, _dumps(data))


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the config directory's lock (``.lock`` in it), waiting at most `LOCK_TIMEOUT`."""
    ensure_private_dir(directory)
    with _locked(directory / LOCK_NAME):
        yield


def update_private_json(path: Path, change: Callable[[dict[str, Any]], T], *,
                        loose_mode_ok: bool = False) -> T:
    """Read, `change` in place, and write back (removing the file when it ends up empty), all
    under the directory's lock, replacing only the version that was read. `change` returns
    what the caller wants to know."""
    with locked(path.parent):
        data, stamp = _read(path, loose_mode_ok)
        data = data or {}
        before = json.dumps(data, sort_keys=True)
        result = change(data)
        if json.dumps(data, sort_keys=True) != before:
            if data:
                # A new 0600 file, whatever the old mode; `expect` catches a writer that did
                # not take the lock (an editor, an older version of this tool).
                write_file(path, _dumps(data), expect=stamp)
            else:
                remove(path)
        return result
