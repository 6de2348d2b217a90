"""The real program in a real terminal: tmux runs ``openrush-tui --sandbox``, we type and read."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PROGRAM = str(Path(sys.executable).with_name("openrush-tui"))


class Tmux:
    """One tmux server of our own (its own socket), so tests never touch a user's sessions."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def send(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(f"openrush-test-{uuid.uuid4().hex[:8]}")
    config = tmp_path / "tmux.conf"
    config.write_text("set -g set-clipboard on\nset -g default-terminal xterm-256color\n")
    session.run("-f", str(config), "new-session", "-d", "-s", "main", "-x", "120", "-y", "36")
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-L", session.socket, "kill-server"], capture_output=True,
                       timeout=10)


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
