"""The real program in a real terminal: tmux runs ``openrush-tui --sandbox``, we type and read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.tmux import PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_dashboard_starts_switches_pages_and_quits(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    tmux.send(f"{PROGRAM} --sandbox --sandbox-db {db} --fixed-now 2026-06-26T12:00:00Z"
              " --key-seed 7; echo EXITED=$?", "Enter")
    screen = tmux.wait_for(" keys, ")
    assert "API access" in screen and "sandbox (in-process)" in screen
    tmux.send("3")
    tmux.wait_for("Latest 50 events")
    tmux.send("1")
    tmux.wait_for("Connection OK")
    tmux.send("q")
    tmux.wait_for("EXITED=0")
