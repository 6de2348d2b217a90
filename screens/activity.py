"""Activity: API and MCP usage of the account, with a summary, a chart, filters and paging.

Layout, top to bottom: the summary strip, the chart of the period, a status line, the table
of events (newest first) and a paging line. Every fetch runs in a worker that returns a
small result object or posts a message; the handlers here update the widgets. A generation
number tags every fetch, so an answer to an old filter never lands on a new one.

- Paging: the first page (50) at once; older pages when the table reports its end; the rows
  held are bounded by `EventWindow` (pages fall off the far end and come back on return).
- Chart and summary: the period's events counted page by page after the first one, in
  batches (see `usage_loader`), and shown as partial until the period is done.
- Live: every `live_interval` seconds the newest events are fetched and joined on top.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from openrush_tui.activity import wording as say
from openrush_tui.activity.counting import CHART_BATCH_PAGES, CHART_PAGE, count_pages
from openrush_tui.activity.filters import PERIODS, ActivityFilter, Metric
from openrush_tui.activity.totals import PeriodUsage
from openrush_tui.activity.window import EventWindow, NewerRequest, Page
from openrush_tui.screens.activity_results import (
    ChartProgress,
    FirstPage,
    LiveEvents,
    Names,
    NewerPage,
    OlderPage,
)
from openrush_tui.screens.base import LOAD_GROUP, DashboardScreen
from openrush_tui.text.times import short
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.event_table import EventTable
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.load_state import LoadState
from openrush_tui.widgets.usage_chart import UsageChart
from openrush_tui.widgets.usage_summary import UsageSummary

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent

PAGE_SIZE = 50
NEWEST_LIMIT = 200  # a live refresh, or the newest page fetched again, in one request
LIVE_PEEK = 20  # what a live refresh asks for first: usually enough to find where it joins
MAX_ROWS = 400  # events held by the table at most, however long the history
CHART_BATCH = CHART_BATCH_PAGES * CHART_PAGE  # events counted per batch for the chart
GROUP_MORE, GROUP_NEWER = "activity-older", "activity-newer"
GROUP_CHART, GROUP_LIVE, GROUP_NAMES = "activity-chart", "activity-live", "activity-names"


class ActivityScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Activity"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filters", "Filter", id="activity.filter"),
        Binding("c", "clear_filter", "Clear", id="activity.clear-filter"),
        Binding("p", "period", "7/30 days", id="activity.period"),
        Binding("m", "metric", "Credits/calls", id="activity.metric"),
        # Named on screen where they apply (the summary's Live, the chart's note): kept out
        # of the footer so that it fits 120 columns.
        Binding("l", "live", "Live on/off", show=False, id="activity.live"),
        Binding("e", "more_chart", "Count more", show=False, id="activity.more-chart"),
    ]
    # Seconds between live refreshes; a class attribute so tests can shorten it.
    live_interval: ClassVar[float] = 10.0

    def __init__(self) -> None:
        super().__init__()
        self.filter = ActivityFilter()
        self.metric: Metric = "credits"
        self.live = True
        self._generation = 0
        self._window: EventWindow[UsageEvent] = EventWindow(MAX_ROWS)
        # Replaced with the real period on mount, once the app's clock can be read.
        self._tally = PeriodUsage(date.min, self.filter.days)
        self._shown_filter: ActivityFilter | None = None  # the filter of the rows on screen
        self._names: dict[str, str] = {}
        self._keys: list[tuple[str, str]] = []
        self._tools: list[str] = []
        self._newest: str | None = None  # id of the newest event known, where live joins
        self._chart_cursor: str | None = None  # where counting stopped, if it did
        self._chart_note = ""
        self._new_above = 0
        self._live_note = ""
        self._more_error = ""
        self._asked_about: set[str] = set()  # key ids the names were fetched again for
        self._counting = False  # a first page arrived: the tally below is of real events

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield UsageSummary(id="summary")
        yield UsageChart(id="chart")
        yield LoadState(id="events-state")
        yield EventTable(id="events")
        yield LoadState(id="events-more")
        yield KeyHints()

    def on_mount(self) -> None:
        # DashboardScreen.on_mount runs too, after this (Textual calls each class's handler).
        summary = self.query_one(UsageSummary)
        summary.live_interval = self.live_interval
        summary.now = self.dashboard.now()
        self._tally = PeriodUsage(self.filter.first_day(self.dashboard.now()), self.filter.days)
        self._show_chart()
        self.watch(self.app, "balance", self._show_balance)
        self.set_interval(self.live_interval, self._live_tick, name="activity-live")
        self._show_title()

    @property
    def table(self) -> EventTable:
        return self.query_one("#events", EventTable)

    # -- the public way in: Activity for one key -----------------------------------------------

    def filter_by_key(self, credential_id: str, name: str) -> None:
        """Show only this key's calls (from a key's details on the API access page)."""
        self.set_filter(ActivityFilter(credential_id=credential_id, key_label=name or None,
                                       days=self.filter.days))

    def set_filter(self, new: ActivityFilter) -> None:
        if new == self.filter:
            return
        self.filter = new
        self._show_title()
        self.refresh_bindings()
        self._load(names=False)

    # -- loading the first page (and starting everything else) ---------------------------------

    def action_reload(self) -> None:
        """On mount and on r: everything again, key names included (keys may be new)."""
        self._load(names=True)

    def _load(self, *, names: bool) -> None:
        self._generation += 1
        for group in (GROUP_MORE, GROUP_NEWER, GROUP_CHART, GROUP_LIVE):
            self.workers.cancel_group(self, group)
        super().action_reload()
        # The key list can be long (thousands of keys): not fetched again for each filter.
        if self.dashboard.session.signed_in and (names or not self._keys):
            self.run_worker(self._fetch_names(), group=GROUP_NAMES, exclusive=True,
                            exit_on_error=False)

    async def fetch(self) -> FirstPage:
        generation, query = self._generation, self.filter.query(self.dashboard.now())
        client = await self.dashboard.session.client()
        return FirstPage(generation, await client.usage(limit=PAGE_SIZE, **query))

    def show_loading(self) -> None:
        self.query_one(UsageChart).counting = True
        self.query_one(UsageSummary).pending = True
        if self.table.row_count == 0:
            self.query_one("#events-state", LoadState).show("loading", "Loading activity…")

    def show(self, result: FirstPage) -> None:
        if result.generation != self._generation:
            return
        page, now = result.page, self.dashboard.now()
        if self._window.pages and self._shown_filter != self.filter:
            self.table.reset()  # another filter: start at the top, not at an old selection
        self._shown_filter = self.filter
        self._window.reset(Page(None, list(page.items), page.next_cursor, PAGE_SIZE))
        self._newest = page.items[0].id if page.items else None
        self._new_above, self._live_note = 0, ""
        # A refresh at the top shows what is new; the selection stays on its event.
        self.table.show_events(self._window.events(), self._names, now, follow_top=True)
        self._name_new_keys(page.items)
        self._tally = PeriodUsage(self.filter.first_day(now), self.filter.days)
        self._tally.add(page.items)
        self._tally.complete = page.next_cursor is None
        self._counting = True
        self._chart_cursor = page.next_cursor
        self._chart_note = ""
        self.query_one(UsageChart).counting = False
        if page.next_cursor is not None:
            self._count_more()
        self.note_rate_limit()
        self._show_chart()
        self._show_states()

    def show_error(self, message: str) -> None:
        # The rows already shown stay: the error is said above them, and which list they are.
        # Chart and summary keep matching those rows; with no rows they say nothing loaded.
        self.query_one(UsageChart).counting = False
        self.query_one(UsageSummary).pending = False
        if self._window.pages and self._shown_filter != self.filter:
            message += " The list below is still the one before this change."
        self.query_one("#events-state", LoadState).show("error", message)
        self._show_chart()

    def show_signed_out(self) -> None:
        self.query_one(UsageChart).counting = False
        self.query_one(UsageSummary).pending = False
        self._show_chart()
        self.query_one("#events-state", LoadState).show(
            "info", "This terminal is not signed in. Press 1 for Setup to see how to sign in.")

    async def _fetch_names(self) -> Names:
        from openrush_tui.errors import OpenRushError

        client = await self.dashboard.session.client()
        keys = [(key.id, key.name) for key in await client.list_keys()]
        try:
            tools = [tool.name for tool in (await client.capabilities()).tools]
        except OpenRushError:  # the tool list only fills a menu; the rest works without it
            tools = []
        return Names(keys, tools)

    def _name_new_keys(self, events: list[UsageEvent]) -> None:
        """A key unknown to the list fetched earlier was created since: fetch the names again
        (once per key, so a key missing from the list cannot cause a loop)."""
        missing = {e.credential_id for e in events
                   if e.credential_id and e.credential_id not in self._names}
        missing -= self._asked_about
        if missing and self._keys and not self._busy(GROUP_NAMES):
            self._asked_about |= missing
            self.run_worker(self._fetch_names(), group=GROUP_NAMES, exclusive=True,
                            exit_on_error=False)

    def _show_names(self, names: Names) -> None:
        self._keys, self._tools = names.keys, names.tools
        self._names = dict(names.keys)
        self.table.rename(self._window.events(), self._names)
        if self.filter.credential_id and not self.filter.key_label:
            label = self._names.get(self.filter.credential_id)
            if label:
                same = self._shown_filter == self.filter
                self.filter = replace(self.filter, key_label=label)
                if same:  # the rows on screen are of this filter, now with its label
                    self._shown_filter = self.filter
                self._show_title()

    # -- paging --------------------------------------------------------------------------------

    def on_event_table_end_reached(self, message: EventTable.EndReached) -> None:
        message.stop()
        cursor = self._window.older_cursor
        if not (message.asked or self.table.near_end()):
            return  # rows arrived since the message was sent: the end moved away
        if cursor is None or self._busy(GROUP_MORE) or self._busy(LOAD_GROUP):
            return
        self.query_one("#events-more", LoadState).show("loading", "Loading more…")
        self.run_worker(self._fetch_older(self._generation, cursor), group=GROUP_MORE,
                        exclusive=True, exit_on_error=False)

    async def _fetch_older(self, generation: int, cursor: str) -> OlderPage:
        query = self._shown_query()
        client = await self.dashboard.session.client()
        return OlderPage(generation, cursor,
                         await client.usage(limit=PAGE_SIZE, cursor=cursor, **query))

    def _show_older(self, result: OlderPage) -> None:
        if result.generation != self._generation or result.cursor != self._window.older_cursor:
            return
        page = result.page
        self._window.append_older(Page(result.cursor, list(page.items), page.next_cursor,
                                       PAGE_SIZE))
        self.table.show_events(self._window.events(), self._names, self.dashboard.now())
        self._name_new_keys(page.items)
        self._show_states()

    def on_event_table_top_reached(self, message: EventTable.TopReached) -> None:
        message.stop()
        request = self._window.newer_request(NEWEST_LIMIT)
        if request is None or not self.table.near_top():
            return
        if self._busy(GROUP_NEWER) or self._busy(LOAD_GROUP):
            return
        self.query_one("#events-state", LoadState).show("loading", "Loading newer events…")
        self.run_worker(self._fetch_newer(self._generation, request), group=GROUP_NEWER,
                        exclusive=True, exit_on_error=False)

    async def _fetch_newer(self, generation: int, request: NewerRequest) -> NewerPage:
        query = self._shown_query()
        client = await self.dashboard.session.client()
        page = await client.usage(limit=request.limit, cursor=request.cursor, **query)
        return NewerPage(generation, request, list(page.items))

    def _show_newer(self, result: NewerPage) -> None:
        if result.generation != self._generation:
            return
        if self._window.newer_request(NEWEST_LIMIT) != result.request:
            return
        if self._window.prepend_newer(result.request, result.items) is None:
            self._restart("Many new events arrived: showing the newest again.")
            return
        if self._window.at_newest:
            self._new_above = 0
        self.table.show_events(self._window.events(), self._names, self.dashboard.now())
        self._show_states()

    def _shown_query(self) -> dict[str, Any]:
        # Pages continue the list on screen: same filter, same period start.
        shown = self._shown_filter or self.filter
        return shown.query(self.dashboard.now())

    # -- the chart and the summary -------------------------------------------------------------

    def _count_more(self) -> None:
        if self._chart_cursor is None:
            return
        self.query_one(UsageChart).counting = True
        self.run_worker(self._count(self._generation, self._chart_cursor), group=GROUP_CHART,
                        exclusive=True, exit_on_error=False)

    async def _count(self, generation: int, cursor: str) -> None:
        query = self._shown_query()
        client = await self.dashboard.session.client()
        async for step in count_pages(client, query, cursor):
            self.post_message(ChartProgress(generation, step.items, step.next_cursor,
                                            step.stop, step.remaining))

    def on_chart_progress(self, message: ChartProgress) -> None:
        if message.generation != self._generation:
            return
        self._tally.add(message.items)
        self._chart_cursor = message.next_cursor
        if message.stop_reason == "end":
            self._tally.complete = True
            self._chart_note = ""
        elif message.stop_reason == "batch":
            self._chart_note = self._partial_note(f"{CHART_BATCH:,} at a time")
        elif message.stop_reason == "rate":
            self._chart_note = self._partial_note(
                f"paused at {message.remaining} requests left in the rate limit")
        if message.stop_reason is not None:
            self.query_one(UsageChart).counting = False
        self.note_rate_limit()
        self._show_chart()

    def _partial_note(self, why: str) -> str:
        oldest = self._tally.oldest
        back_to = short(oldest, self.dashboard.now()) if oldest else None
        return say.partial(self._tally.count, back_to, why)

    def _show_chart(self) -> None:
        chart = self.query_one(UsageChart)
        chart.metric = self.metric
        chart.days_label = say.period_label(self.filter, capital=False)
        chart.bars = tuple(self._tally.bars(self.metric))
        chart.partial = bool(self._chart_note) and not self._tally.complete
        summary = self.query_one(UsageSummary)
        summary.period = say.period_label(self.filter, capital=True)
        if not self._counting:  # no page has arrived: nothing to count, nothing to claim
            chart.note = "" if chart.counting else "Nothing counted: no activity has loaded."
            summary.figures = None
        else:
            chart.note = (self._chart_note if self._chart_note and not self._tally.complete
                          else say.counted(self._tally.count, self._tally.complete))
            summary.figures = self._tally.figures()
        self.refresh_bindings()  # "count more" is offered only while the chart is partial

    def _show_balance(self, balance: int | None) -> None:
        self.query_one(UsageSummary).balance = balance

    def note_rate_limit(self) -> None:
        """The rate-limit window as the last response's headers reported it."""
        client = self.dashboard.session.client_if_ready
        if client is not None and client.rate_limit is not None:
            summary = self.query_one(UsageSummary)
            summary.now = self.dashboard.now()
            summary.rate_limit = client.rate_limit

    # -- live ----------------------------------------------------------------------------------

    def _live_tick(self) -> None:
        # Paused while a dialog (or another page) is on top, and while a load is under way.
        if not (self.live and self.is_active and self.dashboard.session.signed_in):
            return
        if self._busy(LOAD_GROUP) or self._busy(GROUP_LIVE):
            return
        if self._newest is None and not self._window.pages:
            return  # nothing shown yet: the first load is still to come
        self.run_worker(self._fetch_live(self._generation, self._newest), group=GROUP_LIVE,
                        exclusive=True, exit_on_error=False)

    async def _fetch_live(self, generation: int, known_newest: str | None) -> LiveEvents:
        query = self._shown_query()
        client = await self.dashboard.session.client()
        # Usually nothing or little is new: a small page first, the large one only if needed.
        page = await client.usage(limit=LIVE_PEEK, **query)
        items = list(page.items)
        seen = known_newest is None or any(event.id == known_newest for event in items)
        if not seen and page.next_cursor is not None:
            items = list((await client.usage(limit=NEWEST_LIMIT, **query)).items)
        return LiveEvents(generation, known_newest, items)

    def _show_live(self, result: LiveEvents) -> None:
        if result.generation != self._generation or result.known_newest != self._newest:
            return
        if result.known_newest is None:
            if result.items:  # the first events of an empty period: load it properly
                self._load(names=False)
            return
        fresh = self._window.add_newest(result.items, result.known_newest)
        if fresh is None:
            self._restart(f"More than {NEWEST_LIMIT} new events arrived: showing the newest.")
            return
        self._live_note = ""
        self.note_rate_limit()
        if not fresh:
            self._show_states()
            return
        self._newest = fresh[0].id
        self._name_new_keys(fresh)
        self._tally.add(fresh)
        self._show_chart()
        if any(event.credits for event in fresh):
            self.dashboard.refresh_credits()
        if not self._window.at_newest:
            self._new_above += len(fresh)
        elif self._window.overflowing:
            self._restart("Many new events arrived: showing the newest.")
            return
        else:
            self.table.show_events(self._window.events(), self._names, self.dashboard.now(),
                                   follow_top=True)
        self._show_states()

    def _restart(self, why: str) -> None:
        self.notify(why, timeout=4, markup=False)
        self._load(names=False)

    # -- worker results, in one place ----------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # DashboardScreen's handler runs too, after this one: it shows the first page.
        worker, group = event.worker, event.worker.group
        if event.state == WorkerState.SUCCESS:
            result = worker.result
            if isinstance(result, OlderPage):
                self._show_older(result)
            elif isinstance(result, NewerPage):
                self._show_newer(result)
            elif isinstance(result, LiveEvents):
                self._show_live(result)
            elif isinstance(result, Names):
                self._show_names(result)
            self.note_rate_limit()
        elif event.state == WorkerState.ERROR and worker.error is not None:
            self._show_failure(group, self.dashboard.describe_error(worker.error))
        if group == GROUP_MORE and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                   WorkerState.CANCELLED):
            self._show_states()

    def _show_failure(self, group: str, message: str) -> None:
        """A failed fetch says so where its result would have gone; nothing shown is wiped."""
        if group == GROUP_MORE:
            self._more_error = f"Could not load more. {message} Press n to try again."
        elif group == GROUP_NEWER:
            self.query_one("#events-state", LoadState).show(
                "error", f"Could not load newer events. {message}")
        elif group == GROUP_CHART:
            self.query_one(UsageChart).counting = False
            self._chart_note = (f"Partial: counting stopped. {message} Press e to try again."
                                if self._chart_cursor else "")
            self._show_chart()
        elif group == GROUP_LIVE:
            self._live_note = f"Live refresh failed; the list is as it was. {message}"
            self._show_states()
        # GROUP_NAMES: key prefixes stay in place of names; nothing to say.

    # -- words on screen -----------------------------------------------------------------------

    def _show_title(self) -> None:
        for header in self.query(AppHeader):
            header.page = say.title(self.PAGE_TITLE, self.filter)

    def _show_states(self) -> None:
        state = self.query_one("#events-state", LoadState)
        more = self.query_one("#events-more", LoadState)
        held = len(self._window)
        if self._live_note:
            state.show("error", self._live_note)
        elif held == 0:
            state.show("empty", say.empty(self.filter))
        else:
            state.show("info", say.window_status(held, self._window.rows_above,
                                                 self._new_above))
        if self._busy(GROUP_MORE):
            more.show("loading", "Loading more…")
        elif self._more_error:
            more.show("error", self._more_error)
            self._more_error = ""
        elif held == 0:
            more.show("idle")
        elif self._window.at_end:
            more.show("info", say.end_of_history(self.filter.days))
        else:
            more.show("info", say.more_below(PAGE_SIZE))

    def _busy(self, group: str) -> bool:
        return any(w.group == group and not w.is_finished for w in self.workers)

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.filter.active
        if action == "more_chart":
            return (not self._tally.complete and self._chart_cursor is not None
                    and not self._busy(GROUP_CHART))
        return True

    def action_clear_filter(self) -> None:
        self.set_filter(self.filter.cleared())

    def action_period(self) -> None:
        later = [days for days in PERIODS if days > self.filter.days]
        self.set_filter(self.filter.with_days(later[0] if later else PERIODS[0]))

    def action_metric(self) -> None:
        self.metric = "calls" if self.metric == "credits" else "credits"
        self._show_chart()

    def action_live(self) -> None:
        self.live = not self.live
        self._live_note = ""
        self.query_one(UsageSummary).live = self.live
        self._show_states()

    def action_more_chart(self) -> None:
        if not self._busy(GROUP_CHART):
            self._chart_note = ""
            self._count_more()
            self._show_chart()

    def action_filters(self) -> None:
        from openrush_tui.screens.activity_filters import ActivityFilters

        tools = sorted(set(self._tools) | {e.tool for e in self._window.events() if e.tool})
        self.app.push_screen(ActivityFilters(self.filter, self._keys, tools),
                             self._filters_chosen)

    def _filters_chosen(self, chosen: ActivityFilter | None) -> None:
        if chosen is not None:
            self.set_filter(chosen)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        from openrush_tui.screens.event_details import EventDetails

        chosen = next((e for e in self._window.events() if e.id == message.row_key.value), None)
        if chosen is None:
            return

        def narrow(what: str | None) -> None:
            if what == "key" and chosen.credential_id:
                label = self._names.get(chosen.credential_id) or chosen.credential_prefix
                self.set_filter(replace(self.filter, credential_id=chosen.credential_id,
                                        key_label=label))
            elif what == "tool" and chosen.tool:
                self.set_filter(replace(self.filter, tool=chosen.tool))

        self.app.push_screen(EventDetails(chosen, self._names, self.dashboard.now()), narrow)
