"""What a new user's trial of the command line found (80 and 60 columns, a sandbox over HTTP,
no keyring), each as the user met it:

- every help text (each command's --help, found by walking the parser, and each `help TOPIC`)
  fits the terminal, its examples wrapped with a shell continuation and its usage wrapped;
- an unusable --api-url or OPENRUSH_API_URL is a usage error (exit 2) said before any key is
  looked up; a TLS failure's reason is said whole (wrapped, never cut);
- `keys revoke` of a key already revoked, without --yes and without a terminal, says so and
  exits 0;
- the dashboard's and the command line's ages of one key agree (one rule, two forms);
- a server that does not answer: after a moment, one line on a terminal's stderr saying the
  command waits for it, gone once the answer comes; nothing when stderr is not a terminal.

In this process (`cli.main`), against the real sandbox over HTTP on 127.0.0.1 behind a front
that can hold an answer on an event (`scripted_server.Fault.hold`).
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.api.errors import ConnectionFailed
from openrush_tui.auth import credentials
from openrush_tui.auth.secret import Secret
from openrush_tui.cli import build_parser, main
from openrush_tui.commands import common, output
from openrush_tui.commands.examples import EXAMPLES
from openrush_tui.commands.help_topics import TOPICS, walk
from openrush_tui.commands.table import age
from openrush_tui.config import Settings
from openrush_tui.session import build_client
from openrush_tui.text.times import relative
from tests.support.faults import FaultySandbox, faulty_sandbox
from tests.support.patience import PATIENCE
from tests.support.scripted_server import Fault

pytestmark = pytest.mark.usefixtures("isolated_home")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # --help, and a usage error argparse says
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- 1. help at the terminal's width ------------------------------------------------------------

COMMANDS = [path for path, _ in walk(build_parser(["--help"]))]


@pytest.mark.parametrize("columns", [80, 60])
def test_every_help_text_fits_the_terminal(columns: int, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert ("keys", "rotate") in COMMANDS and ("completion",) in COMMANDS  # the walk found them
    texts = {f"{' '.join(path)} --help": run([*path, "--help"], capsys) for path in COMMANDS}
    texts.update({f"help {topic}": run(["help", topic], capsys) for topic in TOPICS})
    too_wide = []
    for name, (code, out, err) in texts.items():
        assert code == 0 and err == "", name
        too_wide += [(name, len(line), line) for line in out.splitlines() if len(line) > columns]
    assert too_wide == []


def examples_shown(out: str) -> list[tuple[str, str]]:
    """The examples section of a help, read back: each example's command (continued lines
    joined) and its note (from the comment lines above it, or after it on its line)."""
    commands: list[tuple[str, str]] = []
    note: list[str] = []
    pending = ""
    for line in out.split("\nexamples:\n", 1)[1].splitlines():
        text = line.strip()
        if text.startswith("# "):
            note.append(text[2:])
            continue
        pending += (" " if pending else "") + text.removesuffix(" \\")
        if text.endswith(" \\"):
            continue
        command, _, after = pending.partition("  # ")
        commands.append((command, " ".join([*note, after]).strip()))
        note, pending = [], ""
    return commands


@pytest.mark.parametrize("path", [(), ("keys",), ("keys", "rotate"), ("completion",),
                                  ("agents", "show")])
def test_a_wrapped_example_is_still_the_example(path: tuple[str, ...],
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run([*path, "--help"], capsys)
    wanted = [(command.strip(), note.strip()) for command, _, note in
              (example.partition("  # ") for example in EXAMPLES[path])]
    assert examples_shown(out) == wanted


@pytest.mark.parametrize("path", [("keys", "create"), ("keys", "rotate"), ("activity",),
                                  ("sandbox", "serve")])
def test_a_wrapped_usage_keeps_every_option(path: tuple[str, ...],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    usages = {}
    for columns in (60, 300):
        monkeypatch.setenv("COLUMNS", str(columns))
        _, out, _ = run([*path, "--help"], capsys)
        usages[columns] = out.split("\n\n", 1)[0].split()
    assert usages[60] == usages[300]


def test_help_environment_keeps_a_variable_s_meaning_together_at_60(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No meaning whose last line is only its path, and XDG_*_HOME beside their names."""
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run(["help", "environment"], capsys)
    assert not re.search(r"^ +\(\$XDG", out, re.MULTILINE), out
    assert re.search(r"^  XDG_DATA_HOME +\S", out, re.MULTILINE), out


