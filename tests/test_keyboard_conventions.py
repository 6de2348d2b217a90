"""The keyboard as a user meets it: ? and F1 help generated from the bindings, one meaning per
key across pages, motion keys on every list (never destructive), the footer at 80 columns,
the page's actions in the command palette, and space marking without moving. In-process
sandbox, fixed clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.bindings import key_entries
from openrush_tui.screens.dialogs.help import HelpScreen
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.agent_panel import AgentPanel
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import LIFECYCLE_KEYS, MOTION_KEYS, MOVE
from openrush_tui.widgets.labelled_list import LabelledList
from tests.support.activity import row_ids, settle_activity, wait_until
from tests.support.activity import table_of as events_of
from tests.support.apps import sandbox_app, settle, text_of
from tests.support.keys import names, select
from tests.support.keys import table_of as keys_of

SMALL = (80, 24)
PAGES = {"setup": SetupScreen, "api-access": ApiAccessScreen, "activity": ActivityScreen}


def app_on(tmp_path: Path, page: str) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page=page)


async def open_page(pilot: Pilot, page: str) -> Screen:
    await (settle_activity(pilot) if page == "activity" else settle(pilot))
    return pilot.app.screen


def footer(app: OpenRushApp) -> str:
    return app.screen.query_one(KeyHints).render().plain


# ------------------------------------------------------------------ help


@pytest.mark.parametrize("page", list(PAGES))
async def test_help_lists_every_key_of_the_page_by_purpose_and_closes(tmp_path: Path,
                                                                      page: str) -> None:
    app = app_on(tmp_path, page)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_page(pilot, page)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        shown = help_screen.query_one(LabelledList).plain
        assert help_screen.query_one("#help-title", Static).content.plain == (
            f"Keys: {screen.PAGE_TITLE}")
        # Generated from the bindings: every key of ours on the page is in it, once per action.
        for entry in key_entries(screen):
            assert entry.explanation in shown, entry
        for heading in ("Actions", "Filter and view", "Move", "Everywhere"):
            assert heading in shown
        assert "q" in shown and "Quit" in shown and "? f1" in shown
        await pilot.press("question_mark")  # ? closes it again
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_help_in_a_dialog_lists_the_dialog_s_keys_not_the_page_s(tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeyDetailsScreen)
        await pilot.press("f1")
        await pilot.pause()
        shown = app.screen.query_one(LabelledList).plain
        assert "This dialog" in shown and "Activity for this key" in shown
        assert "New key" not in shown  # the page's keys do nothing under a dialog
        assert "API access" not in shown and "Quit" not in shown  # nor do 1 2 3 and q
        assert "? f1" in shown and "^p" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog


# ------------------------------------------------------------------ one meaning per key


async def test_each_key_means_one_thing_on_every_page_and_motion_keys_only_move(
        tmp_path: Path) -> None:
    app = app_on(tmp_path, "setup")
    meanings: dict[str, set[str]] = {}
    async with app.run_test(size=SMALL) as pilot:
        for key in ("1", "2", "3"):
            await pilot.press(key)
            await settle(pilot)
            for entry in key_entries(app.screen):
                action = entry.binding.action.split("(")[0]
                for shown in entry.keys:
                    meanings.setdefault(shown, set()).add(action)
                    if shown in MOTION_KEYS or shown in ("j", "k", "g", "G", "↑", "↓", "^d",
                                                         "^u", "home", "end", "pgup", "pgdn"):
                        assert entry.binding.group is MOVE, entry
                for key in set(entry.keys) & set(LIFECYCLE_KEYS):  # the key lifecycle's
                    assert action == LIFECYCLE_KEYS[key], entry
    several = {key: actions for key, actions in meanings.items() if len(actions) > 1}
    # Motion keys name each list's own action (cursor_down, cursor(1)…): one meaning, moving.
    assert all(key in ("k ↑", "j ↓", "k", "j", "↑", "↓", "g", "G", "home", "end", "^d", "^u",
                       "pgup", "pgdn") for key in several), several
    assert meanings["/"] == {"filter"} and meanings["esc"] == {"clear_filter"}
    assert meanings["r"] == {"reload"} and meanings["⏎"] == {"details"}
    assert meanings["h"] == {"toggle_hidden"}
    assert "n" in meanings and meanings["n"] == {"create"}  # not Activity's "load more"
    assert meanings["+"] == {"load_more"}


def test_no_dialog_binds_a_motion_key_to_anything_but_moving() -> None:
    # k is "up" on every list; a dialog that made it "only this key" surprised the hand.
    import importlib
    import pkgutil

    import openrush_tui.screens
    from openrush_tui.screens.dialogs.dialog import Dialog

    for module in pkgutil.walk_packages(openrush_tui.screens.__path__, "openrush_tui.screens."):
        importlib.import_module(module.name)  # every page's package and its dialogs
    dialogs: list[type] = []
    pending: list[type] = [Dialog]
    while pending:
        pending.extend(subclasses := pending.pop().__subclasses__())
        dialogs.extend(subclasses)
    assert len(dialogs) > 10
    for dialog in dialogs:
        for binding in dialog.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            keys = {key.strip() for key in binding.key.split(",")}
            assert not keys & MOTION_KEYS or binding.group is MOVE, (dialog, binding)


async def test_motion_keys_move_on_every_list(tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = keys_of(app)
        await pilot.press("j", "j")
        assert table.cursor == 2
        await pilot.press("k")
        assert table.cursor == 1
        await pilot.press("G")
        assert table.cursor == table.row_count - 1
        await pilot.press("g")
        assert table.cursor == 0
        await pilot.press("ctrl+d")
        assert table.cursor > 0
        await pilot.press("ctrl+u")
        assert table.cursor == 0
        await pilot.press("3")
        await settle_activity(pilot)
        events = events_of(app)
        await pilot.press("j", "j", "k")
        assert events.cursor_row == 1
        await pilot.press("ctrl+d")
        assert events.cursor_row > 1
        await pilot.press("g")
        assert events.cursor_row == 0
        await pilot.press("1")
        await settle(pilot)
        panel = app.screen.query_one(AgentPanel)
        assert panel.agent.id == "claude-code"
        await pilot.press("j", "j")
        await pilot.pause()
        assert panel.agent.id == "cursor"
        await pilot.press("G")
        await pilot.pause()
        assert panel.agent.id == "generic"


async def test_space_marks_without_moving_and_the_count_stays_in_view(tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = keys_of(app)
        marks = app.screen.query_one("#marks", Static)
        assert not marks.display
        await select(pilot, "Staging")
        at = table.cursor
        await pilot.press("space")
        await pilot.pause()
        assert table.cursor == at and table.marked == {table.current.id}
        assert marks.display and "1 marked" in text_of(marks)
        app.screen.show_loading()  # the line above the table says something else now…
        await pilot.pause()
        assert marks.display and "1 marked" in text_of(marks)  # …and the count stays
        await pilot.press("space")  # the same key again: unmarked
        await pilot.pause()
        assert not table.marked and not marks.display
        await pilot.press("space", "j", "space")
        await pilot.pause()
        assert len(table.marked) == 2 and "2 marked" in text_of(marks)
        await pilot.press("escape")  # no filter to clear: the marks go
        await pilot.pause()
        assert not table.marked and not marks.display


@pytest.mark.parametrize("page", ["api-access", "activity", "setup"])
async def test_what_is_typed_right_after_slash_lands_in_the_filter(
        tmp_path: Path, page: str) -> None:
    # As from a terminal: the keys arrive together, queued before `/` has been handled.
    app = app_on(tmp_path, page)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for character in "/notebook":
            app.post_message(events.Key("slash" if character == "/" else character,
                                        character))
        await settle(pilot)
        assert not isinstance(app.screen, KeyCreateScreen)  # n was not "New key"
        assert isinstance(app.focused, Input) and app.focused.value == "notebook"
        await pilot.press("slash")  # in the field, / is a character
        assert app.focused.value == "notebook/"
        await pilot.pause(0.1)
        assert 0 <= app.focused.region.y < SMALL[1]  # in view (Setup's: below the fold)


async def test_a_name_typed_right_after_n_lands_in_the_new_key_dialog(tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for character in "ndeploy":  # d would be Revoke, on the page
            app.post_message(events.Key(character, character))
        await settle(pilot)
        assert isinstance(app.screen, KeyCreateScreen)
        assert isinstance(app.focused, Input) and app.focused.value == "deploy"
        await pilot.press("escape")
        await pilot.press("slash", "n")  # in the filter field, n is a character
        assert isinstance(app.focused, Input) and app.focused.value == "n"
        assert not isinstance(app.screen, KeyCreateScreen)


async def test_slash_filters_activity_by_tool_key_or_client_and_escape_clears(
        tmp_path: Path) -> None:
    app = app_on(tmp_path, "activity")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle_activity(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityScreen)
        table = events_of(app)
        everything = row_ids(table)
        await pilot.press("slash", *"cursor")
        await pilot.pause()
        shown = screen.model.shown_events()
        assert 0 < len(shown) < len(everything) and row_ids(table) == [e.id for e in shown]
        assert all("cursor" in (e.client or "").lower() or "cursor" in (e.tool or "").lower()
                   for e in shown)
        assert "match “cursor” (Escape clears)" in text_of(screen.query_one("#events-state",
                                                                            Static))
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.focused is table
        await pilot.press("escape")
        await pilot.pause()
        assert row_ids(table) == everything


async def test_the_footer_at_80_columns_keeps_help_and_quit_and_the_page_s_keys_first(
        tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        expected_first = {"api-access": "⏎ Details", "activity": "⏎ Details",
                          "setup": "s Sign in"}
        for key, page in (("2", "api-access"), ("3", "activity"), ("1", "setup")):
            await pilot.press(key)
            await settle(pilot)
            line = footer(app)
            assert line.strip().startswith(expected_first[page]), line
            assert line.rstrip().endswith("? Help  q Quit"), line
        await pilot.press("s")  # a dialog: its own keys, and Help (F1: its field takes ?)
        await settle(pilot)
        assert footer(app).rstrip().endswith("f1 Help") and "esc Cancel" in footer(app)  # ? types


# ------------------------------------------------------------------ the command palette


def titles(app: OpenRushApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_the_palette_offers_the_page_s_actions_with_their_keys_when_they_make_sense(
        tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        offered = titles(app)
        for title in ("New key (n)", "Revoke (d del)", "Filter (/)", "Inactive (h)",
                      "Details (⏎)"):
            assert title in offered
        assert not any(title.startswith("Clear") for title in offered)  # nothing to clear
        assert not any(title.startswith("Up") for title in offered)  # motion: not commands
        await pilot.press("3")
        await settle_activity(pilot)
        offered = titles(app)
        for title in ("Live refresh: turn off (l)", "Show the last 30 days (p)",
                      "Filters… (f)", "Show this tool's own reads (h)", "Load older events (+)"):
            assert title in offered
        await pilot.press("1")
        await settle(pilot)
        offered = titles(app)
        for title in ("Sign in (s)", "Sign out (x)", "Copy snippet (c)",
                      "Install for Cursor… (i)", "Install for Codex CLI… (i)"):
            assert title in offered


async def test_typing_in_the_palette_runs_a_page_action(tmp_path: Path) -> None:
    app = app_on(tmp_path, "activity")
    async with app.run_test(size=SMALL) as pilot:
        await settle_activity(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityScreen) and screen.model.live
        await pilot.press("ctrl+p", *"live refresh")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and not screen.model.live
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p", *"new key")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KeyCreateScreen)


async def run_palette_command(pilot: Pilot, title: str) -> None:
    """What choosing `title` in the command palette runs, run."""
    app = pilot.app
    command = next(c for c in app.get_system_commands(app.screen) if c.title == title)
    command.callback()
    await settle(pilot)


async def test_install_for_an_agent_from_the_palette_shows_its_diff(tmp_path: Path,
                                                                     isolated_home: Path) -> None:
    from openrush_tui.screens.setup.agent_install import AgentInstallScreen

    app = app_on(tmp_path, "setup")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await run_palette_command(pilot, "Install for Gemini CLI… (i)")
        assert isinstance(app.screen, AgentInstallScreen)
        # The dialog is up; its body may still be mounting on a busy machine.
        await wait_until(pilot, lambda: "~/.gemini/settings.json" in " ".join(
            text_of(widget) for widget in app.screen.query(Static)))


async def test_marks_and_names_survive_help_and_palette(tmp_path: Path) -> None:
    """Opening the help or the palette changes nothing on the page under it."""
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        before = names(app)
        await pilot.press("space", "question_mark", "escape", "ctrl+p", "escape")
        await settle(pilot)
        assert names(app) == before and len(keys_of(app).marked) == 1


async def test_a_dialog_s_body_scrolls_with_the_arrows_and_pages_at_80x24(
        tmp_path: Path, isolated_home: Path) -> None:
    # The install dialog's diff runs past the fold at 80x24; the focus is on a button.
    from textual.containers import VerticalScroll

    from openrush_tui.screens.setup.agent_install import AgentInstallScreen

    app = app_on(tmp_path, "setup")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await run_palette_command(pilot, "Install for Cursor… (i)")
        dialog = app.screen
        assert isinstance(dialog, AgentInstallScreen)
        body = dialog.query_one(".body", VerticalScroll)
        # Laid out after its next refresh, which a busy machine draws late: wait for it.
        await wait_until(pilot, lambda: body.max_scroll_y > 0)
        assert body.scroll_y == 0
        await pilot.press("down")
        await wait_until(pilot, lambda: body.scroll_y == 1)
        await pilot.press("pagedown")
        page = body.scrollable_content_region.height - 1
        await wait_until(pilot, lambda: body.scroll_y == min(body.max_scroll_y, 1 + page))
        await pilot.press("pageup", "up")
        await wait_until(pilot, lambda: body.scroll_y == 0)


async def test_tab_in_a_dialog_never_stops_on_its_scrolling_body(tmp_path: Path) -> None:
    app = app_on(tmp_path, "api-access")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await select(pilot, "Production server")
        await pilot.press("R")
        await settle(pilot)
        for _ in range(6):  # round the dialog: every stop is a field, an option or a button
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is not None and not app.focused.has_class("body")
