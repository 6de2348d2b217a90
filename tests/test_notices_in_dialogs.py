"""What is said from elsewhere while a dialog is open is said in the dialog, in its notice line,
not in a toast over it: at 60x20 a dialog fills most of the screen, and a toast (40 cells wide
there) landed on its key, fields or buttons. The clipboard's clear after a copy, a rotation
that ends in the background and a settings warning arrive that way. The notification is still
kept for "Messages", nothing stale pops up once the dialog closes, and what the dialog says
itself (its `notify`) is a toast as before.

In-process sandbox, fixed clock. The clipboard's clear is a timer of 30 s: the test keeps the
app's timer from running and fires it itself (`ClearTimer`); toasts are drawn
(``run_test(notifications=True)``), so a toast over the dialog would be found.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets._toast import Toast

from openrush_tui import clipboard as clipboard_core
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.tui import OpenRushApp
from tests.support.activity import export_refused
from tests.support.apps import FIXED_NOW, notices, sandbox_app, settle, text_of, until
from tests.support.clipboard import FakeDesktop
from tests.support.in_view import assert_in_view, cut_text, not_in_view
from tests.support.keys import create, select, shown_key

if TYPE_CHECKING:  # by id at run time
    from openrush_tui.widgets.rotation_line import RotationLine

SMALL = (60, 20)
SIZES = [(60, 20), (80, 24)]
IDS = ["60x20", "80x24"]
CLEAR_AFTER = 1234.5  # the app's clear, never reached by the wall clock: the test fires it
CLEARED = "Cleared the key from the system clipboard."


class ClearTimer:
    """The app's timer for the clipboard's clear, caught as it is set and fired by the test
    (as the timer would, on the app's own queue)."""

    def __init__(self, app: OpenRushApp) -> None:
        self.callbacks: list[Callable[[], object]] = []
        real = app.set_timer

        def set_timer(delay: float, callback: Any = None, **kwargs: Any) -> Timer:
            if delay == CLEAR_AFTER and callback is not None:
                self.callbacks.append(callback)
                callback = None
            return real(delay, callback, **kwargs)

        app.set_timer = set_timer  # type: ignore[method-assign]
        self._app = app

    def fire(self) -> None:
        assert self.callbacks, "no clear was set"
        self._app.call_later(self.callbacks.pop())


def notice_of(dialog: Dialog[Any]) -> str:
    """The dialog's notice line as it reads (empty when hidden or missing)."""
    found = dialog.query("#dialog-notice")
    if not found or not found.first().display:
        return ""
    return " ".join(cast("Any", found.first()).shown.split())


def toasts_over(dialog: Dialog[Any]) -> list[tuple[str, Any]]:
    """Each toast drawn over the dialog's frame, with what it says."""
    frame = dialog.query_one("#dialog", Widget).region
    return [(" ".join(str(toast.render()).split()), toast.region)
            for toast in dialog.app.screen.query(Toast) if toast.region.overlaps(frame)]


def kept(app: OpenRushApp, words: str) -> bool:
    return any(words in message.text for message in app.recent.newest_first())


async def reveal_with_a_clear_to_come(pilot: Pilot[Any], desktop: FakeDesktop) -> ClearTimer:
    """A key created and copied to the system clipboard (its clear set for later), then a
    second key created: its reveal dialog is open when the first key's clear comes."""
    app = cast("OpenRushApp", pilot.app)
    timer = ClearTimer(app)
    await settle(pilot)
    await create(pilot, "laptop")
    first = shown_key(app)
    await pilot.press("c")
    await pilot.pause()
    assert desktop.content == first
    await pilot.press("escape")  # copied: it closes without asking, the clear is set
    await settle(pilot)
    assert timer.callbacks, "the clear was not offered"
    # With no dialog open the page's words are a toast, as they were; gone in a few seconds
    # (here at once: tests keep toasts for an hour, and this one would show under the dialog).
    assert any("will be cleared" in note for note in notices(app)), notices(app)
    app.clear_notifications()
    await create(pilot, "desk")
    assert isinstance(app.screen, KeyRevealScreen)
    return timer


@pytest.fixture
def clear_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard_core, "CLEAR_AFTER_SECONDS", CLEAR_AFTER)


