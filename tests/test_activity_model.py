"""Activity's model without a terminal: stale answers, paging, live joins, counting the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from openrush_tui.activity import wording as say
from openrush_tui.activity.answers import Line
from openrush_tui.activity.counting import CountStep
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import MAX_ROWS, NEWEST_LIMIT, PAGE_SIZE, ActivityModel
from openrush_tui.activity.window import NewerRequest
from openrush_tui.api.models import UsageEvent, UsagePage

NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)


def event(n: int, *, name: str | None = None, credits: int = 1, **fields: Any) -> UsageEvent:
    """The n-th newest event of HISTORY (n minutes old); negative n: newer than all of it."""
    return UsageEvent(id=name or f"e{n:04d}", created_at=NOW - timedelta(minutes=n),
                      source="api", status="success", credits=credits, **fields)


HISTORY = [event(n) for n in range(1000)]  # newest first, all of them today


def page(start: int, size: int = PAGE_SIZE, history: list[UsageEvent] = HISTORY) -> UsagePage:
    """The page from `start` on; cursors are positions, as strings."""
    end = min(start + size, len(history))
    return UsagePage(items=history[start:end], next_cursor=str(end) if end < len(history) else None)


def fresh(count: int) -> list[UsageEvent]:
    """`count` events newer than all of HISTORY, newest first."""
    return [event(-1, name=f"new{n}") for n in reversed(range(count))]


def model() -> ActivityModel:
    shown = ActivityModel(clock=lambda: NOW)
    shown.start_period()
    return shown


def load(shown: ActivityModel, first: UsagePage | None = None) -> int:
    """A load and its first page; the generation it ran in."""
    shown.begin_load(names=False)
    assert shown.first_page(shown.generation, page(0) if first is None else first)
    return shown.generation


def ids(events: Any) -> list[str]:
    return [e.id for e in events]


def test_answers_to_an_older_generation_are_dropped() -> None:
    shown = model()
    shown.begin_load(names=True)
    old = shown.generation
    assert shown.set_filter(ActivityFilter(source="mcp"))
    assert not shown.set_filter(ActivityFilter(source="mcp"))  # the same: no reload
    shown.begin_load(names=False)
    assert shown.first_page(old, page(0)) is None
    assert len(shown.window) == 0 and not shown.counted
    new = load(shown)
    assert new != old and len(shown.window) == PAGE_SIZE
    # Every kind of late answer leaves the model as it was.
    assert shown.older_page(old, "50", page(50)) is None
    assert shown.newer_page(old, NewerRequest(None, NEWEST_LIMIT, True), HISTORY) is None
    assert shown.live_events(old, shown.newest, [*fresh(1), *HISTORY[:5]]) is None
    assert not shown.chart_step(old, CountStep(HISTORY[50:250], "250", None, None))
    assert not shown.older_failed(old, "Down.")
    assert not shown.live_failed(old, "Down.")
    assert not shown.chart_failed(old, "Down.")
    assert len(shown.window) == PAGE_SIZE and shown.tally.count == PAGE_SIZE
    assert (shown.more_error, shown.live_note, shown.chart_note) == ("", "", "")


def test_a_new_filter_keeps_the_old_rows_until_its_first_page() -> None:
    shown = model()
    update = shown.first_page(load(shown), page(0))
    assert update is not None and update.rows and update.at_top and not update.reset
    shown.set_filter(ActivityFilter(days=30))
    shown.begin_load(names=False)
    assert shown.showing_other_filter
    assert shown.showing.days == 7 and shown.chart_view(counting=True).period == "Last 7 days"
    shown.set_filter(ActivityFilter(days=30))
    shown.begin_load(names=False)
    update = shown.first_page(shown.generation, page(0))
    assert update is not None and update.reset  # the table starts again at the top
    assert shown.showing.days == 30 and shown.chart_view(counting=False).period == "Last 30 days"
    assert shown.load_failed("Down.") == "Down." and not shown.refreshable
    assert shown.shown_query()["since"] == datetime(2026, 5, 28, tzinfo=UTC)


def test_a_switch_that_fails_goes_back_to_what_is_shown() -> None:
    shown = model()
    shown.first_page(load(shown), page(0))
    figures = shown.chart_view(counting=False).figures
    shown.set_filter(ActivityFilter(days=30, source="mcp"))
    shown.begin_load(names=False)
    assert shown.load_failed("Down.") == ("Could not switch to last 30 days · MCP: Down. "
                                          "Still showing last 7 days.")
    assert shown.filter == ActivityFilter(days=7) and not shown.showing_other_filter
    view = shown.chart_view(counting=False)
    assert (view.period, view.figures) == ("Last 7 days", figures)
    assert shown.refreshable  # what is shown is fine: r only adds the newest


def test_paging_down_and_back_up_within_the_bound() -> None:
    shown = model()
    generation = load(shown)
    assert shown.status_line() == Line("info", "Latest 50 events")
    assert shown.more_line() == Line("info", say.more_below(PAGE_SIZE))
    for start in range(PAGE_SIZE, 9 * PAGE_SIZE, PAGE_SIZE):
        cursor = shown.start_older()
        assert cursor == str(start)
        assert shown.start_older() is None  # one at a time
        assert shown.more_line() == Line("loading", say.LOADING_MORE)
        update = shown.older_page(generation, cursor, page(start))
        assert update is not None and update.rows and not update.at_top
        assert ids(update.events) == ids(HISTORY[start:start + PAGE_SIZE])
    assert len(shown.window) == MAX_ROWS and ids(shown.window.events()) == ids(HISTORY[50:450])
    assert shown.status_line() == Line(
        "info", "Events 51–450, newest first · newer events above (scroll to the top)")

    # Back up: the newest page was fetched without a cursor, so it is fetched from the newest.
    request = shown.newer_request()
    assert request == NewerRequest(None, NEWEST_LIMIT, from_newest=True)
    update = shown.newer_page(generation, request, HISTORY[:NEWEST_LIMIT])
    assert update is not None and update.rows and update.restart is None
    assert ids(shown.window.events()) == ids(HISTORY[:400])
    assert shown.newer_request() is None and shown.status_line().text == "Latest 400 events"
    assert shown.newer_page(generation, request, HISTORY) is None  # asked for once only


def test_the_end_of_history_and_a_page_that_is_no_longer_next() -> None:
    short = HISTORY[:60]
    shown = model()
    generation = load(shown, page(0, history=short))
    cursor = shown.start_older()
    assert cursor == "50"
    assert shown.older_page(generation, "elsewhere", page(50, history=short)) is not None
    assert len(shown.window) == PAGE_SIZE and not shown.loading_older  # dropped, not stuck
    cursor = shown.start_older()
    assert cursor is not None
    assert shown.older_page(generation, cursor, page(50, history=short))
    assert shown.start_older() is None
    assert shown.more_line() == Line("info", say.end_of_history(7))


def test_a_failed_load_more_is_said_once() -> None:
    shown = model()
    generation = load(shown)
    shown.start_older()
    assert shown.older_failed(generation, "The server is down.")
    assert shown.more_line() == Line(
        "error", "Could not load more. The server is down. Press + to try again.")
    assert shown.more_line() == Line("info", say.more_below(PAGE_SIZE))
    assert shown.start_older() == "50"  # and n tries again


def test_a_reload_forgets_the_page_on_its_way() -> None:
    shown = model()
    load(shown)
    assert shown.start_older() == "50"
    shown.begin_load(names=False)
    assert not shown.loading_older and shown.start_older() == "50"


def test_going_back_up_past_a_flood_starts_again() -> None:
    shown = model()
    generation = load(shown)
    for start in range(PAGE_SIZE, 9 * PAGE_SIZE, PAGE_SIZE):
        shown.older_page(generation, str(start), page(start))
    request = shown.newer_request()
    assert request is not None
    update = shown.newer_page(generation, request, fresh(NEWEST_LIMIT))  # no join in sight
    assert update is not None and update.restart == say.FLOOD_ABOVE


def test_live_events_join_on_top_and_fill_the_chart() -> None:
    shown = model()
    generation = load(shown)
    assert shown.live_ready
    peek = UsagePage(items=[*fresh(2), *HISTORY[:18]], next_cursor="x")
    assert not shown.live_needs_more(peek, "e0000")
    assert shown.live_needs_more(peek, "e0019")  # beyond the peek: the large fetch
    assert not shown.live_needs_more(UsagePage(items=peek.items), "e0019")  # nothing more
    update = shown.live_events(generation, "e0000", peek.items)
    assert update is not None and update.rows and update.at_top
    assert ids(update.events) == ["new1", "new0"] and shown.newest == "new1"
    assert ids(shown.window.events())[:3] == ["new1", "new0", "e0000"]
    assert shown.tally.count == PAGE_SIZE + 2
    assert shown.live_events(generation, "e0000", peek.items) is None  # answered already
    update = shown.live_events(generation, "new1", peek.items)
    assert update is not None and not update.rows and not update.events  # nothing new


def test_live_events_wait_above_a_window_further_down() -> None:
    shown = model()
    generation = load(shown)
    for start in range(PAGE_SIZE, 9 * PAGE_SIZE, PAGE_SIZE):
        shown.older_page(generation, str(start), page(start))
    update = shown.live_events(generation, "e0000", [*fresh(3), *HISTORY[:17]])
    assert update is not None and not update.rows and len(update.events) == 3
    assert shown.status_line().text == (
        "Events 51–450, newest first · 3 new events above (scroll to the top)")
    request = shown.newer_request()
    assert request is not None
    shown.newer_page(generation, request, [*fresh(3), *HISTORY[:NEWEST_LIMIT - 3]])
    assert shown.status_line().text == "Latest 353 events"  # seen now (bottom pages fell off)


def test_live_restarts_when_it_cannot_join() -> None:
    shown = model()
    generation = load(shown)
    update = shown.live_events(generation, "e0000", fresh(NEWEST_LIMIT))
    assert update is not None and update.restart == say.flood(NEWEST_LIMIT)
    # A long stay at the top under heavy traffic: the top page alone outgrows the bound.
    for batch in range(2):
        top = shown.window.events()[0]
        items = [event(-1, name=f"b{batch}-{n}") for n in range(NEWEST_LIMIT - 1)]
        update = shown.live_events(generation, top.id, [*items, top])
    assert update is not None and update.restart == say.FLOOD_AT_TOP


def test_an_empty_list_loads_again_when_its_first_events_arrive() -> None:
    shown = model()
    generation = load(shown, UsagePage(items=[]))
    assert shown.newest is None and shown.live_ready
    assert shown.status_line() == Line("empty", say.empty(ActivityFilter()))
    assert shown.more_line() == Line("idle")
    assert shown.live_events(generation, None, []) is None
    update = shown.live_events(generation, None, fresh(1))
    assert update is not None and update.restart == ""  # quietly


def test_a_failed_live_refresh_is_said_until_one_works() -> None:
    shown = model()
    generation = load(shown)
    assert shown.live_failed(generation, "Timed out.")
    assert shown.status_line() == Line(
        "error", "Live refresh failed; the list is as it was. Timed out.")
    shown.live_events(generation, "e0000", HISTORY[:20])
    assert shown.status_line().state == "info"
    shown.live_failed(generation, "Timed out.")
    assert not shown.switch_live() and shown.live_note == ""  # paused: nothing failing


def test_counting_the_period_stops_for_a_reason_and_says_it() -> None:
    shown = model()
    assert shown.chart_view(counting=False).note == say.NOTHING_COUNTED
    assert shown.chart_view(counting=False).figures is None
    assert shown.chart_view(counting=True).note == ""
    generation = load(shown)
    assert shown.can_count_more and shown.resume_count() == "50"
    view = shown.chart_view(counting=True)
    assert view.note == "Counting the period's events… 50 so far." and not view.partial
    assert view.figures is not None and not view.figures.complete
    assert shown.chart_step(generation, CountStep(HISTORY[50:250], "250", None, 900))
    assert shown.chart_step(generation, CountStep(HISTORY[250:450], "450", "batch", 899))
    view = shown.chart_view(counting=False)
    assert view.partial and view.note.startswith("Partial: newest 450 events counted (back to ")
    assert "5,000 at a time" in view.note and "Press e to count more" in view.note
    assert [bar.known for bar in view.bars] == [False] * 6 + [True]
    assert shown.resume_count() == "450" and not shown.chart_view(counting=True).partial
    shown.chart_step(generation, CountStep(HISTORY[450:650], "650", "rate", 3))
    assert "paused at 3 requests left in the rate limit" in shown.chart_view(counting=False).note
    assert shown.chart_failed(generation, "Timed out.")
    assert shown.chart_view(counting=False).note == (
        "Partial: counting stopped. Timed out. Press e to try again.")
    shown.resume_count()
    shown.chart_step(generation, CountStep(HISTORY[650:], None, "end", 2))
    view = shown.chart_view(counting=False)
    assert view.note == "All 1,000 events of the period counted." and not view.partial
    assert view.figures is not None and view.figures.complete and view.figures.calls == 1000
    assert not shown.can_count_more
    assert shown.chart_failed(generation, "Timed out.")
    assert shown.chart_view(counting=False).note.startswith("All 1,000")  # nothing to resume
    shown.switch_metric()
    assert sum(bar.total for bar in shown.chart_view(counting=False).bars) == 1000


def test_key_names_label_the_filter_and_are_asked_for_once_per_new_key() -> None:
    shown = model()
    shown.set_filter(ActivityFilter(credential_id="cred_1"))
    load(shown)
    assert not shown.ask_about_new_keys([event(1, credential_id="cred_9")])  # no list yet
    assert shown.names_arrived([("cred_1", "Production")], ["inspect_serp"])
    assert shown.filter.key_label == "Production" and shown.shown_filter == shown.filter
    assert not shown.names_arrived([("cred_1", "Production")], [])  # labelled already
    new_key = [event(1, credential_id="cred_2")]
    assert shown.ask_about_new_keys(new_key)
    assert not shown.ask_about_new_keys(new_key)  # a key missing from the list: no loop
    assert not shown.ask_about_new_keys([event(2, credential_id="cred_1")])


def test_what_the_event_dialog_and_the_filter_dialog_are_given() -> None:
    shown = model()
    history = [event(1, credential_id="cred_1", credential_prefix="or_abc…", tool="old_tool"),
               event(2)]
    load(shown, UsagePage(items=history))
    chosen = shown.event("e0001")
    assert chosen is not None and shown.event("nope") is None
    narrowed = shown.narrowed(chosen, "key")
    assert narrowed is not None and narrowed.key_label == "or_abc…"
    shown.names_arrived([("cred_1", "CI")], ["inspect_serp"])
    narrowed = shown.narrowed(chosen, "key")
    assert narrowed is not None and narrowed.key_label == "CI"
    assert shown.narrowed(chosen, "tool") == ActivityFilter(tool="old_tool")
    assert shown.narrowed(history[1], "tool") is None and shown.narrowed(chosen, None) is None
    assert shown.tool_choices() == ["inspect_serp", "old_tool"]
    assert ActivityFilter().next_period().days == 30
    assert ActivityFilter(days=30).next_period().days == 7


def test_pages_of_own_reads_alone_fetch_nothing_unasked_and_say_so() -> None:
    """A dashboard left open fills the history with its own reads. A server that ignores the
    request to leave them out sends them: hidden, they can leave the table empty; nothing
    more is fetched unasked (issue 20), the status line says + loads older events, and the
    chart waits for e rather than walking them all."""
    own = [event(n, endpoint="/v1/me/usage", user_agent="openrush-tui/0.1.0")
           for n in range(PAGE_SIZE * 3)]
    shown = model()
    assert shown.query()["exclude_reads_by"] == "openrush-tui"
    load(shown, page(0, history=own))
    assert shown.shown_events() == []
    assert "own reads hidden (h shows), older not fetched (+ loads)" in shown.status_line().text
    assert not shown.counts_on_its_own
    assert "Press e to count more" in shown.chart_view(counting=False).note
    shown.switch_own()
    assert "exclude_reads_by" not in shown.query()  # h: the server is asked for them
