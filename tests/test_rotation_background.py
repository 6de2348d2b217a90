"""A rotation that waits for its old key to go unused runs in API access's background: the
dialog closes once the new key has been revealed, the dashboard stays the user's (other pages,
other actions), the page's line follows the wait, a notification says how it ended, and S
stops it. In-process on the sandbox, on a clock the test moves (the old key's idle time), and
the next look asked for at once rather than waited for (`RotationLine.look_now`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from textual.pilot import Pilot

from openrush_tui.auth.credentials import read_file_key
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.dialogs.quit_waiting import QUIT_WHILE_WAITING
from openrush_tui.tui import OpenRushApp
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import FIXED_NOW, notices, sandbox_app, settle, text_of, until
from tests.support.keys import names, select, shown_key, table_of

if TYPE_CHECKING:  # by id at run time: the test runs (and fails) on a tree without them
    from openrush_tui.widgets.choice_set import ChoiceSet
    from openrush_tui.widgets.rotation_line import RotationLine

SIZE = (80, 24)


class MovingClock:
    """The dashboard's clock, moved on by the test (the sandbox keeps its own fixed one: the
    old key's last use stays where the seed put it, 4 minutes before the start)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def said(app: OpenRushApp) -> str:
    """The notifications shown (each arrives as a message the App handles: wait for it)."""
    return " ".join(" ".join(notices(app)).split())


def key_status(app: OpenRushApp, name: str) -> str:
    return next(row.status for row in table_of(app).view.rows if row.key.name == name)


async def start_waiting(pilot: Pilot[Any], app: OpenRushApp) -> RotationLine:
    """R on "Production server" (last used 4 minutes ago), "once unused for 10 minutes", the
    new key stored: the dialog closes and the page's line follows the wait."""
    await settle(pilot)
    await select(pilot, "Production server")
    await pilot.press("R")
    assert isinstance(app.screen, KeyRotateScreen)
    await pilot.press("enter")  # the first choice is focused: once unused (10 minutes)
    await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
    await pilot.click("#stored")
    await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))
    line = cast("RotationLine", app.screen.query_one("#rotation-line"))
    await until(pilot, lambda: line.display and "last used" in text_of(line))
    return line


async def test_the_rotation_waits_in_the_background_and_revokes_once_unused(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    clock = app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        assert ("Rotating “Production server”: old key last used 4 minutes ago; it is revoked "
                "once unused for 10 minutes — S stops it") in " ".join(text_of(line).split())
        assert "Production server 2026-06-26" in names(app)  # listed, and selected
        await until(pilot, lambda: "Waiting for the old key to go unused" in said(app))
        # The dashboard is the user's meanwhile: another page, and back; another action.
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))
        await select(pilot, "Data notebook")
        await pilot.press("d")
        await until(pilot, lambda: app.screen.id == REVOKE_DIALOG)
        await pilot.press("tab", "enter")  # Revoke (Cancel is focused first)
        await until(pilot, lambda: key_status(app, "Data notebook") == "revoked")
        assert line.waiting and key_status(app, "Production server") == "active"
        # Ten minutes on, nothing has used the old key: the next look revokes it, and the
        # user hears of it on whatever page is shown.
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen))
        clock.now += timedelta(minutes=10)
        line.look_now()
        await until(pilot, lambda: not line.waiting)
        await until(pilot, lambda: "Rotation done Revoked the old key “Production server”"
                         in said(app))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))
        assert not line.display
        await until(pilot, lambda: key_status(app, "Production server") == "revoked")


async def test_s_stops_the_wait_and_says_what_is_left(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        await select(pilot, "Data notebook")
        await pilot.press("R")  # one rotation at a time: this one is said, not opened
        await pilot.pause()
        assert isinstance(app.screen, ApiAccessScreen)
        await until(pilot, lambda: "“Production server” is being rotated" in said(app))
        await pilot.press("S")
        await until(pilot, lambda: not line.waiting and "Stopped waiting" in said(app))
        text = said(app)
        assert "Stopped waiting" in text and "is still active" in text
        assert f"openrush-tui keys revoke {production}" in text
        assert "Revoked" not in text
        assert not line.display
        await settle(pilot)  # nothing left running
        assert key_status(app, "Production server") == "active"


async def test_quitting_while_it_waits_says_what_is_left_once_closed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start_waiting(pilot, app)
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        await pilot.press("3")  # from another page: the wait is API access's, noted all the same
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen))
        await pilot.press("ctrl+q")  # asks first (Keep working focused): a stray q ends nothing
        await until(pilot, lambda: app.screen.id == QUIT_WHILE_WAITING)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen))
        assert app.is_running and app.leaving_notes[0]() is not None  # still waiting
        await pilot.press("q")
        await until(pilot, lambda: app.screen.id == QUIT_WHILE_WAITING)
        await pilot.click("#quit-anyway")
        await pilot.pause()
    note = " ".join(capsys.readouterr().err.split())
    assert "the key rotation stopped when the app closed" in note
    assert "The new key “Production server 2026-06-26”" in note
    assert "the old key “Production server”" in note and "is still active" in note
    assert "revoked" not in note.replace("keys revoke", "")
    assert f"openrush-tui keys revoke {production}" in note


async def test_the_rotate_dialog_opens_on_its_choice_arrows_choose_enter_rotates(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Data notebook")
        await pilot.press("R")
        await pilot.pause()
        choices = cast("ChoiceSet", app.screen.query_one("#revoke-old"))
        assert app.focused is choices
        await pilot.press("down")  # chooses "Revoke it now" (not a scroll)
        assert choices.pressed_button is not None and choices.pressed_button.id == "old-now"
        assert "then revoke the old key at once" in text_of(app.screen.query_one("#plan"))
        await pilot.press("enter")  # rotates
        await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
        await pilot.click("#stored")
        await until(pilot, lambda: isinstance(app.screen, KeyRotateScreen)
                         and "Revoked the old key" in text_of(app.screen.query_one("#steps")))


async def test_rotating_this_terminals_own_key_switches_first_then_waits_in_the_background(
        tmp_path: Path, isolated_home: Path) -> None:
    """The old key is the one this terminal uses (so it was used just now): the saved key
    switches to the new one before the dialog hands the wait over, and the dashboard goes on
    with the new key while it waits and once the old one is revoked."""
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "file"), page="api-access")
    clock = app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        old = table_of(app).current
        await pilot.press("R")
        await pilot.press("enter")  # once unused for 10 minutes
        await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
        new_key = shown_key(app)
        await pilot.click("#stored")
        await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))
        line = cast("RotationLine", app.screen.query_one("#rotation-line"))
        await until(pilot, lambda: "S stops it" in text_of(line))
        await until(pilot, lambda: "now signs in with the new key" in said(app))
        assert app.session.key is not None and app.session.key.secret.reveal() == new_key
        clock.now += timedelta(minutes=10)
        line.look_now()
        await until(pilot, lambda: not line.waiting)
        await until(pilot, lambda: f"Revoked the old key “{old.key.name}”" in said(app))
        await until(pilot, lambda: table_of(app).view.row(old.id) is not None
                         and table_of(app).view.row(old.id).status == "revoked")
    assert read_file_key("default") == new_key
