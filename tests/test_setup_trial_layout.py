"""Setup as a new user found it at 80x24 and 80x70 (issue 20): no Tab stop without a visible
focus, "This terminal"'s wrapped values hanging under their column, a tall terminal showing the
whole page without scrolling, and Sign out kept in the footer once an agent is set up."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable, Static

from openrush_tui.config import DEFAULT_MCP_URL
from openrush_tui.screens.setup.page import SetupBody
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.terminal_panel import LABEL_WIDTH
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import settle
from tests.support.in_view import not_in_view, shown_text

KEY_FILE = "/home/someone/.config/openrush-tui/credentials"  # as `login` keeps it


def file_key_app(tmp_path: Path) -> OpenRushApp:
    db = tmp_path / "sandbox.sqlite3"
    return sandbox_app_with(db, stored(mint_key(db), "file", KEY_FILE))


async def test_every_tab_stop_is_a_control_not_the_scrolling_body(tmp_path: Path) -> None:
    # After the capabilities table, Tab focused the body itself: no mark, nothing moved.
    app = file_key_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = app.focused
        for _ in range(30):
            await pilot.press("tab")
            await pilot.pause()
            assert not isinstance(app.focused, SetupBody)
            assert app.focused is not None and not_in_view(app.focused) is None
            if app.focused is first:
                break
        else:
            raise AssertionError("Tab never came back to where it started")


async def test_a_wrapped_value_hangs_under_its_column(tmp_path: Path) -> None:
    # "Key from   the file …/credentials" then "(plain text, readable only by you)" at col 0.
    app = file_key_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = shown_text(app.screen.query_one("#terminal", Static)).splitlines()
        at = next(n for n, row in enumerate(rows) if row.startswith("Key from "))
        assert KEY_FILE in rows[at]
        assert rows[at + 1].rstrip() == " " * LABEL_WIDTH + "(plain text, readable only by you)"


async def test_a_tall_terminal_shows_the_whole_page_without_scrolling(tmp_path: Path) -> None:
    # At 80x70 the table kept 4 blank rows and the section ~17 more, so the page scrolled.
    app = file_key_app(tmp_path)
    async with app.run_test(size=(80, 70)) as pilot:
        await settle(pilot)
        body = app.screen.query_one(SetupBody)
        assert body.max_scroll_y == 0
        table = app.screen.query_one("#capabilities DataTable", DataTable)
        assert table.region.height == table.row_count + 1  # its rows and header, no blanks
        for widget in (app.screen.query_one("#terminal", Static),
                       app.screen.query_one("#billing", Static)):
            assert not_in_view(widget) is None
        assert shown_text(app.screen.query_one("#terminal", Static)).startswith("Status ")


async def test_sign_out_stays_in_the_footer_once_an_agent_is_set_up(
        tmp_path: Path, isolated_home: Path) -> None:
    config = isolated_home / ".cursor" / "mcp.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"mcpServers": {"openrush": {"url": DEFAULT_MCP_URL}}}))
    app = file_key_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("home", "down", "down")  # Cursor, set up: Uninstall is offered
        await settle(pilot)
        footer = app.screen.query_one(KeyHints).render().plain
        assert "u Uninstall" in footer
        assert "x Sign out" in footer
