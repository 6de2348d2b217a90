"""Every subcommand, found by walking the parser, under what a terminal, a pipe, a disk and a
signal do to a real process: stdout closed (``>&-``), full (``> /dev/full``), read by nobody
(``| true``), on a disk that fills mid-write; stdin not a terminal; SIGINT, SIGTERM and SIGHUP
while a request hangs. (The server faults are tests/test_fault_matrix_cli.py's.)

Each case asserts: no traceback, an end within the deadline, the documented exit code, and
the right words: a lost output is one line naming what the command made; a reader that left
early ends a read-only command quietly; a signal says where things stand.

The cases run in one subprocess (`support.cli_runner`) on real file descriptors; the sandbox
is one per module, in this process behind `FaultServer`.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.command_matrix import (
    COMMANDS,
    OUTPUT_CONDITIONS,
    SHORT_DISK,
    SIGNALS,
    CliRunner,
    Command,
    Result,
    all_leaf_commands,
    leaf_of,
    runner_env,
)
from tests.support.faults import FaultySandbox, Matrix, contradictions, faulty_sandbox
from tests.support.scripted_server import Fault

HANG = Fault(trickle=3600.0)  # the headers, then nothing: the request hangs
LOST = "openrush-tui: could not write the output"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("matrix-sandbox")) as env:
        yield env


@pytest.fixture(scope="module")
def runner(faulty: FaultySandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliRunner]:
    folder = tmp_path_factory.mktemp("matrix")
    (folder / "home").mkdir()
    (folder / "scanned").mkdir()
    (folder / "scanned" / "deploy.env").write_text(f"OPENRUSH_KEY={faulty.key}\n")
    runner = CliRunner(runner_env(folder / "home", faulty.server.url, faulty.key), folder)
    yield runner
    runner.stop()


def test_every_subcommand_is_in_the_matrix() -> None:
    """A new subcommand fails here until the table says how to run it."""
    leaves = all_leaf_commands()
    assert "keys list" in leaves and "sandbox serve" in leaves  # the walk finds nested ones
    missing = [leaf for leaf in leaves if leaf not in COMMANDS]
    stale = [name for name in COMMANDS if leaf_of(name) not in leaves]
    assert not missing, f"add these subcommands to tests/support/command_matrix.COMMANDS: {missing}"
    assert not stale, f"no such subcommands any more: {stale}"


def argv_for(command: Command, faulty: FaultySandbox, runner: CliRunner, label: str,
             *, yes: bool = True) -> list[str]:
    values = {"{name}": f"matrix {label}", "{key}": faulty.key, "{folder}": str(runner.folder)}
    argv = []
    for arg in command.argv:
        if arg == "{key_id}":
            arg = faulty.new_key(f"matrix {label}")
        for mark, value in values.items():
            arg = arg.replace(mark, value)
        argv.append(arg)
    return argv if yes else [arg for arg in argv if arg != "--yes"]


def run(runner: CliRunner, faulty: FaultySandbox, name: str, how: str, **kwargs: object) -> Result:
    command = COMMANDS[name]
    for setup in command.setup:
        runner.run(list(setup), "file", stdin=faulty.key + "\n")
    label = f"{name} {how} {runner.cases}"
    stdin = command.stdin.replace("{key}", faulty.key)
    return runner.run(argv_for(command, faulty, runner, label, yes=kwargs.pop("yes", True)),
                      how, stdin=stdin if kwargs.pop("stdin", True) else "", **kwargs)


def basic_problems(result: Result, expected: int) -> list[str]:
    if result.code is None:
        return ["hang"]
    if result.code == "traceback" or "Traceback" in result.stderr:
        return ["traceback: " + result.stderr.strip().splitlines()[-1][:120]]
    problems = [f"exit {result.code} (expected {expected})"] if result.code != expected else []
    return problems + contradictions(result.stdout + result.stderr, write=None, fault="")


def lost_problems(result: Result, command: Command, how: str) -> list[str]:
    """The one line a lost output gets, last on stderr; naming what was made."""
    said = LOST
    if command.serves and how == "short":  # the full disk fails the database first
        said = "openrush-tui sandbox serve: "
    lines = [line for line in result.stderr.splitlines() if line.startswith(said)]
    if len(lines) != 1 or not result.stderr.rstrip().endswith(lines[0]):
        return [f"not one last line “{said}…”: {result.stderr[-200:]!r}"]
    if command.write == "create" and not re.search(r"“.+” \(cred_\w+\).*revoke it with "
                                                   r"`openrush-tui keys revoke cred_\w+`",
                                                   lines[0]):
        return [f"the key made is not named: {lines[0]!r}"]
    return []


# ~10 s when all is well; a command that kills or hangs the runner costs a restart each, and
# the table of what failed is worth the wait.
@pytest.mark.timeout(240)
def test_lost_output_and_stdin_not_a_terminal(runner: CliRunner, faulty: FaultySandbox) -> None:
    matrix = Matrix("cli-output")
    for name, command in COMMANDS.items():
        size = 1 << 30  # a server's announcement: longer than the short disk
        if not command.serves:
            normal = run(runner, faulty, name, "file")
            matrix.record(name, "as normal", basic_problems(normal, command.ok_exit))
            size = len(normal.stdout.encode())
            bare = run(runner, faulty, name, "file", yes=False, stdin=False)
            no_tty = command.ok_exit if command.no_tty_exit is None else command.no_tty_exit
            matrix.record(name, "stdin not a terminal", basic_problems(bare, no_tty))
        for how in OUTPUT_CONDITIONS:
            quiet = how == "gone" and command.read_only
            lost = size > 0 and not (how == "short" and size <= SHORT_DISK)
            expected = (0 if quiet else 1) if lost else command.ok_exit
            # The disk that fills mid-write meets an unbuffered stdout (PYTHONUNBUFFERED=1):
            # Python's own then makes one write(2) of a whole chunk and never checks its count.
            result = run(runner, faulty, name, how, unbuffered=how == "short")
            problems = basic_problems(result, expected)
            if lost and not quiet:
                problems += lost_problems(result, command, how)
            elif LOST in result.stderr:
                problems.append("says the output was lost")
            matrix.record(name, how, problems)
    matrix.check()


@pytest.mark.timeout(240)
def test_signals_while_waiting(runner: CliRunner, faulty: FaultySandbox) -> None:
    matrix = Matrix("cli-signals")
    for name, command in COMMANDS.items():
        if command.hang_on is None:
            continue
        for signum in SIGNALS:
            if command.serves:
                def started(path: Path) -> bool:
                    return path.exists() and "listening on" in path.read_text()
                when = started
            else:
                faulty.server.clear()  # forget the requests seen so far
                faulty.server.inject(HANG, command.hang_on)

                def hung(_path: Path, endpoint: str = command.hang_on) -> bool:
                    return endpoint in faulty.server.reached + faulty.server.refused
                when = hung
            result = run(runner, faulty, name, "file", stop_with=signum, when=when)
            faulty.server.clear()
            problems = basic_problems(result, 128 + signum)
            word = "interrupted" if signum == signal.SIGINT else \
                f"stopped by {signal.Signals(signum).name}"
            if not command.serves and f"openrush-tui: {word}." not in result.stderr:
                problems.append(f"does not say “{word}”: {result.stderr[-200:]!r}")
            said = " ".join(result.stderr.split())
            if command.on_signal and not re.search(command.on_signal, said):
                problems.append(f"does not say where things stand: {result.stderr[-300:]!r}")
            matrix.record(name, f"signal {signum}", problems)
    matrix.check()
