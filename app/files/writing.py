"""Creating and rewriting files: atomic, private from the first byte, never through a link.

`NewFile` (streamed content) and `write_file` (content at hand) are the two ways to write.

Every write builds the new content in a temporary file made by `_temporary`: in the target's
own directory (so the final rename is atomic), under an unpredictable name, with
``O_CREAT | O_EXCL | O_NOFOLLOW`` (a name planted in advance, a symlink or a FIFO, makes the
open fail instead of being written through), mode 0600. Only when the content is complete and
synced is it renamed onto the target:

- ``overwrite=True``: `os.replace`, which replaces a symlink at the target rather than writing
  where it points; with `expect`, only if the target is still the version that was read.
- ``overwrite=False``: `os.link` then unlink, which fails on any existing name (a dangling
  symlink included) at the moment of the rename, so "never overwrite" holds even when another
  process created the file after we looked. (Where the file system has no hard links, a look
  just before `os.rename` is the best there is.)

On any failure the temporary file is removed and a `LocalFileError` says which file could not
be written and that nothing was changed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from openrush_tui.files.errors import LocalFileError, why
from openrush_tui.files.reading import Stamp, stamp_of
from openrush_tui.text.paths import display_path

_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
TEMPORARY_SUFFIX: Final = ".tmp"


class _Unchecked:
    """`expect`'s default: replace whatever is there."""


UNCHECKED: Final = _Unchecked()
Expectation = Stamp | None | _Unchecked  # a version of the file; None: that it is absent


class FileChanged(LocalFileError):
    """The file is no longer what was read: another program wrote it meanwhile."""


class FileExists(LocalFileError):
    """A file that must not be overwritten is there."""


def temporary_name(path: Path) -> Path:
    """An unpredictable hidden name beside `path` (`leftover_temporaries` finds them)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}{TEMPORARY_SUFFIX}")


def leftover_temporaries(path: Path) -> list[Path]:
    """Temporary copies of `path` left by a write that was killed half-way (they may hold
    keys). Only meaningful under the directory's lock: then no write is under way."""
    try:
        return sorted(path.parent.glob(f".{path.name}.*{TEMPORARY_SUFFIX}"))
    except OSError:
        return []


def _cannot_write(path: Path, exc: OSError) -> LocalFileError:
    return LocalFileError(f"Could not write {display_path(path)} ({why(exc)}); nothing was "
                          "changed", "Check that the folder is writable and the disk not full.")


def _temporary(path: Path, mode: int) -> tuple[Path, int]:
    """A new temporary file beside `path`, open for writing, with exactly `mode`."""
    for _ in range(8):  # a clash of 64 random bits is a planted name: try another
        temporary = temporary_name(path)
        try:
            descriptor = os.open(temporary, _FLAGS, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        try:
            os.fchmod(descriptor, mode)  # ours and new: the umask may have narrowed it
        except OSError:
            os.close(descriptor)
            temporary.unlink(missing_ok=True)
            raise
        return temporary, descriptor
    raise LocalFileError(f"Could not write {display_path(path)}: its folder is full of "
                         "names planted in advance", "Check who else writes to that folder.")


def _check_expectation(path: Path, expect: Expectation) -> None:
    if isinstance(expect, _Unchecked):
        return
    if stamp_of(path) != expect:
        raise FileChanged(f"{display_path(path)} changed while this tool was using it; "
                          "nothing was written", "Look at it again, then retry.")


def _link_new(temporary: Path, path: Path) -> bool:
    """Give `temporary` the name `path` only if that name is free; False when it is taken."""
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                             errno.EXDEV, errno.ENOSYS):
            raise
        if os.path.lexists(path):  # no hard links here: the best check there is
            return False
        os.rename(temporary, path)
        return True
    os.unlink(temporary)
    return True


def numbered(path: Path) -> Iterator[Path]:
    """`path`, then ``name-2.ext``, ``name-3.ext``… (for `NewFile`'s `another_name`)."""
    yield path
    for number in range(2, 1000):
        yield path.with_name(f"{path.stem}-{number}{path.suffix}")


class NewFile:
    """Write a file's new content; it appears (or replaces the old) only when complete.

    ``with NewFile(path) as new: new.handle.write(…)``; afterwards `new.path` is where the
    file landed. Text is UTF-8 with newlines written as given; `binary` for bytes.

    - ``overwrite=True`` replaces what is there (only the version `expect` names, if given:
      FileChanged otherwise).
    - ``overwrite=False`` never replaces anything: FileExists, decided at the rename itself;
      with ``another_name=True`` the next free name of `numbered` is taken instead (two
      exports in one minute).

    On an exception the temporary file is removed and the target is as it was; an OSError
    becomes a LocalFileError naming the file.
    """

    def __init__(self, path: Path, *, mode: int = 0o600, overwrite: bool = True,
                 expect: Expectation = UNCHECKED, another_name: bool = False,
                 binary: bool = False) -> None:
        self.path = path
        self._mode, self._overwrite, self._expect = mode, overwrite, expect
        self._another_name, self._binary = another_name, binary
        self._temporary: Path | None = None
        self.handle: IO[Any]

    def __enter__(self) -> NewFile:
        self._temporary, descriptor = _temporary(self.path, self._mode)
        try:
            self.handle = (os.fdopen(descriptor, "wb") if self._binary
                           else os.fdopen(descriptor, "w", encoding="utf-8", newline=""))
        except BaseException:
            os.close(descriptor)
            self._discard()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: object) -> None:
        try:
            with self.handle:
                if kind is None:
                    self.handle.flush()
                    os.fsync(self.handle.fileno())
            if kind is None and self._temporary is not None:
                self._commit(self._temporary)
        except BaseException as problem:
            self._discard()
            if isinstance(problem, OSError):
                raise _cannot_write(self.path, problem) from None
            raise
        if kind is not None:
            self._discard()

    def _commit(self, temporary: Path) -> None:
        if self._overwrite:
            _check_expectation(self.path, self._expect)
            os.replace(temporary, self.path)
            return
        for candidate in (numbered(self.path) if self._another_name else (self.path,)):
            if _link_new(temporary, candidate):
                self.path = candidate
                return
        raise FileExists(f"{display_path(self.path)} already exists; it was not overwritten",
                         "Choose another name, or move the file away.")

    def _discard(self) -> None:
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                self._temporary.unlink()


