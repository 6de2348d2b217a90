"""No terminal, no dashboard: the real program with stdin, stdout or stderr a pipe or the null
device, or with TERM=dumb, says in one line on stderr which subcommands work there (and
`ssh -t` over SSH) and exits 2, before any request and before the sandbox starts (it used to
run forever, writing escape codes and spending the rate limit).

Each case is a real process: what is a terminal is the process's own file descriptors.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.cli import COMMAND_MODULES
from openrush_tui.commands.terminal import dashboard_refusal
from tests.support.patience import PATIENCE
from tests.support.tmux import PROGRAM

KEY = "or_" + "t" * 40  # never sent: the program stops before any request


@contextlib.contextmanager
def listening() -> Iterator[socket.socket]:
    """A server socket nobody accepts on: a connection attempt would wait in its backlog."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


def connections(server: socket.socket) -> int:
    count = 0
    with contextlib.suppress(BlockingIOError):
        while True:
            server.accept()[0].close()
            count += 1
    return count


def run(argv: list[str], *, terminal: set[str], env: dict[str, str] | None = None
        ) -> tuple[int, str, str]:
    """The program with the streams named in `terminal` on a pty of its own, stdin otherwise
    the null device, stdout and stderr pipes: (exit code, stdout, stderr) where a stream on
    the pty reads as what the pty showed."""
    master, slave = os.openpty()
    files = {"stdin": slave if "stdin" in terminal else subprocess.DEVNULL,
             "stdout": slave if "stdout" in terminal else subprocess.PIPE,
             "stderr": slave if "stderr" in terminal else subprocess.PIPE}
    environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    shown = b""
    try:
        with subprocess.Popen([PROGRAM, *argv], **files, env=environment) as process:
            os.close(slave)
            try:
                out, err = process.communicate(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                process.kill()
                raise AssertionError("the dashboard ran without a terminal") from None
            finally:
                while select.select([master], [], [], 0)[0]:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # the pty's other side is closed: all read
                        break
                    if not chunk:
                        break
                    shown += chunk
    finally:
        os.close(master)
    on_pty = shown.decode(errors="replace").replace("\r\n", "\n")
    # Both on the pty: what it showed counts as stderr's (the one line expected there).
    if out is None:
        out, on_pty = (b"", on_pty) if err is None else (on_pty.encode(), "")
    return process.returncode, out.decode(), on_pty if err is None else err.decode()


def assert_refused(code: int, out: str, err: str, reason: str) -> None:
    assert code == 2
    assert out == ""
    # One line in a pipe; on the pty, broken between words to its width (issue 20: tested in
    # test_cli_widths_trial): read as the one line.
    lines = [" ".join(err.splitlines())]
    assert "\x1b" not in err  # nothing drawn
    assert reason in lines[0]
    for command in COMMAND_MODULES:
        assert command in lines[0]


@pytest.mark.usefixtures("isolated_home")
def test_pipes_refuse_at_once_with_no_request(tmp_path: Path) -> None:
    """`openrush-tui </dev/null >out`, with a key and a server: no connection is ever made."""
    with listening() as server:
        host, port = server.getsockname()
        code, out, err = run(["--api-url", f"http://{host}:{port}"], terminal=set(),
                             env={"OPENRUSH_KEY": KEY})
        assert connections(server) == 0
    assert_refused(code, out, err, "stdin is not a terminal")
    assert "ssh -t" not in err


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize(("terminal", "reason"), [
    ({"stdout", "stderr"}, "stdin is not a terminal"),  # openrush-tui </dev/null
    ({"stdin", "stderr"}, "stdout is not a terminal"),  # openrush-tui > out, | less
    ({"stdin", "stdout"}, "stderr is not a terminal"),  # openrush-tui 2> log: draws there
], ids=["stdin", "stdout", "stderr"])
def test_the_sandbox_never_starts_without_a_terminal(tmp_path: Path, terminal: set[str],
                                                     reason: str) -> None:
    db = tmp_path / "sandbox.sqlite3"
    code, out, err = run(["--sandbox", "--sandbox-db", str(db)], terminal=terminal)
    assert_refused(code, out, err, reason)
    assert not db.exists()


@pytest.mark.usefixtures("isolated_home")
def test_term_dumb_in_a_terminal_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    code, out, err = run(["--sandbox", "--sandbox-db", str(db)],
                         terminal={"stdin", "stdout", "stderr"},
                         env={"TERM": "dumb", "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"})
    assert_refused(code, out, err, "TERM=dumb")
    assert "ssh -t" not in err  # a terminal already: asking for one would not help
    assert not db.exists()


@pytest.mark.usefixtures("isolated_home")
def test_over_ssh_without_a_terminal_it_says_ssh_t(tmp_path: Path) -> None:
    """`ssh host openrush-tui`: sshd gives pipes and sets SSH_CONNECTION."""
    code, out, err = run(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3")],
                         terminal=set(), env={"SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"})
    assert_refused(code, out, err, "stdin is not a terminal")
    assert "ssh -t HOST openrush-tui" in err


@pytest.mark.usefixtures("isolated_home")
def test_subcommands_still_run_without_a_terminal() -> None:
    code, out, err = run(["agents", "list"], terminal=set())
    assert code == 0 and out and not err


def test_a_terminal_with_a_usable_term_is_accepted() -> None:
    master, slave = os.openpty()
    try:
        fds = {"stdin": slave, "stdout": slave, "stderr": slave}
        assert dashboard_refusal(["keys"], fds=fds, environ={"TERM": "xterm-256color"}) is None
        assert dashboard_refusal(["keys"], fds=fds, environ={}) is None
        assert "TERM=dumb" in (dashboard_refusal(["keys"], fds=fds,
                                                 environ={"TERM": "dumb"}) or "")
        closed = {**fds, "stdin": None}
        assert "stdin" in (dashboard_refusal(["keys"], fds=closed, environ={}) or "")
    finally:
        os.close(master)
        os.close(slave)
