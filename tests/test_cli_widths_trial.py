"""The command line at the trial's widths (issue 20): `status` after a browser sign-in, the
`keys scan` summary, `agents list`, `keys audit`, the dashboard's refusal without a terminal,
and `login` with a key over a browser sign-in kept for the same profile and server.

In this process (`main`) against a threaded sandbox over HTTP on 127.0.0.1; stdout is made to
look like a terminal (as a person's would) and `COLUMNS` says its width.
"""

from __future__ import annotations

import fcntl
import getpass
import io
import json
import os
import re
import struct
import sys
import termios
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from keyring.backends import fail

from openrush_tui.auth.web import keeping
from openrush_tui.cli import COMMAND_MODULES, main
from openrush_tui.commands import output
from openrush_tui.commands.terminal import dashboard_refusal
from openrush_tui.sandbox.options import ExtraKey
from tests.support.browser_sign_in import signed_in_by_the_cli
from tests.support.budget_clocks import Clocks
from tests.support.lifecycle import ACTIVE_KEY, REVOKED_KEY
from tests.support.threaded_sandbox import Served, threaded_sandbox

UNKNOWN_KEY = "or_UnknownKey0123456789abcdefghijABCDEFGHIJ"  # no server knows it
EXTRA_KEYS = (ExtraKey("Planted revoked", key=REVOKED_KEY, created_days_ago=30, revoked=True),
              ExtraKey("Planted active", key=ACTIVE_KEY, created_days_ago=3,
                       last_used_days_ago=1, expires_in_days=30),
              ExtraKey("Expired three days ago", created_days_ago=40, expires_in_days=-3))


@pytest.fixture(scope="module")
def clock() -> Clocks:
    return Clocks(start=datetime.now(UTC))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clock: Clocks) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("cli-widths"), sign_in_clock=clock.wall,
                          token_seconds=3600, device_interval=1,
                          extra_keys=EXTRA_KEYS) as running:
        yield running