@pytest.mark.usefixtures("clear_later")
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_clipboard_clear_is_said_in_the_open_reveal_not_over_it(
        tmp_path: Path, desktop: FakeDesktop, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        timer = await reveal_with_a_clear_to_come(pilot, desktop)
        dialog = app.screen
        assert isinstance(dialog, KeyRevealScreen)
        timer.fire()
        await until(pilot, lambda: kept(app, CLEARED))
        await settle(pilot)
        for _ in range(3):  # the notice's place is set after a refresh or two
            await pilot.pause()
        assert desktop.content == ""
        assert app.screen is dialog
        assert not toasts_over(dialog), toasts_over(dialog)
        assert notice_of(dialog) == f"Clipboard: {CLEARED}", notice_of(dialog)
        assert not any(CLEARED in note for note in notices(app))  # no toast at all
        # The key, the notice and the buttons all show, nothing drawn over them.
        for selector in ("#key", "#dialog-notice", "#copy", "#stored"):
            problem = not_in_view(dialog.query_one(selector))
            assert problem is None, problem
        # Closed: the notice was seen in the dialog; it does not pop up again as a toast.
        await pilot.press("c")  # copied (so no question), then closed
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApiAccessScreen)
        for _ in range(3):
            await pilot.pause()
        assert not any(CLEARED in note for note in notices(app)), notices(app)
        assert kept(app, CLEARED)  # still among the messages


async def test_a_rotation_that_ends_while_a_dialog_is_open_is_said_in_it(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    clock = app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        line = await start_waiting(pilot, app)
        await select(pilot, "Data notebook")
        await pilot.press("enter")  # its details
        await until(pilot, lambda: isinstance(app.screen, KeyDetailsScreen))
        for _ in range(3):  # the rotation's wait keeps a worker busy: no settle
            await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, KeyDetailsScreen)
        clock.now += timedelta(minutes=10)  # nothing used the old key: the next look revokes
        line.look_now()
        await until(pilot, lambda: kept(app, "Revoked the old key"))
        for _ in range(3):
            await pilot.pause()
        assert app.screen is dialog
        said = notice_of(dialog)
        assert said.startswith("Rotation done: Revoked the old key “Production server”"), said
        assert not toasts_over(dialog), toasts_over(dialog)
        for selector in ("#dialog-notice", ".buttons"):
            problem = not_in_view(dialog.query_one(selector))
            assert problem is None, problem


async def test_a_notice_is_plain_text_on_one_line_and_an_error_stays_in_view(
        tmp_path: Path, no_display: None) -> None:
    # One app, two dialogs in turn: the help (a server's words, our markup, a long notice),
    # then the reveal of a new key (errors against lesser notices, the dialog's own toast).
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")  # the help: a dialog too
        await until(pilot, lambda: isinstance(app.screen, Dialog))
        dialog = app.screen
        assert isinstance(dialog, Dialog)
        # A server's words: never markup, escapes shown, one line.
        app.notify("[bold]name[/bold]\x1b]52;c;aGk=\x07\nnext", title="Settings",
                   severity="warning", markup=False)
        await pilot.pause()
        assert notice_of(dialog) == "! Settings: [bold]name[/bold]\\e]52;c;aGk=\\x07 next"
        assert dialog.query_one("#dialog-notice").has_class("-warning")
        # Our own markup: its words, without the tags.
        app.notify("Press [b]r[/b] to refresh.", severity="warning")
        await pilot.pause()
        assert notice_of(dialog) == "! Press r to refresh."
        # A long one is cut to its lines, never taking the dialog's rows.
        app.notify("word " * 200, severity="warning", markup=False)
        await pilot.pause()
        await pilot.pause()
        notice = dialog.query_one("#dialog-notice")
        assert 1 <= notice.region.height <= 2, notice.region
        assert notice_of(dialog).endswith("…"), notice_of(dialog)
        assert not toasts_over(dialog)
        await pilot.press("escape")  # the help closed: the reveal's line starts empty
        await until(pilot, lambda: not isinstance(app.screen, Dialog))

        await create(pilot, "laptop")
        dialog = app.screen
        assert isinstance(dialog, KeyRevealScreen)
        notice = dialog.query_one("#dialog-notice")
        # An error from elsewhere: marked, in the error's colour.
        app.notify("The list could not be loaded.", title="Keys", severity="error",
                   markup=False)
        await pilot.pause()
        assert notice_of(dialog) == "✗ Keys: The list could not be loaded."
        assert notice.has_class("-error")
        # Something less pressing after it does not push the error out of sight.
        app.notify("Saved.", title="Settings")
        await pilot.pause()
        assert notice_of(dialog).startswith("✗ Keys: The list could not be loaded.")
        assert "1 more in Messages" in notice_of(dialog), notice_of(dialog)
        assert notice.has_class("-error")
        # A newer error replaces it.
        app.notify("Still not loaded.", title="Keys", severity="error", markup=False)
        await pilot.pause()
        assert notice_of(dialog) == "✗ Keys: Still not loaded."
        # The dialog's own notification is a toast, as it was.
        dialog.notify("The dialog's own words.", markup=False)
        await pilot.pause()
        assert any("The dialog's own words." in note for note in notices(app))
        assert "own words" not in notice_of(dialog)
        for selector in ("#key", "#dialog-notice"):
            problem = not_in_view(dialog.query_one(selector))
            assert problem is None, problem


