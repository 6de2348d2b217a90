"""`keys scan` finds exactly what a plain reference scan finds, in one process or several.

The scanner reads into one reused buffer, the pattern only from the first ``or_``, the walk
cut by subtree between forked processes: each a place to lose or invent a finding. The
reference here is the plainest scan there is (recursion, `Path.read_bytes`, the look-behind
first pattern over the whole file), and hypothesis builds the trees to trip the fast one:
keys straddling the first read's end (`HEAD_BYTES`), lines longer than that, NUL bytes inside
and past the sniffed head, near-keys (19 or 201 characters, run into words), files named on
their own, links to files and folders (never followed), skipped folders, empty files.
Unreadable files and folders are compared in a test of their own (they need an ordinary user).
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrush_tui.files.trees import HEAD_BYTES
from openrush_tui.keys import scan_workers
from openrush_tui.keys.scan import (
    MAX_FILE_BYTES,
    SKIPPED_DIRS,
    SNIFF_BYTES,
    VIRTUALENV_MARKERS,
    Scanner,
    ScanReport,
)
from tests.support import unprivileged
from tests.support.patience import PATIENCE
from tests.support.unprivileged import as_ordinary_user

PLAIN_PATTERN = re.compile(rb"(?<![A-Za-z0-9_])or_[A-Za-z0-9]{20,200}(?![A-Za-z0-9_])")
BASE62 = string.digits + string.ascii_letters
Found = tuple[str, int, int, str, str, str]  # path, line, column, prefix, last4, fingerprint


ROOT = Path(__file__).resolve().parents[1]


def in_a_lone_process(body: Callable[[Path], None], tmp_path: Path) -> None:
    """`body(tmp_path)` in a new interpreter. The scan forks only where no other thread runs
    (`scan_workers.can_fork`), and a test process holds threads of the tests before (a full
    run found these scans on one process)."""
    code = ("import sys; from pathlib import Path; "
            f"import {__name__} as tests; tests.{body.__name__}(Path(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=PATIENCE, check=False)
    assert done.returncode == 0, done.stderr


def reference(roots: list[Path]) -> tuple[list[Found], int, int, Counter[str]]:
    """Hits, files, bytes and skips as the rules say, the plainest way."""
    hits: list[Found] = []
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()

    def read(path: Path) -> None:
        data = path.read_bytes()
        if len(data) > MAX_FILE_BYTES:
            skipped["large"] += 1
            return
        if b"\0" in data[:SNIFF_BYTES]:
            skipped["binary"] += 1
            return
        counts["files"] += 1
        counts["bytes"] += len(data)
        for match in PLAIN_PATTERN.finditer(data):
            raw = match.group().decode()
            if not re.search("[0-9A-Z]", raw[3:]):
                continue
            line_start = data.rfind(b"\n", 0, match.start()) + 1
            hits.append((str(path), data.count(b"\n", 0, match.start()) + 1,
                         match.start() - line_start + 1, raw[:9], raw[-4:],
                         hashlib.sha256(raw.encode()).hexdigest()[:16]))

    def visit(folder: Path) -> None:
        for name in sorted(os.listdir(folder)):
            path = folder / name
            if path.is_symlink():
                skipped["symbolic-link"] += 1
            elif path.is_dir():
                if name in SKIPPED_DIRS or any((path / marker).exists()
                                               for marker in VIRTUALENV_MARKERS):
                    skipped["folder"] += 1
                else:
                    visit(path)
            elif path.is_file():
                read(path)
            else:
                skipped["special"] += 1

    for root in roots:
        if root.is_dir():
            visit(root)
        else:
            read(root)
    return hits, counts["files"], counts["bytes"], skipped


def findings(report: ScanReport) -> tuple[list[Found], int, int, Counter[str]]:
    return ([(str(hit.path), hit.line, hit.column, hit.prefix, hit.last4, hit.fingerprint)
             for hit in report.hits], report.files, report.bytes, Counter(report.skipped))


def comparable(report: ScanReport) -> dict[str, Any]:
    """Everything a report says but how long it took and how many processes it used."""
    fields = dataclasses.asdict(report)
    for name in ("seconds", "processes"):
        del fields[name]
    return fields


# -- trees built to trip the fast scan ------------------------------------------------------

keys = st.text(BASE62, min_size=20, max_size=200).filter(
    lambda body: any(ch.isdigit() or ch.isupper() for ch in body)).map(lambda b: "or_" + b)
near_keys = st.one_of(
    st.text(BASE62, min_size=1, max_size=19).map(lambda b: "or_" + b),  # too short
    st.text(BASE62, min_size=201, max_size=230).map(lambda b: "or_" + b),  # too long
    keys.map(lambda key: "x" + key),  # run into a word before it
    keys.map(lambda key: key + "_x"),  # or after it
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=20, max_size=40).map(lambda b: "or_" + b),
)
separators = st.sampled_from([" ", "\n", "\r\n", "=", "'", "\t", "\n\n\n", ""])
filler = st.binary(max_size=50).map(lambda raw: raw.replace(b"\0", b"."))


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(st.one_of(keys, near_keys, separators).map(str.encode)
                          | filler | st.just(b"or_")))
    data = b"".join(parts)
    shape = draw(st.sampled_from(["plain", "plain", "straddle", "long-line", "nul-early",
                                  "nul-late", "empty"]))
    if shape == "straddle":  # a key across the end of the first read, by a few bytes
        key = draw(keys).encode()
        pad = HEAD_BYTES - draw(st.integers(0, len(key) + 1))
        data = b" " * pad + key + b"\n" + data
    elif shape == "long-line":  # no line break for longer than the first read
        data = b"a" * (HEAD_BYTES + draw(st.integers(0, 10))) + b" " + data
    elif shape == "nul-early":
        data = data[:SNIFF_BYTES - 1] + b"\0" + data
    elif shape == "nul-late":  # past the sniffed head: text with a NUL in it, still read
        data = b"x" * SNIFF_BYTES + b"\0" + data
    elif shape == "empty":
        data = b""
    return data


names = st.sampled_from(["a", "b", "B", "z", "sub", ".git", "node_modules", "é", "k.env"])
trees_st = st.lists(st.tuples(st.lists(names, max_size=3), names, contents(),
                              st.sampled_from(["file", "file", "file", "link-file",
                                               "link-dir", "venv"])),
                    min_size=1, max_size=12)


@contextmanager
def built(entries: list[tuple[list[str], str, bytes, str]]) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="scan-reference-"))
    try:
        (root / "tree").mkdir()
        for folders, name, data, kind in entries:
            folder = root.joinpath("tree", *folders)
            steps = [root.joinpath("tree", *folders[:depth]) for depth in range(1, 4)]
            if any(step.is_symlink() or (step.exists() and not step.is_dir()) for step in steps):
                continue  # a file or a link already where a folder would go
            path = folder / name
            if path.exists() or path.is_symlink():
                continue
            folder.mkdir(parents=True, exist_ok=True)
            if kind == "link-file":
                (root / f"outside-{name}").write_bytes(data)
                path.symlink_to(root / f"outside-{name}")
            elif kind == "link-dir":
                path.symlink_to(root / "tree", target_is_directory=True)  # a loop if followed
            elif kind == "venv":
                path.mkdir()
                (path / "pyvenv.cfg").write_text("home = /usr\n")
                (path / "k.env").write_bytes(data)
            else:
                path.write_bytes(data)
        yield root / "tree"
    finally:
        shutil.rmtree(root)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(trees_st, st.booleans())
def test_the_scan_finds_what_the_reference_finds(
        entries: list[tuple[list[str], str, bytes, str]], name_files: bool) -> None:
    with built(entries) as tree:
        roots = sorted(tree.iterdir()) if name_files else [tree]  # files named on their own too
        expected = reference(roots)
        alone = Scanner().scan(roots)
        assert findings(alone) == expected
        assert alone.complete
        shared = Scanner(workers=2).scan(roots)
        assert comparable(shared) == comparable(alone)


def subtrees_shared(tmp_path: Path) -> None:
    key = "or_" + "Ab3" * 13 + "x"
    for number in range(40):
        folder = tmp_path / f"d{number % 7}" / f"e{number % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{number}.txt").write_text(f"line\n{key}{number}\n" if number % 4 else "")
    (tmp_path / "d3" / "node_modules").mkdir()
    alone, shared = Scanner().scan([tmp_path]), Scanner(workers=2).scan([tmp_path])
    assert (alone.processes, shared.processes) == (1, 2)
    assert comparable(shared) == comparable(alone)
    assert len(shared.hits) == 30 and findings(shared) == reference([tmp_path])


def test_unreadable_files_and_folders_are_reported_alike_by_one_process_or_several(
        tmp_path: Path) -> None:
    key = "or_" + "Ab3" * 13 + "x"
    for folder in ("a", "b", "c", "d", "e", "f"):
        (tmp_path / folder / "in").mkdir(parents=True)
        (tmp_path / folder / "in" / "k.txt").write_text(key)
        (tmp_path / folder / "k.txt").write_text(key)
    (tmp_path / "b" / "k.txt").chmod(0)
    (tmp_path / "d" / "in").chmod(0)
    (tmp_path / "f" / "in").chmod(0o444)  # names can be listed, not opened
    try:
        alone = as_ordinary_user(lambda: Scanner().scan([tmp_path]))
        with ordinary_main_thread():  # forked children inherit the calling thread's rights
            shared = Scanner(workers=2).scan([tmp_path])
    finally:
        for folder in ("d", "f"):
            (tmp_path / folder / "in").chmod(0o700)
    assert alone.skipped == {"unreadable": 3} and len(alone.hits) == 9
    assert comparable(shared) == comparable(alone)
    assert shared.processes == (2 if scan_workers.can_fork() else 1)


@contextmanager
def ordinary_main_thread() -> Iterator[None]:
    """Root's rights to read anything set aside in this (the main) thread for a while, where
    `as_ordinary_user`'s thread of its own would keep the scan from forking (threads)."""
    if os.geteuid() != 0:
        yield
        return
    if not sys.platform.startswith("linux"):
        pytest.skip("root without capabilities needs Linux")
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = unprivileged._Header(0x20080522, 0), (unprivileged._Data * 2)()
    assert libc.capget(ctypes.byref(header), data) == 0
    effective = data[0].effective
    data[0].effective &= ~((1 << 1) | (1 << 2))  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    assert libc.capset(ctypes.byref(header), data) == 0
    try:
        yield
    finally:
        data[0].effective = effective
        assert libc.capset(ctypes.byref(header), data) == 0


