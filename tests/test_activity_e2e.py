"""Activity in a real terminal: tmux runs ``openrush-tui --sandbox --page activity``."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.support.tmux import PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_activity_pages_filters_and_shows_an_event(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    tmux.send(f"{PROGRAM} --sandbox --sandbox-db {db} --fixed-now 2026-06-26T12:00:00Z"
              " --key-seed 7 --page activity; echo EXITED=$?", "Enter")
    screen = tmux.wait_for("All 84 events of the period counted.")
    assert "Latest 50 events" in screen and "Credits spent per day" in screen
    assert "Sat Jun 20" in screen and "Fri Jun 26" in screen
    tmux.send("+")
    tmux.wait_for("Latest 84 events")
    tmux.wait_for("End of history")
    tmux.send("p")
    tmux.wait_for("All 384 events of the period counted.")
    tmux.send("m")
    tmux.wait_for("Calls per day")
    tmux.send("Enter")
    screen = tmux.wait_for("Usage event")
    assert "HTTP status" in screen
    tmux.send("Escape")
    # An Escape followed at once by q would read as alt+q: wait for the dialog to close.
    deadline = time.monotonic() + 10
    while "Usage event" in tmux.screen() and time.monotonic() < deadline:
        time.sleep(0.05)
    tmux.send("q")
    tmux.wait_for("EXITED=0")