def terminal(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    """stdout a terminal `columns` wide."""
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", str(columns))


def wide(text: str, width: int) -> list[str]:
    return [line for line in text.splitlines() if len(line) > width]


@pytest.fixture
def by_key(served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
           monkeypatch: pytest.MonkeyPatch) -> str:
    """Signed in with the demo account's key through OPENRUSH_KEY; the key."""
    use_keyring(fail.Keyring())
    key = served.sandbox.mint_bootstrap_key()
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", key)
    return key


@pytest.fixture
def browser(served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
            capsys: pytest.CaptureFixture[str]) -> keeping.Kept:
    """Signed in through the browser: `login --web --no-wait`, approved, `--resume`."""
    use_keyring(fail.Keyring())
    return signed_in_by_the_cli(served.base_url, capsys)


def test_status_of_a_browser_sign_in_fits_and_shows_balance_and_mcp(
        browser: keeping.Kept, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    terminal(monkeypatch, 60)
    assert main(["status"]) == 0
    said = capsys.readouterr().out
    assert "signed in through the browser" in said, said
    assert not wide(said, 60), said
    labels = [line.split()[0] for line in said.splitlines() if line[:1].strip()]
    assert "Balance" in labels and "MCP" in labels, said


def test_the_scan_summary_wraps_at_the_width(by_key: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.env").write_text(f"KEY={ACTIVE_KEY}\nOLD={REVOKED_KEY}\n")
    (tmp_path / "b.env").write_text(f"KEY={UNKNOWN_KEY}\n")
    terminal(monkeypatch, 60)
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    main(["keys", "scan", str(tmp_path)])
    said = capsys.readouterr()
    summary = said.err.rpartition("\r\x1b[K")[2]  # after the progress line, cleared
    assert "3 keys found: 1 active, 1 revoked, 1 unknown." in " ".join(summary.split()), said
    assert not wide(summary, 60), summary
    assert not wide(said.out, 60), said.out


@pytest.mark.parametrize("columns", [80, 60])
def test_agents_list_keeps_its_columns(columns: int, isolated_home: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    terminal(monkeypatch, columns)
    assert main(["agents", "list"]) == 0
    said = capsys.readouterr().out
    assert not wide(said, columns), said
    header = said.splitlines()[0].split()
    assert header[:1] == ["AGENT"] and "INSTALL" in header, said
    if columns == 80:
        assert "NAME" in header, said
    windsurf = next(line for line in said.splitlines() if line.startswith("windsurf"))
    assert windsurf.endswith("/mcp_config.json") and "…" in windsurf, said  # cut in the middle


def test_keys_audit_shows_a_cut_id_is_cut(by_key: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    terminal(monkeypatch, 60)
    main(["keys", "audit"])
    said = capsys.readouterr().out
    assert not wide(said, 60), said
    ids = re.findall(r"\bcred_\S*", said)
    assert ids, said
    # Each id shown whole (as --json gives them) or marked as cut.
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: False)
    main(["keys", "list", "--json"])
    whole = set(re.findall(r'"(cred_[^"]+)"', capsys.readouterr().out))
    assert all(shown in whole or shown.endswith("…") for shown in ids), (ids, said)


@pytest.mark.parametrize("environ", [{}, {"COLUMNS": "60"}], ids=["pty-80", "COLUMNS-60"])
def test_the_refusal_without_a_terminal_wraps_at_words(environ: dict[str, str]) -> None:
    """stdin the null device, stdout and stderr a terminal 80 columns wide (a real pty)."""
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        fds = {"stdin": None, "stdout": slave, "stderr": slave}
        said = dashboard_refusal(COMMAND_MODULES, fds=fds,
                                 environ={"TERM": "xterm", "SSH_CLIENT": "10.0.0.1 1 22",
                                          **environ})
        piped = dashboard_refusal(COMMAND_MODULES, fds={**fds, "stderr": None},
                                  environ={"TERM": "xterm", "SSH_CLIENT": "10.0.0.1 1 22"})
    finally:
        os.close(master)
        os.close(slave)
    assert said and piped and "\n" not in piped  # a log or a pipe: one line, grep-able
    width = int(environ.get("COLUMNS", "80"))
    assert not wide(said, width), said
    assert " ".join(said.splitlines()) == piped, said  # broken between words only


class Typed(io.StringIO):
    """stdin a terminal on which the person types these lines."""

    def isatty(self) -> bool:
        return True


def still_signed_in(served: Served, kept: keeping.Kept) -> bool:
    """Whether the server still takes the browser sign-in's access token."""
    with httpx.Client(base_url=served.base_url) as http:
        answer = http.get("/v1/me/credits",
                          headers={"Authorization":
                                   f"Bearer {kept.session.access_token.reveal()}"})
    return answer.status_code != 401


def test_a_key_over_a_browser_sign_in_asks_on_a_terminal(
        served: Served, browser: keeping.Kept, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    key = served.sandbox.mint_bootstrap_key()
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": key)
    login = ["login", "--insecure-storage", "--api-url", served.base_url]
    monkeypatch.setattr(sys, "stdin", Typed("\n"))  # Enter: Cancel
    assert main(login) == 0
    said = capsys.readouterr()
    assert "browser" in said.err and "[y/N]" in said.err, said
    assert keeping.find("default") is not None and still_signed_in(served, browser)
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key"]["source"] == "browser"

    monkeypatch.setattr(sys, "stdin", Typed("y\n"))
    assert main(login) == 0
    said = capsys.readouterr()
    ended = [line for line in said.out.splitlines() if "browser sign-in" in line]
    assert len(ended) == 1 and "ended" in ended[0], said
    assert keeping.find("default") is None and not still_signed_in(served, browser)
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key"]["source"] != "browser"


def test_a_key_over_a_browser_sign_in_needs_yes_off_a_terminal(
        served: Served, browser: keeping.Kept, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    key = served.sandbox.mint_bootstrap_key()
    login = ["login", "--insecure-storage", "--api-url", served.base_url]
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
    assert main(login) == 2
    assert "--yes" in capsys.readouterr().err
    assert keeping.find("default") is not None and still_signed_in(served, browser)

    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
    code = main([*login, "--yes"])
    said = capsys.readouterr()
    assert code == 0, said
    assert "browser sign-in" in said.out, said
    assert keeping.find("default") is None and not still_signed_in(served, browser)
