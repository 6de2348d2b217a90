"""Settings that persist, as a user meets them: what is changed in one run is there in the
next (theme, last page, Activity's period and live setting, hide-inactive); a corrupt file is
a note on screen and is left alone; the file never holds a key. And notifications: short,
cleared from under a dialog, and kept for the palette's "Messages"."""

from __future__ import annotations

import json
from pathlib import Path

from openrush_tui.prefs.settings import SettingsFile
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.dialogs.messages import MessagesScreen
from openrush_tui.screens.recent_messages import SHORT_LIVED, short_lived
from openrush_tui.widgets.labelled_list import LabelledList
from tests.support.activity import settle_activity
from tests.support.apps import notices, sandbox_app, settle
from tests.support.keys import table_of


async def test_what_one_run_changes_the_next_run_starts_with(tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "config" / "settings.json")
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app(db, prefs=file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_mode == "api-access"  # signed in, nothing remembered yet
        await pilot.press("h")  # hide revoked and expired keys
        await pilot.press("3")
        await settle_activity(pilot)
        await pilot.press("p", "l")  # 30 days, live off
        await settle_activity(pilot)
        app.theme = "nord"
        await pilot.press("q")
    saved = json.loads(file.path.read_text())
    assert saved == {"version": 1, "theme": "nord", "last_page": "activity",
                     "activity_period_days": 30, "activity_live": False,
                     "keys_hide_inactive": True}  # only what was changed
    assert "or_" not in file.path.read_text() and "eyJ" not in file.path.read_text()

    again = sandbox_app(db, prefs=file)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle_activity(pilot)
        screen = again.screen
        assert again.current_mode == "activity" and isinstance(screen, ActivityScreen)
        assert again.theme == "nord"
        assert screen.filter.days == 30 and not screen.model.live
        await pilot.press("2")
        await settle(pilot)
        assert table_of(again).hide_inactive


async def test_a_corrupt_settings_file_is_said_and_left_for_the_user_to_fix(
        tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.json")
    file.path.write_text('{"theme": "nord",')  # a hand edit cut short
    app = sandbox_app(tmp_path / "sandbox.sqlite3", prefs=file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("Settings not loaded" in note and "could not be read as JSON" in note
                   for note in notices(app))
        await pilot.press("h")  # a change: kept for this run only
        await settle(pilot)
        assert table_of(app).hide_inactive
    assert file.path.read_text() == '{"theme": "nord",'


async def test_an_unknown_theme_in_the_file_is_said_and_the_default_used(
        tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.json")
    file.path.write_text(json.dumps({"theme": "no-such-theme"}))
    app = sandbox_app(tmp_path / "sandbox.sqlite3", prefs=file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in note for note in notices(app))


async def test_two_bad_settings_are_both_said(tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.json")
    file.path.write_text(json.dumps({"theme": "no-such-theme", "activity_period_days": 9}))
    app = sandbox_app(tmp_path / "sandbox.sqlite3", prefs=file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = " ".join(notices(app))
        assert "no-such-theme" in said and "activity_period_days" in said


def test_toasts_are_short_lived() -> None:
    assert short_lived("information", 20) == SHORT_LIVED["information"]
    assert short_lived("error", None) == SHORT_LIVED["error"]
    assert short_lived("warning", 2) == 2


async def test_a_dialog_clears_the_page_s_toasts_and_messages_keeps_them(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.notify("Signed out of something else", title="Signed out")
        await pilot.pause()
        assert notices(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, KeyCreateScreen)
        assert not notices(app)  # nothing stale over the dialog (or its buttons)
        await pilot.press("escape")
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Messages")
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, MessagesScreen)
        shown = app.screen.query_one(LabelledList).plain
        assert "Signed out: Signed out of something else" in shown
