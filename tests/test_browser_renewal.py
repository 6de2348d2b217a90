"""A browser sign-in's renewal after a 401 (issue 22).

A command signed in through the browser whose access token the server refuses mid-way (a 401:
the server's clock ran past the token's end, which the command's own clock had not reached)
renews once and sends the request again, as the dashboard does; a renewal the server refuses
says "Signed out: sign in again." And the other way round: on a dashboard signed in through
the browser, the sign-in dialog's check of a pasted key is the key's own: its 401 is never
sent again with the browser sign-in's token (which would take a wrong key as good).

The command line runs in this process (`main`) against a threaded sandbox over HTTP on
127.0.0.1 whose sign-in clock the test moves: it starts at the real time, so the sign-in the
command keeps has an hour left by the command's clock, and `skip` puts the server past it.
The person approves on the sandbox's page through plain HTTP requests; there is no keyring,
so the sign-in is kept in the 0600 file (``--insecure-storage``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends import fail
from textual.widgets import Static

from openrush_tui.auth.credentials import Lookup
from openrush_tui.auth.web import keeping
from openrush_tui.auth.web.tokens import SIGNED_OUT, WebSession
from openrush_tui.clock import system_clock
from openrush_tui.config import Settings
from openrush_tui.main import main
from openrush_tui.screens.setup.sign_in import SignInScreen
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from tests.support.apps import SkippingClock, settle, text_of
from tests.support.browser_sign_in import signed_in_by_the_cli
from tests.support.budget_clocks import Clocks
from tests.support.flows import sign_in_with
from tests.support.patience import PATIENCE
from tests.support.threaded_sandbox import Served, threaded_sandbox

TOKEN_SECONDS = 3600  # by the command's clock, never due during the test


@pytest.fixture(scope="module")
def clock() -> Clocks:
    return Clocks(start=datetime.now(UTC))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clock: Clocks) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("cli-renewal"), sign_in_clock=clock.wall,
                          token_seconds=TOKEN_SECONDS, device_interval=1) as running:
        yield running


@pytest.fixture
def signed_in(served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
              capsys: pytest.CaptureFixture[str]) -> keeping.Kept:
    """`login --web --no-wait`, approved on the page, then `login --web --resume`."""
    use_keyring(fail.Keyring())
    kept = signed_in_by_the_cli(served.base_url, capsys)
    assert kept.source == "file"
    return kept


def credits_status(served: Served, access_token: str) -> int:
    with httpx.Client(base_url=served.base_url) as http:
        return http.get("/v1/me/credits",
                        headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_a_401_mid_command_renews_once_and_sends_the_request_again(
        served: Served, clock: Clocks, signed_in: keeping.Kept,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    refreshes: list[str] = []
    real_refresh = keeping.refresh

    async def counted(http: Any, session: WebSession, now: datetime) -> WebSession:
        refreshes.append(session.access_token.reveal())
        return await real_refresh(http, session, now)

    monkeypatch.setattr(keeping, "refresh", counted)
    before = signed_in.session.access_token.reveal()
    clock.skip(TOKEN_SECONDS + 60)  # the server's clock is past the token's end; ours is not
    assert credits_status(served, before) == 401

    assert main(["keys", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert refreshes == [before]
    assert "CI pipeline" in [item["name"] for item in json.loads(out)], err
    renewed = keeping.find("default")
    assert renewed is not None and renewed.source == "file"  # kept where it was
    after = renewed.session.access_token.reveal()
    assert after != before and credits_status(served, after) == 200
    assert before not in out + err and after not in out + err

    # The next command starts with the renewed token: nothing more to renew.
    assert main(["keys", "list", "--json"]) == 0
    capsys.readouterr()
    latest = keeping.find("default")
    assert latest is not None and latest.session.access_token.reveal() == after
    assert refreshes == [before]


def test_a_refused_renewal_mid_command_signs_out(
        served: Served, signed_in: keeping.Kept, capsys: pytest.CaptureFixture[str]) -> None:
    session = signed_in.session
    assert session.refresh_token is not None
    with httpx.Client(base_url=served.base_url) as http:  # ended from another terminal
        http.post("/oauth/revoke", data={"token": session.refresh_token.reveal(),
                                         "client_id": session.client_id}).raise_for_status()
    assert credits_status(served, session.access_token.reveal()) == 401

    assert main(["keys", "list", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"openrush-tui: {SIGNED_OUT}"), err  # then the server's words
    assert keeping.find("default") is None  # the kept copy is gone


async def test_a_pasted_key_s_check_is_not_sent_again_with_the_browser_sign_in(
        served: Served, signed_in: keeping.Kept) -> None:
    settings = Settings(api_url=served.base_url, connect_timeout=PATIENCE / 6)
    session = Session(settings, None, lookup=lambda: Lookup(None), monotonic=SkippingClock())
    app = OpenRushApp(settings, session, clock=system_clock, first_page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert session.web is not None  # the dashboard is signed in through the browser
        await sign_in_with(pilot, "or_" + "A1b2C3d4E5" * 4)  # no key of this server
        assert isinstance(app.screen, SignInScreen)  # refused: the dialog stays, to fix it
        said = " ".join(text_of(app.screen.query_one("#sign-in-status", Static)).split())
    assert said.startswith("The server did not accept the API key"), said


async def test_a_copy_of_the_client_holding_another_key_sees_its_own_401(
        served: Served, signed_in: keeping.Kept) -> None:
    """A rotation's new key or a pasted key is checked through `with_key` copies of a client
    signed in through the browser: their 401 must stand, never be sent again with the
    sign-in's token (which would take a refused key as good)."""
    from openrush_tui.api.errors import Unauthorized
    from openrush_tui.auth.secret import Secret
    from openrush_tui.session import build_client

    good = signed_in.session.access_token.reveal()
    renewed: list[str] = []

    async def renew(refused: str) -> str | None:
        renewed.append(refused)
        return good

    client = build_client(Settings(api_url=served.base_url), Secret(good))
    client.renew = renew
    async with client:
        with pytest.raises(Unauthorized):
            await client.with_key("or_" + "A1b2C3d4E5" * 4).credits()
        assert renewed == []
        kept = client.with_key(good, renew=renew)  # the owner renewing its own token
        assert kept.renew is renew
        await kept.credits()
