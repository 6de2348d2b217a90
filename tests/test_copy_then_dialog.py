"""A copy on API access followed at once by a dialog (a new user's trial in tmux at 80x24):

1. `c` and `n` in one burst (`tmux send-keys c n`): nothing was copied and nothing said. `n`
   is a priority binding (the App runs it as the key arrives); `c` was not, so it went to the
   focused table first and came back to the App for its binding only after `n` had opened
   the dialog: it was then looked up among the dialog's bindings, and lost.
2. `c`, a moment, `n`: the id was copied, but its toast was taken off as the dialog opened
   (as if read) and the dialog's notice line said nothing.
3. `c`, a moment, Enter: the page's toast stayed drawn under the details dialog (the App
   clears the toasts of the screen on top only; the page's rack kept its toast).

The terminal writer is the one stand-in (a headless app has no terminal): it records what
the app sends, so the OSC 52 sequence itself is checked. In-process sandbox, fixed clock.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets import textual_private
from tests.support.apps import notices, sandbox_app, settle, until

pytestmark = pytest.mark.usefixtures("isolated_home", "no_display")
SSH = (80, 24)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app wrote to its terminal (as a real terminal would take it: written)."""
    written: list[str] = []

    def writer(app: object) -> Any:
        def write(sequence: str) -> bool:
            written.append(sequence)
            return True
        return write

    monkeypatch.setattr(textual_private, "terminal_writer", writer)
    return written


def copied(sent: list[str]) -> list[str]:
    return [base64.b64decode(s.removeprefix("\x1b]52;c;").removesuffix("\a")).decode()
            for s in sent if s.startswith("\x1b]52;c;")]


def page_of(app: OpenRushApp) -> ApiAccessScreen:
    return next(s for s in app.screen_stack if isinstance(s, ApiAccessScreen))


def notice_of(dialog: Dialog[Any]) -> str:
    return " ".join(str(getattr(dialog.query_one("#dialog-notice"), "shown", "")).split())


def current_id(app: OpenRushApp) -> str:
    row = page_of(app).table.current
    assert row is not None
    return row.key.id


async def settled_dialog(pilot: Pilot[Any], kind: type[Dialog[Any]]) -> Dialog[Any]:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, kind))
    await settle(pilot)
    for _ in range(3):  # the sweep of toasts on their way, and a repaint
        await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, kind)
    return dialog


async def test_c_and_n_in_one_burst_copy_and_say_it_in_the_dialog(
        tmp_path: Path, sent: list[str]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SSH, notifications=True) as pilot:
        await settle(pilot)
        wanted = current_id(app)
        # One read of the terminal: both keys are queued before either is handled.
        app.post_message(events.Key("c", "c"))
        app.post_message(events.Key("n", "n"))
        dialog = await settled_dialog(pilot, KeyCreateScreen)
        assert copied(sent) == [wanted]
        line = notice_of(dialog)
        assert line.startswith("Sent the id"), line
        assert wanted[:10] in line or "the id" in line
        assert notices(app) == [], notices(app)  # no toast over the dialog
        assert app.recent.newest_first()[0].text.startswith("Sent the id")
        assert list(page_of(app).query(Toast)) == []


async def copied_and_said(pilot: Pilot[Any], app: OpenRushApp) -> ApiAccessScreen:
    """c on API access, until the page's toast saying so is drawn; the page."""
    await pilot.press("c")
    page = page_of(app)
    await until(pilot, lambda: bool(list(page.query(Toast))))
    return page


async def test_c_then_n_once_the_toast_is_up_says_it_in_the_dialog(
        tmp_path: Path, sent: list[str]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SSH, notifications=True) as pilot:
        await settle(pilot)
        wanted = current_id(app)
        page = await copied_and_said(pilot, app)
        await pilot.press("n")
        dialog = await settled_dialog(pilot, KeyCreateScreen)
        assert copied(sent) == [wanted]
        line = notice_of(dialog)
        assert line.startswith("Sent the id"), line
        assert notices(app) == [], notices(app)
        assert list(page.query(Toast)) == []  # nothing left drawn under the dialog


async def test_no_piece_of_the_pages_toast_stays_under_the_details(
        tmp_path: Path, sent: list[str]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SSH, notifications=True) as pilot:
        await settle(pilot)
        page = await copied_and_said(pilot, app)
        await pilot.press("enter")
        dialog = await settled_dialog(pilot, KeyDetailsScreen)
        assert list(page.query(Toast)) == [], "the page's toast is still drawn under it"
        assert notices(app) == []
        assert notice_of(dialog).startswith("Sent the id"), notice_of(dialog)


async def test_a_toast_answering_an_earlier_key_is_not_said_again(
        tmp_path: Path, sent: list[str]) -> None:
    """Seen: the user pressed another key since it came up (it was on screen). It goes as the
    dialog opens, as before; "Messages" keeps it."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SSH, notifications=True) as pilot:
        await settle(pilot)
        page = await copied_and_said(pilot, app)
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("n")
        dialog = await settled_dialog(pilot, KeyCreateScreen)
        assert "Sent the id" not in notice_of(dialog)
        assert notices(app) == []
        assert list(page.query(Toast)) == []


async def test_a_clock_step_does_not_misfile_a_toast_on_its_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall clock steps back an hour (NTP, a suspended laptop) between a toast and the
    dialog that opens after it: the toast, still on its way, is said in the dialog all the
    same (compared by time, it read as said after the dialog opened: a toast over it)."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SSH, notifications=True) as pilot:
        await settle(pilot)
        stepped = time.time() - 3600

        def say_then_open() -> None:  # as a key that says something and opens a dialog
            app.notify("Said just before", markup=False)
            monkeypatch.setattr(time, "time", lambda: stepped)
            app.action_help()

        app.call_later(say_then_open)
        dialog = await settled_dialog(pilot, Dialog)
        assert notices(app) == [], notices(app)
        assert notice_of(dialog).startswith("Said just before"), notice_of(dialog)
