"""A signal that ends the dashboard while a new key's reveal dialog is open (neither copied
nor stored) says, once the terminal is back, which key was created and not kept and how to
revoke it; never the key itself. (The trial: SIGTERM exited 143 and said nothing.)

The real program in tmux: what it writes on stderr after Textual restored the terminal shows
on the main screen, which is what the pane holds once the program ended."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from tests.support.tmux import KEY, PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

NOTE = re.compile(r"openrush-tui: the new key “left unkept” \((cred_\w+)\) was created but not "
                  r"kept: it cannot be shown again\. If nothing uses it, revoke it with "
                  r"`openrush-tui keys revoke (cred_\w+)`\.")


def test_sigterm_over_the_reveal_says_the_key_was_not_kept(tmux: Tmux, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = (f"{PROGRAM} --sandbox --sandbox-db {tmp_path / 'db.sqlite3'} --page api-access "
               "--fixed-now 2026-06-26T12:00:00Z --key-seed 7")
    tmux.send("clear", "Enter")
    tmux.send(f"sh -c 'echo $$ > {pid_file}; exec {command}'; echo EXITED=$?", "Enter")
    tmux.wait_for(" keys, ")
    tmux.create_key("left unkept")
    os.kill(int(pid_file.read_text()), signal.SIGTERM)
    screen = tmux.wait_for(f"EXITED={128 + signal.SIGTERM}")
    modes = tmux.run("display-message", "-p", "-t", "main", "#{alternate_on}").split()
    assert modes == ["0"]  # the main screen: what follows was written after the restore
    said = " ".join(screen.split())  # rich breaks the line at the pane's width
    found = NOTE.search(said)
    assert found, screen
    assert found.group(1) == found.group(2)
    assert said.count("openrush-tui: the new key") == 1, screen
    assert not KEY.search(screen), screen  # the key itself is never said
