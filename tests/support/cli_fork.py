"""The console script run as a real process, without paying Python's start and our imports
for each run: a zygote (one per test process) imports the command line once, then forks a
child per run. The child is a process of its own (its pid, exit status, signals, fds 0-2 on
pipes of the caller's, its own environment and folder) that meets the world as a fresh
`openrush-tui` would: the streams Python made at its start for pipes, the signal handlers
Python sets, `sys.argv` of the script, `openrush_tui.main.main()`, and the interpreter's own
exit (atexit, the last flush: a failure there is exit 120). A fresh start cost ~0.4 s of CPU
per run; a fork costs a few milliseconds.

What is settled when Python starts (the locale, the streams' encoding, PYTHON* variables)
is the zygote's: a run whose environment differs there from it is run as a fresh process
instead (`subprocess.run`), so nothing a test sets is lost.

`run_cli(args, input=..., env=..., cwd=..., timeout=...)` returns what
`subprocess.run([*command(), *args], capture_output=True, text=True, ...)` returns;
`spawn(args, env=..., stdout=..., stderr=...)` leaves it running, as `subprocess.Popen` does
(`sandbox serve`: tests/support/sandbox_process.py). With
CLI_FORK=0 in the tests' environment every run is a fresh process (to compare, or to rule the
zygote out).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import locale
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.sandbox_process import command

ROOT = Path(__file__).resolve().parents[2]
# Read by Python (or the C library) as it starts, before any of our code: a run that asks for
# other values than the zygote started with needs a fresh start. (TERM, COLUMNS, NO_COLOR…
# are read as the output is made, after the fork: the zygote has imported neither Rich nor
# Textual, and our modules read no variable as they load.)
AT_START = ("LANG", "LANGUAGE", "LC_", "PYTHON")
AT_RUN = ("PYTHON_KEYRING_BACKEND",  # keyring's, read when a keyring is first asked for
          "PYTHONUNBUFFERED")  # the child makes its streams as `python -u` does (`_become`)


def _at_start(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(AT_START) and k not in AT_RUN}


def _fresh(env: Mapping[str, str]) -> bool:
    """Whether a run in `env` needs a fresh process (no fork here, CLI_FORK=0, or what
    Python settles as it starts differs from the zygote's)."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):  # Windows
        return True
    return os.environ.get("CLI_FORK") == "0" or _at_start(env) != _at_start(_the_zygote().env)


class _Zygote:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="openrush-cli-fork-"))
        self.address = str(self.folder / "socket")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_fork", self.address],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=(self.folder / "zygote.err").open("wb"), cwd=ROOT, env=self.env)
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()  # once it listens, the imports done
        if ready.strip() != b"ready":
            raise RuntimeError("the CLI zygote did not start: "
                               + (self.folder / "zygote.err").read_text(errors="replace"))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # its lifeline: it ends
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_zygote: _Zygote | None = None
_lock = threading.Lock()


def _the_zygote() -> _Zygote:
    global _zygote
    with _lock:
        if _zygote is None or _zygote.process.poll() is not None:
            _zygote = _Zygote()
            atexit.register(_zygote.close)
        return _zygote


