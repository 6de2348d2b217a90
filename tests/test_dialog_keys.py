"""Dialogs open with something useful focused and Enter does what it says: Filters (f on
Activity) on its first menu, Enter applying; Enter on New key's Expires choice creates, as
from the name field. And Textual's "Keys" panel, which squeezed API access and closed with
neither Escape nor ?, is not offered by the palette (the help, ? or F1, lists the keys).
In-process sandbox on the fixed clock, at 80x24."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import RadioSet, Select

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from tests.support.activity import open_filters, screen_of
from tests.support.apps import FIXED_NOW, sandbox_app, settle
from tests.support.patience import PATIENCE

SIZE = (80, 24)


async def test_filters_open_on_the_first_menu_and_ctrl_s_applies(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_filters(pilot)
        source = dialog.query_one("#filter-source", Select)
        assert dialog.focused is source
        # ↓ opens its menu (it no longer scrolls the body): Any source, API, MCP.
        await pilot.press("down")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # MCP chosen
        await pilot.pause()
        assert source.value == "mcp" and dialog.focused is source
        await pilot.press("ctrl+s")  # Apply (Enter on a menu opens it: test_dialogs_hold)
        await settle(pilot)
        assert app.screen is not dialog
        assert screen_of(app).filter == ActivityFilter(source="mcp")


async def test_ctrl_s_on_a_later_filter_applies_too(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_filters(pilot)
        await pilot.press("tab", "tab", "tab", "tab")  # Period
        assert dialog.focused is dialog.query_one("#filter-period", Select)
        dialog.query_one("#filter-period", Select).value = 30
        await pilot.press("ctrl+s")  # Enter on a menu opens it (test_dialogs_hold)
        await settle(pilot)
        assert app.screen is not dialog
        assert screen_of(app).filter == ActivityFilter(days=30)


async def new_key_on_the_expiry_choice(pilot: Pilot[Any], name: str) -> KeyCreateScreen:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, KeyCreateScreen)
    await pilot.press(*name, "tab")
    assert dialog.focused is dialog.query_one("#expiry", RadioSet)
    return dialog


async def test_enter_on_the_expiry_choice_creates_with_the_choice_under_the_cursor(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await new_key_on_the_expiry_choice(pilot, "a week")
        await pilot.press("right", "enter")  # from Never to 7 days, then Enter
        await settle(pilot)
        assert isinstance(app.screen, KeyRevealScreen)
        client = await app.session.client()
        created = next(key for key in await client.list_keys() if key.name == "a week")
        assert created.expires_at == FIXED_NOW + timedelta(days=7)


async def test_enter_on_the_chosen_expiry_creates(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await new_key_on_the_expiry_choice(pilot, "for ever")
        await pilot.press("enter")  # on Never, already chosen
        await settle(pilot)
        assert isinstance(app.screen, KeyRevealScreen)
        client = await app.session.client()
        created = next(key for key in await client.list_keys() if key.name == "for ever")
        assert created.expires_at is None


async def test_enter_on_a_date_asks_for_the_date(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await new_key_on_the_expiry_choice(pilot, "dated")
        await pilot.press("left", "enter")  # Never → A date (it wraps round)
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.focused is dialog.query_one("#date")


async def test_the_palette_offers_no_keys_panel(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for screen in ("page", "dialog"):
            offered = [(c.title, c.help) for c in app.get_system_commands(app.screen)]
            assert not [c for c in offered if c[0] == "Keys" or "widget help" in c[1]], \
                (screen, offered)
            await pilot.press("n")  # and over a dialog
            await settle(pilot)
        # As a user would: ctrl+p and the command's name.
        await pilot.press("ctrl+p", *"keys")
        results = app.screen.query_one(CommandList)
        # The palette searches in the background: wait for its answers ("New key" matches).
        deadline = asyncio.get_running_loop().time() + PATIENCE
        while not results.option_count and asyncio.get_running_loop().time() < deadline:
            await pilot.pause(0.05)
        assert results.option_count
        prompts = [str(results.get_option_at_index(index).prompt)
                   for index in range(results.option_count)]
        assert not [p for p in prompts if p.split("\n")[0].strip() == "Keys"], prompts
