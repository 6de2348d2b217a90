"""Walking a tree the user named (`keys scan`): every folder, whatever its depth or its state.

The rules, each for a case that once ended in a traceback, a hang or a false "clean":

- **No recursion**: an explicit stack, so 2,000 nested folders are just a long path.
- **Nothing unreadable is fatal**: a folder that cannot be listed, or an entry that cannot be
  looked at, becomes an ``unreadable`` entry with the operating system's reason; the caller
  counts it and says the result is incomplete.
- **Symbolic links**: one the user named (a root) is followed, as the user meant; one found
  inside the tree is reported as ``symbolic-link`` and never followed (no loops, no escape).
- **Virtual file systems** (``/proc``, ``/sys``, cgroups…; `VIRTUAL_TYPES`) are not entered:
  their files are the kernel's, endless or blocking, and ``/proc/*/fd`` loops. A root on one
  is reported as ``virtual`` too. Mount points come from ``/proc/self/mountinfo``.
- **Files are read through `reading.open_regular`** (non-blocking, `fstat` first), so a FIFO
  or a device, even one swapped in after the listing, is ``special`` and never waited on; a
  size cap bounds each read.

Speed: the type of each entry comes from the directory listing (``d_type``), so a file costs
no ``lstat``; folders are told apart by their entries' names (a virtualenv by its marker), and
a small file is read with one system call.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Collection, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from openrush_tui.files.errors import LocalFileError, why
from openrush_tui.files.reading import NotRegularFile, TooLarge, open_regular, read_bytes

# "folder": a folder about to be listed (nothing to do but note progress and the time).
Kind = Literal["file", "folder", "symbolic-link", "special", "unreadable", "virtual", "pruned",
               "ignored"]

# Kernel and pseudo file systems: nothing a person wrote lives there.
VIRTUAL_TYPES: Final = frozenset({
    "proc", "sysfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
    "pstore", "bpf", "configfs", "fusectl", "mqueue", "binfmt_misc", "efivarfs", "selinuxfs",
    "nsfs", "autofs", "hugetlbfs", "rpc_pipefs"})
MOUNTINFO: Final = Path("/proc/self/mountinfo")
KEPT_OPEN: Final = 32  # folders deepest in the walk keep their descriptor, for openat
HEAD_BYTES: Final = 64 * 1024  # the first read: most source files whole, in one system call
CHUNK_BYTES: Final = 1024 * 1024
_DIRECTORY_FLAGS: Final = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                           | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing met in the walk. `path` is as reached from the path the user named (the
    file system's bytes decoded as `os.fsdecode` does); `detail` is why an ``unreadable``
    entry could not be read, or the type of a ``virtual`` file system; `named`: a root."""

    path: str
    kind: Kind
    detail: str = ""
    named: bool = False


def virtual_mounts() -> dict[str, str]:
    """Mount point -> file system type, for the virtual ones (`VIRTUAL_TYPES`)."""
    try:
        data, _ = read_bytes(MOUNTINFO)
    except (OSError, LocalFileError):  # not Linux, or /proc is not there: the usual places
        return {"/proc": "proc", "/sys": "sysfs"} if sys.platform.startswith("linux") else {}
    mounts = {}
    for line in os.fsdecode(data).splitlines():
        # "36 35 98:0 /root /mount/point rw,noatime shared:1 - ext4 /dev/sda1 rw": the mount
        # point is the fifth field (spaces written as \040), the type follows the lone "-".
        fields = line.split(" ")
        try:
            fs_type = fields[fields.index("-", 6) + 1]
        except (ValueError, IndexError):
            continue
        if fs_type in VIRTUAL_TYPES:
            mounts[_unescape(fields[4])] = fs_type
    return mounts


