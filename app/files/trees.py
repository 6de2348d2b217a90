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
- **Files are read as `reading.open_regular` does** (non-blocking, not following a link below
  a root, `fstat` first), so a FIFO or a device, even one swapped in after the listing, is
  ``special`` and never waited on; a size cap bounds each read. `read_file` reads one file;
  `TreeReader` walks and reads a whole tree (`keys scan`), each file into one reused buffer,
  and cuts the walk into units for several processes (`TreeReader.split`).

Speed: the type of each entry comes from the directory listing (``d_type``), so a file costs
no ``lstat``; folders are told apart by their entries' names (a virtualenv by its marker), and
a small file is read with one system call.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Collection, Generator, Iterable
from dataclasses import dataclass, field
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


SPLIT_LEVELS: Final = 6  # how deep `TreeReader.split` lists folders at most
MAX_UNITS: Final = 4096
# What `TreeReader.entries` yields: an `Entry` kind, or what reading a file found it to be.
ReadKind = Literal["file", "folder", "symbolic-link", "special", "unreadable", "virtual",
                   "pruned", "ignored", "binary", "large"]
_FILE_FLAGS: Final = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                      | getattr(os, "O_CLOEXEC", 0))
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)


def _never() -> bool:
    return False


@dataclass(slots=True)
class Unit:
    """A share of a walk (`TreeReader.split`): the entries of `folder` (its subfolders walked
    whole), after `items` ("folder": where the walk of a folder begins); or with no folder
    only `items`: roots that are not folders (files read, each as named), or a subfolder
    left out (pruned, a link, unreadable). `named`: the folder is a root (a link followed)."""

    folder: _Folder | None
    named: bool
    items: list[tuple[ReadKind, str, int, str]] = field(default_factory=list)
    # Or a subfolder not entered yet: (its folder's path, that folder's real path, its name).
    enter: tuple[str, str, str] | None = None


