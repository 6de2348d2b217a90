"""The rotation dialog and toasts over dialogs, from a new user's trial in tmux (issue 23's
leftover):

1. the API access page behind the finished rotation still listed the old key as active (and
   not the new one) until the dialog closed;
2. Enter on the finished rotation did not close it: the focus was nowhere (the dialog is
   hidden while the reveal shows the new key, and that took the focus off its Close button);
3. at 80x24 a notice in the dialog left its plan two or three rows;
4. a toast raised just before a dialog opened came up over the dialog.

In-process sandbox, fixed clock, key seed 7 (as tests/test_lifecycle_snapshots.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button
from textual.widgets._toast import Toast

from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.tui import OpenRushApp
from tests.support.apps import notices, sandbox_app, settle, until
from tests.support.in_view import cut_text, not_in_view
from tests.support.keys import select

SSH = (80, 24)
EXTRA = (ExtraKey("Legacy integration", created_days_ago=200, last_used_days_ago=45),
         ExtraKey("Old and unused", created_days_ago=100))
OLD, NEW = "Legacy integration", "Legacy integration 2026-06-26"  # idle for months
# A notice of two lines at 80 columns (a rotation that ended in the background).
LONG_NOTICE = ("The old key of “Production server” was revoked once it had been unused for "
               "10 minutes: the rotation is done.")


def keys_app(tmp_path: Path) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=EXTRA)


def page_of(app: OpenRushApp) -> ApiAccessScreen:
    return next(s for s in app.screen_stack if isinstance(s, ApiAccessScreen))


def statuses(app: OpenRushApp) -> dict[str, str]:
    """The page's rows, by name: their status."""
    return {row.key.name: row.status for row in page_of(app).table.view.rows}


def steps_of(app: OpenRushApp) -> str:
    return str(app.screen.query_one("#steps").render())


async def rotate_until_done(pilot: Pilot[Any], name: str) -> KeyRotateScreen:
    """R on `name`, Rotate (once unused for 10 minutes: the old key is revoked at once when
    it has been idle longer), the new key copied and stored; the dialog shows the steps."""
    app = cast("OpenRushApp", pilot.app)
    await settle(pilot)
    await select(pilot, name)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, KeyRotateScreen))
    dialog = app.screen
    assert isinstance(dialog, KeyRotateScreen)
    await pilot.press("enter")  # the choice has the focus: Enter rotates
    await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
    await pilot.press("c")  # copied: "I have stored it" closes without asking
    await pilot.click("#stored")
    await until(pilot, lambda: app.screen is dialog and "Revoked the old key" in steps_of(app))
    return dialog


# -- 1. the page behind takes the rotation as it finishes ---------------------------------


async def test_the_page_behind_shows_the_rotation_once_it_is_done(tmp_path: Path) -> None:
    app = keys_app(tmp_path)
    async with app.run_test(size=SSH) as pilot:
        await settle(pilot)
        assert statuses(app)[OLD] == "active" and NEW not in statuses(app)
        dialog = await rotate_until_done(pilot, OLD)
        # The dialog still shows the steps; the list behind it is the account as it is now
        # (once every worker is done: the rotation's, and the page's load it started).
        await settle(pilot)
        assert app.screen is dialog
        assert statuses(app).get(NEW) == "active", statuses(app)
        assert statuses(app)[OLD] == "revoked", statuses(app)
        page = page_of(app)
        assert page.table.current is not None and page.table.current.key.name == NEW
        # Closing changes nothing more: no second load of the same list.
        loads = sum(1 for w in app.workers if w.node is page)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is page
        assert sum(1 for w in app.workers if w.node is page) == loads
        assert statuses(app)[NEW] == "active" and statuses(app)[OLD] == "revoked"
        assert page.table.current is not None and page.table.current.key.name == NEW


# -- 2. Enter closes the finished rotation ------------------------------------------------


