"""Reading a file that someone else may have put there: never blocking, never unbounded.

`open(path)` on a FIFO waits for a writer forever, and on a device such as ``/dev/zero`` reads
forever; a config path is the user's (or an attacker's) to fill. So every read here opens the
file non-blocking, asks `fstat` whether it is a regular file before reading, and stops at a
size cap. `Stamp` identifies what was read, so a later write can check that the file did not
change underneath (another terminal, an editor).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from openrush_tui.files.errors import LocalFileError, why
from openrush_tui.text.paths import display_path

DEFAULT_LIMIT = 16 * 1024 * 1024  # far beyond any config, settings or credentials file


class NotRegularFile(LocalFileError):
    """A FIFO, a device, a socket or a directory where a file was expected."""


class TooLarge(LocalFileError):
    """A file beyond the size this program reads."""


@dataclass(frozen=True)
class Stamp:
    """What identifies one version of a file: same inode, size and change time."""

    device: int
    inode: int
    size: int
    changed_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> Stamp:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_ctime_ns)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path | str, *, follow_symlinks: bool = True) -> int:
    """A descriptor open for reading on the regular file at `path`.

    FileNotFoundError when nothing is there (callers often treat that as "empty");
    NotRegularFile for anything but a regular file (a symlink too, unless `follow_symlinks`);
    LocalFileError for any other refusal by the OS, in words. (A str `path` spares a walk
    of a tree building a Path per file: `keys scan`.)
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise NotRegularFile(f"{display_path(Path(path))} is a symbolic link, which this tool "
                                 "does not follow here",
                                 f"Replace it with the file itself (rm {path}).") from None
        if isinstance(exc, IsADirectoryError):
            raise NotRegularFile(f"{display_path(Path(path))} is a directory, not a file",
                                 "Move it away, or name a file.") from None
        raise LocalFileError(f"{display_path(Path(path))} cannot be read ({why(exc)})",
                             "Check its permissions.") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{display_path(Path(path))} is {_kind(info.st_mode)}, not a file",
                                 "Move it away, or name a regular file.")
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_bytes(path: Path, *, limit: int = DEFAULT_LIMIT,
               follow_symlinks: bool = True) -> tuple[bytes, Stamp]:
    """The content of the regular file at `path` and its `Stamp`.

    FileNotFoundError when absent; TooLarge past `limit` bytes; NotRegularFile or
    LocalFileError otherwise (see `open_regular`).
    """
    descriptor = open_regular(path, follow_symlinks=follow_symlinks)
    try:
        info = os.fstat(descriptor)
        if info.st_size > limit:
            raise TooLarge(f"{display_path(path)} is too large to read "
                           f"({info.st_size:,} bytes; at most {limit:,})",
                           "Move it away, or name a smaller file.")
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(descriptor, 1024 * 1024)
            except BlockingIOError:  # a regular file never does this; be sure anyway
                chunk = b""
            except OSError as exc:
                raise LocalFileError(f"{display_path(path)} cannot be read ({why(exc)})",
                                     "Check the file and the disk.") from None
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while we read it
                raise TooLarge(f"{display_path(path)} is too large to read (over {limit:,} "
                               "bytes)", "Move it away, or name a smaller file.")
            chunks.append(chunk)
        return b"".join(chunks), Stamp.of(info)
    finally:
        os.close(descriptor)


def read_text(path: Path, *, limit: int = DEFAULT_LIMIT, follow_symlinks: bool = True,
              newline_exact: bool = True) -> tuple[str, Stamp]:
    """`read_bytes` decoded as UTF-8 (a BOM is kept as read); LocalFileError if it is not
    UTF-8. Line endings stay as they are (CRLF stays CRLF) unless `newline_exact` is False."""
    data, stamp = read_bytes(path, limit=limit, follow_symlinks=follow_symlinks)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LocalFileError(f"{display_path(path)} is not UTF-8 text; it was left untouched",
                             "Convert it to UTF-8 or move it away.") from None
    if not newline_exact:
        text = text.replace("\r\n", "\n")
    return text, stamp


def stamp_of(path: Path) -> Stamp | None:
    """The `Stamp` of what is at `path` now (not following a symlink); None when nothing is."""
    try:
        return Stamp.of(os.lstat(path))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LocalFileError(f"{display_path(path)} cannot be checked ({why(exc)})",
                             "Check its permissions.") from None
