"""Finding ``or_`` keys in files, without ever keeping one: the walk behind `keys scan`.

What counts as a key: ``or_`` and then 20 to 200 letters and digits, not part of a longer
word, with at least one digit or capital letter among them (so ``or_something_else`` in code
is not a key; the sandbox's keys are ``or_`` + 40 base62 characters, and the docs show
``or_abc123…``). For each match only what identifies it without being usable is kept: its
display prefix (the first 9 characters, as the API returns it), its last four characters,
its masked form and its fingerprint (the first 16 hex characters of SHA-256, the sandbox's).

The walk never follows a symbolic link, skips version-control folders, ``node_modules``,
virtualenvs, binary files and files over 5 MB, and stops at a deadline: a scan of a home
directory must not run for ever. Plain Python and blocking: the caller runs it where blocking
is fine (the command line; a thread for a screen).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openrush_tui.auth.secret import Secret

MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_SECONDS = 120.0
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox",
                          "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
SNIFF_BYTES = 8192
PREFIX_LENGTH = 9  # "or_" + 6: the display prefix the API returns

# Not preceded by a word character, so "color_…" and "error_…" never start a match; not
# followed by one either, so a match is a whole token.
KEY_PATTERN = re.compile(rb"(?<![A-Za-z0-9_])or_[A-Za-z0-9]{20,200}(?![A-Za-z0-9_])")
_RANDOM_LOOKING = re.compile(rb"[0-9A-Z]")


# Why something was not read: (one, several), for "skipped 3 folders, 1 binary file".
SKIP_WORDS = {
    "folder": ("folder (.git, node_modules, a virtualenv…)",
               "folders (.git, node_modules, virtualenvs…)"),
    "binary": ("binary file", "binary files"),
    "large": ("file over 5 MB", "files over 5 MB"),
    "symbolic-link": ("symbolic link (not followed)", "symbolic links (not followed)"),
    "special": ("special file", "special files"),
    "unreadable": ("unreadable file or folder", "unreadable files or folders"),
    "credential-file": ("credential file of this tool", "credential files of this tool"),
}


def skipped_words(skipped: dict[str, int]) -> str:
    """E.g. "3 folders (.git, node_modules, virtualenvs…), 1 binary file"."""
    return ", ".join(f"{count:,} {SKIP_WORDS[reason][count != 1]}"
                     for reason, count in skipped.items())


@dataclass(frozen=True, slots=True)
class Hit:
    """One key found: where, and enough to recognise it, never the key itself."""

    path: Path
    line: int  # 1-based
    column: int  # 1-based, in bytes
    prefix: str  # "or_abc123"
    last4: str
    masked: str  # "or_abc123…wxyz"
    fingerprint: str  # 16 hex characters of SHA-256


@dataclass
class ScanReport:
    hits: list[Hit] = field(default_factory=list)
    files: int = 0  # files read
    bytes: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # SKIP_WORDS key -> count
    unreadable: list[str] = field(default_factory=list)  # "path: reason", the first few
    stopped: bool = False  # the deadline came before the walk ended: a partial scan
    seconds: float = 0.0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def fingerprint(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def find_keys(data: bytes) -> Iterator[tuple[int, int, str, str, str, str]]:
    """(line, column, prefix, last4, masked, fingerprint) of every key in `data`.

    The matched text lives only inside this loop; nothing that could use the key leaves it.
    """
    line, line_start, position = 1, 0, 0
    for match in KEY_PATTERN.finditer(data):
        body = match.group()
        if not _RANDOM_LOOKING.search(body, 3):
            continue
        start = match.start()
        newlines = data.count(b"\n", position, start)
        if newlines:
            line += newlines
            line_start = data.rindex(b"\n", position, start) + 1
        position = start
        raw = body.decode("ascii")
        yield (line, start - line_start + 1, raw[:PREFIX_LENGTH], raw[-4:],
               Secret(raw).masked(), fingerprint(raw))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:
        return None


def is_binary(head: bytes) -> bool:
    return b"\0" in head


def is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


class Scanner:
    """Walks paths and collects hits. `progress(report, path)` is called now and then."""

    def __init__(self, *, seconds: float = DEFAULT_SECONDS,
                 progress: Callable[[ScanReport, Path], object] | None = None,
                 progress_every: float = 0.1, ignore: Iterable[Path] = (),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        # Files where a key belongs (this tool's credential file), known by device and inode.
        self._ignored = {(info.st_dev, info.st_ino) for info in map(_stat, ignore) if info}
        self._progress = progress
        self._every = progress_every
        self._monotonic = monotonic

    def scan(self, paths: Iterable[Path]) -> ScanReport:
        report = ScanReport()
        started = self._monotonic()
        self._deadline = started + self.seconds
        self._next_progress = started
        for path in paths:
            if report.stopped:
                break
            self._visit(path, report, top=True)
        report.seconds = self._monotonic() - started
        return report

    def _visit(self, path: Path, report: ScanReport, *, top: bool = False) -> None:
        try:
            info = path.lstat()
        except OSError as error:
            self._unreadable(report, path, error)
            return
        if stat.S_ISLNK(info.st_mode):
            report.skip("symbolic-link")
            return
        if stat.S_ISDIR(info.st_mode):
            self._walk(path, report, top=top)
        elif stat.S_ISREG(info.st_mode):
            if (info.st_dev, info.st_ino) in self._ignored:
                report.skip("credential-file")
                return
            self._file(path, info.st_size, report)
        else:
            report.skip("special")

    def _walk(self, folder: Path, report: ScanReport, *, top: bool) -> None:
        if not top and (folder.name in SKIPPED_DIRS or is_virtualenv(folder)):
            report.skip("folder")
            return
        try:
            with os.scandir(folder) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as error:
            self._unreadable(report, folder, error)
            return
        for name in names:
            if self._out_of_time(report):
                return
            self._visit(folder / name, report)

    def _file(self, path: Path, size: int, report: ScanReport) -> None:
        if size > MAX_FILE_BYTES:
            report.skip("large")
            return
        try:
            # A file swapped for a link (or a FIFO) after lstat is still not followed (or
            # waited on).
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(path, flags)
            with os.fdopen(fd, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
                if is_binary(head):
                    report.skip("binary")
                    return
                data = head + handle.read(MAX_FILE_BYTES + 1 - len(head))
        except OSError as error:
            self._unreadable(report, path, error)
            return
        report.files += 1
        report.bytes += len(data)
        if b"or_" in data:
            report.hits.extend(Hit(path, *found) for found in find_keys(data))
        del data
        self._maybe_progress(report, path)

    def _out_of_time(self, report: ScanReport) -> bool:
        if not report.stopped and self._monotonic() >= self._deadline:
            report.stopped = True
        return report.stopped

    def _maybe_progress(self, report: ScanReport, path: Path) -> None:
        if self._progress is None:
            return
        now = self._monotonic()
        if now >= self._next_progress:
            self._next_progress = now + self._every
            self._progress(report, path)

    @staticmethod
    def _unreadable(report: ScanReport, path: Path, error: OSError) -> None:
        report.skip("unreadable")
        if len(report.unreadable) < 5:
            report.unreadable.append(f"{path}: {error.strerror or type(error).__name__}")
