"""API access says its list's order in words on the one line above the list, for every column
at any width, updated in place as o / O change it; a toast only for an order by a column
that is not shown at this width, and never more than one of those on screen, however fast
o is pressed (the new-user trial, tmux 80x24 and 60x20: "Ordered by expiry, soonest first
(not a column at this width; …)" stacked over the table for seconds).

Why quick presses stacked: Textual's `notify` only posts a message; the toast's notification
joins the app's list when the app handles it, after the key presses already queued. The next
o's dismissal found nothing to take off, and the toast on its way came up beside the new
one. Over the in-process sandbox, as `test_default_order_said`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets._toast import Toast  # Textual's toasts have no public widget

from openrush_tui.keys.view import SORT_COLUMNS, order_words
from openrush_tui.tui import OpenRushApp
from tests.support.apps import notices, sandbox_app, settle
from tests.support.keys import state_text, table_of

pytestmark = pytest.mark.usefixtures("isolated_home")

SIZES = pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
PRESSES = 2 * len(SORT_COLUMNS) + 1  # round every order twice, and on by one


def order_toasts(app: OpenRushApp) -> list[str]:
    """The toasts about the order drawn on screen, and those the app still holds."""
    drawn = [str(toast.render()) for toast in app.screen.query(Toast)]
    held = [text for text in notices(app) if text.startswith("Ordered by")]
    return [text for text in drawn if text.startswith("Ordered by")] + held


def said_order(app: OpenRushApp) -> str:
    view = table_of(app).view
    return f"ordered by {order_words(view.sort_column, view.descending)}"


@SIZES
async def test_quick_o_presses_leave_at_most_one_order_toast(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        for _ in range(PRESSES):
            await pilot.press("o")  # no wait between presses
        await settle(pilot)
        assert table_of(app).view.sort_column == "last_used"  # created, then one on
        shown = order_toasts(app)
        # Last use has its header at both widths: nothing to toast, and none left over.
        assert shown == [], shown
        for _ in range(PRESSES):
            await pilot.press("o")
        await settle(pilot)
        assert table_of(app).view.sort_column == "expires"  # no header at 80 or 60
        shown = order_toasts(app)
        assert len(shown) <= 2 and len(set(shown)) == 1 and "expiry" in shown[0], shown
        assert len([toast for toast in app.screen.query(Toast)]) == 1
        assert state_text(app).rstrip().endswith(said_order(app)), state_text(app)


@SIZES
async def test_a_burst_of_o_as_a_terminal_sends_it_leaves_one_order_toast(
        tmp_path: Path, size: tuple[int, int]) -> None:
    """As tmux delivers a held or quickly tapped key: every o queued before the first is
    handled (what `pilot.press` does not do: it waits for each)."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        driver = app._driver
        assert driver is not None
        for _ in range(PRESSES + 1):  # created -> ... -> expiry
            key = events.Key("o", "o")
            key.set_sender(app)
            driver.send_message(key)
        await settle(pilot)
        await pilot.pause()
        assert table_of(app).view.sort_column == "expires"
        drawn = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert len(drawn) == 1 and drawn[0].startswith("Ordered by expiry"), drawn
        assert state_text(app).rstrip().endswith(said_order(app)), state_text(app)


@SIZES
async def test_the_order_line_names_every_order(tmp_path: Path, size: tuple[int, int]) -> None:
    """Every column, shown at this width or not, in both directions: the line says it (it
    said only an order with no header, so Name, Status, Last use had only a ▲/▼)."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        line = state_text(app)
        assert line.rstrip().endswith(" · ordered by creation, newest first"), line
        seen = set()
        for key in ["o", "O"] * len(SORT_COLUMNS):  # each column, both ways
            await pilot.press(key)
            await settle(pilot)
            line = state_text(app)
            assert "\n" not in line.strip(), line  # still one line, in place
            # One row on screen too: at 60 columns a long order takes "by" alone.
            assert app.screen.query_one("#keys-state").size.height == 1, line
            assert line.rstrip().endswith(said_order(app).removeprefix("ordered ")), \
                (said_order(app), line)
            seen.add(said_order(app))
        assert len(seen) == 2 * len(SORT_COLUMNS)
        # A toast only for an order whose column is not shown here.
        table = table_of(app)
        if table.view.sort_column in table._columns():
            assert order_toasts(app) == []
