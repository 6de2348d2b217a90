"""A pasted session token (issue 22): nothing here can renew it, so `status` and Setup say when
it ends ("until …") or that it has ("expired …"), read from the token's own `exp` claim (the
API says nothing else about a session's end: docs/oauth.md), and its 401 says "This session
token has expired or was revoked: sign in again" rather than a key's words. `status` keeps
every line within 80 columns.

The server is scripted on 127.0.0.1 (a 401 with the API's own detail, or a balance); the
token is made here, unsigned: the client reads its claims, never verifies them.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from openrush_tui.api.errors import SESSION_REFUSED
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.status import TerminalStatus
from openrush_tui.clock import fixed_clock
from openrush_tui.main import main
from tests.support.apps import remote_app, settle, text_of
from tests.support.flows import sign_in_with
from tests.support.scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.usefixtures("isolated_home")

PAST = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
FUTURE = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def part(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def session_token(**claims: Any) -> str:
    """A Dashboard session token's shape (a JWT); the signature is never checked here."""
    return ".".join([part({"alg": "HS256", "typ": "JWT"}),
                     part({"sub": "acct_pasted", "aud": "authenticated", **claims}),
                     "c2lnbmF0dXJl"])


def status_text(url: str, token: str, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("OPENRUSH_KEY", token)
    code = main(["status", "--api-url", url])
    return code, capsys.readouterr().out


def test_status_says_when_a_pasted_session_token_ends(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer() as api:
        api.route("GET", "/v1/me/credits", Reply(200, {"balance": 500}))
        code, out = status_text(api.url, session_token(exp=int(FUTURE.timestamp())),
                                monkeypatch, capsys)
    assert code == 0, out
    assert "Session   until 2099-01-02 03:04:05 UTC; it cannot be renewed" in out, out
    assert all(len(line) <= 80 for line in out.splitlines()), out


def test_status_says_a_refused_session_token_expired(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer() as api:
        api.route("GET", "/v1/me/credits", Reply(401, {"detail": "Session token has expired."}))
        code, out = status_text(api.url, session_token(exp=int(PAST.timestamp())),
                                monkeypatch, capsys)
    assert code == 1
    assert "signed in with a session token the server rejects (expired)" in out, out
    assert "Session   expired 2020-01-02 03:04:05 UTC: sign in again" in out, out
    assert f"{SESSION_REFUSED}." in out and "API key" not in out, out
    assert all(len(line) <= 80 for line in out.splitlines()), out


def test_a_key_or_a_token_without_an_end_has_no_session_row() -> None:
    from openrush_tui.auth.status import session_token_end

    def rows(secret: str, source: str = "environment") -> list[str]:
        key = StoredKey(Secret(secret), source)  # type: ignore[arg-type]
        status = TerminalStatus(server="OpenRush", api_url="https://api.openrush.io",
                                mcp_url="https://api.openrush.io/mcp", profile="default",
                                key=key, now=datetime(2030, 1, 1, tzinfo=UTC))
        return [label for label, _ in status.rows()]

    assert "Session" not in rows("or_" + "k" * 40)
    assert "Session" not in rows(session_token())  # no exp
    assert "Session" not in rows(session_token(exp="soon"))
    assert "Session" not in rows(session_token(exp=10**30))
    assert "Session" not in rows(session_token(exp=int(FUTURE.timestamp())), "sandbox")
    assert "Session" in rows(session_token(exp=int(FUTURE.timestamp())), "keyring")
    assert session_token_end(Secret(session_token(exp=int(PAST.timestamp())))) == PAST


async def test_setup_says_a_pasted_session_token_expired() -> None:
    with ScriptedServer() as api:
        api.route("GET", "/v1/me/credits", Reply(401, {"detail": "Session token has expired."}))
        app = remote_app(api.url, session_token(exp=int(PAST.timestamp())), page="setup")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            terminal = text_of(app.screen.query_one("#terminal", Static))
            line = text_of(app.screen.query_one("#connection", Static))
    assert "Session    expired 2020-01-02 03:04:05 UTC: sign in again" in terminal, terminal
    assert "a session token the server rejects (expired)" in terminal, terminal
    assert line.startswith(f"{SESSION_REFUSED}."), line


async def test_the_sign_in_dialog_says_a_pasted_session_token_expired() -> None:
    """Pasted in the sign-in dialog, an expired session token is refused in its own words,
    not a key's ("The server did not accept the API key…")."""
    with ScriptedServer() as api:
        api.route("GET", "/.well-known/.*", Reply(404, {"detail": "Not Found"}))
        api.route("GET", "/v1/me/credits", Reply(401, {"detail": "Session token has expired."}))
        app = remote_app(api.url, None, page="setup")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await sign_in_with(pilot, session_token(exp=int(PAST.timestamp())))
            said = text_of(app.screen.query_one("#sign-in-status", Static))
    assert " ".join(said.split()) == f"{SESSION_REFUSED}.", said


async def test_setup_judges_a_session_s_end_by_the_app_s_clock() -> None:
    """On an app whose clock stands a day before the token's end (a fixed-clock demo), Setup
    says "until …", as `status` with that clock would, not "expired" by the system's."""
    with ScriptedServer() as api:
        api.route("GET", "/v1/me/credits", Reply(200, {"balance": 500}))
        app = remote_app(api.url, session_token(exp=int(PAST.timestamp())), page="setup",
                         clock=fixed_clock(PAST - timedelta(days=1)))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            terminal = text_of(app.screen.query_one("#terminal", Static))
    assert "Session    until 2020-01-02 03:04:05 UTC; it cannot be renewed" in terminal, terminal