def run_cli(args: list[str] | tuple[str, ...], *, input: str | None = "",
            env: Mapping[str, str] | None = None, cwd: Path | str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`openrush-tui ARGS` with stdin (`input`; None: /dev/null), stdout and stderr on pipes,
    as `subprocess.run` with `capture_output=True, text=True` runs it."""
    argv = [*command(), *args]
    env = dict(os.environ if env is None else env)
    if _fresh(env):
        return subprocess.run(argv, input=input, capture_output=True, text=True, env=env,
                              cwd=cwd, timeout=timeout,
                              stdin=subprocess.DEVNULL if input is None else None)
    pipes = [os.pipe() for _ in range(3)]
    if input is None:
        os.close(pipes[0][0])
        pipes[0] = (os.open(os.devnull, os.O_RDONLY), pipes[0][1])
    theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
    ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
    with _start(argv, env, cwd, theirs) as child:
        out, err = _communicate((input or "").encode(), *ours, pid=child.pid, timeout=timeout,
                                argv=argv)
        code = child.wait(timeout)
    return subprocess.CompletedProcess(argv, code, _text(out), _text(err))


class Forked:
    """A child of the zygote, as much of `subprocess.Popen` as the tests use: pid, poll, wait,
    send_signal, terminate, kill, returncode (and `stdout` when the caller sets one)."""

    def __init__(self, conn: socket.socket, argv: list[str]) -> None:
        self._conn = conn
        self._reader = conn.makefile("rb")
        self.args = argv
        self.pid: int = json.loads(self._reader.readline())["pid"]
        self.returncode: int | None = None
        self.stdout: Any = None

    def poll(self) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._conn], [], [], 0)
            if ready:
                self._read_code(None)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._read_code(timeout)
        assert self.returncode is not None
        return self.returncode

    def _read_code(self, timeout: float | None) -> None:
        self._conn.settimeout(timeout)
        try:
            line = self._reader.readline()
        except TimeoutError:
            raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
        self.returncode = json.loads(line)["code"]
        self.close()

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def close(self) -> None:
        self._reader.close()
        self._conn.close()

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.returncode is None:
            self.kill()
            self.wait()


def _start(argv: list[str], env: Mapping[str, str], cwd: Path | str | None,
           fds: list[int]) -> Forked:
    """Ask the zygote for a child on these fds (0, 1, 2; closed here once sent)."""
    request = {"argv": argv, "env": dict(env), "cwd": str(cwd or os.getcwd())}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(_the_zygote().address)
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], fds)
        return Forked(conn, argv)
    except BaseException:
        conn.close()
        raise
    finally:
        for number in fds:
            os.close(number)


def spawn(args: list[str] | tuple[str, ...], *, env: Mapping[str, str], stdout: int,
          stderr: int) -> Forked | subprocess.Popen[bytes]:
    """`openrush-tui ARGS` left running (stdin /dev/null; stdout and stderr on the caller's
    fds, which stay the caller's to close), as `subprocess.Popen` starts it."""
    argv = [*command(), *args]
    if _fresh(env):
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                env=dict(env))
    return _start(argv, env, None, [os.open(os.devnull, os.O_RDONLY), os.dup(stdout),
                                    os.dup(stderr)])


def _text(data: bytes) -> str:
    """As `subprocess.run(text=True)` decodes: the locale's encoding, universal newlines."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _communicate(data: bytes, stdin: int, stdout: int, stderr: int, *, pid: int,
                 timeout: float, argv: list[str]) -> tuple[bytes, bytes]:
    """Write `data` to the child's stdin and read its stdout and stderr to their ends."""
    got: dict[int, list[bytes]] = {stdout: [], stderr: []}
    with selectors.DefaultSelector() as selector:
        if data:
            os.set_blocking(stdin, False)
            selector.register(stdin, selectors.EVENT_WRITE)
        else:
            os.close(stdin)
        for number in (stdout, stderr):
            selector.register(number, selectors.EVENT_READ)
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                for key in list(selector.get_map().values()):
                    os.close(key.fd)
                raise subprocess.TimeoutExpired(argv, timeout)
            for key, _ in selector.select(left):
                if key.fd == stdin:
                    try:
                        view = view[os.write(stdin, view[:65536]):]
                    except BrokenPipeError:
                        view = view[:0]
                    if not view:
                        selector.unregister(stdin)
                        os.close(stdin)
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    got[key.fd].append(chunk)
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return b"".join(got[stdout]), b"".join(got[stderr])


# -- the zygote --------------------------------------------------------------------------------


def _serve(address: str) -> dict[str, Any] | None:
    """Fork a child per request; return the request in the child, None when told to end."""
    from openrush_tui import main as entry  # noqa: F401  (the script's import)
    from openrush_tui.cli import build_parser

    build_parser(["--help"])  # every command module imported before the first run
    for name in ("httpx", "pydantic", "openrush_tui.api.client", "openrush_tui.api.models"):
        __import__(name)
    with contextlib.suppress(ImportError):  # `sandbox serve` (the sandbox extra)
        for name in ("uvicorn", "fastapi", "openrush_tui.sandbox.app"):
            __import__(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, socket.socket] = {}
    os.write(sys.stdout.fileno(), b"ready\n")  # never through sys.stdout: its buffer stays empty
    lifeline = sys.stdin.fileno()
    with selectors.DefaultSelector() as selector:
        for item in (listener, wake_read, lifeline):
            selector.register(item, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fd == lifeline:
                    return None
                if key.fd == wake_read:
                    os.read(wake_read, 4096)
                    _reap(children)
                    continue
                conn, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                while not message.endswith(b"\n"):
                    message += conn.recv(1 << 20)
                pid = os.fork()
                if pid == 0:  # the child: the zygote's own ends closed, the run's set up
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for item in (listener, conn, *children.values()):
                        item.close()
                    for number in (wake_read, wake_write):
                        os.close(number)
                    request: dict[str, Any] = json.loads(message)
                    for target, number in enumerate(fds):
                        os.dup2(number, target)
                        os.close(number)
                    return request
                for number in fds:
                    os.close(number)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                children[pid] = conn
                _reap(children)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):  # the caller gave up (its timeout)
                conn.sendall(json.dumps({"code": code}).encode() + b"\n")
            conn.close()


def _become(request: dict[str, Any]) -> None:
    """The child takes the run's environment, folder, argv and Python's start-up signals."""
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    sys.path[0] = os.path.dirname(sys.argv[0])  # as for the script: its folder, not ours
    if os.environ.get("PYTHONUNBUFFERED") and not getattr(sys.stdout, "write_through", True):
        # As `python -u` makes them: no buffer under the text layer, each write passed on.
        sys.stdout, sys.stderr = (
            io.TextIOWrapper(io.FileIO(number, "w", closefd=False), encoding=stream.encoding,
                             errors=stream.errors, write_through=True,
                             line_buffering=bool(stream.line_buffering))
            for number, stream in ((1, sys.stdout), (2, sys.stderr)))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                   signal.SIGUSR2, signal.SIGALRM):
        signal.signal(number, signal.SIG_DFL)


if __name__ == "__main__":
    run = _serve(sys.argv[1])
    if run is not None:
        _become(run)
        from openrush_tui.main import main

        sys.exit(main())
