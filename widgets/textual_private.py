"""Every use of Textual's private API, in one low-level module that the App and the widgets
both import (so the layering tui → screens → widgets → core holds).

Each use has no public equivalent and says why; tests/test_textual_private.py fails if one
stops working, so a Textual upgrade cannot silently bring back what it prevents.
tests/test_architecture.py checks that no other module touches these names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import textual.constants as textual_constants
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.notifications import Notifications
from textual.widgets._toast import ToastRack  # textual.app imports it: no cost here

if TYPE_CHECKING:  # the App imports this module: DataTable (~3 ms) loads with its first user
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.widgets import DataTable


def terminal_writer(app: App[Any]) -> Callable[[str], bool]:
    """A function that writes an escape sequence to `app`'s terminal, True when written.

    Textual has no public way to write to the terminal; `App.copy_to_clipboard` uses the same
    driver attribute. A headless app (tests, `run_test`) writes nowhere: not "sent".
    """

    def write(sequence: str) -> bool:
        driver = app._driver
        if driver is None or app.is_headless:
            return False
        try:
            driver.write(sequence)
            driver.flush()
        except Exception:  # a terminal that went away: report "not sent" rather than crash
            return False
        return True

    return write


def terminal_input_parser(debug: bool = False) -> XTermParser:
    """The parser that turns what the terminal sends into Textual's key, mouse and paste
    events, for the App's own input loop (`tui.driver`: Textual's spins on a terminal that
    hung up). Textual has no public parser; its Linux driver makes one just so."""
    return XTermParser(debug)


def drop_stale_renders(table: DataTable[Any]) -> None:
    """Empty a DataTable's render caches (no public API does). Their keys hold a counter that
    each row added, removed or sorted bumps, so a table changed every few seconds by live
    refresh keeps every older render until 10,000 cells: megabytes that are never read."""
    table._clear_caches()


def forget_copied(app: App[Any], text: str) -> None:
    """Empty `app.clipboard` if it holds `text` (a key the user selected and copied with
    Textual's own selection): Textual offers no public way to empty it."""
    if app.clipboard == text:
        app._clipboard = ""


def report_crash_without_locals(app: App[Any]) -> None:
    """The App's `_fatal_error` (bound as that hook in the App's class): Textual's own crash
    report prints every frame's local variables, and a local may hold a key. Overriding the
    hook is the only way to change that report; `panic` (public) then prints ours."""
    # lazy: start-up (rich.traceback loads pygments, and only a crash needs it)
    from rich.traceback import Traceback

    app.bell()
    app.panic(Traceback(show_locals=False, width=None))


class LogHold:
    """Stops Textual's own log while held (`hold`), for as long as any holder keeps it.

    With TEXTUAL_LOG set (or devtools connected), Textual logs every message every widget
    handles, as its repr: each `Key(character=…)` typed, `Paste(text=…)`, and
    `Input.Changed(value=…)`, that is a key typed into the sign-in dialog, into a file others
    can read. No public switch stops it: `textual.constants.LOG_FILE` is what its logger
    checks before each write, and `App._log` is where it sends to devtools (the App's `_log`
    is `log_unless_held`).
    """

    def __init__(self) -> None:
        self._holds = 0
        self._held_log_file: str | None = None

    @property
    def held(self) -> bool:
        return self._holds > 0

    def hold(self) -> Callable[[], None]:
        """Hold the log until the returned function is called (once; again does nothing)."""
        if self._holds == 0:
            self._held_log_file = textual_constants.LOG_FILE
            textual_constants.LOG_FILE = None  # type: ignore[misc]  # a Final, on purpose
        self._holds += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._holds -= 1
            if self._holds == 0:
                textual_constants.LOG_FILE = self._held_log_file  # type: ignore[misc]  # Final

        return release


_LOG_HOLDS: WeakKeyDictionary[App[Any], LogHold] = WeakKeyDictionary()


def log_hold(app: App[Any]) -> LogHold:
    """`app`'s hold on Textual's log (one per app)."""
    hold = _LOG_HOLDS.get(app)
    if hold is None:
        hold = _LOG_HOLDS[app] = LogHold()
    return hold


def log_unless_held(app: App[Any], *args: Any, **kwargs: Any) -> None:
    """The App's `_log` (bound as that hook in the App's class): Textual's own, unless the
    app's log is held (`log_hold`, see `LogHold`)."""
    hold = _LOG_HOLDS.get(app)
    if hold is None or not hold.held:
        App._log(app, *args, **kwargs)


def dismiss_toasts(app: App[Any], picked: Callable[[Notification], bool]) -> None:
    """Take the toasts `picked` off the screen: those up now, and those still on their way. A
    toast about something that has changed again (o's order) must not linger beside the new
    one. Textual 8's `notify` returns no handle to take one back, and its `_unnotify` is
    private.

    On their way: `notify` only posts a message, and the notification joins
    `app._notifications` when the app handles it. Keys that arrive together (o pressed
    quickly, as a terminal sends them) are all queued before the first one's toast message,
    so the next o found nothing to take off and its toast came up beside the last (the
    trial: five at once). A second sweep, queued now, runs after every message posted
    before this call and before any posted after it (the app's queue is first in, first
    out): it takes off the ones that were on their way, never the toast that follows.
    """

    def sweep() -> None:
        gone = [note for note in app._notifications if picked(note)]
        for note in gone:
            app._unnotify(note, refresh=note is gone[-1])

    sweep()
    app.call_later(sweep)


def toasts_up(app: App[Any]) -> list[Notification]:
    """The notifications the app shows (or is about to: the rack is updated after), oldest
    first. Textual keeps them in a private attribute, and `notify` returns no handle."""
    return list(app._notifications)


def toasts_off(screen: Screen[Any]) -> None:
    """Take every toast off `screen`, one no longer on top (a page under a dialog). Textual
    updates only the top screen's toasts when its notifications change (`App.notify`,
    `clear_notifications`), and `ToastRack` is private: a page's toast stayed drawn under the
    dialog's backdrop (the trial: c, then Enter for the details)."""
    for rack in screen.query(ToastRack):
        rack.show(Notifications())
