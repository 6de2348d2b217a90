"""Every subcommand of the command line, and how the matrix runs it (tests/test_command_matrix.py
and tests/test_fault_matrix_cli.py).

`leaf_commands` walks the real argparse tree; `COMMANDS` says, for each leaf, the arguments
it needs against the matrix's sandbox and which conditions apply. A leaf missing from the
table fails the enrolment test, so a new command is in the matrix the day it is written.

`CliRunner` runs cases in one subprocess (`cli_runner`): stdout closed, full, gone or filling
up; stdin not a terminal; a signal while a request hangs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Every runnable subcommand of `parser`, as "keys list", "login", … (recursively)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                inner = list(leaf_commands(child, (*prefix, name)))
                yield from inner or [" ".join((*prefix, name))]


def all_leaf_commands() -> list[str]:
    from openrush_tui.cli import build_parser

    return sorted(leaf_commands(build_parser(["--help"])))


@dataclass(frozen=True)
class Command:
    """How the matrix runs one subcommand.

    `argv` may hold {name} (a fresh key name), {key_id} (a fresh key of the account to revoke
    or rotate), {key} (the account's key), {folder} (a folder of this run). `hang_on` is the
    request a signal lands in (it is made to hang there); None: the command does no network.
    `fault_on`: the endpoint the server faults are put on (None: all of them).
    """

    argv: tuple[str, ...]
    read_only: bool
    hang_on: str | None = None
    write: str | None = None  # "create" or "revoke": what `faults.contradictions` checks
    ok_exit: int = 0
    fault_exit: int = 1
    fault_on: str | None = None
    stdin: str = ""
    no_tty_exit: int | None = None  # without --yes, stdin not a terminal and empty (None: ok_exit)
    setup: tuple[tuple[str, ...], ...] = ()
    serves: bool = False  # runs until stopped (the sandbox)
    on_signal: str = ""  # a regular expression stderr matches when a signal stopped it
    note: str = ""

    @property
    def network(self) -> bool:
        return self.hang_on is not None and not self.serves


LOGIN = ("login", "--insecure-storage")
INSTALL = ("agents", "install", "cursor", "--yes")

COMMANDS: dict[str, Command] = {
    "keys list": Command(("keys", "list", "--all"), True, hang_on="keys"),
    "keys create": Command(("keys", "create", "{name}"), False, hang_on="create",
                           write="create", on_signal="may have been created"),
    # The key list it reads first (to find keys by name) is `keys list`'s business: the
    # faults are on the revoke itself.
    "keys revoke": Command(("keys", "revoke", "--yes", "{key_id}"), False, hang_on="revoke",
                           write="revoke", fault_on="revoke", no_tty_exit=2,
                           on_signal="may have been revoked"),
    "keys audit": Command(("keys", "audit"), True, hang_on="keys"),
    # Stopped while the old key's revoke hangs: the new key was shown, both keys' states said.
    "keys rotate": Command(("keys", "rotate", "{key_id}", "--yes"), False, hang_on="revoke",
                           write="create", fault_on="create", no_tty_exit=2,
                           on_signal=r"The new key “.+” \(cred_\w+\) exists; the old key "
                                     r"“.+” \(cred_\w+\) may have been revoked"),
    # A working key of the account in a file: exit 3, and 3 too when it cannot be checked.
    "keys scan": Command(("keys", "scan", "{folder}/scanned"), True, hang_on="keys",
                         ok_exit=3, fault_exit=3),
    "login": Command(LOGIN, False, hang_on="credits", stdin="{key}\n", no_tty_exit=2,
                     on_signal="The key was not saved",
                     note="stdin not a terminal and empty: no key given (2)"),
    "logout": Command(("logout", "--yes"), False, setup=(LOGIN,), no_tty_exit=2,
                      note="no network: server faults and signals do not apply"),
    "status": Command(("status",), True, hang_on="credits"),
    "activity": Command(("activity", "--limit", "5"), True, hang_on="usage"),
    "credits": Command(("credits",), True, hang_on="credits"),
    "agents list": Command(("agents", "list"), True, note="local: output and stdin only"),
    "agents show": Command(("agents", "show", "cursor"), True, note="local: output only"),
    # Taken out first, so that there is a change to show and ask for.
    "agents install": Command(INSTALL, False, setup=(("agents", "uninstall", "cursor", "--yes"),),
                              no_tty_exit=2, note="local: output and stdin"),
    "agents uninstall": Command(("agents", "uninstall", "cursor", "--yes"), False,
                                setup=(INSTALL,), no_tty_exit=2,
                                note="local: output and stdin"),
    "completion": Command(("completion", "bash"), True, note="local: output only"),
    "help": Command(("help", "environment"), True, note="local: output only"),
    # Serves until stopped: no run "as normal"; signals once it says where it listens.
    "sandbox serve": Command(("sandbox", "serve", "--port", "0", "--db", "{folder}/serve.db"),
                             False, hang_on="listening", serves=True,
                             note="no server faults (it is the server); signals after start; "
                                  "a full disk fails its database first"),
}

# The --json variants of the commands that print after doing something: their output comes at
# another moment (one document at the end, or a line a step as `keys rotate --json`), so they
# meet lost output, signals and the server's faults too. "NAME --json" is NAME's leaf.
JSON_VARIANTS = ("keys revoke", "keys rotate", "login", "logout", "agents show",
                 "agents install", "agents uninstall")
COMMANDS.update({f"{name} --json": dataclasses.replace(
    COMMANDS[name], argv=(*COMMANDS[name].argv, "--json")) for name in JSON_VARIANTS})


def leaf_of(name: str) -> str:
    """The subcommand a matrix entry runs: "keys revoke" for "keys revoke --json"."""
    return name.removesuffix(" --json")


OUTPUT_CONDITIONS = ("closed", "full", "gone", "short")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SHORT_DISK = 100  # bytes left on the disk in the "short" condition


@dataclass
class Result:
    code: int | str | None  # None: still running at the deadline; "traceback"; "killed by …"
    stderr: str = ""
    stdout: str = ""
    seconds: float = 0.0


@dataclass
class CliRunner:
    """One `cli_runner` subprocess, restarted when a case kills it or hangs."""

    env: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    _buffer: bytes = b""
    _fds: tuple[int, int] = field(default=(-1, -1))
    _eof: bool = False
    cases: int = 0

    def start(self) -> None:
        to_runner, from_us = os.pipe()
        from_runner, to_us = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_runner", str(to_runner), str(to_us)],
            pass_fds=(to_runner, to_us), stdin=subprocess.DEVNULL,
            stdout=(self.folder / "runner.out").open("ab"),
            stderr=(self.folder / "runner.err").open("ab"), cwd=ROOT, env=self.env)
        os.close(to_runner)
        os.close(to_us)
        self._fds = (from_us, from_runner)
        self._buffer = b""
        self._eof = False

    def stop(self) -> None:
        if self.process is None:
            return
        for number in self._fds:
            os.close(number)
        self.process.kill()
        self.process.wait()
        self.process = None

    def run(self, argv: list[str], how: str, *, stdin: str = "", patience: float = 30.0,
            stop_with: int | None = None, when: Callable[[Path], bool] | None = None,
            env: dict[str, str] | None = None, disk_left: int = SHORT_DISK,
            unbuffered: bool = False) -> Result:
        """Run `argv` with stdout `how` ("file", "closed", "full", "gone", or "short": a disk
        with `disk_left` bytes), buffered as Python's is unless `unbuffered` (PYTHONUNBUFFERED);
        with `stop_with`, send that signal once `when(path of the case's stdout)` is true."""
        if self.process is None:
            self.start()
        assert self.process is not None
        self.cases += 1
        path = self.folder / f"stdout-{self.cases}.txt"
        case = {"argv": argv, "stdout": how, "stdin": stdin, "path": str(path),
                "fsize": disk_left, "env": env or {}, "unbuffered": unbuffered}
        os.write(self._fds[0], (json.dumps(case) + "\n").encode())
        deadline = time.monotonic() + patience
        if stop_with is not None:
            while not (when is None or when(path)):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    break
                time.sleep(0.02)
            self.process.send_signal(stop_with)
        line = self._line(deadline)
        if line is None:  # killed (then reaped at once), or still running: a hang
            try:
                died = self.process.wait(timeout=2) if self._eof else None
            except subprocess.TimeoutExpired:
                died = None
            self.stop()
            code = f"killed by {signal.Signals(-died).name}" if died and died < 0 else None
            return Result(code, stdout=_read(path))
        answer = json.loads(line)
        return Result(answer["code"], answer["stderr"], _read(path), answer["seconds"])

    def _line(self, deadline: float) -> bytes | None:
        assert self.process is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._fds[1]], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._fds[1], 65536)
            if not chunk:
                self._eof = True
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def runner_env(home: Path, api_url: str, key: str) -> dict[str, str]:
    """A home of its own, the matrix's server and key, no desktop keyring."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), OPENRUSH_API_URL=api_url, OPENRUSH_KEY=key,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH")))))
    return env
