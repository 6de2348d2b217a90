"""Driving the real program in tmux: our own tmux server, keystrokes in, screen text out."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from tests.support.patience import PATIENCE

PROGRAM = str(Path(sys.executable).with_name("openrush-tui"))
KEY = re.compile(r"\bor_[A-Za-z0-9]{40}\b")


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

    def wait_for(self, text: str, timeout: float = PATIENCE) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def wait_gone(self, text: str, timeout: float = PATIENCE) -> str:
        deadline = time.monotonic() + timeout
        while text in (screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} stayed on screen:\n{screen}")
            time.sleep(0.05)
        return screen

    def buffer(self, timeout: float = 5.0) -> str:
        """What the program copied with OSC 52 (tmux keeps it with set-clipboard on)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run("list-buffers", "-F", "#{buffer_name}").strip():
                return self.run("show-buffer")
            time.sleep(0.05)
        raise AssertionError("tmux never received a buffer (OSC 52 did not arrive)")

    def create_key(self, name: str) -> str:
        """On API access: n, a name, Enter; the key the reveal dialog then shows (once)."""
        self.send("n")
        self.wait_for("New API key")
        self.send("-l", name)
        self.send("Enter")
        screen = self.wait_for("is ready")
        shown: list[str] = KEY.findall(screen)
        assert len(shown) == 1, screen
        return shown[0]
