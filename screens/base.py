"""What every page of the dashboard shares: the header, the footer, and one way to load data.

A page implements `fetch()` (network only, no widgets) and `show()`; the worker result comes
back through `on_worker_state_changed`, the one place where a failed load is handled, so a
bad network turns into a sentence on screen and never into a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from openrush_tui.widgets.app_header import AppHeader

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

LOAD_GROUP = "page-load"


class DashboardScreen(Screen[None]):
    PAGE_TITLE: ClassVar[str] = ""
    # True when `fetch` already reads the balance (and `show` puts it in the header), so a
    # load does not ask for it a second time.
    FETCH_READS_BALANCE: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="page.refresh"),
    ]

    @property
    def dashboard(self) -> OpenRushApp:
        return self.app  # type: ignore[return-value]

    def compose_header(self) -> ComposeResult:
        header = AppHeader()
        header.page = self.PAGE_TITLE
        header.server = self.dashboard.settings.server_label
        yield header

    def on_mount(self) -> None:
        self.dashboard.headers_changed()
        # Paint first, then load: the first frame never waits for the network.
        self.call_after_refresh(self.action_reload)

    def action_reload(self) -> None:
        if self.dashboard.session.lookup_pending:
            self.show_loading()  # the app reloads this page once the saved key is found
            return
        if not self.dashboard.session.signed_in:
            self.show_signed_out()
            return
        self.show_loading()
        self.run_worker(self.fetch(), name="fetch", group=LOAD_GROUP, exclusive=True,
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != LOAD_GROUP:
            return
        if event.state == WorkerState.SUCCESS:
            self.show(event.worker.result)
            if not self.FETCH_READS_BALANCE:
                self.dashboard.refresh_credits()
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(self.dashboard.describe_error(event.worker.error))

    async def fetch(self) -> Any:
        raise NotImplementedError

    def show(self, result: Any) -> None:
        raise NotImplementedError

    def show_loading(self) -> None:
        """Override to show that a load is under way."""

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8, markup=False)

    def show_signed_out(self) -> None:
        """Override to say what this page needs when the terminal is not signed in."""
