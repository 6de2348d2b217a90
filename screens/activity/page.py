"""Activity: API and MCP usage of the account, with a summary, a chart, filters and paging.

Top to bottom: the summary strip, the chart of the period, a status line, the table of events
(newest first) and a paging line. The page's state and rules are the model's
(`activity.model.ActivityModel`), live refresh's are `activity.live`'s, and each widget keeps
what it draws; this screen starts fetches and shows what changed. Each fetch is an `@work`
method that awaits the client and hands the answer to the model; a failure is said where its
result would have gone, and nothing shown is wiped. A generation tags every fetch: an answer
to an old filter never lands on a new one.

- Paging: the first page (50) at once; older pages when the table reports its end; the rows
  held are bounded (pages fall off the far end and come back on return).
- Chart and summary: the period's events counted page by page after the first one, in
  batches (`activity.counting`), and shown as partial until the period is done.
- Live: the newest events joined on top as often as the request budget allows; r on a page
  already shown does the same, once, rather than loading everything again.
- Own reads: this tool's own reads of the account are hidden until h shows them; the server
  is asked to leave them out, and when it sends them anyway nothing more is fetched unasked
  (+ and e fetch on): opening the page costs the newest page and the key names.
- Export (w): the export dialog with the view shown (filters, period, own reads, names).
- Runway: with no filter but the period, the chart has counted the last 7 days, so the
  summary's runway costs no request (`activity.runway.runway_of_bars`) and the header's
  warning uses it too (the App's `runway_counted`); with a filter, the App's runway is shown.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import get_current_worker

from openrush_tui.activity import wording as say
from openrush_tui.activity.answers import Update
from openrush_tui.activity.counting import count_pages
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.live import LIVE_INTERVAL, LiveSchedule, newest_page
from openrush_tui.activity.model import PAGE_SIZE, ActivityModel
from openrush_tui.activity.names import key_names
from openrush_tui.activity.runway import runway_of_bars
from openrush_tui.api.budget import REFRESH_INTERVAL, reuse_within
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.event_table import EventTable
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import ACT, FIND
from openrush_tui.widgets.load_state import LoadState
from openrush_tui.widgets.status_line import Freshness
from openrush_tui.widgets.usage_chart import UsageChart
from openrush_tui.widgets.usage_summary import UsageSummary

if TYPE_CHECKING:
    from openrush_tui.activity.window import NewerRequest
    from openrush_tui.api.models import UsagePage

GROUP_MORE, GROUP_NEWER = "activity-older", "activity-newer"
GROUP_NAMES, GROUP_CHART, GROUP_LIVE = "activity-names", "activity-chart", "activity-live"


class ActivityScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Activity"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="activity.find", group=FIND, priority=True,
                tooltip="Narrow the rows loaded by tool, key name or MCP client"),
        Binding("f", "filters", "Filters…", id="activity.filter", group=FIND,
                tooltip="Source, status, key or MCP client, tool, period"),
        Binding("escape", "clear_filter", "Clear", id="activity.clear-filter", group=FIND,
                tooltip="Clear the / filter, then the other filters"),
        Binding("p", "period", "7/30 days", id="activity.period", group=FIND,
                tooltip="The last 7 or 30 days"),
        Binding("m", "metric", "Credits/calls", id="activity.metric", group=FIND,
                tooltip="Chart credits or calls"),
        Binding("h", "toggle_hidden", "Own reads", show=False, id="activity.own", group=FIND,
                tooltip="Show or hide this tool's own reads of the account"),
        # Named on screen where they apply (the summary's Live, the chart's note): kept out
        # of the footer so that it fits 120 columns.
        Binding("l", "live", "Live on/off", show=False, id="activity.live", group=ACT,
                tooltip="Live refresh on or off (within the request budget)"),
        Binding("e", "more_chart", "Count more", show=False, id="activity.more-chart",
                group=ACT, tooltip="Count more of the period for the chart"),
        # In the footer (after the FOOTER_ORDER ones); in the help, after l and e.
        Binding("w", "export", "Export", id="activity.export", group=ACT,
                tooltip="Write this view to a CSV or JSON file"),
    ]
    # The footer's order (most useful first; the last give way on a narrow terminal).
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "activity.details", "page.refresh", "activity.find", "activity.filter",
        "activity.period", "activity.clear-filter", "activity.metric")
    # Seconds between live refreshes at most (the budget may space them further); a class
    # attribute so tests can shorten it (`--live-interval` overrides it too).
    live_interval: ClassVar[float] = LIVE_INTERVAL

    def __init__(self) -> None:
        super().__init__()
        self.model = ActivityModel(clock=lambda: self.dashboard.now())
        self.live_schedule = LiveSchedule(self.live_interval)
        # r on a page shown within 2 s of its last answer asks nothing (the request budget):
        # said in a toast (trial 8), the time of the last answer kept on the budget's clock.
        self._freshness = Freshness(lambda: self.dashboard.session.monotonic())

    @property
    def filter(self) -> ActivityFilter:
        return self.model.filter

    @property
    def table(self) -> EventTable:
        return self.query_one("#events", EventTable)

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield UsageSummary(id="summary")
        yield UsageChart(id="chart")
        yield LoadState(id="events-state")
        yield FilterBar("Filter (tool, key or client):", id="find-bar")
        # The table is as tall as its rows, up to the room left; the paging line keeps the
        # bottom of that room (styles/app.tcss): a few rows leave the page, not an empty table.
        with Vertical(id="events-box"):
            yield EventTable(id="events")
            yield LoadState(id="events-more")
        yield KeyHints()

    def on_mount(self) -> None:
        # DashboardScreen.on_mount runs too, after this (Textual calls each class's handler).
        wished = self.dashboard.settings.live_interval  # --live-interval
        self.live_schedule = LiveSchedule(self.live_interval if wished is None else wished)
        prefs = self.dashboard.prefs  # the period and live setting of the last run
        self.model.filter = ActivityFilter(days=prefs.activity_period_days)
        self.model.live = prefs.activity_live
        summary = self.query_one(UsageSummary)
        summary.live_interval, summary.live = self.live_schedule.interval, self.model.live
        summary.now = self.dashboard.now()
        self.model.start_period()
        self._show_chart()
        self.watch(self.dashboard, "balance", summary.show_balance)
        # Ticks often; the request budget decides whether a tick refreshes (`_live_tick`).
        self.set_interval(self.live_schedule.tick_every, self._live_tick, name="activity-live")
        self._show_title()
        # The runway follows the chart's counted days and the balance (both kept up to date
        # above), and the App's runway is shown as it changes.
        self.watch(summary, "figures", lambda _figures: self._count_runway(), init=False)
        self.watch(self.dashboard, "balance", lambda _balance: self._count_runway(), init=False)
        self.watch(self.dashboard, "runway", summary.show_runway)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return self.dashboard.session.signed_in
        if action == "clear_filter":  # Escape is offered while there is a filter to clear
            return bool(self.model.text) or self.query_one(FilterBar).is_open \
                or self.filter.active
        if action == "more_chart":
            # Pressed with the period counted, e says so (it did nothing, silently, before);
            # the palette lists it only while there is more to count (`palette_offers`).
            return (self.model.can_count_more or self.model.tally.complete) \
                and not self.busy(GROUP_CHART)
        return super().check_action(action, parameters)

    def palette_offers(self, action: str) -> bool:
        return action != "more_chart" or self.model.can_count_more

    def palette_titles(self) -> dict[str, str]:
        """What the command palette calls these keys now (their state in words)."""
        return say.key_titles(live=self.model.live, later_days=self.filter.next_period().days,
                              own_shown=self.model.show_own, metric=self.model.metric)

    # -- the public way in: Activity for one key -----------------------------------------------

    def filter_by_key(self, credential_id: str, name: str) -> None:
        """Show only this key's calls (from a key's details on the API access page): a new
        question, so an old `/` filter goes too (trial 8: a stale "revoke" hid the key's only
        event)."""
        self._clear_text()
        self.set_filter(ActivityFilter(credential_id=credential_id, key_label=name or None,
                                       days=self.filter.days))

    def set_filter(self, new: ActivityFilter | None) -> None:
        """Show `new`; None (a dialog cancelled) changes nothing. The title keeps naming
        what is shown until the new filter's events arrive."""
        if new is not None and self.model.set_filter(new):
            self.dashboard.remember(activity_period_days=new.days)
            self.refresh_bindings()
            self._load(names=False, reuse=REFRESH_INTERVAL)

    # -- loading the first page (and starting everything else) ---------------------------------

    def action_reload(self, reuse: float = 0.0) -> None:
        """On mount: everything. On r with the list shown: the newest events joined on top
        (one request). Else (nothing shown, another filter, a failed load) everything again,
        key names included (keys may be new)."""
        self.sync_account()
        if self.model.refreshable and self.dashboard.session.signed_in:
            # Said at once (a server that hangs answers nothing for the request's deadline);
            # the rows stay. The worker is the token: only its own end says it is over.
            self.model.refreshing = self._refresh_live(self.model.generation,
                                                       self.model.newest, live=False)
            self._show_states()
            return
        self._load(names=True, reuse=reuse)

    def refresh_stale(self) -> None:
        self.action_reload()

    def forget_account(self) -> None:
        for group in (GROUP_MORE, GROUP_NEWER, GROUP_CHART, GROUP_LIVE, GROUP_NAMES):
            self.workers.cancel_group(self, group)
        self.model = self.model.fresh()
        self.model.start_period()
        self.table.reset()
        self.table.show_events([], {}, self.dashboard.now())
        self.query_one(UsageSummary).rate_limit = None
        self._show_chart()
        self._show_states()
        self._show_title()

    def _load(self, *, names: bool, reuse: float = 0.0) -> None:
        loading_older = self.model.loading_older
        fetch_names = self.model.begin_load(names=names)
        for group in (GROUP_MORE, GROUP_NEWER, GROUP_CHART, GROUP_LIVE):
            self.workers.cancel_group(self, group)
        if loading_older:
            self._show_states()  # no more "Loading more…": that fetch is gone
        super().action_reload(reuse)
        if self.dashboard.session.signed_in and fetch_names:
            with reuse_within(reuse):  # the names worker inherits it
                self._fetch_names()

    async def fetch(self) -> tuple[int, UsagePage]:
        generation, query = self.model.generation, self.model.query()
        client = await self.dashboard.session.client()
        self._freshness.starting(client.budget.sent, by_hand=False)
        return generation, await client.usage(limit=PAGE_SIZE, **query)

    def show_loading(self) -> None:
        self.query_one(UsageChart).counting = True
        self.query_one(UsageSummary).pending = True
        # With rows on screen they stay, and the line says that newer ones are on the way.
        self.query_one("#events-state", LoadState).show(
            "loading", say.LOADING if self.table.row_count == 0 else say.REFRESHING)

    def show(self, result: tuple[int, UsagePage]) -> None:
        if (client := self.dashboard.session.client_if_ready) is not None:
            self._freshness.ended(self, client.budget.sent, "events")
        update = self.model.first_page(*result)
        if update is None:
            return
        if update.reset:
            self.table.reset()  # another filter: start at the top, not at an old selection
        self._show_title()
        self._note_fresh()
        self.query_one(UsageChart).counting = False
        if self.model.counts_on_its_own:  # else the chart's note says e counts on
            self._count_more()
        self.note_rate_limit()
        self._show_chart()
        self._apply(update)

    def show_error(self, message: str) -> None:
        # The rows already shown stay: the error is said above them, and which list they are.
        # Chart and summary keep matching those rows; with no rows they say nothing loaded.
        self.note_rate_limit()  # a 429 left none of the limit: no stale "56/60 left"
        self.query_one(UsageChart).counting = False
        self.query_one(UsageSummary).pending = False
        self.query_one("#events-state", LoadState).show("error", self.model.load_failed(message))
        self._show_title()  # a failed switch is back on the filter shown
        self.refresh_bindings()
        self._show_chart()

    def show_signed_out(self) -> None:
        self.query_one(UsageChart).counting = False
        self.query_one(UsageSummary).pending = False
        self._show_chart()
        self.query_one("#events-state", LoadState).show("info", say.SIGNED_OUT)

    @work(group=GROUP_NAMES, exclusive=True, exit_on_error=False)
    async def _fetch_names(self) -> None:
        try:
            keys, tools, ended = await key_names(await self.dashboard.session.client(),
                                                 self.dashboard.now())
        except OpenRushError:
            return  # key prefixes stay in place of names; nothing to say
        labelled = self.model.names_arrived(keys, tools, ended)
        self.table.rename(self.model.shown_events(), self.model.names)
        if labelled:
            self._show_title()
        self.note_rate_limit()

    async def _page(self, limit: int, cursor: str | None = None) -> UsagePage:
        """A page of the list on screen: same filter, same period start."""
        client = await self.dashboard.session.client()
        return await client.usage(limit=limit, cursor=cursor, **self.model.shown_query())

    # -- paging --------------------------------------------------------------------------------

    def on_event_table_end_reached(self, message: EventTable.EndReached) -> None:
        message.stop()
        if not (message.asked or self.table.near_end()):
            return  # rows arrived since the message was sent: the end moved away
        cursor = None if self.loading_page else self.model.start_older()
        if cursor is not None:
            self.query_one("#events-more", LoadState).show(*self.model.more_line())
            self._load_older(self.model.generation, cursor)

    @work(group=GROUP_MORE, exclusive=True, exit_on_error=False)
    async def _load_older(self, generation: int, cursor: str) -> None:
        try:
            page = await self._page(PAGE_SIZE, cursor)
        except OpenRushError as error:
            if self.model.older_failed(generation, describe_error(error)):
                self._show_states()
            return
        self.note_rate_limit()
        self._apply(self.model.older_page(generation, cursor, page))

    def on_event_table_top_reached(self, message: EventTable.TopReached) -> None:
        message.stop()
        request = self.model.newer_request()
        if request is None or not self.table.near_top():
            return
        if self.busy(GROUP_NEWER) or self.loading_page:
            return
        self.query_one("#events-state", LoadState).show("loading", say.LOADING_NEWER)
        self._load_newer(self.model.generation, request)

    @work(group=GROUP_NEWER, exclusive=True, exit_on_error=False)
    async def _load_newer(self, generation: int, request: NewerRequest) -> None:
        try:
            page = await self._page(request.limit, request.cursor)
        except OpenRushError as error:
            if self.model.is_current(generation):
                self.query_one("#events-state", LoadState).show(
                    "error", say.newer_failed(describe_error(error)))
            return
        self.note_rate_limit()
        self._apply(self.model.newer_page(generation, request, page.items))

    # -- live refresh (the rules: `activity.live`) ---------------------------------------------

    def _note_fresh(self) -> None:
        """The newest events were just fetched: live waits a whole interval from now."""
        client = self.dashboard.session.client_if_ready
        if client is not None:
            client.budget.note_fresh()

    def _live_tick(self) -> None:
        client = self.dashboard.session.client_if_ready
        if client is None or not self.model.live:
            return
        tick = self.live_schedule.tick(client.budget)
        self.query_one(UsageSummary).pace = tick.pace
        # Not while a dialog (or another page) is on top, nor while a load is under way, nor
        # before the first load has shown something to join.
        if not (self.is_active and self.dashboard.session.signed_in and tick.due):
            return
        if self.loading_page or self.busy(GROUP_LIVE) or not self.model.live_ready:
            return
        self._refresh_live(self.model.generation, self.model.newest)

    @work(group=GROUP_LIVE, exclusive=True, exit_on_error=False)
    async def _refresh_live(self, generation: int, known_newest: str | None,
                            live: bool = True) -> None:
        """The newest events joined on top: a live tick's (`live`), or r's on a page shown
        (said on the status line until it ends, however it ends: `model.refreshing`)."""
        try:
            await self._join_newest(generation, known_newest, live)
        finally:
            if not live and self.model.refreshing is get_current_worker():
                self.model.refreshing = None
                self._show_states()

    async def _join_newest(self, generation: int, known_newest: str | None,
                           live: bool) -> None:
        try:
            client = await self.dashboard.session.client()
            self._freshness.starting(client.budget.sent, by_hand=not live)
            with self.live_schedule.counted(client.budget, live=live):
                page = await newest_page(client, self.model.shown_query(), known_newest)
                self._freshness.ended(self, client.budget.sent, "events")
                update = self.model.live_events(generation, known_newest, page.items)
                self.note_rate_limit()
                if update is not None and update.events:
                    self._show_chart()  # the tally has them
                self._apply(update)
                if live and update is not None and any(e.credits for e in update.events):
                    # Billed calls arrived: the balance moved. Asked here, so it counts as
                    # live; the events are shown already, so a failure here only leaves the
                    # balance as it was.
                    with contextlib.suppress(OpenRushError):
                        self.dashboard.balance = (await client.credits()).balance
        except OpenRushError as error:
            if self.model.live_failed(generation, describe_error(error)):
                self._show_states()
            return
        if not live:
            self._note_fresh()
            self.dashboard.refresh_credits()

    # -- the chart and the summary -------------------------------------------------------------

    def _count_more(self) -> None:
        cursor = self.model.resume_count()
        if cursor is not None:
            self.query_one(UsageChart).counting = True
            self._count(self.model.generation, cursor)

    @work(group=GROUP_CHART, exclusive=True, exit_on_error=False)
    async def _count(self, generation: int, cursor: str) -> None:
        """Count the period on from `cursor`, showing each page as it comes."""
        query, chart = self.model.shown_query(), self.query_one(UsageChart)
        try:
            client = await self.dashboard.session.client()
            async for step in count_pages(client, query, cursor):
                if not self.model.chart_step(generation, step):
                    return
                if step.stop is not None:
                    chart.counting = False
                self.note_rate_limit()
                self._show_chart()
        except OpenRushError as error:
            if self.model.chart_failed(generation, describe_error(error)):
                chart.counting = False
                self._show_chart()

    def _show_chart(self) -> None:
        chart = self.query_one(UsageChart)
        view = self.model.chart_view(counting=chart.counting)
        chart.show(view, self.model.metric)
        self.query_one(UsageSummary).show_period(view)
        self.refresh_bindings()  # "count more" is offered only while the chart is partial

    def note_rate_limit(self) -> None:
        """The rate-limit window as the last response's headers reported it."""
        client = self.dashboard.session.client_if_ready
        if client is not None:
            self.query_one(UsageSummary).note_rate_limit(client.rate_limit, self.dashboard.now())

    @property
    def counts_runway(self) -> bool:
        """No filter but the period: the chart counts the runway's days (no request)."""
        return not (self.model.filter.active or self.model.showing.active)

    def _count_runway(self) -> None:
        """The chart's figures changed: with no filter, the runway from its counted days."""
        balance = self.dashboard.balance
        if balance is None or not self.counts_runway:
            return
        runway = runway_of_bars(balance, self.model.tally.bars("credits"), self.dashboard.now())
        if runway is not None:
            self.dashboard.runway_counted(runway)

    # -- showing what changed ------------------------------------------------------------------

    def _apply(self, update: Update | None) -> None:
        """Show what an answer changed: nothing for a stale one; a restart loads again."""
        if update is None:
            return
        if update.restart is not None:
            if update.restart:
                self.notify(update.restart, timeout=4, markup=False)
            # Once the worker that got this answer has ended: the reload cancels it otherwise.
            self.call_later(self._load, names=False)
            return
        if update.rows:
            self.table.show_events(self.model.shown_events(), self.model.names,
                                   self.dashboard.now(), follow_top=update.at_top)
        if not self.busy(GROUP_NAMES) and self.model.ask_about_new_keys(update.events):
            self._fetch_names()
        self._show_states()

    def _show_title(self) -> None:
        for header in self.query(AppHeader):
            header.page = say.title(self.PAGE_TITLE, self.model.showing)

    def _show_states(self) -> None:
        self.note_rate_limit()  # after a failed request too (a 429 leaves none of the limit)
        self.query_one("#events-state", LoadState).show(*self.model.status_line())
        self.query_one("#events-more", LoadState).show(*self.model.more_line())

    # -- the keys: filters ---------------------------------------------------------------------

    async def action_filter(self) -> None:
        await self.query_one(FilterBar).open()

    def on_filter_bar_changed(self, event: FilterBar.Changed) -> None:
        self.model.text = event.text
        self._apply(Update(rows=True))
        self.refresh_bindings()

    def on_filter_bar_submitted(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Escape: the `/` filter first (the rows come back at once), then the others."""
        if not self._clear_text():
            self.set_filter(self.filter.cleared())
        self.table.focus()

    def _clear_text(self) -> bool:
        """The `/` filter cleared and its bar closed; False when there was none."""
        bar = self.query_one(FilterBar)
        if not (self.model.text or bar.is_open):
            return False
        bar.clear()
        self.model.text = ""
        self._apply(Update(rows=True))
        self.refresh_bindings()
        return True

    def action_filters(self) -> None:
        # lazy: start-up (a dialog's module loads when the dialog is first opened)
        from openrush_tui.screens.activity.filters import ActivityFilters

        dialog = ActivityFilters(self.filter, self.model.keys, self.model.tool_choices(),
                                 self.model.client_choices(), ended=self.model.ended_keys)
        self.dashboard.push_screen(dialog, self.set_filter)

    def action_period(self) -> None:
        self.set_filter(self.filter.next_period())

    # -- the keys: what is shown ---------------------------------------------------------------

    def action_metric(self) -> None:
        self.model.switch_metric()
        self._show_chart()

    def action_toggle_hidden(self) -> None:
        """h: this tool's own reads of the account, hidden or shown (API access's h is the
        same idea: the rows a page hides)."""
        shown = self.model.switch_own()
        self._apply(Update(rows=True))
        self._show_chart()
        self.notify(say.own_reads_switched(shown), timeout=4, markup=False)
        if self.dashboard.session.signed_in:  # the server is asked for them, or not, now
            self._load(names=False, reuse=REFRESH_INTERVAL)

    def action_live(self) -> None:
        self.query_one(UsageSummary).live = self.model.switch_live()
        self.dashboard.remember(activity_live=self.model.live)
        self._show_states()

    def action_more_chart(self) -> None:
        if self.model.tally.complete:
            self.notify("All events of the period are already counted.")
        elif not self.busy(GROUP_CHART):
            self._count_more()
            self._show_chart()

    # -- the keys: an event, the export --------------------------------------------------------

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        # lazy: start-up (a dialog's module loads when the dialog is first opened)
        from openrush_tui.screens.activity.event_details import EventDetails

        chosen = self.model.event(message.row_key.value)
        if chosen is not None:
            self.dashboard.push_screen(
                EventDetails(chosen, self.model.names, self.dashboard.now()),
                lambda what: self.set_filter(self.model.narrowed(chosen, what)))

    def action_export(self) -> None:
        if not self.dashboard.session.signed_in:
            self.notify("Sign in first: press 1 for Setup.", severity="warning")
            return
        # lazy: start-up (a dialog's module loads when first opened; it brings the writers)
        from openrush_tui.screens.activity.export import ActivityExportScreen

        model = self.model
        self.app.push_screen(ActivityExportScreen(model.showing, model.names,
                                                  hide_own=not model.show_own,
                                                  text=model.text),
                             self._export_closed)

    def _export_closed(self, message: str | None) -> None:
        if message:
            self.notify(message, title="Export", timeout=12, markup=False)
