"""The real program ended by a signal or by its terminal going away.

In tmux, with the reveal-once dialog showing a key: the key is wiped, the terminal restored (no
alternate screen, no mouse reporting, a cursor) and the exit code is 128 + the signal's number;
ctrl+c pressed (a key in raw mode, not a signal) exits as SIGINT does, 130.
On a terminal that stopped reading, or that is closed, while the dashboard is busy: whatever
the terminal does, the process is gone within the last resort's few seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from openrush_tui.tui.signals import LAST_RESORT_SECONDS
from tests.support.tmux import PROGRAM, Tmux
from tests.support.unread_terminal import UnreadTerminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


# "Gone within 3 s", with room for a loaded machine (two CPU burners beside the suite): without
# a last resort that holds, such a process stays for minutes (until killed by hand).
DEADLINE = LAST_RESORT_SECONDS + 5
PAGES = ("setup", "api-access", "activity")
BUSY = ("--live-interval", "0.2", "--seed-events", "5000")  # Activity refreshes all the time


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])
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



@pytest.mark.parametrize("page", ["setup", "activity"])
def test_ctrl_c_quits_the_real_dashboard_with_sigints_code(tmux: Tmux, tmp_path: Path,
                                                         page: str) -> None:
    """The key, in a real terminal (raw mode: the terminal sends the byte, not SIGINT): the
    same exit code as `kill -INT`, and the terminal restored."""
    command = (f"{PROGRAM} --sandbox --sandbox-db {tmp_path / 'db.sqlite3'} --page {page} "
               "--fixed-now 2026-06-26T12:00:00Z --key-seed 7")
    tmux.send(f"{command}; echo EXITED=$?", "Enter")
    tmux.wait_for("q Quit")
    tmux.send("C-c")
    tmux.wait_for(f"EXITED={128 + signal.SIGINT}")
    modes = tmux.run("display-message", "-p", "-t", "main",
                     "#{alternate_on} #{mouse_any_flag} #{cursor_flag}").split()
    assert modes == ["0", "0", "1"]  # main screen, no mouse reporting, cursor shown

# How the terminal ends the dashboard, on which page, and the exit code README documents.
ENDINGS = {
    "SIGINT": ("setup", 130),
    "SIGTERM": ("api-access", 143),
    "SIGHUP": ("activity", 129),
    # The window closed: the kernel hangs the terminal up and sends SIGHUP.
    "closed": ("activity", 129),
    # Not its controlling terminal (started with setsid, say): only the hang-up, no signal.
    "closed-without-signal": ("api-access", 129),
}


def test_a_terminal_that_stopped_reading_never_keeps_a_busy_dashboard(
        tmp_path: Path, isolated_home: Path) -> None:
    """Textual's writer thread is stuck writing to a terminal nobody reads, its queue full:
    everything that writes to the terminal waits, the old last resort included (it put the
    terminal back through that queue). One dashboard per way of ending, all at once (the
    cost of one), each gone in time with its exit code."""
    terminals = {}
    for ending, (page, _code) in ENDINGS.items():
        folder = tmp_path / ending
        folder.mkdir()
        terminals[ending] = UnreadTerminal(folder, page,
                                           extra=BUSY if page == "activity" else (),
                                           controlling=ending != "closed-without-signal")
    try:
        for terminal in terminals.values():
            terminal.read_until(b"Quit")  # drawn: the app is mounted, its handlers set
        for index in range(40):  # no longer read: 40 full frames pile up (more than fit)
            for terminal in terminals.values():
                terminal.repaint(index)
            time.sleep(0.05)  # each its own frame rather than one
        for ending, terminal in terminals.items():
            if ending.startswith("closed"):
                terminal.close()
            else:
                terminal.process.send_signal(getattr(signal, ending))
        started = time.monotonic()
        codes = {ending: terminal.gone_within(max(0.1, started + DEADLINE - time.monotonic()))
                 for ending, terminal in terminals.items()}
        assert codes == {ending: code for ending, (_page, code) in ENDINGS.items()}
    finally:
        for terminal in terminals.values():
            terminal.end()


def test_tmux_kill_session_ends_every_busy_dashboard(tmp_path: Path, tmux: Tmux) -> None:
    """The user's case: several dashboards (one per page, Activity busy), their tmux sessions
    killed. (tmux reads its panes at once, so here the old last resort mostly held too: the
    unread terminals above are what made it fail for sure.)"""
    pid_files = [tmp_path / f"pid{index}" for index in range(len(PAGES))]
    for index, (pid_file, page) in enumerate(zip(pid_files, PAGES, strict=True)):
        command = (f"{PROGRAM} --sandbox --sandbox-db {tmp_path / f'db{index}.sqlite3'} "
                   f"--page {page} --fixed-now 2026-06-26T12:00:00Z --key-seed 7 "
                   + " ".join(BUSY))
        tmux.run("new-session", "-d", "-s", f"busy{index}", "-x", "200", "-y", "60",
                 f"sh -c 'echo $$ > {pid_file}; exec {command}'")
    for index in range(len(pid_files)):
        deadline = time.monotonic() + 60
        while "q Quit" not in (screen := tmux.run("capture-pane", "-p", "-t", f"busy{index}")):
            assert time.monotonic() < deadline, f"busy{index} never drew its page:\n{screen}"
            time.sleep(0.1)
    pids = [int(pid_file.read_text()) for pid_file in pid_files]
    for index in range(len(pid_files)):
        tmux.run("kill-session", "-t", f"busy{index}")
    deadline = time.monotonic() + DEADLINE
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if _alive(pid)}
        time.sleep(0.05)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # Not reaped yet (tmux is its parent): a zombie has already ended.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
