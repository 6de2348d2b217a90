"""Small files only this user may read: the config directory (0700) and atomic 0600 writes.

A file is never world-readable, not even for a moment: the new content goes into a temporary
file created with mode 0600 by the same `open` call (O_CREAT | O_EXCL), in the same 0700
directory, and then replaces the old file in one `os.replace`.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from openrush_tui.errors import OpenRushError
from openrush_tui.text.paths import display_path


class PrivateFileError(OpenRushError):
    """A private file that cannot be used safely; the message says how to fix it.

    An OpenRushError so that every command prints it as one line, like the API's errors.
    """


def ensure_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The directory is ours; tighten it if something created it with wider permissions.
    if stat.S_IMODE(directory.stat().st_mode) != 0o700:
        directory.chmod(0o700)


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


def read_private_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, None when absent; PrivateFileError if unsafe or unreadable."""
    try:
        check_private(path)
    except FileNotFoundError:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PrivateFileError(
            f"{display_path(path)} could not be read as JSON; remove it and sign in again."
        ) from None
    if not isinstance(data, dict):
        raise PrivateFileError(f"{display_path(path)} is not what this tool writes; remove it "
                               "and sign in again.")
    return data


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` atomically, 0600 from the first byte, in a 0700 directory."""
    ensure_private_dir(path.parent)
    import secrets  # only when writing; kept off the dashboard's start-up path

    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