def write_file(path: Path, content: str | bytes, *, mode: int = 0o600, overwrite: bool = True,
               expect: Expectation = UNCHECKED) -> None:
    """Write `content` to `path` atomically (see `new_file`)."""
    with NewFile(path, binary=isinstance(content, bytes), mode=mode, overwrite=overwrite,
                 expect=expect) as new:
        new.handle.write(content)


def create_exclusive(path: Path, content: bytes, *, mode: int = 0o600) -> bool:
    """Create `path` with `content`, atomically, only if no name is there (a symlink
    included); False when the name is taken. LocalFileError when it cannot be written."""
    try:
        write_file(path, content, mode=mode, overwrite=False)
    except FileExists:
        return False
    return True


def rewrite(path: Path, content: str | bytes, *, expect: Stamp) -> None:
    """Replace the file at `path`, still the version `expect` (what was read), with `content`,
    keeping its permission bits (a person's 0644 config stays 0644).

    The mode is given to our own new temporary file (`fchmod`), never set on the file that is
    there; set-id and sticky bits are not carried over (a rewritten file is data). FileChanged
    when `path` is not `expect` any more, checked before and again at the rename, so a file
    changed, chmodded or swapped for a symlink meanwhile stays as it is.
    """
    _check_expectation(path, expect)
    try:
        mode = stat.S_IMODE(os.lstat(path).st_mode) & 0o777
    except FileNotFoundError:  # removed since the check: `write_file`'s own check says so
        mode = 0o600
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    # A mode read from a newer version is never used: that version fails `expect` below.
    write_file(path, content, mode=mode, expect=expect)


def remove(path: Path) -> bool:
    """Delete `path` (a link itself, never its target); False when it was not there."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise LocalFileError(f"Could not remove {display_path(path)} ({why(exc)})",
                             "Check that its folder is writable.") from None
    return True


# ------------------------------------------------------------------ folders


def check_private_dir(directory: Path) -> bool:
    """True when `directory` exists and is ours alone; False when it does not exist yet.

    A symlink, a non-directory, another user's folder, or one that others may write to is
    refused with the fix (never followed, never chmodded). One that others may only list
    (0755, made by hand) is used: every file in it is 0600.
    """
    shown = display_path(directory)
    try:
        info = directory.lstat()
    except FileNotFoundError:
        return False
    except OSError as exc:  # e.g. a parent that is a regular file
        raise LocalFileError(f"{shown} cannot be used ({why(exc)})",
                             f"Check the path; this tool keeps its keys in {directory}.") \
            from None
    if stat.S_ISLNK(info.st_mode):
        raise LocalFileError(
            f"{shown} is a symbolic link, and keys are kept only in a real directory",
            f"Replace it with a directory of your own: rm {directory} (its target is not "
            "touched), then sign in again.")
    if not stat.S_ISDIR(info.st_mode):
        raise LocalFileError(f"{shown} is not a directory",
                             f"Move it away (mv {directory} {directory}.old) and sign in again.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise LocalFileError(f"{shown} belongs to another user",
                             "Move it away (it is not yours to use), then sign in again.")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:  # others could swap our files for theirs (its files are 0600 anyway)
        raise LocalFileError(
            f"{shown} can be written by other users (mode {mode:04o}), so it was not used",
            f"Fix it with: chmod 700 {directory}")
    return True


def ensure_private_dir(directory: Path) -> None:
    """`directory` as a 0700 directory of ours, created (with its parents) when missing."""
    if check_private_dir(directory):
        return
    make_dirs(directory)
    check_private_dir(directory)


def make_folder_private(folder: Path) -> None:
    """0700 on a folder of ours: one we have just made (mkdir's mode is narrowed by the
    umask), or the sandbox's own default folder. Through a descriptor opened without
    following links, so a folder swapped for a symlink meanwhile is not what gets the mode."""
    if not hasattr(os, "fchmod"):  # Windows before 3.13: modes mean little there
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                         | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(descriptor, 0o700)
    finally:
        os.close(descriptor)


def make_dirs(directory: Path) -> None:
    """Create `directory` and its missing parents, each 0700 whatever the umask (they may hold
    keys); folders that exist are left exactly as they are."""
    missing = []
    while not os.path.lexists(directory) and directory.parent != directory:
        missing.append(directory)
        directory = directory.parent
    try:
        for folder in reversed(missing):
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:  # a concurrent command made it: theirs, left as it is
                continue
            make_folder_private(folder)
    except OSError as exc:
        raise LocalFileError(f"Could not create {display_path(missing[0])} ({why(exc)})",
                             "Check that its parent folder is writable.") from None
