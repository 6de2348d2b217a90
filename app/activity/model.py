"""The Activity page as state and rules, without Textual: what each answer changes and what
the page then says.

The screen starts fetches, hands each answer to a method here and shows what the model then
holds; every rule about answers lives here, so it is tested without a terminal.

- Stale answers: a fetch carries the `generation` it was started in. A new filter or a reload
  starts a new one (`begin_load`), and an answer to an older one is dropped (the method
  returns None or False), so a slow answer to an old filter never lands on a new one.
- Rows: a bounded `EventWindow` over the history. Older pages join at the bottom, pages
  dropped above come back when the user goes up, and live events join on top when the window
  starts at the newest (else they are counted as "new above").
- Chart and summary: a `PeriodUsage` of the period, from the first page, then counted batch
  by batch (`counting.count_pages`), then topped up by live events.
- This tool's own reads (`events.is_own_read`): while hidden, the server is asked to leave
  them out (`events.OWN_READS_LEFT_OUT`, OURS), so they cost no pages; h loads the list again
  with them (`switch_own`). A server that ignores the question sends them: they are held but
  neither shown nor counted, and nothing more is fetched unasked to make up for them (a long
  session leaves hundreds): the status line says how many were hidden and that + loads older
  events, and the chart waits for e (`counts_on_its_own`). Opening the page costs the newest
  page and the key names, however many own reads precede.
- Labels name the filter shown (`showing`): a failed switch goes back to it and says so, so
  no figure sits under another period's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from openrush_tui.activity import wording as say
from openrush_tui.activity.answers import ChartView, Line, Update
from openrush_tui.activity.counting import CHART_BATCH_PAGES, CHART_PAGE, CountStep
from openrush_tui.activity.events import OWN_READS_LEFT_OUT, is_own_read, matches_text
from openrush_tui.activity.filters import KNOWN_CLIENTS, ActivityFilter, Metric
from openrush_tui.activity.totals import PeriodUsage
from openrush_tui.activity.window import EventWindow, NewerRequest, Page
from openrush_tui.text.times import short

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent, UsagePage

PAGE_SIZE = 50
NEWEST_LIMIT = 200  # a live refresh, or the newest page fetched again, in one request
LIVE_PEEK = 20  # what a live refresh asks for first: usually enough to find where it joins
MAX_ROWS = 400  # events held by the table at most, however long the history
SCREENFUL = 20  # rows at 80×24: fewer shown behind hidden own reads, the status says why
CHART_BATCH = CHART_BATCH_PAGES * CHART_PAGE  # events counted per batch for the chart

class ActivityModel:
    """What Activity holds and shows; `clock` is the app's (a fixed one in tests)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.filter = ActivityFilter()
        self.shown_filter: ActivityFilter | None = None  # the filter of the rows held
        self.metric: Metric = "credits"
        self.live = True
        self.show_own = False  # this tool's own reads of the account, shown or hidden
        self.held_own = False  # ...as the rows held were fetched (the server asked to leave
        self.own_sent = False  # them out or not), and whether it sent some all the same
        self.text = ""  # the `/` filter: narrows the rows held (tool, key name, client)
        self.load_error = False  # the last load of the list failed (r loads it again)
        self.generation = 0
        self.window: EventWindow[UsageEvent] = EventWindow(MAX_ROWS)
        self.newest: str | None = None  # id of the newest event known, where live joins
        self.new_above = 0  # live events that arrived while the window was further down
        self.loading_older = False
        self.live_note = ""  # a failed live refresh, said until the next one works
        # r's refresh of the list shown, while under way (a token the page keeps to know its
        # own): said on the status line, as a hanging server otherwise left it silent for
        # the request's whole deadline (trial 8). A new load or model drops it.
        self.refreshing: object | None = None
        self.more_error = ""  # a failed "load more", said once
        self.names: dict[str, str] = {}  # key names by credential id
        self.keys: list[tuple[str, str]] = []  # (credential id, name), as listed
        self.ended_keys: dict[str, str] = {}  # credential id: "revoked" or "expired"
        self.tools: list[str] = []
        self.asked_about: set[str] = set()  # key ids the names were fetched again for
        # Replaced by `start_period` once the clock can be read, then by each first page.
        self.tally = PeriodUsage(date.min, self.filter.days)
        self.counted = False  # a first page arrived: the tally is of real events
        self.chart_cursor: str | None = None  # where counting stopped, if it did
        self.chart_note = ""  # why counting stopped short

    # -- what to fetch -------------------------------------------------------------------------

    def fresh(self) -> ActivityModel:
        """An empty model with the same choices of view (another account is signed in). The
        `/` filter is one of them: its bar keeps the text, so the rows keep being narrowed by
        it (trial 8: made anew without it, the bar still said "revoke" over every row)."""
        model = ActivityModel(self.clock)
        model.metric, model.live, model.show_own = self.metric, self.live, self.show_own
        model.text = self.text
        model.filter = ActivityFilter(days=self.filter.days)
        return model

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    @property
    def showing(self) -> ActivityFilter:
        """The filter of what is on screen (the chosen one until something is shown)."""
        return self.shown_filter or self.filter

    @property
    def refreshable(self) -> bool:
        """The chosen filter's events are shown and fine: a refresh only adds the newest."""
        return (self.live_ready and self.shown_filter == self.filter and not self.load_error
                and self.held_own == self.show_own)

    def query(self) -> dict[str, Any]:
        """The first page's query: the filter chosen, own reads left out unless shown."""
        return self._with_own(self.filter.query(self.clock()), self.show_own)

    def shown_query(self) -> dict[str, Any]:
        """Pages continue the list on screen: same filter, same period start, same own reads."""
        return self._with_own((self.shown_filter or self.filter).query(self.clock()),
                              self.held_own)

    @staticmethod
    def _with_own(query: dict[str, Any], own: bool) -> dict[str, Any]:
        return query if own else {**query, **OWN_READS_LEFT_OUT}

    @property
    def counts_on_its_own(self) -> bool:
        """The chart counts the period unasked: not when the server sent this tool's own reads
        although asked not to (counting would walk them all; e counts on)."""
        return self.held_own or not self.own_sent

    def set_filter(self, new: ActivityFilter) -> bool:
        """False when nothing changes (no reload needed)."""
        changed, self.filter = new != self.filter, new
        return changed

    def begin_load(self, *, names: bool) -> bool:
        """A new generation: every answer on its way is stale from now on.

        True when the key names should be fetched: on request, or when none came yet (the
        key list can be long, so it is not fetched again for every filter).
        """
        self.generation += 1
        self.loading_older, self.refreshing = False, None
        return names or not self.keys

    def start_older(self) -> str | None:
        """The cursor of the next older page to fetch; None at the end or while one is coming."""
        cursor = self.window.older_cursor
        if cursor is None or self.loading_older:
            return None
        self.loading_older = True
        return cursor

    def newer_request(self) -> NewerRequest | None:
        """What to fetch to go back up a page; None when the window starts at the newest."""
        return self.window.newer_request(NEWEST_LIMIT)

    @property
    def live_ready(self) -> bool:
        """Something was shown (an empty list too), so a live refresh has a place to join."""
        return self.newest is not None or bool(self.window.pages)

    @staticmethod
    def live_needs_more(peek: UsagePage, known_newest: str | None) -> bool:
        """The small first look did not reach the newest event known, and more exist."""
        reached = known_newest is None or any(e.id == known_newest for e in peek.items)
        return not reached and peek.next_cursor is not None

    def resume_count(self) -> str | None:
        """Where counting the period goes on (None: done); the note of why it stopped goes."""
        self.chart_note = ""
        return self.chart_cursor

    @property
    def can_count_more(self) -> bool:
        return not self.tally.complete and self.chart_cursor is not None

    # -- answers -------------------------------------------------------------------------------

    def first_page(self, generation: int, page: UsagePage) -> Update | None:
        """The newest page of the filter: the rows, the chart's count and the notes start over."""
        if not self.is_current(generation):
            return None
        other_rows = self.showing_other_filter
        self.shown_filter = self.filter
        self.window.reset(Page(None, list(page.items), page.next_cursor, PAGE_SIZE))
        self.newest = page.items[0].id if page.items else None
        self.new_above, self.live_note, self.load_error = 0, "", False
        self.start_period()
        self.tally.add(page.items)
        self.tally.complete = page.next_cursor is None
        self.counted = True
        self.chart_cursor, self.chart_note = page.next_cursor, ""
        self.held_own = self.show_own
        self.own_sent = not self.show_own and any(map(is_own_read, page.items))
        if not self.counts_on_its_own and not self.tally.complete:
            self.chart_note = say.OWN_READS_UNCOUNTED
        # A refresh at the top shows what is new; the selection stays on its event.
        return Update(rows=True, at_top=True, reset=other_rows, events=page.items)

    def older_page(self, generation: int, cursor: str, page: UsagePage) -> Update | None:
        if not self.is_current(generation):
            return None
        self.loading_older = False
        if cursor != self.window.older_cursor:
            return Update()  # live events moved the bottom meanwhile: this page is not next
        self.window.append_older(Page(cursor, list(page.items), page.next_cursor, PAGE_SIZE))
        return Update(rows=True, events=page.items)

    def older_failed(self, generation: int, problem: str) -> bool:
        if not self.is_current(generation):
            return False
        self.loading_older = False
        self.more_error = say.more_failed(problem)
        return True

    def newer_page(self, generation: int, request: NewerRequest,
                   items: Sequence[UsageEvent]) -> Update | None:
        if not self.is_current(generation) or self.newer_request() != request:
            return None
        if self.window.prepend_newer(request, items) is None:
            return Update(restart=say.FLOOD_ABOVE)
        if self.window.at_newest:
            self.new_above = 0
        return Update(rows=True)

    def live_events(self, generation: int, known_newest: str | None,
                    items: Sequence[UsageEvent]) -> Update | None:
        """The newest events, fetched as of `known_newest`; `events` of the update are the
        new ones, already in the tally."""
        if not self.is_current(generation) or known_newest != self.newest:
            return None
        if known_newest is None:  # the list was empty: its first events, load it properly
            return Update(restart="") if items else None
        fresh = self.window.add_newest(items, known_newest)
        if fresh is None:
            return Update(restart=say.flood(NEWEST_LIMIT))
        self.live_note = ""
        if not fresh:
            return Update()
        self.newest = fresh[0].id
        self.tally.add(fresh)
        if not self.window.at_newest:
            self.new_above += len(fresh)
            return Update(events=fresh)
        if self.window.overflowing:
            return Update(events=fresh, restart=say.FLOOD_AT_TOP)
        return Update(rows=True, at_top=True, events=fresh)

    def live_failed(self, generation: int, problem: str) -> bool:
        if not self.is_current(generation):
            return False
        self.live_note = say.live_failed(problem)
        return True

    def chart_step(self, generation: int, step: CountStep) -> bool:
        """One more page of the period counted; False when it is stale."""
        if not self.is_current(generation):
            return False
        self.tally.add(step.items)
        self.chart_cursor = step.next_cursor
        if step.stop == "end":
            self.tally.complete = True
            self.chart_note = ""
        elif step.stop == "batch":
            self.chart_note = self._partial(f"{CHART_BATCH:,} at a time")
        elif step.stop == "rate":
            self.chart_note = self._partial(
                f"paused at {step.remaining} requests left in the rate limit")
        return True

    def chart_failed(self, generation: int, problem: str) -> bool:
        if not self.is_current(generation):
            return False
        self.chart_note = say.count_failed(problem) if self.chart_cursor else ""
        return True

    def names_arrived(self, keys: list[tuple[str, str]], tools: list[str],
                      ended: dict[str, str] | None = None) -> bool:
        """The key list, the tools and the keys that no longer work (`ended`: their status).
        True when the filter's key got its name (the title changes)."""
        self.keys, self.tools, self.names = keys, tools, dict(keys)
        self.ended_keys = dict(ended or {})
        label = self.names.get(self.filter.credential_id or "")
        if not label or self.filter.key_label:
            return False
        same = self.shown_filter == self.filter
        self.filter = replace(self.filter, key_label=label)
        if same:  # the rows on screen are of this filter, now with its label
            self.shown_filter = self.filter
        return True

    def ask_about_new_keys(self, events: Sequence[UsageEvent]) -> bool:
        """A key unknown to the list fetched earlier was created since: True to fetch the names
        again (once per key, so a key missing from the list cannot cause a loop)."""
        missing = {e.credential_id for e in events
                   if e.credential_id and e.credential_id not in self.names}
        missing -= self.asked_about
        if not (missing and self.keys):
            return False
        self.asked_about |= missing
        return True

    # -- choices -------------------------------------------------------------------------------

    def start_period(self) -> None:
        """An empty tally of the period as of now (its days show as not loaded yet)."""
        self.tally = PeriodUsage(self.filter.first_day(self.clock()), self.filter.days,
                                 keep=self.filter.matches)
        self.tally.with_own = self.show_own

    def switch_metric(self) -> None:
        self.metric = "calls" if self.metric == "credits" else "credits"

    def switch_own(self) -> bool:
        """Show this tool's own reads too, or hide them again; True when now shown. The list
        is then loaded again (`query` asks for them or not): the page starts a new load."""
        self.show_own = self.tally.with_own = not self.show_own
        return self.show_own

    def shown_events(self, *, with_text: bool = True) -> list[UsageEvent]:
        """The events held that the table shows, newest first (`with_text`: narrowed by
        the `/` filter too; it narrows the rows held, never fetches)."""
        showing, text = self.showing, self.text if with_text else ""
        return [e for e in self.window.events() if (self.show_own or not is_own_read(e))
                and showing.matches(e) and matches_text(e, self.names, text)]

    def switch_live(self) -> bool:
        self.live, self.live_note = not self.live, ""
        return self.live

    def event(self, event_id: object) -> UsageEvent | None:
        return next((e for e in self.window.events() if e.id == event_id), None)

    def narrowed(self, event: UsageEvent, what: str | None) -> ActivityFilter | None:
        """The filter narrowed to the event's key or tool (the event dialog's o and t)."""
        if what == "key" and event.credential_id:
            label = self.names.get(event.credential_id) or event.credential_prefix
            return replace(self.filter, credential_id=event.credential_id, key_label=label,
                           client=None)
        if what == "tool" and event.tool:
            return replace(self.filter, tool=event.tool)
        if what == "client" and event.client:
            return replace(self.filter, client=event.client, credential_id=None,
                           key_label=None)
        return None

    def tool_choices(self) -> list[str]:
        """The catalogue's tools and any other tool seen in the rows (a retired one)."""
        return sorted(set(self.tools) | {e.tool for e in self.window.events() if e.tool})

    def client_choices(self) -> list[str]:
        """MCP clients for the key filter: the usual ones and any other seen in the rows."""
        return sorted(set(KNOWN_CLIENTS) | {e.client for e in self.window.events() if e.client})

    # -- what the page says --------------------------------------------------------------------

    @property
    def showing_other_filter(self) -> bool:
        """The rows held belong to a filter other than the one chosen (its load is pending
        or failed)."""
        return bool(self.window.pages) and self.shown_filter != self.filter

    def load_failed(self, problem: str) -> str:
        """The rows already shown stay. A switch to another filter that failed goes back to
        the filter shown, so titles and figures keep naming what they count."""
        if self.showing_other_filter and self.shown_filter is not None:
            wanted, self.filter = self.filter, self.shown_filter
            return say.switch_failed(wanted, self.filter, problem)
        self.load_error = True
        return problem

    def status_line(self) -> Line:
        """Above the table: which events it holds, or why it is empty."""
        held = len(self.window)
        listed = len(self.shown_events(with_text=False))
        hidden = 0 if self.show_own else sum(map(is_own_read, self.window.events()))
        # Own reads sent all the same hide older events that were not fetched: + loads them.
        unfetched = bool(hidden) and listed < SCREENFUL and not self.window.at_end
        matching = (len(self.shown_events()), self.text) if self.text.strip() else None
        if self.refreshing is not None and held:
            return Line("loading", say.REFRESHING)
        if self.live_note:
            return Line("error", self.live_note)
        if held == 0:
            return Line("empty", say.empty(self.showing))
        if matching is not None and matching[0] == 0 and listed:
            return Line("empty", say.no_match(listed, self.text, more=not self.window.at_end))
        return Line("info", say.window_status(listed, self.window.rows_above, self.new_above,
                                              hidden, self.show_own, matching,
                                              unfetched=unfetched))

    def more_line(self) -> Line:
        """Under the table: paging. A failed "load more" is said once, then the usual line."""
        if self.loading_older:
            return Line("loading", say.LOADING_MORE)
        if self.more_error:
            error, self.more_error = self.more_error, ""
            return Line("error", error)
        if len(self.window) == 0:
            return Line("idle")
        if self.window.at_end:
            return Line("info", say.end_of_history(self.showing.days))
        if not self.shown_events():  # nothing below an empty table: the line above says why
            return Line("idle")
        return Line("info", say.more_below(PAGE_SIZE))

    def chart_view(self, *, counting: bool) -> ChartView:
        """`counting`: a fetch for the chart is under way (the chart's own state)."""
        stopped = bool(self.chart_note) and not self.tally.complete
        if not self.counted:  # no page has arrived: nothing to count, nothing to claim
            note = "" if counting else say.NOTHING_COUNTED
            figures = None
        else:
            note = self.chart_note if stopped else say.counted(self.tally.count,
                                                               self.tally.complete)
            figures = self.tally.figures()
        return ChartView(tuple(self.tally.bars(self.metric)),
                         say.period_label(self.showing, capital=False),
                         say.period_label(self.showing, capital=True), note, stopped, figures)

    def _partial(self, why: str) -> str:
        oldest = self.tally.oldest
        back_to = short(oldest, self.clock()) if oldest else None
        return say.partial(self.tally.count, back_to, why)