# -- 2. an unusable API URL ---------------------------------------------------------------------

@pytest.fixture
def no_key_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    def looked_up(*args: object) -> None:
        raise AssertionError("the key was looked up before the URL was checked")

    monkeypatch.setattr(credentials, "find_key_for_server", looked_up)


@pytest.mark.usefixtures("no_key_lookup")
@pytest.mark.parametrize("command", [["keys", "list"], ["status"], ["credits"]])
@pytest.mark.parametrize(("given", "url"), [("--api-url", "not a url"),
                                             ("OPENRUSH_API_URL", "not a url"),
                                             ("--api-url", "http://example.com")])
def test_an_unusable_api_url_is_a_usage_error_said_first(
        command: list[str], given: str, url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    argv = list(command)
    if given == "--api-url":
        argv += ["--api-url", url]
    else:
        monkeypatch.setenv(given, url)
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"openrush-tui: {given}: The API URL"), err
    assert "saved" not in err and "signed in" not in err, err


def test_exit_codes_say_a_bad_api_url_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["help", "exit-codes"], capsys)
    usage = out.split("\n  2", 1)[1].split("\n  3", 1)[0]
    assert "OPENRUSH_API_URL" in " ".join(usage.split())


TLS_REASON = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
              "certificate is not valid for 'api.example.org'. (_ssl.c:1006)")


