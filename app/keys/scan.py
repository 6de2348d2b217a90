"""Finding ``or_`` keys in files, without ever keeping one: the walk behind `keys scan`.

What counts as a key: ``or_`` and then 20 to 200 letters and digits, not part of a longer
word, with at least one digit or capital letter among them (so ``or_something_else`` in code
is not a key; the sandbox's keys are ``or_`` + 40 base62 characters, and the docs show
``or_abc123…``). For each match only what identifies it without being usable is kept: its
display prefix (the first 9 characters, as the API returns it), its last four characters,
its masked form and its fingerprint (the first 16 hex characters of SHA-256, the sandbox's).

The walk is `files.trees.TreeReader` (`walk`'s rules: no recursion limit, unreadable folders
counted, virtual file systems such as ``/proc`` not entered, a symbolic link followed only
where the user named it; each file read into one reused buffer), on several processes when
asked (`Scanner.workers`, `keys.scan_workers`).
It skips version-control folders, ``node_modules``, virtualenvs, binary files and files over
5 MB, and stops at a deadline: a scan of a home directory must not run for ever. A scan that
stopped, or could not read something, is incomplete and says so (`ScanReport.incomplete`); so
is one stopped by ctrl+c, whose report holds what was found until then (`until_interrupted`).
Paths are shown by `path_text`: a key in a file's name masked like a finding, bytes that are
not UTF-8 as ``\\xNN``. Plain Python and blocking: the caller runs it where blocking is fine
(the command line; a thread for a screen).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from openrush_tui.auth.secret import Secret
from openrush_tui.files import trees
from openrush_tui.text.counts import plural
from openrush_tui.text.safe import visible

MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_SECONDS = 120.0
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox",
                          "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
VIRTUALENV_MARKERS = frozenset({"pyvenv.cfg", "conda-meta"})
SNIFF_BYTES = 8192
PREFIX_LENGTH = 9  # "or_" + 6: the display prefix the API returns
SHOWN_PATHS = 5  # unreadable or virtual paths kept for the message

# Not preceded by a word character, so "color_…" and "error_…" never start a match; not
# followed by one either, so a match is a whole token. The look-behind comes after the
# literal "or_" so that the regex engine can jump from one "or_" to the next at C speed
# (leading with it made every byte a starting point: six times slower).
KEY_PATTERN = re.compile(rb"or_(?<![A-Za-z0-9_]or_)[A-Za-z0-9]{20,200}(?![A-Za-z0-9_])")
# In a file's name, anything key-like is masked, even run into other characters.
NAME_KEY_PATTERN = re.compile(rb"or_[A-Za-z0-9]{20,}")
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
    "virtual": ("virtual file system", "virtual file systems"),
}


def skipped_words(skipped: dict[str, int], virtual: Iterable[str] = ()) -> str:
    """E.g. "3 folders (.git, node_modules, virtualenvs…), 1 binary file"."""
    shown = list(virtual)
    parts = []
    for reason, count in skipped.items():
        words = plural(count, *SKIP_WORDS[reason])
        if reason == "virtual" and shown:
            words += f" ({', '.join(shown)}{', …' if count > len(shown) else ''})"
        parts.append(words)
    return ", ".join(parts)


def path_text(path: str | Path) -> str:
    """`path` as printed (text and JSON alike): a key-like string in it masked as a finding
    is, bytes that are not UTF-8 as ``\\xNN``, unsafe characters as `visible` shows them."""
    raw = os.fsencode(path)
    if b"or_" in raw:
        raw = NAME_KEY_PATTERN.sub(_mask_name_key, raw)
    return visible(raw.decode("utf-8", "backslashreplace"))


def _mask_name_key(match: re.Match[bytes]) -> bytes:
    body = match.group()
    if not _RANDOM_LOOKING.search(body, 3):
        return body
    return Secret(body.decode("ascii")).masked().encode()


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
    virtual: list[str] = field(default_factory=list)  # virtual file systems left out
    stopped: bool = False  # the deadline came before the walk ended: a partial scan
    seconds: float = 0.0
    limit_seconds: float = DEFAULT_SECONDS
    processes: int = 1  # that walked and read: the calling one, or forked ones (`workers`)
    found_elsewhere: int = 0  # keys found by those processes, not in `hits` yet (progress)
    interrupted: bool = False  # ctrl+c (or SIGTERM, SIGHUP) ended the walk: what was found

    @property
    def keys_found(self) -> int:
        return len(self.hits) + self.found_elsewhere

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    @property
    def complete(self) -> bool:
        """Every file that was meant to be read was read (skips by rule do not count)."""
        return not self.incomplete

    @property
    def incomplete(self) -> list[str]:
        """Why the scan did not see everything it was meant to, in words; empty if it did."""
        reasons = []
        if self.stopped:
            reasons.append(f"stopped at the time limit ({self.limit_seconds:g} s) before the "
                           "end")
        if self.interrupted:
            reasons.append("interrupted before the end")
        unreadable = self.skipped.get("unreadable", 0)
        if unreadable:
            first = f" (first: {self.unreadable[0]})" if self.unreadable else ""
            reasons.append(plural(unreadable, *SKIP_WORDS["unreadable"]) + " left out" + first)
        return reasons

    def summary_of_skips(self) -> str:
        return skipped_words(self.skipped, self.virtual)


def fingerprint(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def find_keys(data: bytes | bytearray, start: int = 0,
              end: int | None = None) -> Iterator[tuple[int, int, str, str, str, str]]:
    """(line, column, prefix, last4, masked, fingerprint) of every key in `data[:end]`, from
    `start` (where the first ``or_`` is: lines are counted from 0 all the same).

    The matched text lives only inside this loop; nothing that could use the key leaves it.
    """
    line, line_start, position = 1, 0, 0
    end = len(data) if end is None else end
    for match in KEY_PATTERN.finditer(data, start, end):
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


class Deadline:
    """The scan's time limit on the clock `monotonic`, asked before every entry (`stop`)."""

    def __init__(self, monotonic: Callable[[], float], seconds: float) -> None:
        self.monotonic = monotonic
        self.now = self.started = monotonic()
        self.at = self.started + seconds
        self.passed = False

    def stop(self) -> bool:
        self.now = now = self.monotonic()
        if now >= self.at:
            self.passed = True
        return self.passed


