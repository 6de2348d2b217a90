"""The fault matrix, command line: every subcommand that talks to the server, against every fault.

The commands are the parser's own (`command_matrix.all_leaf_commands`, with the arguments of
`command_matrix.COMMANDS`); one that does no network is listed with why and skipped. Each
case asserts what a user needs: no traceback, an answer (no hang), the documented exit code,
no message that contradicts what the server did (a key that was stored is never "not created",
a revoke that went through is never "not revoked", no absurd wait printed), and no more waits
or requests than the requests' deadlines and retries allow (an absurd Retry-After is refused,
never slept). The waits asked for are recorded (`faults.record_waits`) and the requests counted
by the front, not timed: a loaded machine cannot fail a case. The commands run in-process
(short deadlines are set on the client), against the real sandbox behind a faulty front
(`tests.support.scripted_server.FaultServer`); "connection refused" is an address where nothing
listens.
"""

from __future__ import annotations

import io
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.api.client import OpenRushClient
from openrush_tui.cli import main
from tests.support.accounts import UseKeyring
from tests.support.command_matrix import COMMANDS, all_leaf_commands, leaf_of
from tests.support.faults import (
    DEADLINE,
    FAULTS,
    MAX_BODY,
    PATIENCE,
    TRICKLE,
    UNREADABLE_2XX,
    FaultySandbox,
    Matrix,
    contradictions,
    faulty_sandbox,
    record_waits,
    short_timeouts,
)
from tests.support.scripted_server import Fault, unused_port

REFUSED = "connection refused"
# Beyond the catalogue the pages share: a request that hangs (its headers, then nothing),
# a huge well-formed JSON answer, and nothing listening at all.
CLI_FAULTS: dict[str, Fault | None] = {
    **FAULTS,
    "hang": Fault(trickle=3600.0),
    "200 huge JSON": Fault(body={"filler": "x" * (MAX_BODY + 1024), "balance": 5,
                                 "api_credentials": [], "items": []}),
    # A byte every TRICKLE s (under the read timeout) of an answer that takes 5 minutes to
    # send: only the request's overall deadline ends it; a client timing reads alone would
    # run into PATIENCE and be a "hang" here (the API's own short bodies would end in seconds).
    "trickle": Fault(trickle=TRICKLE, body={"filler": "x" * 2000, "balance": 5,
                                            "api_credentials": [], "items": []}),
    REFUSED: None,
}
# The tries one request may make: the first and the client's retries (a GET's, on a drop, a 429
# or a 503).
ATTEMPTS = 1 + (OpenRushClient.__init__.__kwdefaults__ or {}).get("max_retries", 2)
# Each subcommand, and the --json variants (`command_matrix.JSON_VARIANTS`) that use the network.
NETWORK = [name for name in COMMANDS if COMMANDS[name].network]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("cli-faults")) as env:
        yield env


UNREADABLE = UNREADABLE_2XX | {"200 huge JSON"}  # 2xx answers whose body cannot be used


def reaches(fault: str) -> bool:
    """Whether a write under this fault reaches the API and takes effect."""
    found = CLI_FAULTS[fault]
    return found is not None and found.reaches_api


def expected_exit(command: str, fault: str) -> int:
    leaf = leaf_of(command)
    if leaf == "keys revoke" and fault in UNREADABLE:
        return 0  # a 2xx says the key is revoked, whatever its body
    if fault == "200 absurd dates" and leaf in ("credits", "status", "login"):
        return 0  # their balance is fine; only the key list's dates are out of range
    return COMMANDS[command].fault_exit


def run_cli(argv: list[str]) -> tuple[int | None, str, str]:
    """Exit code (None: still running after twice PATIENCE, a hang), stdout, stderr."""
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

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(PATIENCE * 2)
    return box.get("code"), out.getvalue(), err.getvalue()


def test_the_commands_without_network_say_why() -> None:
    """Every subcommand is here or says why not (the enrolment itself is test_command_matrix's)."""
    local = [name for name in all_leaf_commands() if not COMMANDS[name].network]
    assert all(COMMANDS[name].note for name in local), local
    assert {"keys list", "keys rotate", "keys scan", "activity"} <= set(NETWORK)


def argv_for(command: str, faulty: FaultySandbox, label: str, folder: Path) -> list[str]:
    """The table's arguments: {name} is `label` (a key created), {key_id} a fresh key's id
    (named `label`: a rotation's replacement is `label` and a date)."""
    argv = []
    for arg in COMMANDS[command].argv:
        if arg == "{key_id}":
            arg = faulty.new_key(label)
        argv.append(arg.replace("{name}", label).replace("{folder}", str(folder)))
    return argv


@pytest.mark.parametrize("command", NETWORK)
def test_every_fault(command: str, faulty: FaultySandbox, isolated_home: Path,
                     use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch,
                     tmp_path: Path) -> None:
    use_keyring(fail.Keyring())
    short_timeouts(monkeypatch)
    waits = record_waits(monkeypatch)
    monkeypatch.setenv("OPENRUSH_KEY", faulty.key)
    (tmp_path / "scanned").mkdir()
    (tmp_path / "scanned" / "deploy.env").write_text(f"KEY={faulty.key}\n")
    spec = COMMANDS[command]
    requests = 2 if leaf_of(command) in ("keys revoke", "status", "login", "keys rotate") else 1
    matrix = Matrix(f"cli-{command.replace(' ', '-')}")
    for name, fault in CLI_FAULTS.items():
        label = f"{command} under {name}"
        argv = argv_for(command, faulty, label, tmp_path)
        before = Counter(faulty.names())  # a rotation's old key is named `label` too
        monkeypatch.setenv("OPENRUSH_API_URL", faulty.server.url if fault is not None
                           else f"http://127.0.0.1:{unused_port()}")
        monkeypatch.setattr("sys.stdin", io.StringIO(spec.stdin.replace("{key}", faulty.key)))
        if fault is not None:
            faulty.server.inject(fault, *((spec.fault_on,) if spec.fault_on else ()))
        waits.clear()
        code, out, err = run_cli(argv)
        sent = len(faulty.server.reached) + len(faulty.server.refused)
        faulty.server.clear()
        problems = []
        if code is None:
            problems.append("hang")
        elif code == -1:
            problems.append("traceback: " + err.strip().splitlines()[-1].split(":")[0])
        else:
            # What the wall-clock check said ("within requests × DEADLINE + 2 s") without a
            # clock: every retry's wait fits inside its request's deadline. The client asks
            # for a wait only when it ends before the deadline (and never one past
            # retry_wait_cap); a wait taken from an absurd Retry-After is the defect.
            if sum(waits) > requests * DEADLINE:
                problems.append(f"asked to wait {sum(waits):g} s")
            if sent > requests * ATTEMPTS:  # each request and its retries, no more
                problems.append(f"{sent} requests sent")
            if code != expected_exit(command, name):
                problems.append(f"exit {code}")
            problems += [p for p in contradictions(out + err, write=spec.write, fault=name,
                                                   did_write=reaches(name))
                         if p not in problems]
            if spec.write == "create" and reaches(name):
                made = Counter(key for key in faulty.names() if key.startswith(label)) - before
                # The harness: the write did happen. (A rotation first reads the key list: on
                # a loaded machine that read may run past the short deadline, and then no
                # create was sent and there is nothing to mention.)
                assert made or leaf_of(command) == "keys rotate", label
                if made and "created" not in err:
                    problems.append("the stored key is not mentioned")
        matrix.record(command, name, problems)
    matrix.check()
