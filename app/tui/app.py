"""The Textual app: three pages (Setup, API access, Activity) as modes, and the global bindings.

This is also the one module that uses Textual's private API (see "Private Textual API" below):
each use says why and is covered by a test that fails if Textual changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import textual.constants as textual_constants
from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from openrush_tui import clipboard
from openrush_tui.clock import Clock, system_clock
from openrush_tui.config import Settings
from openrush_tui.prefs.settings import Loaded, SettingsFile
from openrush_tui.screens.app_balance import BalanceHeader
from openrush_tui.screens.app_keys import KeyConventions
from openrush_tui.screens.app_prefs import RemembersSettings
from openrush_tui.screens.app_runway import RunwayWarning
from openrush_tui.screens.recent_messages import RecentMessages
from openrush_tui.session import Session
from openrush_tui.tui import startup as app_startup
from openrush_tui.tui.signals import LastResort, Terminal
from openrush_tui.widgets.keymap import GLOBAL
from openrush_tui.widgets.terminal_safe import TerminalSafe

if TYPE_CHECKING:
    from textual.widgets import DataTable

STYLESHEETS = ("app.tcss", "setup.tcss", "api_access.tcss")
# Added as the first dialog opens: ~5 ms off each of Textual's parses before the first frame.
DIALOG_SOURCE = ("openrush_tui.styles", "dialogs.tcss")


def _setup() -> Screen[None]:
    from openrush_tui.screens.setup.page import SetupScreen

    return SetupScreen()


def _api_access() -> Screen[None]:
    from openrush_tui.screens.api_access.page import ApiAccessScreen

    return ApiAccessScreen()


def _activity() -> Screen[None]:
    from openrush_tui.screens.activity.page import ActivityScreen

    return ActivityScreen()


PAGES = {"setup": "Setup", "api-access": "API access", "activity": "Activity"}


def stylesheet(name: str) -> str:
    """The text of one of our .tcss files, in the `openrush_tui.styles` package (a plain
    file: importlib.resources and zipfile, for zip installs, cost ~3 ms at start-up)."""
    import openrush_tui.styles
    from openrush_tui.files.reading import read_text

    return read_text(Path(openrush_tui.styles.__file__).with_name(name))[0]


class OpenRushApp(RunwayWarning, BalanceHeader, KeyConventions, RemembersSettings, App[None]):
    TITLE = "OpenRush"
    # The app's look (dialogs: DIALOG_SOURCE); reusable widgets carry their own DEFAULT_CSS.
    CSS = "\n".join(stylesheet(name) for name in STYLESHEETS)
    # Screens are imported when their mode is first shown, not before the first frame.
    MODES: ClassVar = {"setup": _setup, "api-access": _api_access, "activity": _activity}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('setup')", "Setup", id="app.setup", group=GLOBAL),
        Binding("2", "switch_mode('api-access')", "API access", id="app.api-access",
                group=GLOBAL),
        Binding("3", "switch_mode('activity')", "Activity", id="app.activity", group=GLOBAL),
        # ? on pages (dialogs bind it too, below their text fields); F1 everywhere.
        Binding("question_mark", "help", "Help", id="app.help", group=GLOBAL,
                tooltip="These keys (Escape, ? or F1 closes)"),
        Binding("f1", "help", "Help", id="app.help", group=GLOBAL, show=False, priority=True,
                tooltip="These keys (Escape, ? or F1 closes)"),
        # Textual's own palette binding (priority: it works in dialogs too), declared here
        # so that the help lists it.
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", group=GLOBAL,
                show=False, priority=True,
                tooltip="Every action by name, and the recent messages"),
        Binding("q", "quit", "Quit", id="app.quit", group=GLOBAL),
    ]

    balance: reactive[int | None] = reactive(None)
    hold: reactive[int] = reactive(0)  # seconds requests wait after a 429 (the header says)

    def __init__(self, settings: Settings, session: Session, *, clock: Clock = system_clock,
                 first_page: str | None = None, handle_signals: bool = False,
                 prefs: Loaded | None = None, prefs_file: SettingsFile | None = None) -> None:
        """`prefs`: what the settings file held (`prefs_file`, where changes are saved;
        None: nothing is saved, as in tests)."""
        # Textual composes DEFAULT_MODE as the first screen: setting it per instance draws
        # the right page in the first frame instead of a blank screen and then a switch.
        likely_signed_in = session.signed_in or session.lookup_pending
        last_page = prefs.settings.last_page if prefs and likely_signed_in else None
        self.DEFAULT_MODE = first_page or last_page or (
            "api-access" if likely_signed_in else "setup")
        super().__init__()
        self.settings = settings
        self.session = session
        self.now = clock
        self.recent = RecentMessages()
        self.init_prefs(prefs, prefs_file)
        self._first_page_chosen = first_page is not None
        # SIGINT, SIGTERM, SIGHUP and a terminal that hangs up end the app as quitting does,
        # and the process within LAST_RESORT_SECONDS whatever happens (the command line asks
        # for this; tests driving the app with Pilot install no process-wide handlers). The
        # terminal's modes are read now, before Textual changes them.
        self._terminal = Terminal.current() if handle_signals else None
        self._terminating = False
        self._terminal_safe = TerminalSafe()
        self._log_holds = 0  # dialogs where a key can be typed, open now
        self._held_log_file: str | None = None
        # Another key (or none): the balance shown is no longer this terminal's.
        session.on_change(self._session_changed)
        # Work that would compete with drawing the first frame waits for it (None: drawn).
        self._after_first_frame: list[Callable[[], object]] | None = []

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Every line of every widget (toasts, menus and inputs included) passes this last:
        # nothing that could act on the terminal reaches it, whatever a view forgot.
        return [*super().get_line_filters(), self._terminal_safe]

    def _session_changed(self) -> None:
        self.balance = None

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self.theme_chosen)
        self.note_prefs_problem()
        if self._terminal is not None:
            self._install_last_resort(self._terminal)
        self.set_interval(1.0, self._count_down_hold, name="rate-limit-hold")

    def on_ready(self) -> None:
        # The first frame is on screen (Ready comes after the first paint). Only now load what
        # pages need (httpx, pydantic, the sandbox: CPU work that would delay that frame).
        self.session.warm_up()
        if self.session.lookup_pending:
            self._finish_lookup()
        waiting, self._after_first_frame = self._after_first_frame or [], None
        for callback in waiting:
            callback()
        self.set_timer(app_startup.GRACE_SECONDS, self.page_settled)

    def page_settled(self) -> None:
        """A page shows what it loaded, or why it could not: start-up is over, and garbage
        collection (paused by the command line while the app starts) resumes once the
        page is painted."""
        self.call_after_refresh(app_startup.resume)

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the first frame is on screen (pages start loading so)."""
        if self._after_first_frame is None:
            self.call_after_refresh(callback)
        else:
            self._after_first_frame.append(callback)

    @work(group="key-lookup", exit_on_error=False)
    async def _finish_lookup(self) -> None:
        await self.session.finish_lookup()
        if not self.session.signed_in and not self._first_page_chosen:
            await self.switch_mode("setup")  # nothing saved: Setup says how to sign in
        from openrush_tui.screens.base import DashboardScreen

        if isinstance(self.screen, DashboardScreen):
            self.screen.action_reload()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        from openrush_tui.screens.dialogs.dialog import Dialog

        if isinstance(screen, Dialog) and not self.stylesheet.has_source(*DIALOG_SOURCE):
            self.stylesheet.add_source(stylesheet(DIALOG_SOURCE[1]), read_from=DIALOG_SOURCE)
        return super().push_screen(screen, *args, **kwargs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog owns the keyboard: switching pages under it would leave it stranded.
        return not (action == "switch_mode" and isinstance(self.screen, ModalScreen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Not Textual's "Screenshot": it writes the screen, a new key included, to a file
        # others can read (see deliver_screenshot).
        yield from (command for command in super().get_system_commands(screen)
                    if command.title != "Screenshot")
        yield from self.conventions_commands(screen)
        for mode, title in PAGES.items():
            if mode != self.current_mode:
                yield SystemCommand(f"Go to {title}", f"Show the {title} page",
                                    lambda mode=mode: self.switch_mode(mode))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """No screenshot to a file, whatever asks (Textual's palette command, its
        `screenshot` action, a binding): the screen can show a key in full, and the SVG would
        be readable by others. Tests take theirs with `export_screenshot`, in memory."""
        self.notify("Screenshots are off: the screen can show a key.", title="Screenshot",
                    severity="warning", markup=False)
        return None

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.deliver_screenshot(filename, path)

    async def open_activity_for_key(self, credential_id: str, name: str) -> None:
        """Show Activity filtered to one key (from the key's details on API access)."""
        await self.switch_mode("activity")
        from openrush_tui.screens.activity.page import ActivityScreen

        if isinstance(self.screen, ActivityScreen):
            self.screen.filter_by_key(credential_id, name)

    # -- copying --------------------------------------------------------------------------

    def copy_text(self, text: str) -> clipboard.CopyOutcome:
        """Copy through the one copy path (OSC 52 and the system clipboard), keeping nothing.

        Not `App.copy_to_clipboard`: that also keeps the text in `app.clipboard`, where a key
        must not stay.
        """
        return clipboard.copy(text, terminal_writer(self))

    def offer_to_clear_clipboard(self, text_digest: str, *, what: str = "the key") -> None:
        """In `clipboard.CLEAR_AFTER_SECONDS`, empty the system clipboard if it still holds
        the text whose `clipboard.digest` this is; only the digest is kept until then."""
        self.set_timer(clipboard.CLEAR_AFTER_SECONDS,
                       lambda: self._clear_clipboard(text_digest, what))

    @work(group="clipboard-clear", exit_on_error=False)
    async def _clear_clipboard(self, text_digest: str, what: str) -> None:
        import asyncio

        # The clipboard helper may shell out: a thread, so the UI keeps drawing meanwhile.
        if await asyncio.to_thread(clipboard.clear_system_clipboard_if_digest, text_digest):
            self.notify(f"Cleared {what} from the system clipboard.", title="Clipboard",
                        markup=False)

    # -- leaving ----------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """q, ctrl+q, the palette's Quit. With a new key on screen, ask as closing it does."""
        from openrush_tui.screens.api_access.reveal import KeyRevealScreen, LeaveWithoutCopyScreen

        if isinstance(self.screen, LeaveWithoutCopyScreen):
            return  # the question is on screen already
        reveal = next((s for s in self.screen_stack if isinstance(s, KeyRevealScreen)), None)
        if reveal is not None:
            reveal.ask_to_close(then=lambda: self.call_next(self._quit))
            return
        await self._quit()

    async def _quit(self, return_code: int = 0) -> None:
        from openrush_tui.screens.dialogs.dialog import Dialog

        self.save_prefs_now()
        notes = [note for screen in self.screen_stack
                 if isinstance(screen, Dialog) and (note := screen.leaving_note())]
        await self.session.aclose()
        # Printed on stderr once the terminal is restored: a key may exist unseen, a
        # rotation may have stopped half-way.
        self.exit(return_code=return_code, message=Text("\n".join(notes)) if notes else None)

    def terminate(self, signum: int) -> None:
        """SIGINT, SIGTERM or SIGHUP: wipe any key on screen first, then leave as quitting
        does (the terminal is restored by Textual's own exit), with exit code 128 + the
        signal."""
        from openrush_tui.screens.api_access.reveal import KeyRevealScreen

        if self._terminating:
            return
        self._terminating = True
        for screen in self.screen_stack:
            if isinstance(screen, KeyRevealScreen):
                screen.wipe()
        self.call_next(self._quit, 128 + signum)

    def _install_last_resort(self, terminal: Terminal) -> None:
        import asyncio

        loop = asyncio.get_running_loop()

        def ask_to_leave(signum: int) -> None:  # from the signal handler or the watchdog
            loop.call_soon_threadsafe(self.terminate, signum)

        LastResort(terminal, ask_to_leave).install()

    # -- Private Textual API ----------------------------------------------------------------
    # Each use has no public equivalent; tests/test_textual_private.py fails if one stops
    # working, so a Textual upgrade cannot silently bring back what it prevents.

    def _fatal_error(self) -> None:
        # Textual's own crash report prints every frame's local variables, and a local may
        # hold a key. Overriding this hook is the only way to change that report; `panic`
        # (public) then prints ours, without locals.
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None))

    def hold_log(self) -> Callable[[], None]:
        """Stop Textual's own log until the returned function is called.

        With TEXTUAL_LOG set (or devtools connected), Textual logs every message every widget
        handles, as its repr: each `Key(character=…)` typed, `Paste(text=…)`, and
        `Input.Changed(value=…)`, that is a key typed into the sign-in dialog, into a file
        others can read. No public switch stops it: `textual.constants.LOG_FILE` is what its
        logger checks before each write, and `_log` is where it sends to devtools.
        """
        if self._log_holds == 0:
            self._held_log_file = textual_constants.LOG_FILE
            textual_constants.LOG_FILE = None  # type: ignore[misc]
        self._log_holds += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._log_holds -= 1
            if self._log_holds == 0:
                textual_constants.LOG_FILE = self._held_log_file  # type: ignore[misc]

        return release

    def _log(self, *args: Any, **kwargs: Any) -> None:
        if not self._log_holds:  # see hold_log: devtools hear nothing while a key is typed
            super()._log(*args, **kwargs)

    def forget_copied(self, text: str) -> None:
        """Empty `app.clipboard` if it holds `text` (a key the user selected and copied with
        Textual's own selection): Textual offers no public way to empty it."""
        if self.clipboard == text:
            self._clipboard = ""


def terminal_writer(app: App) -> Callable[[str], bool]:
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


def drop_stale_renders(table: DataTable[Any]) -> None:
    """Empty a DataTable's render caches (no public API does). Their keys hold a counter that
    each row added, removed or sorted bumps, so a table changed every few seconds by live
    refresh keeps every older render until 10,000 cells: megabytes that are never read."""
    table._clear_caches()
