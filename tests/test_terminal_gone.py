"""A terminal that goes away while the dashboard starts never leaves it running.

The defect (issue 20): bench/startup.py, stopped while a dashboard it had started was still
loading, closed the dashboard's pseudo-terminal with it (its master side, at exit). The
dashboard, not the terminal's session (no SIGHUP from the kernel), kept running for an hour
at most of a core: its terminal had hung up before the App read it, so the last resort did
not watch it (a hung-up terminal is no terminal to `isatty`), and Textual's input thread
spun on it (select says readable, read says end of file, again and again).

Here the terminal is closed at a point of start-up chosen by an import hook, not by time:
the hook says when Textual is being loaded and waits until the test has closed the terminal.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import threading
import time
import tty
from pathlib import Path
from typing import cast

import pytest
from textual import events
from textual.app import App
from textual.message import Message

from openrush_tui.tui.driver import HangUpAwareDriver
from openrush_tui.tui.signals import LAST_RESORT_SECONDS, LastResort, Terminal
from tests.support.sandbox_process import SandboxFactory
from tests.support.tmux import PROGRAM
from tests.support.unread_terminal import resize

# "Gone within 3 s", with room for a loaded machine: without the fix it never goes.
DEADLINE = LAST_RESORT_SECONDS + 17
WAIT = 30.0  # for what is bound to happen
LOADING = b"HOOK: loading "

# sitecustomize.py for the dashboard's process: when `MODULE` is first imported, say so on
# the terminal, then wait (no timing: until the terminal hangs up) before going on.
HANG_UP_WHILE_LOADING = """
import os, select, sys, time

class HangUpWhileLoading:
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            sys.meta_path.remove(self)
            os.write(2, b"HOOK: loading " + name.encode() + b"\\n")
            poller = select.poll()
            poller.register(0, 0)  # no events asked: it wakes on a hang-up only
            deadline = time.monotonic() + 60
            while not poller.poll(100) and time.monotonic() < deadline:
                pass
        return None

sys.meta_path.insert(0, HangUpWhileLoading())
"""


def _cpu_ticks(pid: int) -> int:
    """The process's CPU time so far (user + system, clock ticks), for the failure message."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _start_then_hang_up(tmp_path: Path, module: str, argv: list[str],
                        env: dict[str, str]) -> int | None:
    """Start the dashboard on a pty of its own (a new session: the pty is not its
    controlling terminal, as in the benchmark), close the pty while `module` loads, and
    return its exit code, or None if it still runs after DEADLINE (then it is killed)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(f"MODULE = {module!r}\n" + HANG_UP_WHILE_LOADING)
    master, slave = os.openpty()
    resize(master, 120, 40)
    environment = {**os.environ, **env, "PYTHONPATH": str(hook), "TERM": "xterm-256color"}
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=environment,
                               start_new_session=True, cwd=tmp_path)
    os.close(slave)
    try:
        shown = b""
        deadline = time.monotonic() + 60
        while LOADING not in shown:
            assert time.monotonic() < deadline and process.poll() is None, shown[-2000:]
            if select.select([master], [], [], 0.1)[0]:
                shown += os.read(master, 65536)
        os.close(master)  # no longer read, then gone: the terminal hangs up
        master = -1
        try:
            return process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            before = _cpu_ticks(process.pid)
            time.sleep(1)
            spent = _cpu_ticks(process.pid) - before
            pytest.fail(f"still running {DEADLINE:g} s after its terminal went away, "
                        f"{spent} CPU ticks in the last second")
    finally:
        if master >= 0:
            os.close(master)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("module", ["textual.app", "openrush_tui.tui.signals"])
def test_a_terminal_gone_while_textual_loads_ends_the_dashboard_as_sighup(
        tmp_path: Path, module: str) -> None:
    """Closed before the App reads the terminal: while Textual loads, and just before the
    App's last resort is loaded."""
    argv = [PROGRAM, "--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3"),
            "--fixed-now", "2026-06-26T12:00:00Z", "--key-seed", "7"]
    assert _start_then_hang_up(tmp_path, module, argv, {}) == 128 + signal.SIGHUP


@pytest.mark.usefixtures("isolated_home")
def test_a_terminal_gone_while_a_dashboard_over_http_starts_ends_it(
        tmp_path: Path, sandbox_server: SandboxFactory) -> None:
    """The benchmark's case: a client of `sandbox serve` with OPENRUSH_KEY, no keyring."""
    served = sandbox_server()
    env = {"OPENRUSH_API_URL": served.base_url, "OPENRUSH_KEY": served.bootstrap_key,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    code = _start_then_hang_up(tmp_path, "textual.app", [PROGRAM], env)
    assert code == 128 + signal.SIGHUP


class Listener:
    """Stands for the App: what the driver's input thread sends it, and the hang-up."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.hung_up = threading.Event()

    async def _post_message(self, message: Message) -> None:  # how a driver posts to an app
        if isinstance(message, events.Key):
            self.keys.append(message.key)

    def terminal_hung_up(self) -> None:
        self.hung_up.set()


async def test_the_input_thread_stops_and_says_so_when_the_terminal_hangs_up() -> None:
    """Textual's own input loop, on a terminal that hung up, selects and reads nothing for
    good (at most of a core) and never tells the app; the App's driver stops at once."""
    listener = Listener()
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTSTP, signal.SIGCONT)}
    try:
        driver = HangUpAwareDriver(cast(App[None], listener))  # sets SIGTSTP/SIGCONT handlers
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    master, slave = os.openpty()
    tty.setraw(slave)  # as Textual's application mode
    driver.fileno = slave
    reading = threading.Thread(target=driver.run_input_thread, daemon=True)
    reading.start()
    try:
        os.write(master, b"q")
        deadline = time.monotonic() + WAIT
        while listener.keys != ["q"]:  # what is typed still arrives
            assert time.monotonic() < deadline, listener.keys
            await asyncio.sleep(0.01)
        os.close(master)
        master = -1
        assert await asyncio.to_thread(listener.hung_up.wait, WAIT)
        reading.join(WAIT)
        assert not reading.is_alive()
    finally:
        driver.exit_event.set()  # a loop that did not stop: stop it
        for fd in (master, slave):
            if fd >= 0:
                os.close(fd)


def test_a_terminal_that_hung_up_before_the_app_looked_is_watched_all_the_same() -> None:
    """A terminal that hung up is no terminal to `isatty` any more: the last resort used to
    watch nothing then, and nothing ended the app."""
    master, slave = os.openpty()
    os.close(master)
    asked: list[int] = []
    left: list[int] = []
    try:
        assert not os.isatty(slave)
        with open(slave, closefd=False) as stream:
            terminal = Terminal.of(stream, stream)
        resort = LastResort(terminal, asked.append, seconds=0.5, leave=left.append)
        resort.start()
        assert resort.ended.wait(WAIT)
    finally:
        os.close(slave)
    assert asked == [signal.SIGHUP] and left == [128 + signal.SIGHUP]
