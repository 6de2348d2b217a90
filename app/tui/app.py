"""The Textual app: three pages (Setup, API access, Activity) as modes, and the global bindings.

The App is one class, composed of what it holds: the session (the key in use), the settings
of this run (`prefs.keeper.PrefsKeeper`), the credit runway behind the header's low-balance
warning (`activity.runway_gauge.RunwayGauge`), the recent notifications
(`screens.recent_messages`) and the last resort after a signal (`tui.signals`). Each page's
header follows the App's `balance` and `runway` and counts the rate limit's hold down itself
(`widgets.app_header`). Textual's private API is used only through
`widgets.textual_private`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.actions import SkipAction
from textual.app import App, ScreenStackError, SystemCommand, UnknownModeError
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.theme import BUILTIN_THEMES, Theme
from textual.widget import AwaitMount
from textual.worker import Worker

import openrush_tui.styles
from openrush_tui import clipboard
from openrush_tui.activity.runway import Runway
from openrush_tui.activity.runway_gauge import RunwayGauge
from openrush_tui.clock import Clock, system_clock
from openrush_tui.config import Settings
from openrush_tui.files.reading import read_text
from openrush_tui.prefs.keeper import PrefsKeeper
from openrush_tui.prefs.settings import Loaded, SettingsFile, UserSettings
from openrush_tui.screens.base import DashboardScreen, report_failed_worker
from openrush_tui.screens.recent_messages import Message, RecentMessages, short_lived
from openrush_tui.session import Session
from openrush_tui.tui import startup as app_startup
from openrush_tui.tui.driver import HangUpAwareDriver
from openrush_tui.tui.signals import LastResort, Terminal
from openrush_tui.tui.toast_order import ToastOrder
from openrush_tui.widgets import textual_private
from openrush_tui.widgets.colours import MONOCHROME
from openrush_tui.widgets.keymap import GLOBAL
from openrush_tui.widgets.plain_glyphs import PlainGlyphs
from openrush_tui.widgets.terminal_safe import TerminalSafe
from openrush_tui.widgets.toast_text import fold_for_toast

if TYPE_CHECKING:  # imported with the first dialog (push_screen)
    from textual.notifications import Notification

    from openrush_tui.screens.dialogs.dialog import Dialog

STYLESHEETS = ("app.tcss", "api_access.tcss")
# Added as the first dialog opens: ~5 ms off each of Textual's parses before the first frame.
DIALOG_SOURCE = ("openrush_tui.styles", "dialogs.tcss")
# Setup's look (its page and its dialogs), added when Setup is first shown: Textual parses the
# app's CSS four times before the first frame (as the first screen registers, after the theme
# sets its variables, and as new widget types mount), and Setup's was three quarters of it
# (~14 ms of CPU when another page opens first). Its rules lose every tie (tie_breaker -1),
# as they did when they came before api_access.tcss and dialogs.tcss; none ties with
# app.tcss's (each names its screen).
SETUP_SOURCE = ("openrush_tui.styles", "setup.tcss")


# Each page's module is imported when its mode is first shown, not before the first frame.
def _setup() -> Screen[None]:
    from openrush_tui.screens.setup.page import SetupScreen  # lazy: start-up (see above)

    return SetupScreen()


def _api_access() -> Screen[None]:
    from openrush_tui.screens.api_access.page import ApiAccessScreen  # lazy: start-up (see above)

    return ApiAccessScreen()


def _activity() -> Screen[None]:
    from openrush_tui.screens.activity.page import ActivityScreen  # lazy: start-up (see above)

    return ActivityScreen()


PAGES = {"setup": "Setup", "api-access": "API access", "activity": "Activity"}
LEFT_OUT_SYSTEM_COMMANDS = frozenset({"Screenshot", "Keys"})  # see get_system_commands
# What each of the App's workers does, as a failure's title: nothing else on screen says it.
WORKER_TITLES = {"credits": "Credit balance", "runway": "Credit runway",
                 "settings-save": "Settings", "key-lookup": "Saved key",
                 "clipboard-clear": "Clipboard"}


def stylesheet(name: str) -> str:
    """The text of one of our .tcss files, in the `openrush_tui.styles` package (a plain
    file: importlib.resources and zipfile, for zip installs, cost ~3 ms at start-up)."""
    return read_text(Path(openrush_tui.styles.__file__).with_name(name))[0]


class OpenRushApp(App[None]):
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
        # ctrl+c quits too, with SIGINT's exit code, as in k9s and lazygit (Textual only says
        # "press ctrl+q"), unless it has something to copy (`action_interrupt`). Priority, as
        # ctrl+q: it works in dialogs. No id: the help lists q (and its snapshots stay).
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
    ]

    # The account's figures, which every page's header follows (`DashboardScreen.on_mount`)
    # and Activity's summary reads: the balance, and how long it lasts (`RunwayGauge`).
    balance: reactive[int | None] = reactive(None)
    runway: reactive[Runway | None] = reactive(None)

    # Textual's private hooks, bound to the one module that uses its private API.
    _fatal_error = textual_private.report_crash_without_locals  # no locals in a crash report
    _log = textual_private.log_unless_held  # nothing to devtools while a key is typed

    def __init__(self, settings: Settings, session: Session, *, clock: Clock = system_clock,
                 first_page: str | None = None, handle_signals: bool = False,
                 prefs: Loaded | None = None, prefs_file: SettingsFile | None = None) -> None:
        """`prefs`: what the settings file held (`prefs_file`, where changes are saved;
        None: nothing is saved, as in tests)."""
        # Textual composes DEFAULT_MODE as the first screen: setting it per instance draws
        # the right page in the first frame instead of a blank screen and then a switch.
        likely_signed_in = session.signed_in or session.lookup_pending
        last_page = prefs.settings.last_page if prefs and likely_signed_in else None
        self.DEFAULT_MODE = first_page or last_page or (  # type: ignore[misc]  # see above
            "api-access" if likely_signed_in else "setup")
        super().__init__()
        if self.DEFAULT_MODE == "setup":
            self._add_setup_style()
        self.settings = settings
        self.session = session
        self.now = clock
        self.recent = RecentMessages()
        self.kept = PrefsKeeper(prefs, prefs_file)
        self.gauge = RunwayGauge(session, clock, lambda: self.prefs.low_balance_days,
                                 self._runway_measured)
        self.register_theme(MONOCHROME)
        self._use_saved_theme()
        self._first_page_chosen = first_page is not None
        # SIGINT, SIGTERM, SIGHUP and a terminal that hangs up end the app as quitting does,
        # and the process within LAST_RESORT_SECONDS whatever happens (the command line asks
        # for this; tests driving the app with Pilot install no process-wide handlers). The
        # terminal's modes are read now, before Textual changes them.
        self._terminal = Terminal.current() if handle_signals else None
        self._last_resort: LastResort | None = None
        self._on_alternate_screen = False  # `alternate_screen_changed`, read by the last resort
        self._hang_up_loop: asyncio.AbstractEventLoop | None = None  # `terminal_hung_up`
        self._terminating = False
        self._terminal_safe = TerminalSafe()
        self._plain_glyphs = PlainGlyphs()  # LANG=C: every glyph drawn in ASCII
        # Another key (or none): the balance shown is no longer this terminal's.
        session.on_change(self._session_changed)
        # Work that would compete with drawing the first frame waits for it (None: drawn).
        self._after_first_frame: list[Callable[[], object]] | None = []
        # What work outside any dialog leaves undone if the app closes now (a rotation that
        # waits in API access's background, whatever page is shown): said as a dialog's is.
        self.leaving_notes: list[Callable[[], str | None]] = []
        self._toast_order = ToastOrder()  # for `toasts_under`

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Every line of every widget (toasts, menus and inputs included) passes this last:
        # nothing that could act on the terminal reaches it, whatever a view forgot. Only
        # enabled filters, as Textual's own: each filter in the list makes a new Strip (with
        # its seven caches) for every line drawn, even one that changes nothing (issue 23).
        return [*super().get_line_filters(), self._terminal_safe,
                *([self._plain_glyphs] if self._plain_glyphs.enabled else [])]

    def _session_changed(self) -> None:
        self.balance = None

    def get_driver_class(self) -> type[Driver]:
        # Textual's Linux driver spins on a terminal that hung up: ours stops and says so.
        chosen = super().get_driver_class()
        return HangUpAwareDriver if chosen is LinuxDriver else chosen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._toast_order.key_pressed()  # as it arrives, in order, before its binding
        await super().on_event(event)

    def on_load(self) -> None:
        # Load comes first, before Textual's driver takes the terminal and before the first
        # page is built: a signal or a hang-up during start-up ends the app too.
        self._hang_up_loop = asyncio.get_running_loop()
        if self._terminal is not None:
            self._last_resort = self._install_last_resort(self._terminal)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        if self.kept.note:  # what was wrong with the settings file
            self.notify(self.kept.note, title="Settings", severity="warning", markup=False)

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The App's own workers (the balance, the runway, the settings, the saved key's
        # lookup, the clipboard): a failure is said as a page's or a dialog's is.
        report_failed_worker(self, event, WORKER_TITLES.get(event.worker.group, ""))

    @work(group="key-lookup", exit_on_error=False)
    async def _finish_lookup(self) -> None:
        await self.session.finish_lookup()
        if not self.session.signed_in and not self._first_page_chosen:
            await self.switch_mode("setup")  # nothing saved: Setup says how to sign in
        if isinstance(self.screen, DashboardScreen):
            self.screen.action_reload()

    def switch_mode(self, mode: str) -> AwaitMount:
        if mode == "setup":
            self._add_setup_style()  # before its page is made and styled
        return super().switch_mode(mode)

    def _add_setup_style(self) -> None:
        if not self.stylesheet.has_source(*SETUP_SOURCE):
            self.stylesheet.add_source(stylesheet(SETUP_SOURCE[1]), read_from=SETUP_SOURCE,
                                       tie_breaker=-1)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.stylesheet.has_source(*DIALOG_SOURCE):
            # lazy: start-up (the dialogs' modules load with the first dialog, not before the
            # first frame)
            from openrush_tui.screens.dialogs.dialog import Dialog

            if isinstance(screen, Dialog):
                self.stylesheet.add_source(stylesheet(DIALOG_SOURCE[1]),
                                           read_from=DIALOG_SOURCE)
        if isinstance(screen, Screen):
            self._toast_order.screen_pushed(screen)
        return super().push_screen(screen, *args, **kwargs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog owns the keyboard: switching pages under it would leave it stranded.
        return not (action == "switch_mode" and isinstance(self.screen, ModalScreen))

    async def open_activity_for_key(self, credential_id: str, name: str) -> None:
        """Show Activity filtered to one key (from the key's details on API access)."""
        await self.switch_mode("activity")
        # lazy: start-up (the page's module loads when the page is first shown: MODES)
        from openrush_tui.screens.activity.page import ActivityScreen

        if isinstance(self.screen, ActivityScreen):
            self.screen.filter_by_key(credential_id, name)

    # -- the balance and how long it lasts --------------------------------------------------

    def refresh_credits(self) -> None:
        if self.session.signed_in:
            self._fetch_balance()

    @work(group="credits", exclusive=True, exit_on_error=False)
    async def _fetch_balance(self) -> None:
        client = await self.session.client()
        self.balance = (await client.credits()).balance

    def watch_balance(self, balance: int | None) -> None:
        if self.gauge.balance_changed(balance):
            # After the other watchers: Activity may count it for free (`runway_counted`).
            self.call_after_refresh(self._measure_if_unknown)

    def runway_counted(self, runway: Runway) -> None:
        """A runway computed from counted data (Activity's): no need to measure one."""
        self.gauge.counted(runway)

    def _runway_measured(self, runway: Runway | None) -> None:
        self.runway = runway

    def _measure_if_unknown(self) -> None:
        if getattr(self.screen, "counts_runway", False):
            return  # Activity is counting those days anyway: it hands the runway over
        if self.gauge.begin(self.balance):
            self._measure_runway(self.balance)

    @work(group="runway", exit_on_error=False)
    async def _measure_runway(self, balance: int) -> None:
        await self.gauge.measure(balance, lambda: self.balance)

    # -- what the dashboard remembers ------------------------------------------------------

    @property
    def prefs(self) -> UserSettings:
        """The settings of this run (the file's at start, with this run's changes)."""
        return self.kept.settings

    @prefs.setter
    def prefs(self, settings: UserSettings) -> None:
        self.kept.settings = settings

    def _use_saved_theme(self) -> None:
        """Before the first frame: the theme of the last run (an unknown one is said)."""
        theme = self.prefs.theme
        if theme is None:
            return
        if theme in BUILTIN_THEMES or theme == MONOCHROME.name:
            self.theme = theme
        else:
            unknown = (f"The theme “{theme}” in the settings is not one this version knows; "
                       "using the default.")
            # Added to what the file's check found, not in its place: every problem is said.
            self.kept.note = f"{self.kept.note} {unknown}" if self.kept.note else unknown

    def _theme_chosen(self, theme: Theme) -> None:
        self.remember(theme=theme.name)

    def remember(self, **changes: Any) -> None:
        """Keep `changes` for the next run (the file is written in a thread, soon)."""
        if self.kept.remember(**changes):
            self._save_prefs()

    @work(group="settings-save", exclusive=True, exit_on_error=False)
    async def _save_prefs(self) -> None:
        problem = await self.kept.save()
        if problem:
            self.notify(problem, title="Settings", severity="warning", markup=False)

    # -- help, the palette and notifications -----------------------------------------------

    def action_help(self) -> None:
        """? or F1: the keys of what is on screen (the page, or the dialog over it); again,
        it closes."""
        # lazy: start-up (the help's module loads when it is first opened)
        from openrush_tui.screens.dialogs.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Not Textual's "Screenshot": it writes the screen, a new key included, to a file
        # others can read (see deliver_screenshot). Nor its "Keys": a side panel that
        # squeezed API access and that neither Escape nor ? closed; the help (? or F1)
        # lists the keys of whatever is on screen.
        # lazy: start-up (the palette's page commands load when it first opens)
        from openrush_tui.screens.bindings import page_commands

        yield from (command for command in super().get_system_commands(screen)
                    if command.title not in LEFT_OUT_SYSTEM_COMMANDS)
        yield from page_commands(screen)  # the page's actions
        if len(self.recent):
            yield SystemCommand("Messages", "The recent notifications again, newest first",
                                self.show_messages)
        for mode, title in PAGES.items():
            if mode != self.current_mode:
                yield SystemCommand(f"Go to {title}", f"Show the {title} page",
                                    lambda mode=mode: self.switch_mode(mode))

    def show_messages(self) -> None:
        # lazy: start-up (the dialog's module loads when it is first opened)
        from openrush_tui.screens.dialogs.messages import MessagesScreen

        self.push_screen(MessagesScreen(self.recent.newest_first()))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification: kept for "Messages", shown briefly (`short_lived`). While a
        dialog is open, one from elsewhere is said in the dialog's notice line instead
        (`Dialog.take_notice`): a toast over a dialog at 60x20 lay on its key or buttons. It
        goes with the dialog: nothing pops up once it closes (it was said where the user was
        looking, and a toast then would read as news)."""
        self.recent.add(Message(self.now(), title, message, severity))
        try:
            top = self.screen
        except (ScreenStackError, UnknownModeError):  # no screen yet: a note at start-up
            top = None
        if isinstance(top, ModalScreen):
            # lazy: start-up (as in push_screen)
            from openrush_tui.screens.dialogs.dialog import Dialog

            if isinstance(top, Dialog) and top.take_notice(message, title=title,
                                                           severity=severity, markup=markup):
                return
        # A long path breaks after a separator in the toast, not mid-name (markup: as it is).
        shown = message if markup else fold_for_toast(message, self.size.width)
        # The same words again (c pressed five times) replace the toast: stacked, five copies
        # covered the page at 60x20 (the re-trial).
        textual_private.dismiss_toasts(
            self, lambda note: note.message == shown and note.title == title)
        super().notify(shown, title=title, severity=severity,
                       timeout=short_lived(severity, timeout), markup=markup)
        self._toast_order.toast_said(title, shown)

    def toasts_under(self, dialog: Dialog[Any]) -> None:
        """A dialog opens (`Dialog.on_mount`): no toast is drawn over it, nor left under it
        (a page's toast stayed drawn below the details: `textual_private.toasts_off`).

        A toast the user has read goes: it is about the page, and "Messages" keeps it. One
        not yet read is said in the dialog's notice line instead: one still on its way
        (`notify` only posts a message: a key that says something, then opens a dialog; the
        trial: it lay over the dialog for its whole timeout), and one that answers the key
        pressed just before the dialog's, or came since, with no other key between (c then n:
        the copy's toast, up for a moment, went with nothing said in the dialog). Whether it
        came before the dialog is counted, not timed (`notify`, `push_screen`)."""
        # lazy: start-up (as in push_screen; here with a dialog, it is loaded already)
        from openrush_tui.screens.dialogs.dialog import Dialog

        order = self._toast_order
        opened = order.opened(dialog)

        def say_in(top: object, note: Notification) -> bool:
            if not isinstance(top, Dialog):  # closed already: the toast is on the page
                return False
            top.take_notice(self._unfolded(note), title=note.title, severity=note.severity,
                            markup=note.markup)
            return True

        up = sorted((note for note in textual_private.toasts_up(self)
                     if order.unread(note, opened)), key=order.number)
        self.clear_notifications()
        for screen in self.screen_stack[:-1]:  # Textual takes toasts off the top one only
            textual_private.toasts_off(screen)
        for note in up:
            say_in(dialog, note)
        # The toasts on their way arrive before the sweep this queues (the app's messages are
        # first in, first out); none is on screen now.
        textual_private.dismiss_toasts(
            self, lambda note: order.said_before(note, opened) and say_in(self.screen, note))

    def _unfolded(self, note: Notification) -> str:
        """A toast's words as they were said, before `fold_for_toast` broke long paths for the
        toast's width (the notice line wraps them to its own)."""
        if note.markup:
            return note.message
        width = self.size.width
        return next((said.text for said in self.recent.newest_first()
                     if said.title == note.title and
                     fold_for_toast(said.text, width) == note.message), note.message)

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

    # -- copying, and Textual's log while a key is typed ------------------------------------

    def copy_text(self, text: str) -> clipboard.CopyOutcome:
        """Copy through the one copy path (OSC 52 and the system clipboard), keeping nothing.

        Not `App.copy_to_clipboard`: that also keeps the text in `app.clipboard`, where a key
        must not stay.
        """
        return clipboard.copy(text, textual_private.terminal_writer(self))

    def forget_copied(self, text: str) -> None:
        """Empty `app.clipboard` if it holds `text` (a key copied with Textual's own
        selection)."""
        textual_private.forget_copied(self, text)

    def hold_log(self) -> Callable[[], None]:
        """Stop Textual's own log until the returned function is called (a dialog where a
        key can be typed: `textual_private.LogHold`)."""
        return textual_private.log_hold(self).hold()

    def offer_to_clear_clipboard(self, text_digest: str, *, what: str = "the key") -> None:
        """In `clipboard.CLEAR_AFTER_SECONDS`, empty the system clipboard if it still holds
        the text whose `clipboard.digest` this is; only the digest is kept until then."""
        self.set_timer(clipboard.CLEAR_AFTER_SECONDS,
                       lambda: self._clear_clipboard(text_digest, what))

    @work(group="clipboard-clear", exit_on_error=False)
    async def _clear_clipboard(self, text_digest: str, what: str) -> None:
        # The clipboard helper may shell out: a thread, so the UI keeps drawing meanwhile.
        if await asyncio.to_thread(clipboard.clear_system_clipboard_if_digest, text_digest):
            self.notify(f"Cleared {what} from the system clipboard.", title="Clipboard",
                        markup=False)

    # -- leaving ----------------------------------------------------------------------------

    async def action_quit(self, return_code: int = 0) -> None:
        """q, ctrl+q, the palette's Quit (ctrl+c: `action_interrupt`). With a new key on
        screen, ask as closing it does."""
        # lazy: start-up (API access's dialogs load with that page)
        from openrush_tui.screens.api_access.reveal import KeyRevealScreen, is_leave_without_copy

        if is_leave_without_copy(self.screen):
            return  # the question is on screen already
        reveal = next((s for s in self.screen_stack if isinstance(s, KeyRevealScreen)), None)
        if reveal is not None:
            reveal.ask_to_close(then=lambda: self.call_next(self._quit, return_code))
            return
        if any(leaving() for leaving in self.leaving_notes):  # a rotation waits: ask first
            # lazy: start-up (as in push_screen)
            from openrush_tui.screens.dialogs.quit_waiting import (
                QUIT_WHILE_WAITING,
                quit_while_waiting_dialog,
            )
            from openrush_tui.screens.dialogs.yes_no import YesNoDialog

            if not isinstance(self.screen, YesNoDialog) or self.screen.id != QUIT_WHILE_WAITING:
                def answered(yes: bool | None) -> None:
                    if yes:
                        self.call_next(self._quit, return_code)

                self.push_screen(quit_while_waiting_dialog(), answered)
            return
        await self._quit(return_code)

    async def action_interrupt(self) -> None:
        """ctrl+c: quit as q does, with the exit code SIGINT gives (130: a script or a shell
        sees the same either way); but where there is something to copy, copy it."""
        if self._ctrl_c_copies():
            raise SkipAction  # the text field, the screen or the dialog copies, as before
        await self.action_quit(return_code=128 + signal.SIGINT)

    def _ctrl_c_copies(self) -> bool:
        """Text selected in the focused field (an Input, a TextArea) or on screen (with the
        mouse), or a dialog of ours that binds ctrl+c itself (the new key's: copy the key)."""
        screen = self.screen
        focused = screen.focused
        if getattr(focused, "selected_text", "") or screen.get_selected_text():
            return True
        nodes = [screen, *(focused.ancestors_with_self if focused is not None else ())]
        return any(binding.key == "ctrl+c" and binding.id
                   for node in nodes if node is not self
                   for binding in Binding.make_bindings(getattr(type(node), "BINDINGS", ())))

    async def _quit(self, return_code: int = 0) -> None:
        # lazy: start-up (as in push_screen)
        from openrush_tui.screens.dialogs.dialog import Dialog

        self.kept.save_now(last_page=self.current_mode)
        notes = [note for screen in self.screen_stack
                 if isinstance(screen, Dialog) and (note := screen.leaving_note())]
        notes += [note for leaving in self.leaving_notes if (note := leaving())]
        await self.session.aclose()
        # Printed on stderr once the terminal is restored: a key may exist unseen, a
        # rotation may have stopped half-way.
        self.exit(return_code=return_code, message=Text("\n".join(notes)) if notes else None)

    def terminate(self, signum: int) -> None:
        """SIGINT, SIGTERM or SIGHUP: wipe any key on screen first, then leave as quitting
        does (the terminal is restored by Textual's own exit), with exit code 128 + the
        signal."""
        # lazy: start-up (API access's dialogs load with that page)
        from openrush_tui.screens.api_access.reveal import KeyRevealScreen

        if self._terminating:
            return
        self._terminating = True
        for screen in self.screen_stack:
            if isinstance(screen, KeyRevealScreen):
                screen.wipe()
        self.call_next(self._quit, 128 + signum)

    def terminal_hung_up(self) -> None:
        """From the driver's input thread: a read found the terminal gone. Leave as on
        SIGHUP; the last resort ends the process if leaving cannot finish (every write to
        that terminal fails, and Textual's output queue fills)."""
        if self._last_resort is not None:
            self._last_resort.hang_up()
        elif self._hang_up_loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._hang_up_loop.call_soon_threadsafe(self.terminate, signal.SIGHUP)

    def alternate_screen_changed(self, on: bool) -> None:
        """From the driver: the dashboard is now drawn on the alternate screen (True), or has
        left it (False). The last resort blanks that screen before leaving it only while on."""
        self._on_alternate_screen = on

    def _install_last_resort(self, terminal: Terminal) -> LastResort:
        loop = asyncio.get_running_loop()

        def ask_to_leave(signum: int) -> None:  # from the signal handler or the watchdog
            loop.call_soon_threadsafe(self.terminate, signum)

        resort = LastResort(terminal, ask_to_leave,
                            on_alternate_screen=lambda: self._on_alternate_screen)
        resort.install()
        return resort