def _unescape(field: str) -> str:
    if "\\" not in field:
        return field
    raw = os.fsencode(field)
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] == 0x5C and i + 3 < len(raw) and raw[i + 1:i + 4].isdigit():
            out.append(int(raw[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return os.fsdecode(bytes(out))


def _on_virtual(real: str, mounts: dict[str, str]) -> str | None:
    """The type of the virtual file system `real` (a resolved path) lies on, if any."""
    while True:
        if real in mounts:
            return mounts[real]
        parent = os.path.dirname(real)
        if parent == real:
            return None
        real = parent


def _join(folder: str, name: str) -> str:
    return name if folder == "." else folder + name if folder.endswith("/") \
        else f"{folder}/{name}"


# What a listing says an entry is, before anything is opened: from d_type, no lstat.
_Listed = tuple[str, Kind | Literal["gone"], str]  # (name, an Entry kind or "gone", detail)


@dataclass(slots=True)
class _Folder:
    """A folder being walked: its entries sorted by name, and where the walk is in them."""

    path: str  # as shown
    real: str  # resolved: the key of the mount table
    entries: list[_Listed]
    descriptor: int | None  # open while the folder is among the deepest in the walk
    index: int = 0

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


class _Walk:
    def __init__(self, skip_names: Collection[str], skip_markers: Collection[str],
                 ignore: Collection[tuple[int, int]]) -> None:
        self.skip_names = skip_names
        self.skip_markers = skip_markers
        self.ignore = ignore
        self.ignored_inodes = {inode for _, inode in ignore}
        self.mounts = virtual_mounts()

    def root(self, root: Path) -> Entry | _Folder | None:
        path = str(root)
        try:
            info = os.stat(path)  # a symbolic link the user named is followed
        except FileNotFoundError:
            return None  # `missing` tells the user
        except OSError as error:
            return Entry(path, "unreadable", why(error), named=True)
        fs_type = _on_virtual(os.path.realpath(path), self.mounts)
        if fs_type is not None:
            return Entry(path, "virtual", fs_type, named=True)
        if stat.S_ISDIR(info.st_mode):
            return self.open(path, os.path.realpath(path), None)
        if not stat.S_ISREG(info.st_mode):
            return Entry(path, "special", named=True)
        if (info.st_dev, info.st_ino) in self.ignore:
            return Entry(path, "ignored", named=True)
        return Entry(path, "file", named=True)

    def open(self, path: str, real: str, parent: _Folder | None) -> _Folder | Entry | None:
        """The folder at `path` (a root when `parent` is None), listed and sorted, or why it
        cannot be (None: it is gone)."""
        try:
            if parent is None:  # named by the user: a link is followed
                descriptor = os.open(path, _DIRECTORY_FLAGS)
            else:
                # Not following a link: a folder swapped for one since the listing is not
                # entered. Relative to the parent's descriptor when it has one: the kernel
                # then resolves one name, not a path as long as the tree is deep.
                flags = _DIRECTORY_FLAGS | getattr(os, "O_NOFOLLOW", 0)
                descriptor = (os.open(path, flags) if parent.descriptor is None else
                              os.open(os.path.basename(path), flags, dir_fd=parent.descriptor))
        except FileNotFoundError:
            return None
        except OSError as error:
            if parent is not None and os.path.islink(path):
                return Entry(path, "symbolic-link")
            return Entry(path, "unreadable", why(error))
        try:
            with os.scandir(descriptor) as listing:  # its entries need the descriptor open
                entries = sorted(map(self.listed, listing))
        except OSError as error:
            os.close(descriptor)
            return None if isinstance(error, FileNotFoundError) else \
                Entry(path, "unreadable", why(error))
        return _Folder(path, real, entries, descriptor)

    def listed(self, entry: os.DirEntry[str]) -> _Listed:
        name = entry.name
        try:
            if entry.is_symlink():
                return name, "symbolic-link", ""
            if entry.is_dir(follow_symlinks=False):
                return name, "folder", ""
            if not entry.is_file(follow_symlinks=False):
                return name, "special", ""
            if entry.inode() in self.ignored_inodes:
                info = entry.stat(follow_symlinks=False)
                if (info.st_dev, info.st_ino) in self.ignore:
                    return name, "ignored", ""
        except FileNotFoundError:
            return name, "gone", ""
        except OSError as error:
            return name, "unreadable", why(error)
        return name, "file", ""

    def child(self, folder: _Folder, listed: _Listed) -> Entry | _Folder | None:
        """What an entry of `folder` is: an Entry, a folder to walk, or None when it is gone."""
        name, kind, detail = listed
        path = _join(folder.path, name)
        if kind == "folder":
            return self.subfolder(folder, name, path)
        if kind == "gone":
            return None
        return Entry(path, kind, detail)

    def subfolder(self, parent: _Folder, name: str, path: str) -> Entry | _Folder | None:
        if name in self.skip_names:
            return Entry(path, "pruned")
        real = _join(parent.real, name)
        if real in self.mounts:
            return Entry(path, "virtual", self.mounts[real])
        folder = self.open(path, real, parent)
        if isinstance(folder, _Folder) and any(entry[0] in self.skip_markers
                                               for entry in folder.entries):
            folder.close()
            return Entry(path, "pruned")
        return folder


def walk(roots: Iterable[Path], *, skip_names: Collection[str] = (),
         skip_markers: Collection[str] = (),
         ignore: Iterable[Path] = ()) -> Generator[Entry, None, None]:
    """Every file, and everything not read, under `roots`, depth first in name order.

    Below the roots, a folder named in `skip_names`, or holding an entry named in
    `skip_markers` (``pyvenv.cfg``: a virtualenv), is ``pruned``. A file that is one of
    `ignore` (the same file, by device and inode) is ``ignored``. A root that does not exist
    yields nothing: check first with `missing`.
    """
    walker = _Walk(skip_names, skip_markers, _identities(ignore))
    for root in roots:
        top = walker.root(root)
        if top is None:
            continue
        if isinstance(top, Entry):
            yield top
            continue
        stack = [top]
        try:
            yield Entry(top.path, "folder", named=True)
            while stack:
                folder = stack[-1]
                if folder.index >= len(folder.entries):
                    stack.pop().close()
                    continue
                listed = folder.entries[folder.index]
                folder.index += 1
                found = walker.child(folder, listed)
                if isinstance(found, _Folder):
                    stack.append(found)
                    if len(stack) > KEPT_OPEN:  # a bounded number of descriptors, however deep
                        stack[-KEPT_OPEN - 1].close()
                    yield Entry(found.path, "folder")
                elif found is not None:
                    yield found
        finally:  # the caller stopped early (the deadline) or failed: nothing left open
            for folder in stack:
                folder.close()


def _identities(paths: Iterable[Path]) -> frozenset[tuple[int, int]]:
    found = set()
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return frozenset(found)


def missing(paths: Iterable[Path]) -> list[Path]:
    """The paths with nothing there (a symbolic link to nothing included); one that cannot
    be looked at (a folder above it unreadable) is not missing: the walk reports it."""
    gone = []
    for path in paths:
        try:
            os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            gone.append(path)
        except OSError:
            pass
    return gone


def read_file(entry: Entry, *, limit: int,
              reject: Callable[[bytes], bool] | None = None) -> bytes | None:
    """The content of the file `entry`, at most `limit` bytes; None when `reject` says no to
    its first bytes (a binary file).

    FileNotFoundError when it is gone; TooLarge past `limit`; NotRegularFile when it is no
    longer a regular file (a link or a FIFO swapped in: a link is followed only where the
    user named it); LocalFileError when it cannot be read.
    """
    descriptor = open_regular(entry.path, follow_symlinks=entry.named)
    try:
        return _read(descriptor, entry.path, limit, reject)
    except OSError as error:
        raise LocalFileError(f"{entry.path} cannot be read ({why(error)})") from None
    finally:
        os.close(descriptor)


def _read(descriptor: int, path: str, limit: int,
          reject: Callable[[bytes], bool] | None) -> bytes | None:
    size = os.fstat(descriptor).st_size
    if size > limit:
        raise TooLarge(f"{path} is over {limit:,} bytes")
    # One byte more than the size: a file that grew past the cap meanwhile shows it.
    wanted = size + 1
    first = os.read(descriptor, min(wanted, HEAD_BYTES))
    if reject is not None and reject(first):
        return None
    if len(first) < min(wanted, HEAD_BYTES):  # a short read of a regular file: its end
        return first
    parts, total = [first], len(first)
    while chunk := os.read(descriptor, max(wanted - total, CHUNK_BYTES)):
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"{path} is over {limit:,} bytes")
    return b"".join(parts)


def why_unreadable(error: LocalFileError) -> str:
    """The operating system's reason behind `error`, without the path (the caller has it)."""
    cause = error.__context__
    return why(cause) if isinstance(cause, OSError) else error.message.rstrip(".")


__all__ = ["Entry", "NotRegularFile", "TooLarge", "missing", "read_file", "virtual_mounts",
           "walk", "why_unreadable"]
