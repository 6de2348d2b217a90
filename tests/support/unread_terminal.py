"""The real dashboard on a pseudo-terminal of our own that the test can stop reading or close.

tmux always reads its panes, so it cannot show what happens when a terminal stops reading
(a frozen terminal emulator, an SSH connection that stalls, ctrl+s): the dashboard's writes
block, Textual's output queue fills, and then everything that writes to the terminal waits.
Here the test reads the terminal until the page is drawn, then stops, and forces repaints
(resizes) so that writes pile up.
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.support.tmux import PROGRAM

COLUMNS, ROWS = 200, 60  # a big window: one full repaint is more than the pty can hold


def resize(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


class UnreadTerminal:
    """One dashboard on a pty. `controlling`: the pty is the process's controlling terminal
    (closing it sends SIGHUP, as closing a terminal window does); otherwise closing it only
    makes the terminal hang up (reads end, writes fail), with no signal at all."""

    def __init__(self, tmp_path: Path, page: str, *, controlling: bool = True,
                 extra: tuple[str, ...] = ()) -> None:
        setsid = shutil.which("setsid")
        if setsid is None:
            pytest.skip("util-linux's setsid is not installed")
        self.master, slave = os.openpty()
        resize(self.master, COLUMNS, ROWS)
        # setsid -c: a new session whose controlling terminal is the pty (stdin); without
        # -c the new session has none.
        command = [setsid, "-c"] if controlling else [setsid]
        command += [PROGRAM, "--sandbox", "--sandbox-db", str(tmp_path / f"{page}.sqlite3"),
                    "--page", page, "--fixed-now", "2026-06-26T12:00:00Z", "--key-seed", "7",
                    *extra]
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
               "LINES": str(ROWS)}
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, cwd=tmp_path)
        os.close(slave)
        self.seen = b""
        self.closed = False

    def read_until(self, text: bytes, timeout: float = 60.0) -> None:
        """Read the terminal until `text` was written (the page is drawn)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            assert time.monotonic() < deadline, f"{text!r} never came: {self.seen[-2000:]!r}"
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the program ended
                    raise AssertionError(f"ended early: {self.seen[-2000:]!r}") from None

    def repaint(self, index: int) -> None:
        """Make the app repaint its whole window (a resize is a full frame, and a frame of
        this size is more than the pty holds): called a few dozen times once the test no
        longer reads, the writes pile up."""
        resize(self.master, COLUMNS - index % 2, ROWS)
        # A resize is signalled by the kernel only to a terminal's own session: say it.
        self.process.send_signal(signal.SIGWINCH)

    def close(self) -> None:
        """The terminal goes away (a window closed, tmux kill-session, SSH dropped)."""
        if not self.closed:
            self.closed = True
            os.close(self.master)

    def gone_within(self, seconds: float) -> int | None:
        """The exit code if the process ended within `seconds`, else None."""
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def end(self) -> None:
        """Whatever happened, leave nothing behind."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.close()
