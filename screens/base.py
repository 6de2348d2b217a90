"""What every page of the dashboard shares: the header, the footer, and one way to load data.

A page implements `fetch()` (network only, no widgets) and `show()`. `load` is the one worker
that runs them: a newer load cancels an older one (so an old answer never lands over a new
one), and a failed load turns into a sentence on screen (`show_error`), never into a crash.

A page remembers which session epoch (see `Session.epoch`) it shows: when it comes back into
view after the key changed elsewhere (a sign-in on Setup, a sign-out, the saved key found
while another page was in front), or after its last load failed (a "Connection failed" must
not outlive the outage), it loads again by itself; when it only got old, it loads again
letting the request budget answer from what other pages fetched recently.

Every worker of a page, a dialog or the App is an `@work` method that handles the errors it
expects where it awaits them; `report_failed_worker` is the one way to say what escapes one
(a bug, or a request whose failure nothing on screen shows, like the header's balance): a
sentence in a notification, and the app keeps running. Textual sends a worker's state only
to the node that started it (`Worker.StateChanged` does not bubble), so each of
`DashboardScreen`, `Dialog` and the App hands its own workers' to it: said once.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from openrush_tui.api.budget import REFRESH_INTERVAL, reuse_within
from openrush_tui.api.errors import Unauthorized
from openrush_tui.errors import describe_error
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.keymap import ACT

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

LOAD_GROUP = "page-load"


def report_failed_worker(node: App[Any] | Widget, event: Worker.StateChanged,
                         title: str = "") -> None:
    """A worker of `node` that failed is said (under `title`: what failed, when the screen
    does not show it), never silently lost; the app stays up."""
    if event.state == WorkerState.ERROR and event.worker.error is not None:
        node.notify(describe_error(event.worker.error), title=title, severity="error",
                    timeout=8, markup=False)


TYPED_AFTER = ("filter", "create")  # actions whose key is followed by typing


class DashboardScreen(Screen[None]):
    PAGE_TITLE: ClassVar[str] = ""
    # True when `fetch` already reads the balance (and `show` puts it in the header), so a
    # load does not ask for it a second time.
    FETCH_READS_BALANCE: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="page.refresh", group=ACT,
                tooltip="Load the page again"),
    ]
    # Narrower than 70 columns a page gets -narrow, as a dialog does: its toasts are wider
    # than half the screen there (styles/app.tcss), so that an id is not broken mid-word.
    # (Declared as Textual declares it, which mypy reads as an instance variable.)
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [  # noqa: RUF012
        (0, "-narrow"), (70, "-wide")]

    @property
    def dashboard(self) -> OpenRushApp:
        # Textual types `app` as any App; every screen of ours runs in the dashboard's.
        return cast("OpenRushApp", self.app)

    def compose_header(self) -> ComposeResult:
        header = AppHeader(blocked_for=self._blocked_for)
        header.page = self.PAGE_TITLE
        header.server = self.dashboard.settings.server_label
        yield header

    def __init__(self) -> None:
        super().__init__()
        self._epoch_shown: int | None = None  # the session epoch the page's content is of
        self._loaded_at: float | None = None  # time.monotonic() of the last load shown
        self.load_failed = False  # the last load failed (it is said on the page)
        self.last_error: BaseException | None = None  # ...and why (for show_error)

    def _blocked_for(self) -> float:
        """Seconds the request budget holds requests back after a 429 (the header counts)."""
        client = self.dashboard.session.client_if_ready
        return 0.0 if client is None else client.budget.blocked_for()

    def on_app_header_hold_ended(self) -> None:
        # The hold is over: the load it stopped, if this page is in front, goes again.
        if self.is_current and self.load_failed:
            self.action_reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)

    @property
    def shutting_down(self) -> bool:
        """The app is quitting. A page built meanwhile (1 then q on a slow machine, a test
        that ends as the page opens) may lack parts: Textual mounts nothing into a widget
        that is closing, yet still sends it Mount and ScreenResume. Its handlers then show
        and load nothing, rather than fail to find what they update."""
        return not self.app.is_running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `/` and API access's `n` are priority bindings: the app runs them before it passes
        # on the keys typed after them, so those land in the field they open (the filter,
        # the new key's name) even when they arrive at once (typed ahead over a slow SSH
        # link). In a text field, they are characters.
        if action in TYPED_AFTER:
            return not isinstance(self.focused, Input)
        return True

    def on_mount(self) -> None:
        if self.shutting_down:
            return
        # The header shows the account's balance and low-balance warning as they change
        # (here or on another page: it is up to date when this page comes back).
        for header in self.query(AppHeader):
            self.watch(self.dashboard, "balance", header.show_balance)
            self.watch(self.dashboard, "runway", header.show_runway)
        # Paint first, then load: the first frame never waits for the network, and already
        # says that the page is loading. Shown for the first time, the page may use what
        # another page fetched moments ago.
        session = self.dashboard.session
        if session.signed_in or session.lookup_pending:
            self.show_loading()
        self.dashboard.after_first_frame(lambda: self.action_reload(REFRESH_INTERVAL))

    def on_screen_resume(self) -> None:
        """Back in view (another page, or a dialog closed): catch up with the session."""
        if self.shutting_down:
            return
        session = self.dashboard.session
        if session.lookup_pending or self.loading_page:
            return
        if self._epoch_shown != session.epoch or (session.signed_in and self.load_failed):
            # Another key's account, or none (or first); or its last load failed, and what
            # it says may be stale now (the server is back, as another page found): loads
            # again, the request budget answering from what other pages fetched just now.
            self.dashboard.after_first_frame(lambda: self.action_reload(REFRESH_INTERVAL))
        elif (session.signed_in and self._loaded_at is not None
              and time.monotonic() - self._loaded_at > REFRESH_INTERVAL):
            self.refresh_stale()

    def on_screen_suspend(self) -> None:
        """Another page is shown (not a dialog over this one): the lines this page drew are
        let go, and drawn again as it comes back (Textual lays a page out and paints it whole
        then anyway). Kept, a page out of sight held its last frame's lines, each with Textual's
        caches of its filtered and cut copies: ~0.5 MiB of the peak after the three pages,
        which the next page's lines would otherwise be drawn beside (issue 23)."""
        if self.shutting_down or self in self.app.screen_stack:
            return
        for widget in (self, *self.query("*")):
            widget.refresh()  # a whole refresh empties the widget's cache of drawn lines

    def action_reload(self, reuse: float = 0.0) -> None:
        """Load the page again (r). `reuse`: seconds-old answers the request budget may give
        instead of asking the server (a page switch: see `api.budget`)."""
        session = self.dashboard.session
        if session.lookup_pending:
            self.show_loading()  # the app reloads this page once the saved key is found
            return
        self.sync_account()
        if not session.signed_in:
            self._loaded_at = None
            self.show_signed_out()
            self.dashboard.page_settled()
            return
        self.show_loading()
        self.load(reuse)

    def sync_account(self) -> None:
        """Drop what is shown of another key's account (the key in use changed since)."""
        epoch = self.dashboard.session.epoch
        if self._epoch_shown not in (None, epoch):
            self.forget_account()
        self._epoch_shown = epoch

    def forget_account(self) -> None:
        """Override to drop everything shown of the account (the key in use changed)."""

    def refresh_stale(self) -> None:
        """Shown again, and older than the refresh interval: load again, quietly."""
        self.load(REFRESH_INTERVAL)

    @work(group=LOAD_GROUP, exclusive=True, exit_on_error=False)
    async def load(self, reuse: float = 0.0) -> None:
        # Workers started inside (the balance, a page's own follow-ups) inherit the reuse.
        with reuse_within(reuse):
            try:
                result = await self.fetch()
            except Exception as error:  # any failure is said on the page; the app stays up
                if isinstance(error, Unauthorized):
                    self.dashboard.balance = None  # no longer this key's to show
                self.load_failed, self.last_error = True, error
                self.show_error(describe_error(error))
                self.dashboard.page_settled()
                return
            self.load_failed = False
            self._loaded_at = time.monotonic()
            self.show(result)
            self.dashboard.page_settled()
            if not self.FETCH_READS_BALANCE:
                self.dashboard.refresh_credits()

    @property
    def loading_page(self) -> bool:
        """A page load is under way."""
        return self.busy(LOAD_GROUP)

    def busy(self, group: str) -> bool:
        """Whether a worker of `group` started by this page is still running."""
        return any(worker.node is self and worker.group == group and not worker.is_finished
                   for worker in self.workers)

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
