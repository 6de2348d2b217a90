"""Property: whatever a server puts in any string field, no page or dialog draws a character
that could act on the terminal (ESC, BEL, C0/C1 controls, format characters, separators).

A scripted server answers every endpoint with hostile strings (tests/support/hostile.py);
the dashboard is driven through API access (list, the summary line of each key, details,
revoke confirmations), Activity (table, event dialog, filter dialog and its menus) and Setup
(This terminal, capabilities), and a create shows the server's answer in the reveal dialog;
every screen is exported and searched. The app under test
runs without its last-resort line filter (`widgets.terminal_safe`), so what is checked is the
views' own path: server strings shown through `text.safe`, as visible escapes.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from textual.app import App
from textual.filter import LineFilter
from textual.pilot import Pilot
from textual.widgets import Select

from openrush_tui.screens.activity.event_details import EventDetails
from openrush_tui.screens.activity.filters import ActivityFilters
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.terminal_safe import TerminalSafe
from tests.support.apps import TERMINAL, remote_app, settle
from tests.support.hostile import (
    Payload,
    hostile_settings,
    payloads,
    serve,
    unsafe_characters,
)
from tests.support.scripted_server import ScriptedServer

KEY = "or_" + "h" * 40


class WithoutTheNet(OpenRushApp):
    """The dashboard with every line filter but the last-resort `TerminalSafe`."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [f for f in super().get_line_filters() if not isinstance(f, TerminalSafe)]


def assert_clean(app: App[object], where: str) -> None:
    # simplify: runs of one style joined, the same characters in fewer SVG tags (cheaper).
    screen = app.export_screenshot(simplify=True)
    found = unsafe_characters(screen)
    assert not found, f"{where}: {sorted(map(repr, found))} reached the terminal"


async def open_dialog(pilot: Pilot, key: str, kind: type) -> None:
    await pilot.press(key)
    for _ in range(100):  # the dialog is pushed by a message handler, soon but not at once
        await settle(pilot)
        if isinstance(pilot.app.screen, kind):
            return
    raise AssertionError(f"{key} did not open {kind.__name__}: {pilot.app.screen}")


async def close_dialog(pilot: Pilot) -> None:
    await pilot.press("escape")
    await settle(pilot)


async def api_access(pilot: Pilot, payload: Payload) -> None:
    app = pilot.app
    assert_clean(app, "API access")
    for index in range(len(payload.keys)):  # the summary line names the highlighted key's id
        if index:
            await pilot.press("down")
            await pilot.pause()
        assert_clean(app, f"API access, key {index}")
    await pilot.press("home")
    await open_dialog(pilot, "enter", KeyDetailsScreen)
    assert_clean(app, "key details")
    await close_dialog(pilot)
    if any(key["is_active"] for key in payload.keys):
        for _ in payload.keys:  # space marks without moving; down moves on
            await pilot.press("space", "down")
        await open_dialog(pilot, "d", YesNoDialog)  # the revoke confirmation
        assert_clean(app, "revoke confirmation")
        await close_dialog(pilot)
    await open_dialog(pilot, "n", KeyCreateScreen)
    await pilot.press(*"new key", "enter")
    for _ in range(100):
        await settle(pilot)
        if isinstance(app.screen, KeyRevealScreen):
            break
    assert isinstance(app.screen, KeyRevealScreen), app.screen
    assert_clean(app, "the new key revealed")
    await open_dialog(pilot, "escape", YesNoDialog)  # "you will not see this key again"
    await pilot.click("#leave")
    await settle(pilot)


async def activity(pilot: Pilot) -> None:
    app = pilot.app
    await pilot.press("3")
    await settle(pilot)
    assert_clean(app, "Activity")
    await open_dialog(pilot, "enter", EventDetails)
    assert_clean(app, "event details")
    await close_dialog(pilot)
    await open_dialog(pilot, "f", ActivityFilters)
    assert_clean(app, "filter dialog")
    for menu in ("#filter-key", "#filter-tool"):
        select = app.screen.query_one(menu, Select)
        select.expanded = True
        await pilot.pause()
        assert_clean(app, f"filter dialog, {menu} open")
        select.expanded = False
        await pilot.pause()
    await close_dialog(pilot)


@hostile_settings(4)
@given(payload=payloads())
async def test_no_view_draws_an_unsafe_character(payload: Payload) -> None:
    with ScriptedServer() as server:
        serve(server, payload)
        app = remote_app(server.url, KEY, page="api-access", app_class=WithoutTheNet)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await api_access(pilot, payload)
            await activity(pilot)
            await pilot.press("1")
            await settle(pilot)
            assert_clean(app, "Setup")