def test_a_child_that_dies_leaves_nothing_out(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker killed (out of memory, a signal) sends no report for its units: the parent
    # walks them itself, so the result is whole all the same.
    key = "or_" + "Ab3" * 13 + "x"
    for folder in "abcdefgh":
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "k.txt").write_text(key)

    def dies(*args: object) -> None:
        os._exit(9)

    monkeypatch.setattr(scan_workers, "_child", dies)
    report = Scanner(workers=2).scan([tmp_path])
    assert comparable(report) == comparable(Scanner().scan([tmp_path]))
    assert len(report.hits) == 8 and report.complete


def deadline_stops_every_process(tmp_path: Path) -> None:
    for number in range(40):
        (tmp_path / f"d{number % 8}").mkdir(exist_ok=True)
        (tmp_path / f"d{number % 8}" / f"f{number}.txt").write_text("x")
    ticks = iter(range(10_000))  # each process a copy: one second a look at the clock
    report = Scanner(seconds=5, workers=2, monotonic=lambda: float(next(ticks))).scan(
        [tmp_path])
    assert report.stopped and 0 < report.files < 40 and report.processes == 2
    assert report.incomplete == ["stopped at the time limit (5 s) before the end"]


def progress_told_while_children_work(tmp_path: Path) -> None:
    name_key = "or_NameKey0123456789abcdefghijABCDEFGHIJ"
    for folder in ("a", "b", f"c_{name_key}"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "k.txt").write_text("or_" + "Ab3" * 13 + "x")
    shown: list[tuple[int, int, str]] = []
    found: list[bool] = []
    report = Scanner(workers=2, progress=lambda part, where: shown.append(
        (part.files, part.keys_found, where)), progress_every=0,
        on_hit=lambda: found.append(True)).scan([tmp_path])
    assert report.processes == 2 and len(report.hits) == 3
    assert found == [True]  # once, from the calling process
    assert shown and shown[-1][:2] == (3, 3)  # the children's counts, live
    assert not any(name_key in where for _, _, where in shown)  # as path_text shows it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_tree_of_subtrees_is_shared_between_processes_with_the_same_report(
        tmp_path: Path) -> None:
    in_a_lone_process(subtrees_shared, tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_the_deadline_stops_every_process_and_the_report_says_so(tmp_path: Path) -> None:
    in_a_lone_process(deadline_stops_every_process, tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_progress_and_the_first_key_are_told_while_the_children_work(tmp_path: Path) -> None:
    in_a_lone_process(progress_told_while_children_work, tmp_path)
