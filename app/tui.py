"""The Textual app: three pages (Setup, API access, Activity) as modes, and the global bindings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from importlib.resources import files
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from openrush_tui.clock import Clock, system_clock
from openrush_tui.config import Settings
from openrush_tui.session import Session


def _setup() -> Screen[None]:
    from openrush_tui.screens.setup import SetupScreen

    return SetupScreen()


def _api_access() -> Screen[None]:
    from openrush_tui.screens.api_access import ApiAccessScreen

    return ApiAccessScreen()


def _activity() -> Screen[None]:
    from openrush_tui.screens.activity import ActivityScreen

    return ActivityScreen()


PAGES = {"setup": "Setup", "api-access": "API access", "activity": "Activity"}


class OpenRushApp(App[None]):
    TITLE = "OpenRush"
    CSS = files("openrush_tui.styles").joinpath("app.tcss").read_text(encoding="utf-8")
    # Screens are imported when their mode is first shown, not before the first frame.
    MODES: ClassVar = {"setup": _setup, "api-access": _api_access, "activity": _activity}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('setup')", "Setup", id="app.setup"),
        Binding("2", "switch_mode('api-access')", "API access", id="app.api-access"),
        Binding("3", "switch_mode('activity')", "Activity", id="app.activity"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    balance: reactive[int | None] = reactive(None)

    def __init__(self, settings: Settings, session: Session, *, clock: Clock = system_clock,
                 first_page: str | None = None) -> None:
        # Textual composes DEFAULT_MODE as the first screen: setting it per instance draws
        # the right page in the first frame instead of a blank screen and then a switch.
        likely_signed_in = session.signed_in or session.lookup_pending
        self.DEFAULT_MODE = first_page or ("api-access" if likely_signed_in else "setup")
        super().__init__()
        self.settings = settings
        self.session = session
        self.now = clock
        self._first_page_chosen = first_page is not None

    def on_mount(self) -> None:
        if self.session.lookup_pending:
            self.run_worker(self._finish_lookup(), group="key-lookup", exit_on_error=False)

    async def _finish_lookup(self) -> None:
        await self.session.finish_lookup()
        if not self.session.signed_in and not self._first_page_chosen:
            await self.switch_mode("setup")  # nothing saved: Setup says how to sign in
        from openrush_tui.screens.base import DashboardScreen

        if isinstance(self.screen, DashboardScreen):
            self.screen.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog owns the keyboard: switching pages under it would leave it stranded.
        return not (action == "switch_mode" and isinstance(self.screen, ModalScreen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, title in PAGES.items():
            if mode != self.current_mode:
                yield SystemCommand(f"Go to {title}", f"Show the {title} page",
                                    lambda mode=mode: self.switch_mode(mode))

    async def open_activity_for_key(self, credential_id: str, name: str) -> None:
        """Show Activity filtered to one key (from the key's details on API access)."""
        await self.switch_mode("activity")
        from openrush_tui.screens.activity import ActivityScreen

        if isinstance(self.screen, ActivityScreen):
            self.screen.filter_by_key(credential_id, name)

    # -- the balance in the header -------------------------------------------------------

    def watch_balance(self) -> None:
        self.headers_changed()

    def headers_changed(self) -> None:
        from openrush_tui.widgets.app_header import AppHeader

        for header in self.screen.query(AppHeader):
            header.balance = self.balance

    def refresh_credits(self) -> None:
        if self.session.signed_in:
            self.run_worker(self._fetch_balance(), group="credits", exclusive=True,
                            exit_on_error=False)

    async def _fetch_balance(self) -> None:
        client = await self.session.client()
        self.balance = (await client.credits()).balance

    # -- errors -----------------------------------------------------------------------------

    @staticmethod
    def describe_error(error: BaseException) -> str:
        """One sentence a person can act on; never a key, never a traceback."""
        from openrush_tui.api.errors import OpenRushError

        if isinstance(error, OpenRushError):
            return str(error)
        return f"Unexpected {type(error).__name__}. The app is still running; press r to retry."

    def _fatal_error(self) -> None:
        # Textual's crash report prints local variables, and a local may hold a key.
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(Segments(self.console.render(traceback,
                                                                   self.console.options)))
        self._close_messages_no_wait()

    async def action_quit(self) -> None:
        await self.session.aclose()
        self.exit()


def fixed_now_clock(fixed_now: datetime | None) -> Clock:
    from openrush_tui.clock import fixed_clock

    return fixed_clock(fixed_now) if fixed_now else system_clock
