"""Setup's "Sign in with the browser" (issue 22), as a person does it at 80x24 with no usable
keyring, against the sandbox over real HTTP on 127.0.0.1 (a thread of this process).

The sandbox and the dashboard share a sign-in clock the test moves by hand, and the device
flow's wait between polls is a gate the test opens once the person has approved: nothing
sleeps on real time, nothing is timed. "The person" approves through the sandbox's /device
page with plain HTTP (the form's GET, then its POST with the CSRF token), as a browser would.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends import fail
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from openrush_tui.api.models import RateLimitInfo
from openrush_tui.auth.web import keeping
from openrush_tui.clock import fixed_clock
from openrush_tui.sandbox.oauth import OAuthServer
from openrush_tui.screens.setup import web_sign_in
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.screens.setup.web_sign_in import WebSignInScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.qr_code import QrCode
from tests.support.apps import (
    FIXED_NOW,
    KEY_SEED,
    SkippingClock,
    remote_app,
    settle,
    text_of,
)
from tests.support.browser_sign_in import (
    Gate,
    approve,
    browse,
    code_dialog_app,
    open_code_dialog,
    shown,
    signed_in_through_the_browser,
    until,
)
from tests.support.budget_clocks import Clocks
from tests.support.flows import sign_in_with
from tests.support.threaded_sandbox import Served, threaded_sandbox

TOKEN_SECONDS = 600
SMALL, LARGE = (60, 20), (80, 24)


class HideMetadata:
    """In front of the sandbox: while `hidden["on"]` is set, no sign-in metadata (a server
    that publishes none, as the real one may not); while `hidden["code_only"]` is, metadata
    without the device grant (a server that offers only the code flow with PKCE)."""

    def __init__(self, app: Any, hidden: dict[str, bool]) -> None:
        self.app, self.hidden = app, hidden

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/.well-known/") \
                and self.hidden["on"]:
            await self._answer(send, 404, {"detail": "Not Found"})
            return
        if scope["type"] == "http" and self.hidden.get("code_only") and \
                scope["path"] == "/.well-known/oauth-authorization-server":
            host = dict(scope["headers"])[b"host"].decode()
            document = OAuthServer.server_metadata(f"http://{host}")
            del document["device_authorization_endpoint"]
            document["grant_types_supported"] = ["authorization_code", "refresh_token"]
            await self._answer(send, 200, document)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(send: Any, status: int, body: dict[str, Any]) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture(scope="module")
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture(scope="module")
def hidden() -> dict[str, bool]:
    return {"on": False}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clocks: Clocks,
           hidden: dict[str, bool]) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("web-sign-in"), sign_in_clock=clocks.wall,
                          token_seconds=TOKEN_SECONDS, key_seed=KEY_SEED) as running:
        running.sandbox.app.add_middleware(HideMetadata, hidden=hidden)  # before any request
        yield running


@pytest.fixture
def no_keyring(isolated_home: Path, use_keyring: Callable[[object], object]) -> None:
    use_keyring(fail.Keyring())


async def refresh_refused(served: Served, client_id: str, refresh_token: str) -> bool:
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        answer = await http.post("/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id})
    return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def terminal_text(app: OpenRushApp) -> str:
    setup = app.get_screen("setup") if not isinstance(app.screen, SetupScreen) else app.screen
    return text_of(setup.query_one("#terminal", Static))


async def test_signed_out_to_the_browser_sign_in_refreshed_and_signed_out(
        served: Served, clocks: Clocks, no_keyring: None) -> None:
    app = remote_app(served.base_url, None)
    gate = Gate(clocks)
    app.session.sign_in_clock, app.session.sign_in_sleep = clocks.wall, gate.sleep
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
        assert "not signed in" in terminal_text(app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, WebSignInScreen)
                    and shown(app.screen, "#web-code"))
        dialog = app.screen
        user_code = text_of(dialog.query_one("#web-code", Static)).strip()
        assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", user_code)
        assert text_of(dialog.query_one("#web-url", Static)).strip() == \
            f"{served.base_url}/device"
        assert dialog.query(QrCode) and dialog.query_one(QrCode).text == \
            f"{served.base_url}/device?user_code={user_code}"

        await approve(served.base_url, user_code)
        gate.open.set()  # the next poll finds it approved
        # No keyring: the keys' question, and the 0600 file chosen.
        await until(pilot, lambda: isinstance(app.screen, StorageChoiceScreen))
        await pilot.press("f")
        await until(pilot, lambda: app.session.web is not None)
        await settle(pilot)
        kept = keeping.find("default")
        assert kept is not None and kept.source == "file"
        assert stat.S_IMODE(os.stat(keeping.sessions_path()).st_mode) == 0o600
        text = terminal_text(app)
        assert "signed in" in text and "not signed in" not in text, text
        assert "through the browser" in text, text
        assert not shown(app.screen, "#web-sign-in")

        # Every page shows the account's data, without r.
        for page in ("2", "3"):
            await pilot.press(page)
            await settle(pilot)
            assert not app.screen.load_failed, app.screen.last_error
            assert app.screen._loaded_at is not None
        await pilot.press("1")
        await settle(pilot)

        # Past the access token's end: the next request renews it first, unnoticed.
        first = app.session.web
        assert first is not None and first.session.refresh_token is not None
        clocks.skip(TOKEN_SECONDS + 60)
        await pilot.press("r")
        await settle(pilot)
        assert not app.screen.load_failed, app.screen.last_error
        renewed = app.session.web
        assert renewed is not None and renewed.session.access_token != first.session.access_token
        assert keeping.find("default") == renewed  # kept where it was
        assert await refresh_refused(served, first.session.client_id,
                                     first.session.refresh_token.reveal())  # rotated

        # Sign out (x): revoked at the server, forgotten here.
        await pilot.press("x")
        await settle(pilot)
        assert app.session.web is None and keeping.find("default") is None
        assert "not signed in" in terminal_text(app)
        assert renewed.session.refresh_token is not None
        assert await refresh_refused(served, renewed.session.client_id,
                                     renewed.session.refresh_token.reveal())
        assert shown(app.screen, "#web-sign-in")  # offered again


async def test_a_refused_renewal_says_signed_out_on_setup(
        served: Served, clocks: Clocks, no_keyring: None) -> None:
    app = remote_app(served.base_url, None)
    gate = Gate(clocks)
    app.session.sign_in_clock, app.session.sign_in_sleep = clocks.wall, gate.sleep
    async with app.run_test(size=LARGE) as pilot:
        await signed_in_through_the_browser(pilot, served.base_url, gate)
        web = app.session.web
        assert web is not None and web.session.refresh_token is not None
        # Another terminal signed out: the sign-in ends at the server.
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            await http.post("/oauth/revoke", data={
                "token": web.session.refresh_token.reveal(), "client_id": web.session.client_id})
        clocks.skip(TOKEN_SECONDS + 60)
        await pilot.press("r")
        await settle(pilot)
        assert app.session.web is None and not app.session.signed_in
        notes = text_of(app.screen.query_one("#terminal-notes", Static))
        assert "Signed out: sign in again." in notes


async def test_a_401_renews_the_session_and_sends_the_request_again(
        served: Served, clocks: Clocks, no_keyring: None) -> None:
    """The server refuses the access token before the dashboard thinks it due (its clock
    runs behind the server's): the 401 renews the sign-in at once and the request goes once
    more, unnoticed; when the server refuses the renewal too, "Signed out: sign in again"."""
    app = remote_app(served.base_url, None)
    gate = Gate(clocks)
    app.session.sign_in_sleep = gate.sleep
    app.session.sign_in_clock = fixed_clock(clocks.wall())  # behind the server from now on
    async with app.run_test(size=LARGE) as pilot:
        await signed_in_through_the_browser(pilot, served.base_url, gate)
        first = app.session.web
        assert first is not None and first.session.refresh_token is not None
        clocks.skip(TOKEN_SECONDS + 60)  # the server's clock only: the token is over there
        budget_clock = app.session.monotonic
        assert isinstance(budget_clock, SkippingClock)
        budget_clock.skip(60)  # r asks the server again (no answer reused)
        await pilot.press("r")
        await settle(pilot)
        line = text_of(app.screen.query_one("#connection", Static))
        assert "Connection OK" in line, line
        renewed = app.session.web
        assert renewed is not None
        assert renewed.session.access_token != first.session.access_token
        assert await refresh_refused(served, first.session.client_id,
                                     first.session.refresh_token.reveal())  # rotated

        # Another terminal ends the sign-in: the next 401's renewal is refused.
        assert renewed.session.refresh_token is not None
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            await http.post("/oauth/revoke", data={
                "token": renewed.session.refresh_token.reveal(),
                "client_id": renewed.session.client_id})
        budget_clock.skip(60)
        await pilot.press("r")
        await settle(pilot)
        assert app.session.web is None and not app.session.signed_in
        notes = text_of(app.screen.query_one("#terminal-notes", Static))
        assert "Signed out: sign in again." in notes


class CountingGate(Gate):
    """A gate that remembers each wait the dialog asked for."""

    def __init__(self, clocks: Clocks) -> None:
        super().__init__(clocks)
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await super().sleep(seconds)


async def test_the_dialog_s_polls_spend_the_dashboard_s_budget(
        served: Served, clocks: Clocks, no_keyring: None) -> None:
    """The device code's polls are the dashboard's requests: counted in its request budget
    (the one its pages use), and slower while the rate limit runs low (below half of the
    window: twice the server's interval, never sooner than it)."""
    app = remote_app(served.base_url, None)
    gate = CountingGate(clocks)
    app.session.sign_in_clock, app.session.sign_in_sleep = clocks.wall, gate.sleep
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
        budget = (await app.session.client()).budget
        sent = budget.sent
        # What the pages last read of the rate limit: 25 of 60 left, the window ends later.
        budget.note(RateLimitInfo(limit=60, remaining=25,
                                  reset=FIXED_NOW + timedelta(seconds=600)))
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, WebSignInScreen)
                    and shown(app.screen, "#web-code"))
        await until(pilot, lambda: bool(gate.asked))
        assert gate.asked == [10.0]  # the sandbox's interval is 5 s: twice it
        await approve(served.base_url, text_of(app.screen.query_one("#web-code",
                                                                    Static)).strip())
        gate.open.set()
        await until(pilot, lambda: isinstance(app.screen, StorageChoiceScreen))
        assert budget.polls == 1 and budget.sent == sent + 1
        await pilot.press("s")
        await until(pilot, lambda: app.session.web is not None)
        await settle(pilot)