@pytest.mark.parametrize("size", [(40, 12), SMALL], ids=["40x12", "60x20"])
async def test_a_notice_after_a_copy_keeps_the_key_and_what_the_copy_did_in_view(
        tmp_path: Path, no_display: None, size: tuple[int, int]) -> None:
    # "Copy it by hand" needs the key and the note together; the notice takes rows from them.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await create(pilot, "tiny")
        dialog = app.screen
        assert isinstance(dialog, KeyRevealScreen)
        await pilot.press("c")  # no display: the note says to copy it by hand
        await settle(pilot)
        app.notify("The rotation of “Production server” stopped: the server did not answer "
                   "(503 Service Unavailable).", title="Rotation stopped",
                   severity="warning", markup=False)
        for _ in range(4):  # the line's rows, then the body's scroll, a refresh or two later
            await pilot.pause()
        assert notice_of(dialog).startswith("! Rotation stopped: The rotation")
        assert not_in_view(dialog.query_one("#key")) is None, not_in_view(dialog.query_one("#key"))
        status, body = dialog.query_one("#copy-status"), dialog.query_one(".body")
        assert status.region.y < body.scrollable_content_region.bottom  # its first line shows
        for selector in ("#dialog-notice", "#copy", "#stored"):
            problem = not_in_view(dialog.query_one(selector))
            assert problem is None, problem
        assert not toasts_over(dialog)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_what_a_dialog_said_stays_in_view_when_a_notice_takes_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    # The export's refusal sits at the body's foot; the notice's rows come off the body's top.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.csv").write_text("mine\n")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size, notifications=True) as pilot:
        dialog = await export_refused(pilot)
        await settle(pilot)
        status = dialog.query_one("#export-status")
        await assert_in_view(pilot, status)
        app.notify("The settings could not be saved: the disk is full, so the last page and "
                   "the theme are not kept for the next run.", title="Settings",
                   severity="warning", markup=False)
        await assert_in_view(pilot, dialog.query_one("#dialog-notice"))
        for _ in range(4):  # the body's scroll comes a refresh or two after the line's rows
            await pilot.pause()
        assert not_in_view(status) is None, not_in_view(status)
        assert cut_text(status) is None, cut_text(status)


@pytest.mark.usefixtures("clear_later")
def test_snapshot_the_reveal_with_the_clipboard_notice_at_60x20(
        snap_compare: Any, tmp_path: Path, desktop: FakeDesktop) -> None:
    """The notice above the title, the key, its notes and the buttons all in view."""
    async def cleared(pilot: Pilot[Any]) -> None:
        timer = await reveal_with_a_clear_to_come(pilot, desktop)
        timer.fire()
        app = cast("OpenRushApp", pilot.app)
        await until(pilot, lambda: kept(app, CLEARED))
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=cleared)


# -- the rotation's wait (as tests/test_rotation_background.py starts it) ----------------------


class MovingClock:
    """The dashboard's clock, moved on by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def start_waiting(pilot: Pilot[Any], app: OpenRushApp) -> RotationLine:
    """R on "Production server" (last used 4 minutes ago), "once unused for 10 minutes", the
    new key stored: the dialog closes and the page's line follows the wait."""
    await settle(pilot)
    await select(pilot, "Production server")
    await pilot.press("R")
    assert isinstance(app.screen, KeyRotateScreen)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
    await pilot.click("#stored")
    await until(pilot, lambda: isinstance(app.screen, ApiAccessScreen))
    line = cast("RotationLine", app.screen.query_one("#rotation-line"))
    await until(pilot, lambda: line.display and "last used" in text_of(cast(Any, line)))
    return line