class TreeReader:
    """`walk` reading every file as it goes, into one buffer reused from file to file: the
    walk of `keys scan`, at a cost per file close to the system calls' own.

    `entries` yields ``(kind, path, size, detail)``: for a file its size (its content is
    ``buffer[:size]`` until the next step: use it, do not keep it), for the rest what
    `walk` yields, ``binary`` (a NUL byte in its first `sniff` bytes; only that head is read),
    ``large`` (over `limit` bytes) and ``special`` for a file swapped for a link or a FIFO
    since the listing. The same rules as `walk` and `read_file`: no link followed below a
    root, nothing waited on, a bounded number of descriptors. Per file: ``openat`` relative to
    its folder (one name resolved, not the whole path), one ``fstat``, one read for a file
    under `HEAD_BYTES`, no Python object as large as the file.
    """

    def __init__(self, *, limit: int, sniff: int, skip_names: Collection[str] = (),
                 skip_markers: Collection[str] = (), ignore: Iterable[Path] = ()) -> None:
        self.limit = limit
        self.sniff = sniff
        self.buffer = bytearray(HEAD_BYTES + 1)  # grown to the largest file met, at most limit
        self._view = memoryview(self.buffer)
        self._walker = _Walk(skip_names, skip_markers, _identities(ignore))

    def entries(self, roots: Iterable[Path], stop: Callable[[], bool] = _never,
                ) -> Generator[tuple[ReadKind, str, int, str], None, None]:
        """Everything under `roots` as `walk` meets it. `stop()` is asked before each entry
        (before a file is opened): True ends the walk there, every descriptor closed."""
        for root in roots:
            unit = self._root(root)
            if unit is not None and (yield from self.entries_of(unit, stop)):
                return

    def split(self, roots: Iterable[Path], parts: int) -> list[Unit]:
        """The walk of `roots` cut into about `parts` units (more when a folder has many
        subfolders), in the walk's order: `entries_of` each unit, one after the other, is
        `entries(roots)`. Folders are listed breadth first, a few levels down at most, until
        there are enough units; each is closed again (a unit opens its folder when walked, in
        whichever process walks it, by its path: no descriptor waits in a list)."""
        units: list[Unit] = []
        for unit in map(self._root, roots):
            if unit is None:
                continue
            if unit.folder is None and units and units[-1].folder is None:
                units[-1].items.extend(unit.items)  # files named one after the other: one unit
            else:
                units.append(unit)
        for _ in range(SPLIT_LEVELS):
            if len(units) >= parts:
                break
            wider: list[Unit] = []
            for index, unit in enumerate(units):
                if len(wider) + len(units) - index >= MAX_UNITS:
                    wider.extend(units[index:])
                    break
                entered = self._enter(unit) if unit.enter is not None else unit
                if entered is None:
                    continue
                if entered.folder is None:
                    wider.append(entered)
                else:
                    wider.extend(self._widen(entered.folder, entered.named))
            if [unit.enter for unit in wider] == [unit.enter for unit in units]:
                break  # nothing more to widen: a tree of files
            units = wider
        for unit in units:
            if unit.folder is not None:
                unit.folder.close()
        return units

    def _root(self, root: Path) -> Unit | None:
        top = self._walker.root(root)
        if top is None:
            return None
        if isinstance(top, Entry):
            return Unit(None, True, [(top.kind, top.path, 0, top.detail)])
        return Unit(top, True, [("folder", top.path, 0, "")])

    def _widen(self, folder: _Folder, named: bool) -> list[Unit]:
        """The units of `folder`'s entries: one per subfolder, one per run of other entries."""
        units, run = [], []
        for listed in folder.entries:
            name, kind, _ = listed
            if kind != "folder":
                run.append(listed)
                continue
            if run:
                units.append(Unit(_Folder(folder.path, folder.real, run, None), named))
                run = []
            # Entered (listed, its markers looked for) by whoever walks or widens it.
            units.append(Unit(None, False, enter=(folder.path, folder.real, name)))
        if run:
            units.append(Unit(_Folder(folder.path, folder.real, run, None), named))
        folder.close()
        return units

    def _enter(self, unit: Unit) -> Unit | None:
        """The subfolder `unit.enter` names, as the walk enters it: a folder listed, or an
        entry (pruned, a link, unreadable…); None when it is gone."""
        assert unit.enter is not None  # noqa: S101 (the callers' condition)
        parent_path, parent_real, name = unit.enter
        found = self._walker.subfolder(_Folder(parent_path, parent_real, [], None), name,
                                       _join(parent_path, name))
        if isinstance(found, _Folder):
            return Unit(found, False, [("folder", found.path, 0, "")])
        if found is None:
            return None
        return Unit(None, False, [(found.kind, found.path, 0, found.detail)])

    def entries_of(self, unit: Unit, stop: Callable[[], bool] = _never,
                   ) -> Generator[tuple[ReadKind, str, int, str], None, bool]:
        """What `entries` yields for the share of the walk `unit` (`split`); returns True
        when `stop` ended it."""
        asked = False  # whether `stop` was asked about the first item already
        if unit.enter is not None:
            if stop():
                return True
            entered = self._enter(unit)
            if entered is None:
                return False
            unit, asked = entered, True
        if unit.folder is None:  # roots that are not folders, or entries left out
            for item in unit.items:
                if not asked and stop():
                    return True
                asked = False
                read = self._read(item[1], item[1], None, True) if item[0] == "file" \
                    else item
                if read is not None:
                    yield read
            return False
        if unit.items and not asked and stop():
            unit.folder.close()
            return True
        top = _Folder(unit.folder.path, unit.folder.real, unit.folder.entries,
                      unit.folder.descriptor)
        unit.folder.descriptor = None  # now top's to close
        if top.descriptor is None:
            try:
                top.descriptor = os.open(top.path, _DIRECTORY_FLAGS if unit.named
                                         else _DIRECTORY_FLAGS | _NOFOLLOW)
            except FileNotFoundError:  # gone since it was listed
                return False
            except OSError as error:
                yield "unreadable", top.path, 0, why(error)
                return False
        yield from unit.items  # where the walk of a folder begins
        walker = self._walker
        stack = [top]
        try:
            while stack:
                folder = stack[-1]
                if folder.index >= len(folder.entries):
                    stack.pop().close()
                    continue
                if stop():
                    return True
                name, kind, detail = folder.entries[folder.index]
                folder.index += 1
                path = _join(folder.path, name)
                if kind == "file":
                    read = self._read(name, path, folder.descriptor, False)
                    if read is not None:
                        yield read
                elif kind == "folder":
                    found = walker.subfolder(folder, name, path)
                    if isinstance(found, _Folder):
                        stack.append(found)
                        if len(stack) > KEPT_OPEN:
                            stack[-KEPT_OPEN - 1].close()
                        yield "folder", found.path, 0, ""
                    elif found is not None:
                        yield found.kind, found.path, 0, found.detail
                elif kind != "gone":
                    yield kind, path, 0, detail
        finally:
            for folder in stack:
                folder.close()
        return False

    def _read(self, name: str, path: str, folder: int | None,
              named: bool) -> tuple[ReadKind, str, int, str] | None:
        """Open `name` in the folder open as `folder` (or `path` when None) and read it;
        None when it is gone since the listing (nothing to read, nothing to say)."""
        try:
            if folder is None:
                descriptor = os.open(path, _FILE_FLAGS if named else _FILE_FLAGS | _NOFOLLOW)
            else:
                descriptor = os.open(name, _FILE_FLAGS | _NOFOLLOW, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as error:
            if isinstance(error, IsADirectoryError) or (not named and os.path.islink(path)):
                return "special", path, 0, ""
            return "unreadable", path, 0, why(error)
        try:
            return self._fill(descriptor, path)
        except OSError as error:
            return "unreadable", path, 0, why(error)
        finally:
            os.close(descriptor)

    def _fill(self, descriptor: int, path: str) -> tuple[ReadKind, str, int, str]:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device swapped in: never read
            return "special", path, 0, ""
        if info.st_size > self.limit:
            return "large", path, 0, ""
        # One byte more than the size: a file that grew meanwhile shows it.
        wanted = info.st_size + 1
        if wanted > len(self.buffer):
            self._grow(wanted)
        view = self._view
        head = min(wanted, HEAD_BYTES)
        size = _read_into(descriptor, view[:head])
        if self.buffer.find(b"\0", 0, min(size, self.sniff)) != -1:
            return "binary", path, 0, ""
        if size < head:  # a short read of a regular file: its end
            return "file", path, size, ""
        while True:
            if size == len(self.buffer):  # it grew while it was read
                if size > self.limit:
                    return "large", path, 0, ""
                self._grow(size + CHUNK_BYTES)
                view = self._view
            got = _read_into(descriptor, view[size:])
            if not got:
                return "file", path, size, ""
            size += got

    def _grow(self, wanted: int) -> None:
        """Room for `wanted` bytes, at most one more than `limit` (to see a file pass it)."""
        self._view.release()
        self.buffer = bytearray(min(max(wanted, 2 * len(self.buffer)), self.limit + 1))
        self._view = memoryview(self.buffer)


if sys.platform == "win32":  # no readv: a copy
    def _read_into(descriptor: int, view: memoryview) -> int:
        data = os.read(descriptor, len(view))
        view[:len(data)] = data
        return len(data)
else:
    def _read_into(descriptor: int, view: memoryview) -> int:
        """Read into `view`: how many bytes came."""
        return os.readv(descriptor, [view])


def why_unreadable(error: LocalFileError) -> str:
    """The operating system's reason behind `error`, without the path (the caller has it)."""
    cause = error.__context__
    return why(cause) if isinstance(cause, OSError) else error.message.rstrip(".")


__all__ = ["Entry", "NotRegularFile", "TooLarge", "TreeReader", "missing", "read_file",
           "virtual_mounts", "walk", "why_unreadable"]