class Scanner:
    """Walks paths and collects hits. `progress(report, shown_path)` is called now and then;
    `monotonic` is the clock of the deadline (a controlled one in tests).

    `workers` above 1: the walk is cut into units by subtree (`trees.TreeReader.split`) and
    that many forked processes walk, read and match them, taking the next unit as each is
    done; the results are put back in the walk's order, so the report is the one a single
    process makes (`keys.scan_workers`). Only where `fork` is safe (no other thread running);
    otherwise, and for a walk that does not split, one process. `on_hit()` is called (in the
    calling thread) as soon as a key is found, once: the command starts fetching the
    account's keys then, while the scan goes on.
    """

    def __init__(self, *, seconds: float = DEFAULT_SECONDS,
                 progress: Callable[[ScanReport, str], object] | None = None,
                 progress_every: float = 0.1, ignore: Iterable[Path] = (),
                 monotonic: Callable[[], float] = time.monotonic, workers: int = 1,
                 on_hit: Callable[[], object] | None = None) -> None:
        self.seconds = seconds
        self.ignore = list(ignore)  # files where a key belongs (this tool's credential file)
        self.progress = progress
        self.every = progress_every
        self.monotonic = monotonic
        self.workers = workers
        self._on_hit = on_hit

    def reader(self) -> trees.TreeReader:
        return trees.TreeReader(limit=MAX_FILE_BYTES, sniff=SNIFF_BYTES,
                                skip_names=SKIPPED_DIRS, skip_markers=VIRTUALENV_MARKERS,
                                ignore=self.ignore)

    def scan(self, paths: Iterable[Path]) -> ScanReport:
        report = ScanReport(limit_seconds=self.seconds)
        deadline = Deadline(self.monotonic, self.seconds)
        reader = self.reader()
        if self.workers > 1:
            # lazy: cycle (scan_workers runs this module's Scanner.collect in each process)
            from openrush_tui.keys import scan_workers

            if scan_workers.can_fork():
                units = reader.split(paths, self.workers * scan_workers.UNITS_PER_WORKER)
                if len(units) > 1:
                    scan_workers.scan(self, reader, units, report, deadline)
                else:
                    with until_interrupted(report):
                        for unit in units:
                            self.collect(reader.entries_of(unit, deadline.stop), reader,
                                         report, deadline, self.progress, self.notice_hit)
                report.stopped = report.stopped or deadline.passed
                report.seconds = self.monotonic() - deadline.started
                return report
        with until_interrupted(report):
            self.collect(reader.entries(paths, deadline.stop), reader, report, deadline,
                         self.progress, self.notice_hit)
        report.stopped = deadline.passed
        report.seconds = self.monotonic() - deadline.started
        return report

    def notice_hit(self) -> None:
        """A key was found: `on_hit`, the first time."""
        if self._on_hit is not None:
            on_hit, self._on_hit = self._on_hit, None
            on_hit()

    def collect(self, entries: Iterable[tuple[trees.ReadKind, str, int, str]],
                reader: trees.TreeReader, report: ScanReport, deadline: Deadline,
                progress: Callable[[ScanReport, str], object] | None,
                on_hit: Callable[[], object]) -> None:
        """Add what `entries` (of `reader`) holds to `report`."""
        hits = report.hits
        next_progress = deadline.now
        for kind, path, size, detail in entries:
            if kind == "file":
                report.files += 1
                report.bytes += size
                buffer = reader.buffer
                # The literal first, at the speed of bytes.find; the pattern only from there.
                first = buffer.find(b"or_", 0, size)
                if first != -1:
                    count = len(hits)
                    hits.extend(Hit(Path(path), *key) for key in find_keys(buffer, first, size))
                    if len(hits) > count:
                        on_hit()
            elif kind != "folder":
                self._not_read(kind, path, detail, report)
            if progress is not None and deadline.now >= next_progress:
                next_progress = deadline.now + self.every
                progress(report, path_text(path))

    def _not_read(self, kind: str, path: str, detail: str, report: ScanReport) -> None:
        if kind == "unreadable":
            self._unreadable(report, path, detail)
            return
        report.skip({"pruned": "folder", "ignored": "credential-file"}.get(kind, kind))
        if kind == "virtual" and len(report.virtual) < SHOWN_PATHS:
            report.virtual.append(path_text(path))

    @staticmethod
    def _unreadable(report: ScanReport, path: str, reason: str) -> None:
        report.skip("unreadable")
        if len(report.unreadable) < SHOWN_PATHS:
            report.unreadable.append(f"{path_text(path)}: {reason}")


@contextmanager
def until_interrupted(report: ScanReport) -> Iterator[None]:
    """The walk inside ends at ctrl+c (KeyboardInterrupt; SIGTERM and SIGHUP raise it too in
    the command line) with `report` as far as it got, marked `interrupted`: a person who
    stops a long scan wants the keys found until then, not nothing."""
    try:
        yield
    except KeyboardInterrupt:
        report.interrupted = True


def merge(report: ScanReport, part: ScanReport) -> None:
    """Add `part`, the report of the next share of a walk, to `report`: as if one walk."""
    report.hits.extend(part.hits)
    report.files += part.files
    report.bytes += part.bytes
    for reason, count in part.skipped.items():
        report.skipped[reason] = report.skipped.get(reason, 0) + count
    report.unreadable.extend(part.unreadable[:SHOWN_PATHS - len(report.unreadable)])
    report.virtual.extend(part.virtual[:SHOWN_PATHS - len(report.virtual)])
    report.stopped = report.stopped or part.stopped