async def test_without_metadata_only_the_paste_flow_is_offered_and_works(
        served: Served, hidden: dict[str, bool], no_keyring: None) -> None:
    hidden["on"] = True
    try:
        app = remote_app(served.base_url, None)
        async with app.run_test(size=LARGE) as pilot:
            await until(pilot, lambda: shown(app.screen, "#web-offer"))
            line = text_of(app.screen.query_one("#web-offer", Static)).strip()
            assert line == ("Sign-in with the browser is not offered here: the server "
                            "publishes no sign-in metadata.")
            assert not shown(app.screen, "#web-sign-in")
            await pilot.press("b")  # not offered: nothing opens
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            await sign_in_with(pilot, served.sandbox.mint_bootstrap_key())
            assert isinstance(app.screen, StorageChoiceScreen)
            await pilot.press("s")
            await settle(pilot)
            assert app.session.key is not None and app.session.key.source == "session"
            assert not app.screen.load_failed
            assert not shown(app.screen, "#web-offer")
    finally:
        hidden["on"] = False


# ---------------------------------------------------------------- the code flow in the dialog


@pytest.fixture
def code_only(hidden: dict[str, bool]) -> Iterator[None]:
    hidden["code_only"] = True
    try:
        yield
    finally:
        hidden["code_only"] = False


