"""Each use of Textual's private API (all in `openrush_tui.widgets.textual_private`) still
does its job.

If a Textual upgrade renames what one relies on, a test here fails instead of the app silently
going back to what the use prevents. The third use, writing OSC 52 through the driver, is
tested in a real terminal by tests/test_clipboard.py (tmux stores what the app sends).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from tests.support.apps import TERMINAL, sandbox_app, settle
from tests.support.keys import create, shown_key

CRASHING_APP = """
from textual.screen import Screen
from openrush_tui.config import Settings
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp

class Boom(Screen):
    def on_mount(self) -> None:
        kept_in_a_local = "or_" + "LOCAL" + "SECRET" + "0123456789abcdef"
        raise RuntimeError("boom " + str(len(kept_in_a_local)))

class Crashing(OpenRushApp):
    MODES = {"setup": Boom}

settings = Settings(api_url="https://api.openrush.io")
app = Crashing(settings, Session(settings, None), first_page="setup")
app.run(headless=True)
"""


def test_the_crash_report_shows_the_traceback_but_no_local_variable(tmp_path: Path) -> None:
    """`report_crash_without_locals` (the App's `_fatal_error`): Textual's own report prints
    locals, and a local may hold a key."""
    script = tmp_path / "crashing_app.py"
    script.write_text(CRASHING_APP)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, check=False)
    report = done.stdout + done.stderr
    assert "RuntimeError: boom 30" in report
    assert "or_LOCALSECRET" not in report


async def test_a_key_copied_with_textual_s_selection_leaves_app_clipboard(
        tmp_path: Path) -> None:
    """`_clipboard`: selecting the key and copying it puts it in `app.clipboard`, which has
    no public way to be emptied; closing the reveal dialog empties it."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "selected by mouse")
        assert isinstance(app.screen, KeyRevealScreen)
        key = shown_key(app)
        app.copy_to_clipboard(key)  # what Textual's own "copy the selection" does
        assert app.clipboard == key
        await pilot.click("#stored")
        await settle(pilot)
        assert not isinstance(app.screen, KeyRevealScreen)
        assert app.clipboard == ""


SIGNING_IN_WITH_TEXTUAL_LOG = """
import asyncio, sys
from pathlib import Path
from textual import events
from tests.support.apps import sandbox_app, settle

async def main() -> None:
    app = sandbox_app(Path(sys.argv[1]), page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"or_typedXYZ")
        app.screen.query_one("#key-input").post_message(events.Paste(sys.argv[2]))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

asyncio.run(main())
"""


def test_a_key_typed_or_pasted_into_sign_in_never_reaches_textual_s_log(
        tmp_path: Path) -> None:
    """`LogHold`/`log_unless_held` (the App's `_log`): with TEXTUAL_LOG set, Textual logs
    every message's repr, so the key's keystrokes, its paste and the input's value would all
    be in that file."""
    script, log = tmp_path / "signing_in.py", tmp_path / "textual.log"
    script.write_text(SIGNING_IN_WITH_TEXTUAL_LOG)
    pasted = "or_PASTEDSECRET" + "q" * 30
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "sandbox.sqlite3"), pasted],
        capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).parents[1],
        env={**os.environ, "TEXTUAL_LOG": str(log), "PYTHONPATH": str(Path(__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    written = log.read_text()
    assert "ApiAccessScreen" in written  # the log is kept, before and after the dialog
    for leaked in ("PASTEDSECRET", "typedXYZ", "character='X'", "value='or_"):
        assert leaked not in written


async def test_changing_the_events_shown_empties_the_table_s_stale_renders(
        tmp_path: Path) -> None:
    """`_clear_caches`: DataTable keys its render caches by a counter each change bumps, so
    live refresh would otherwise pile up renders no one reads again (memory that grows)."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityScreen)
        table = screen.table
        assert table.row_count > 1 and len(table._cell_render_cache) > 0  # drawn
        events = screen.model.window.events()
        table.show_events(events[1:], screen.model.names, app.now())  # one fewer
        assert len(table._cell_render_cache) == 0 and len(table._line_cache) == 0
        await pilot.pause()
        assert table.row_count == len(events) - 1 and len(table._cell_render_cache) > 0


async def test_the_toasts_dismissed_leave_the_screen_and_the_others_stay() -> None:
    """`dismiss_toasts` (Textual 8's `notify` gives no handle to take a toast back): the
    toasts picked go at once, the others stay drawn."""
    from textual.app import App
    from textual.widgets._toast import Toast

    from openrush_tui.widgets.textual_private import dismiss_toasts

    app: App[None] = App()
    async with app.run_test(notifications=True) as pilot:
        for message in ("Ordered by name", "Key created", "Ordered by expiry"):
            app.notify(message, timeout=30)
        await pilot.pause()
        dismiss_toasts(app, lambda note: note.message.startswith("Ordered by"))
        await pilot.pause()
        assert [str(toast.render()) for toast in app.screen.query(Toast)] == ["Key created"]


async def test_the_toasts_dismissed_on_their_way_do_not_come_up() -> None:
    """`dismiss_toasts` also takes off the toasts whose `notify` message the app has not
    handled yet (o pressed quickly), and leaves the one notified after it."""
    from textual.app import App
    from textual.widgets._toast import Toast

    from openrush_tui.widgets.textual_private import dismiss_toasts

    app: App[None] = App()
    async with app.run_test(notifications=True) as pilot:
        app.notify("Key created", timeout=30)
        app.notify("Ordered by name", timeout=30)  # still a message in the app's queue
        dismiss_toasts(app, lambda note: note.message.startswith("Ordered by"))
        app.notify("Ordered by expiry", timeout=30)
        await pilot.pause()
        assert [str(toast.render()) for toast in app.screen.query(Toast)] == [
            "Key created", "Ordered by expiry"]
