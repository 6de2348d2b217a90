"""The real program in tmux, ended by a signal while the reveal-once dialog shows a key: the
key is wiped and the terminal restored (no alternate screen, no mouse reporting, a cursor)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.support.tmux import PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_wipes_the_key_and_restores_the_terminal(tmux: Tmux, tmp_path: Path,
                                                          signum: int) -> None:
    pid_file = tmp_path / "pid"
    command = (f"{PROGRAM} --sandbox --sandbox-db {tmp_path / 'db.sqlite3'} --page api-access "
               "--fixed-now 2026-06-26T12:00:00Z --key-seed 7")
    tmux.send(f"sh -c 'echo $$ > {pid_file}; exec {command}'; echo EXITED=$?", "Enter")
    tmux.wait_for(" keys, ")
    tmux.send("n")
    tmux.wait_for("New API key")
    tmux.send("signal test", "Enter")
    screen = tmux.wait_for("is ready")
    assert re.search(r"or_[A-Za-z0-9]{40}", screen)
    os.kill(int(pid_file.read_text()), signum)
    screen = tmux.wait_for(f"EXITED={128 + signum}")
    assert not re.search(r"or_[A-Za-z0-9]{40}", screen)
    time.sleep(0.2)
    modes = tmux.run("display-message", "-p", "-t", "main",
                     "#{alternate_on} #{mouse_any_flag} #{cursor_flag}").split()
    assert modes == ["0", "0", "1"]  # main screen, no mouse reporting, cursor shown
