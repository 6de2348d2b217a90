"""The fault matrix, command line: every network command against every fault.

Each case asserts what a user needs: no traceback, an answer within the deadline (no hang),
the documented exit code, and no message that contradicts what the server did (a key that was
stored is never "not created", a revoke that went through is never "not revoked", no absurd
wait). The commands run in-process (short deadlines are set on the client), against the real
sandbox behind a faulty front (`tests.support.scripted_server.FaultServer`).
"""

from __future__ import annotations

import io
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.cli import main
from tests.support.accounts import UseKeyring
from tests.support.faults import (
    DEADLINE,
    FAULTS,
    PATIENCE,
    UNREADABLE_2XX,
    FaultySandbox,
    Matrix,
    contradictions,
    faulty_sandbox,
    server_did_write,
    short_timeouts,
)

# command → (arguments, requests it makes one after the other, the write it does)
COMMANDS: dict[str, tuple[list[str], int, str | None]] = {
    "credits": (["credits"], 1, None),
    "keys list": (["keys", "list", "--all"], 1, None),
    "keys create": (["keys", "create", "made under a fault"], 1, "create"),
    # The key list it reads first (to find keys by name) is the `keys list` row's business:
    # here the fault is on the revoke itself.
    "keys revoke": (["keys", "revoke", "--yes"], 2, "revoke"),
    "activity": (["activity", "--limit", "5"], 1, None),
    "status": (["status"], 2, None),
    "login": (["login", "--insecure-storage"], 2, None),
}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("cli-faults")) as env:
        yield env


def expected_exit(command: str, fault: str) -> int:
    if command == "keys revoke" and fault in UNREADABLE_2XX:
        return 0  # a 2xx says the key is revoked, whatever its body
    if fault == "200 absurd dates" and command in ("credits", "status", "login"):
        return 0  # their balance is fine; only the key list's dates are out of range
    return 1


def run_cli(argv: list[str]) -> tuple[int | None, str, str, float]:
    """Exit code (None: still running after PATIENCE), stdout, stderr, seconds taken."""
    out, err = io.StringIO(), io.StringIO()
    box: dict[str, int] = {}

    def target() -> None:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                box["code"] = main(argv)
            except SystemExit as exc:
                box["code"] = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                err.write(traceback.format_exc())
                box["code"] = -1

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(PATIENCE * 2)
    return box.get("code"), out.getvalue(), err.getvalue(), time.monotonic() - started


@pytest.mark.parametrize("command", COMMANDS)
def test_every_fault(command: str, faulty: FaultySandbox, isolated_home: Path,
                     use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(fail.Keyring())
    short_timeouts(monkeypatch)
    monkeypatch.setenv("OPENRUSH_API_URL", faulty.server.url)
    monkeypatch.setenv("OPENRUSH_KEY", faulty.key)
    args, requests, write = COMMANDS[command]
    matrix = Matrix(f"cli-{command.replace(' ', '-')}")
    for name, fault in FAULTS.items():
        argv = list(args)
        if command == "keys revoke":
            argv.append(faulty.new_key(f"to revoke under {name}"))
        if command == "keys create":
            argv[-1] = f"made under {name}"
        if command == "login":
            monkeypatch.setattr("sys.stdin", io.StringIO(faulty.key + "\n"))
        faulty.server.inject(fault, *(("revoke",) if command == "keys revoke" else ()))
        code, out, err, took = run_cli(argv)
        faulty.server.clear()
        problems = []
        if code is None:
            problems.append("hang")
        elif code == -1:
            problems.append("traceback: " + err.strip().splitlines()[-1].split(":")[0])
        else:
            if took > requests * DEADLINE + 2.0:
                problems.append(f"answer after {took:.0f} s")
            if code != expected_exit(command, name):
                problems.append(f"exit {code}")
            problems += [p for p in contradictions(out + err, write=write, fault=name)
                         if p not in problems]
            if write == "create" and server_did_write(name):
                assert argv[-1] in faulty.names()  # the harness: the write did happen
                if "created" not in err:
                    problems.append("the stored key is not mentioned")
        matrix.record(command, name, problems)
    matrix.check()
