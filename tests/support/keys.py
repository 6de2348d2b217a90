"""Driving the API access page: reading the key table and the reveal dialog, creating a key."""

from __future__ import annotations

import re
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.load_state import LoadState
from tests.support.apps import settle, text_of

KEY_PATTERN = re.compile(r"or_[A-Za-z0-9]{40}")


def table_of(app: OpenRushApp) -> KeyTable:
    return app.screen.query_one("#keys", KeyTable)


def names(app: OpenRushApp) -> list[str]:
    table = table_of(app)
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def state_text(app: OpenRushApp) -> str:
    return text_of(app.screen.query_one("#keys-state", LoadState))


async def select(pilot: Pilot[Any], name: str) -> None:
    app = pilot.app
    assert isinstance(app, OpenRushApp)
    table = table_of(app)
    row = next(row for row in table.view.rows if row.key.name == name)
    assert table.select(row.id)
    await pilot.pause()


async def create(pilot: Pilot[Any], name: str) -> None:
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(pilot.app.screen, KeyCreateScreen)
    await pilot.press(*name)
    await pilot.press("enter")
    await settle(pilot)


def shown_key(app: OpenRushApp) -> str:
    text = text_of(app.screen.query_one("#key", Static)).strip()
    assert KEY_PATTERN.fullmatch(text), text
    return text