async def test_a_tls_failure_s_reason_is_said_whole() -> None:
    """The trial's message stopped at "certificate is not…": the part that says what is
    wrong. (The TLS failure is httpx's own error, raised by a transport: making a certificate
    that the client trusts but that names another host needs a CA this suite does not have.)"""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(TLS_REASON, request=request)

    settings = Settings(api_url="https://api.example.org")
    key = Secret("or_" + "k" * 40)  # a sandbox-like key: the request is refused before
    async with build_client(settings, key, transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.credits()
    assert TLS_REASON in str(caught.value)


def test_a_long_error_on_a_terminal_is_wrapped_not_cut(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    common.error(f"Could not connect to api.example.org ({TLS_REASON})")
    err = capsys.readouterr().err
    assert all(len(line) <= 60 for line in err.splitlines()), err
    assert " ".join(err.split()).endswith(f"({TLS_REASON})"), err


# -- the sandbox over HTTP ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("trial")) as env:
        yield env


@pytest.fixture
def signed_in(faulty: FaultySandbox, monkeypatch: pytest.MonkeyPatch) -> FaultySandbox:
    monkeypatch.setenv("OPENRUSH_KEY", faulty.key)
    monkeypatch.setenv("OPENRUSH_API_URL", faulty.server.url)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    faulty.server.clear()
    return faulty


# -- 3. keys revoke of a key already revoked ----------------------------------------------------

@pytest.mark.parametrize("as_json", [False, True])
def test_revoking_a_revoked_key_without_yes_or_a_terminal_says_so(
        as_json: bool, signed_in: FaultySandbox, capsys: pytest.CaptureFixture[str]) -> None:
    key_id = signed_in.new_key("revoked twice")
    assert run(["keys", "revoke", key_id, "--yes"], capsys)[0] == 0
    assert not common.stdin_is_terminal()  # as in a script: nobody to ask
    code, out, err = run(["keys", "revoke", key_id, *(["--json"] if as_json else [])], capsys)
    assert code == 0, err
    assert "is already revoked" in err and "refusing" not in err, err
    if as_json:
        assert [(entry["id"], entry["outcome"]) for entry in json.loads(out)["keys"]] == [
            (key_id, "already-revoked")]
    else:
        assert out == ""


def test_a_key_still_to_revoke_still_needs_yes_without_a_terminal(
        signed_in: FaultySandbox, capsys: pytest.CaptureFixture[str]) -> None:
    key_id = signed_in.new_key("still active")
    code, _, err = run(["keys", "revoke", key_id], capsys)
    assert code == 2 and "pass --yes" in err, err
    assert key_id in run(["keys", "list", "--json"], capsys)[1]  # not revoked


# -- 4. one age, two forms ----------------------------------------------------------------------

SHORT_UNITS = {"m": "minute", "h": "hour", "d": "day", "y": "year"}
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


def said(text: str) -> tuple[int, str, bool] | None:
    """(count, unit, in the future) of a long or a short age; None for "now"-like words."""
    found = re.fullmatch(r"(in )?(\d+) ?([a-z]+?)s?( ago)?", text)
    if found is None:
        return None
    unit = SHORT_UNITS.get(found[3], found[3])
    return int(found[2]), unit, bool(found[1])


@given(instants, instants)
def test_the_dashboard_and_the_command_line_say_one_age(one: datetime, other: datetime) -> None:
    long, short = relative(one, other), age(one, other, "never")
    long_said, short_said = said(long), said(short)
    if long_said is None or short_said is None:  # under a minute ("just now" / "now")
        assert long_said is None or short_said is None or long_said[0] == 1, (long, short)
        return
    assert long_said[2] == short_said[2], (long, short)  # the same side of now
    if long_said[1] == short_said[1]:  # the same unit: the same count
        assert long_said[0] == short_said[0], (long, short)


def test_the_trial_s_key_is_ten_days_old_both_ways() -> None:
    now = datetime(2026, 12, 7, 12, 0)
    created = now - timedelta(days=9, hours=15)
    assert (relative(created, now), age(created, now, "never")) == ("10 days ago", "10d ago")


# -- 5. a server that does not answer -----------------------------------------------------------

@pytest.fixture
def held(signed_in: FaultySandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The key list held until the event is set; the waiting line said at once (no clock)."""
    monkeypatch.setattr(common, "WAIT_BEFORE_SAYING", 0.0)
    monkeypatch.setenv("COLUMNS", "80")
    release = threading.Event()
    signed_in.server.inject(Fault(hold=release), "keys")
    yield release
    release.set()


def list_keys_in_a_thread(box: dict[str, int]) -> threading.Thread:
    def target() -> None:
        box["code"] = main(["keys", "list", "--json"])

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def read_until(fd: int, wanted: str, got: str = "") -> str:
    """What the pty gave until `wanted` is in it; a failure when nothing more comes."""
    while wanted not in got:
        ready, _, _ = select.select([fd], [], [], PATIENCE)
        if not ready:
            pytest.fail(f"{wanted!r} never came on the terminal; it showed {got!r}")
        got += os.read(fd, 4096).decode("utf-8", "replace")
    return got


def test_a_terminal_is_told_the_command_waits_for_the_server(
        held: threading.Event, signed_in: FaultySandbox) -> None:
    main_fd, terminal_fd = pty.openpty()
    terminal = open(terminal_fd, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    try:
        with redirect_stderr(terminal), redirect_stdout(io.StringIO()):
            box: dict[str, int] = {}
            thread = list_keys_in_a_thread(box)
            host = signed_in.server.url.removeprefix("http://")
            shown = read_until(main_fd, f"Waiting for {host} to answer…")
            assert box == {}  # still waiting: the server holds the answer
            held.set()
            thread.join(PATIENCE)
            assert box == {"code": 0}
        cleared = read_until(main_fd, "\r\x1b[K", shown.split("answer…", 1)[1])
        assert "Waiting" not in cleared  # said once, then gone
    finally:
        terminal.close()
        os.close(main_fd)


def test_nothing_is_said_of_waiting_when_stderr_is_not_a_terminal(
        held: threading.Event, signed_in: FaultySandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    box: dict[str, int] = {}
    thread = list_keys_in_a_thread(box)
    while "keys" not in signed_in.server.held:  # the request is at the server, held
        assert thread.is_alive()
        threading.Event().wait(0.01)
    held.set()
    thread.join(PATIENCE)
    assert box == {"code": 0}
    err = capsys.readouterr().err
    assert "Waiting" not in err and "\x1b" not in err, err
