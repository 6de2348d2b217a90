"""`keys scan` on both cores: past `parallel_after` bytes the rest of the tree is read by
worker processes, and the report is the one an in-process scan gives (same hits in the same
order, same counts, same skips), the deadline still holds, and no worker outlives the scan."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from openrush_tui.keys.scan import MAX_FILE_BYTES, Scanner, ScanReport

KEY = "or_" + "Ab3" * 13 + "x"


def tree_with_everything(root: Path) -> Path:
    """Files with and without keys across many folders, and one of each thing not read."""
    for folder in range(12):
        for number in range(25):
            path = root / f"d{folder:02}" / f"f{number:02}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            key = f"or_{folder:02}{number:02}" + "Zx9" * 12 if number % 7 == 0 else ""
            path.write_text(f"error_handler = 1\n{key}\ncolor_map = 2\n" * (number + 1))
    (root / "d03" / ".git").mkdir()
    (root / "d03" / ".git" / "config").write_text(KEY)
    (root / "d05" / "data.bin").write_bytes(b"\0\1" + KEY.encode())
    (root / "d07" / "big.log").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (root / "d09" / "link.txt").symlink_to(root / "d00" / "f00.txt")
    return root


def summary(report: ScanReport) -> tuple[object, ...]:
    return ([(hit.path, hit.line, hit.column, hit.masked, hit.fingerprint)
             for hit in report.hits],
            report.files, report.bytes, report.skipped, report.unreadable, report.stopped)


def test_a_parallel_scan_reports_exactly_what_an_in_process_one_does(tmp_path: Path) -> None:
    tree = tree_with_everything(tmp_path / "tree")
    alone = Scanner(workers=1).scan([tree])
    shared = Scanner(workers=2, parallel_after=1).scan([tree])
    # Files 0, 7, 14 and 21 of each folder hold a key on each of their 1, 8, 15, 22 repeats.
    assert len(alone.hits) == 12 * (1 + 8 + 15 + 22)
    assert summary(shared) == summary(alone)
    assert not multiprocessing.active_children()  # the workers are gone with the scan


def test_the_deadline_stops_a_parallel_scan_and_says_so(tmp_path: Path) -> None:
    tree = tree_with_everything(tmp_path / "tree")
    ticks = iter(range(10_000))
    report = Scanner(seconds=120, workers=2, parallel_after=1,
                     monotonic=lambda: float(next(ticks))).scan([tree])
    assert report.stopped and 0 < report.files < 300
    assert report.incomplete == ["stopped at the time limit (120 s) before the end"]
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_small_tree_is_scanned_without_workers(tmp_path: Path, workers: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Below `parallel_after` no process is started: a project folder costs no spawn."""
    (tmp_path / "a.txt").write_text(KEY)
    asked: list[str | None] = []
    original = multiprocessing.get_context

    def watched(method: str | None = None) -> object:  # watches, still starts what it is asked
        asked.append(method)
        return original(method)

    monkeypatch.setattr(multiprocessing, "get_context", watched)
    report = Scanner(workers=workers).scan([tmp_path])
    assert report.files == 1 and len(report.hits) == 1 and asked == []