async def keep_for_this_session(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, OpenRushApp)
    await until(pilot, lambda: isinstance(app.screen, StorageChoiceScreen))
    await pilot.press("s")
    await until(pilot, lambda: app.session.web is not None)
    await settle(pilot)
    text = terminal_text(app)
    assert "through the browser" in text and "not signed in" not in text, text


async def test_the_code_flow_with_a_browser_here_answers_on_the_loopback(
        served: Served, no_keyring: None, code_only: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No device grant, a browser on this machine: the dialog opens the authorization
    address in it and a listener on 127.0.0.1 takes the browser's one request."""
    opened: list[str] = []
    monkeypatch.setattr(web_sign_in, "browser_here", lambda: True)
    monkeypatch.setattr(web_sign_in.webbrowser, "open", lambda url: opened.append(url) or True)
    app = remote_app(served.base_url, None)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
        await pilot.press("b")
        await until(pilot, lambda: bool(opened))
        dialog = app.screen
        assert isinstance(dialog, WebSignInScreen)
        assert not shown(dialog, "#web-code") and not shown(dialog, "#web-paste")
        assert opened[0].startswith(f"{served.base_url}/oauth/authorize?")
        landing = await browse(opened[0])
        assert landing.startswith("http://127.0.0.1:") and "/callback?code=" in landing
        async with httpx.AsyncClient() as browser:  # the browser follows the redirect
            said = await browser.get(landing)
        assert "Signed in" in said.text
        await keep_for_this_session(pilot)
        async with httpx.AsyncClient() as late:  # one request, then the listener closed
            with pytest.raises(httpx.ConnectError):
                await late.get(landing)


async def test_the_code_flow_over_ssh_takes_the_pasted_address_and_a_wrong_state_is_said(
        served: Served, no_keyring: None, code_only: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No device grant, no browser here (SSH): the person opens the address elsewhere and
    pastes back the address the browser ended on. One of another sign-in (its state
    differs) is refused with a clear line, the field keeps what was pasted, and the right
    one then signs in."""
    monkeypatch.setattr(web_sign_in, "browser_here", lambda: False)
    app = remote_app(served.base_url, None)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, WebSignInScreen)
                    and shown(app.screen, "#web-paste"))
        dialog = app.screen
        field = dialog.query_one("#web-paste", Input)
        assert dialog.focused is field
        url = dialog.query_one("#web-url", Static)  # as drawn, folded over its lines
        address = "".join(strip.text.strip() for strip in url.render_lines(
            Region(0, 0, url.size.width, url.size.height)))
        assert address.startswith(f"{served.base_url}/oauth/authorize?")
        landing = await browse(address)
        assert landing.startswith("http://127.0.0.1/callback?code=")

        forged = re.sub(r"state=[^&]+", "state=another-sign-in", landing)
        field.value = forged
        await pilot.press("enter")
        await until(pilot, lambda: "state differs" in text_of(
            dialog.query_one("#web-status", Static)))
        assert app.screen is dialog and field.value == forged  # nothing lost
        assert dialog.query_one("#web-status", Static).has_class("-error")
        assert app.session.web is None

        field.value = landing  # the right one: signed in after all
        await pilot.press("enter")
        await keep_for_this_session(pilot)


# ---------------------------------------------------------------- the code dialog, viewed


@pytest.mark.parametrize("size", [LARGE, SMALL], ids=["80x24", "60x20"])
def test_the_code_dialog(snap_compare: Any, tmp_path: Path, size: tuple[int, int],
                         isolated_home: Path) -> None:
    assert snap_compare(code_dialog_app(tmp_path), terminal_size=size,
                        run_before=open_code_dialog)


async def test_the_qr_code_gives_way_to_a_line_where_it_cannot_be_drawn(
        tmp_path: Path, isolated_home: Path) -> None:
    app = code_dialog_app(tmp_path)
    async with app.run_test(size=LARGE) as pilot:
        await open_code_dialog(pilot)
        dialog = app.screen
        assert shown(dialog, "#web-qr")
        assert "scan the QR code" in text_of(dialog.query_one("#web-qr-note", Static))
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert not shown(dialog, "#web-qr")
        assert "needs a larger terminal" in text_of(dialog.query_one("#web-qr-note", Static))
        app.theme = "monochrome"  # colours off (NO_COLOR's theme)
        await pilot.resize_terminal(*LARGE)
        await pilot.pause()
        assert not shown(dialog, "#web-qr")
        note = text_of(dialog.query_one("#web-qr-note", Static))
        assert "colours are off" in note and "Open the address above" in note
        # c copies the address with the code in it; Cancel stops the polling.
        await pilot.press("c")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert not [w for w in app.workers if w.group == "web-sign-in" and not w.is_finished]
        assert isinstance(app.screen.query_one("#web-sign-in", Button), Button)


def test_the_half_blocks_are_the_code_s_modules() -> None:
    """Read back, the drawn rows are segno's matrix with its light border: what a phone
    scans is the code of the address (each cell the module above and the one below)."""
    import segno

    from openrush_tui.widgets.qr_code import QUIET, qr_rows

    text = "https://openrush.io/device?user_code=BCDF-GHJK"
    matrix = [list(map(bool, row)) for row in
              segno.make(text, error="l", micro=False).matrix_iter(border=QUIET)]
    upper = {"█": True, "▀": True, "▄": False, " ": False}
    lower = {"█": True, "▀": False, "▄": True, " ": False}
    read = [row for line in qr_rows(text) for row in
            ([upper[c] for c in line], [lower[c] for c in line])]
    assert read[:len(matrix)] == matrix and not any(any(row) for row in read[len(matrix):])
    assert len(qr_rows(text)) <= 17 and len(qr_rows(text)[0]) <= 33  # fits 80x24 beside text
