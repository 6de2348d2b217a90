"""The app shell as a user meets it: pages, header, signed-out start, failures that do not crash."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Static

from openrush_tui.auth.credentials import Lookup, StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.load_state import LoadState
from tests.support.apps import (
    FIXED_NOW,
    TERMINAL,
    notices,
    remote_app,
    sandbox_app,
    settle,
    text_of,
)
from tests.support.scripted_server import Reply, ScriptedServer


async def test_sandbox_opens_on_api_access_with_the_demo_keys(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert app.current_mode == "api-access"
        table = app.screen.query_one("#keys", KeyTable)
        assert table.row_count >= 5
        header = app.screen.query_one(AppHeader)
        assert header.server == "sandbox (in-process)"
        assert header.balance is not None and header.balance > 0


async def test_number_keys_switch_pages_and_each_shows_real_data(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.current_mode == "activity"
        assert app.screen.query_one("#events", DataTable).row_count > 0
        await pilot.press("1")
        await settle(pilot)
        assert app.current_mode == "setup"
        panel = text_of(app.screen.query_one("#terminal", Static))
        assert "signed in" in panel
        await pilot.press("2")
        assert app.current_mode == "api-access"


async def test_without_a_key_it_opens_on_setup_and_says_how_to_sign_in() -> None:
    app = remote_app("http://127.0.0.1:9", None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert app.current_mode == "setup"
        # The words as written (a long line is cut when printed at text_of's width).
        text = " ".join(str(app.screen.query_one("#terminal", Static).content).split())
        assert "not signed in" in text and "OPENRUSH_KEY" in text and "--sandbox" in text
        await pilot.press("2")
        await settle(pilot)
        state = app.screen.query_one("#keys-state", LoadState)
        assert "not signed in" in text_of(state)


async def test_a_server_that_is_down_gives_a_message_and_the_app_stays_up() -> None:
    # Port 9 (discard) on loopback is closed here: the connection is refused at once.
    app = remote_app("http://127.0.0.1:9", "or_" + "x" * 40)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert app.is_running
        state = app.screen.query_one("#keys-state", LoadState)
        assert state.state == "error"
        message = text_of(state)
        assert "or_xxxx" not in message
        await pilot.press("1")
        await settle(pilot)
        assert "Connection failed" in text_of(app.screen.query_one("#connection", Static))


async def test_markup_in_a_key_name_is_shown_literally(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        await client.create_key("[bold red]boom[/]")
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one("#keys", KeyTable)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert Text("[bold red]boom[/]") in names


async def test_control_characters_from_a_server_are_made_visible() -> None:
    # The sandbox refuses such names; another server might not, so one is scripted here.
    item = {"id": "cred_1", "account_id": "acct_1", "name": "evil\x1b[31mred\nline",
            "prefix": "or_abc123", "is_active": True, "created_at": "2026-06-20T12:00:00Z",
            "last_used_at": None, "expires_at": None}
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": [item]}), Reply(200, {"balance": 5}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#keys", KeyTable)
            assert table.get_row_at(0)[0].plain == "evil\\e[31mred\\nline"


async def test_a_wrong_key_says_so_over_real_http(sandbox_server) -> None:
    server = sandbox_server()
    app = remote_app(server.base_url, "or_" + "W" * 40, page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        state = app.screen.query_one("#keys-state", LoadState)
        assert state.state == "error"
        message = text_of(state)
        assert "it is invalid" in message and "WWWW" not in message
        assert app.is_running


def held_lookup(result: Lookup) -> tuple[threading.Event, Callable[[], Lookup]]:
    """A saved-key lookup that blocks (like a locked keyring) until the test releases it."""
    release = threading.Event()

    def lookup() -> Lookup:
        release.wait(10)
        return result

    return release, lookup


def pending_app(api_url: str, lookup: Callable[[], Lookup]) -> OpenRushApp:
    settings = Settings(api_url=api_url, fixed_now=FIXED_NOW, connect_timeout=1.0,
                        read_timeout=2.0)
    return OpenRushApp(settings, Session(settings, None, lookup=lookup),
                       clock=fixed_clock(FIXED_NOW))


async def test_a_slow_keyring_never_holds_up_the_first_frame(sandbox_server) -> None:
    server = sandbox_server()
    found = Lookup(StoredKey(Secret(server.bootstrap_key), "keyring", "TestKeyring"))
    release, lookup = held_lookup(found)
    app = pending_app(server.base_url, lookup)
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.pause(0.2)
        # Drawn and waiting: the page says it is loading while the keyring is asked.
        assert app.current_mode == "api-access"
        assert "Loading keys" in text_of(app.screen.query_one("#keys-state", LoadState))
        release.set()
        await settle(pilot)
        assert app.session.key is found.key
        assert app.screen.query_one("#keys", KeyTable).row_count > 0


async def test_when_nothing_is_saved_the_app_moves_to_setup() -> None:
    release, lookup = held_lookup(Lookup(None, ("No key is saved for profile default.",)))
    app = pending_app("http://127.0.0.1:9", lookup)
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.pause(0.1)
        assert app.current_mode == "api-access" and app.session.lookup_pending
        release.set()
        await settle(pilot)
        assert app.current_mode == "setup"
        assert "not signed in" in text_of(app.screen.query_one("#terminal", Static))


async def test_the_footer_lists_the_page_keys_and_a_click_presses_one(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        hints = app.screen.query_one(KeyHints)
        line = hints.render().plain
        assert "n New key" in line and "1 2 3 pages" in line
        assert line.rstrip().endswith("? Help  q Quit")
        start = next(start for start, _end, key in hints._targets if key == "n")
        await pilot.click(KeyHints, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, KeyCreateScreen)
        # While a dialog is open, 1/2/3 do not switch pages under it.
        assert app.check_action("switch_mode", ("setup",)) is False


async def test_a_balance_that_cannot_be_read_is_said_and_the_app_stays_up() -> None:
    # The balance is read by a worker of the App, not of a page: its failure is said the
    # same way as a page's or a dialog's (a notification), not lost with the header empty.
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": []}))
        server.route("GET", "/v1/me/credits", Reply(500, {"error": {"message": "down"}}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert app.screen.query_one(AppHeader).balance is None
            said = notices(app)
            assert len(said) == 1, said  # said once, not by every handler on the way
            assert said[0].startswith("Credit balance The OpenRush service failed"), said
            assert app.is_running and app.screen.query_one("#keys-state", LoadState)