async def test_enter_closes_the_finished_rotation(tmp_path: Path) -> None:
    app = keys_app(tmp_path)
    async with app.run_test(size=SSH) as pilot:
        dialog = await rotate_until_done(pilot, OLD)
        await settle(pilot)
        close = dialog.query_one("#close", Button)
        assert dialog.focused is close, dialog.focused
        assert str(close.label) == "Close"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))


# -- 3. the plan at 80x24 with a notice -----------------------------------------------------


async def open_plan_with_notice(pilot: Pilot[Any], name: str) -> KeyRotateScreen:
    app = cast("OpenRushApp", pilot.app)
    await settle(pilot)
    await select(pilot, name)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, KeyRotateScreen))
    app.notify(LONG_NOTICE, title="Rotation done", markup=False)
    dialog = app.screen
    assert isinstance(dialog, KeyRotateScreen)
    await until(pilot, lambda: dialog.query_one("#dialog-notice").region.height > 0)
    for _ in range(4):  # the line's rows, then the body's scroll, a refresh or two later
        await pilot.pause()
    return dialog


@pytest.mark.parametrize("name", ["Staging", OLD])  # the longest plan (an expiry), a short one
async def test_the_plan_reads_whole_at_80x24_with_a_notice(tmp_path: Path, name: str) -> None:
    app = keys_app(tmp_path)
    async with app.run_test(size=SSH, notifications=True) as pilot:
        dialog = await open_plan_with_notice(pilot, name)
        notice = dialog.query_one("#dialog-notice")
        assert notice.region.height == 2  # the notice is whole (two lines at 80 columns)
        for selector in ("#plan", "#dialog-notice", ".title", "#revoke-old", "#rotate"):
            widget = dialog.query_one(selector, Widget)
            assert not_in_view(widget) is None, not_in_view(widget)
        assert cut_text(dialog.query_one("#plan")) is None, cut_text(dialog.query_one("#plan"))


def test_snapshot_the_plan_with_a_notice_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_plan_with_notice(pilot, "Staging")

    assert snap_compare(keys_app(tmp_path), terminal_size=SSH, run_before=run_before)


# -- 4. a toast raised just before a dialog opens ------------------------------------------


def toasts_over(dialog: Dialog[Any]) -> list[str]:
    frame = dialog.query_one("#dialog").region
    return [str(toast.render()) for toast in dialog.app.screen.query(Toast)
            if toast.region.overlaps(frame)]


@pytest.mark.parametrize("size", [SSH, (60, 20)], ids=["80x24", "60x20"])
async def test_a_toast_raised_as_a_dialog_opens_is_said_in_it(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = keys_app(tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        # A toast already on screen (seen) goes as the dialog opens ("Messages" keeps it).
        app.notify("Seen before", markup=False)
        await until(pilot, lambda: notices(app) == ["Seen before"])

        def say_then_open() -> None:  # as a key that says something and opens a dialog
            app.notify("A long/path/that/is/folded/in/a/toast/for/sure/at/sixty/columns/x.txt"
                       " could not be read.", title="Settings", severity="warning",
                       markup=False)
            app.action_help()

        app.call_later(say_then_open)
        await until(pilot, lambda: isinstance(app.screen, Dialog))
        dialog = app.screen
        assert isinstance(dialog, Dialog)
        await settle(pilot)
        for _ in range(3):
            await pilot.pause()
        assert notices(app) == [], notices(app)
        assert toasts_over(dialog) == []
        line = " ".join(cast("Any", dialog.query_one("#dialog-notice")).shown.split())
        assert line.startswith("! Settings: A long/path/that/is/folded"), line
        assert "Seen before" not in line
        kept = [message.text for message in app.recent.newest_first()]
        assert kept[:2] == ["A long/path/that/is/folded/in/a/toast/for/sure/at/sixty/columns/"
                            "x.txt could not be read.", "Seen before"]
        # What the dialog says itself is a toast still, as the dialog's words.
        dialog.notify("Its own words", markup=False)
        await until(pilot, lambda: notices(app) == ["Its own words"])
