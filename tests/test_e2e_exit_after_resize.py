"""The real program leaves nothing of the dashboard behind, even after the window grew.

tmux 3.3a (and terminals with no alternate screen at all, such as GNU screen by default) keeps
part of the alternate screen's last frame: after the window is enlarged while the dashboard
runs, the top rows of that frame land on the shell's normal screen and in its scrollback when
the app leaves the alternate screen, a freshly created key among them. So the dashboard blanks
its alternate screen before it leaves it; here, in one tmux session that starts small and is
then enlarged: once ended by SIGTERM with the reveal dialog showing a new key, once by `q` on
the key list. Neither leaves a key, a key's prefix or a dashboard row anywhere in the pane's
history. The last resort (a dashboard that cannot leave in time) blanks the alternate screen
too, but only while the dashboard is on it: in process, over a pty.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.tui.signals import LastResort, Terminal
from tests.support.fixtures import tmux_server
from tests.support.patience import PATIENCE
from tests.support.tmux import PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SMALL, LARGE = (60, 20), (80, 24)
KEY_OR_PREFIX = re.compile(r"\bor_[A-Za-z0-9]{6}")  # a whole key, or the list's prefix
# What the dashboard draws and a shell never prints: the title, the server line, the dialog's
# and the footer's marks.
DASHBOARD = ("OpenRush ›", "server: sandbox", "credits:", "█", "▔", "Quit", "keys,")


@pytest.fixture
def small_window(tmp_path: Path, isolated_home: Path) -> Iterator[Tmux]:
    yield from tmux_server(tmp_path, *SMALL)


def _resize(tmux: Tmux, size: tuple[int, int]) -> None:
    tmux.run("resize-window", "-t", "main", "-x", str(size[0]), "-y", str(size[1]))


def _wait_drawn_at(tmux: Tmux, width: int) -> None:
    """Until the dashboard has redrawn for `width` columns: its title bar spans them all."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        lines = tmux.screen().splitlines()
        if lines and "OpenRush" in lines[0] and len(lines[0].rstrip()) > SMALL[0]:
            return
        time.sleep(0.1)
    raise AssertionError(f"never redrawn at {width} columns:\n{tmux.screen()}")


def _history(tmux: Tmux) -> str:
    """The pane's scrollback and its screen, everything a user can scroll back to."""
    return tmux.run("capture-pane", "-p", "-J", "-S", "-", "-t", "main")


def _assert_nothing_left(tmux: Tmux) -> None:
    history = _history(tmux)
    assert not KEY_OR_PREFIX.search(history), history
    left = [row for row in history.splitlines() if any(mark in row for mark in DASHBOARD)]
    assert not left, history


def _start_small_then_enlarge(tmux: Tmux, tmp_path: Path, exit_code: str) -> int:
    """The dashboard started at 60x20 on API access, the window then grown to 80x24; the
    program's pid."""
    pid_file = tmp_path / "pid"
    pid_file.unlink(missing_ok=True)
    _resize(tmux, SMALL)
    tmux.send(f"cd {tmp_path}", "Enter")
    command = (f"{PROGRAM} --sandbox --sandbox-db db.sqlite3 "
               "--fixed-now 2026-06-26T12:00:00Z --key-seed 7")
    # Without COLUMNS and LINES: the test run exports them, the pane's shell keeps them at
    # 60x20, and Textual's driver (shutil.get_terminal_size) would believe them over the pty.
    tmux.send(f"sh -c 'echo $$ > pid; exec env -u COLUMNS -u LINES {command}'; "
              f"echo {exit_code}=$?", "Enter")
    tmux.wait_for("q Quit")
    _resize(tmux, LARGE)
    _wait_drawn_at(tmux, LARGE[0])
    tmux.send("2")
    tmux.wait_for(" keys, ")
    return int(pid_file.read_text())


def test_no_key_and_no_dashboard_row_left_after_the_window_grew(small_window: Tmux,
                                                                 tmp_path: Path) -> None:
    tmux = small_window
    # SIGTERM while the reveal dialog shows the new key.
    pid = _start_small_then_enlarge(tmux, tmp_path, "TERMINATED")
    key = tmux.create_key("left behind")
    assert key in _history(tmux)  # on the alternate screen, which capture-pane shows
    os.kill(pid, signal.SIGTERM)
    tmux.wait_for(f"TERMINATED={128 + signal.SIGTERM}")
    time.sleep(0.2)  # tmux has applied every byte the program wrote before the shell's
    _assert_nothing_left(tmux)
    # `q` on the key list (the new key's prefix in it).
    _start_small_then_enlarge(tmux, tmp_path, "QUIT")
    tmux.wait_for("left behind")
    tmux.send("q")
    tmux.wait_for("QUIT=0")
    time.sleep(0.2)
    _assert_nothing_left(tmux)


@pytest.mark.parametrize("on_alternate_screen", [True, False], ids=["drawn", "not-drawn"])
def test_the_last_resort_blanks_the_alternate_screen_only_while_drawn_on_it(
        on_alternate_screen: bool) -> None:
    master, slave = os.openpty()
    try:
        left: list[int] = []
        resort = LastResort(Terminal(None, slave, None), lambda _signum: None, seconds=3600,
                            leave=left.append, on_alternate_screen=lambda: on_alternate_screen)
        resort.start()
        resort.notify(signal.SIGTERM)
        resort.notify(signal.SIGTERM)  # a second signal: the terminal restored, then gone
        assert resort.ended.wait(PATIENCE) and left == [128 + signal.SIGTERM]
        written = os.read(master, 4096)
    finally:
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)
    before_leaving = written.split(b"\x1b[?1049l")[0]
    # Erased (ESC[2J) on the alternate screen, or the shell's screen left as it was.
    assert (b"\x1b[2J" in before_leaving) is on_alternate_screen, written
