"""The core of Activity without a screen: the filter, the period's totals, the counting loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from openrush_tui.activity import wording as say
from openrush_tui.activity.counting import count_pages
from openrush_tui.activity.events import duration_label, status_label, who
from openrush_tui.activity.filters import ActivityFilter, parse_since
from openrush_tui.activity.totals import PeriodUsage
from openrush_tui.api.models import RateLimitInfo, UsageEvent, UsagePage

NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)


def event(n: int, *, when: datetime = NOW, source: str = "api", status: str = "success",
          credits: int = 2, **fields: Any) -> UsageEvent:
    return UsageEvent(id=f"use_{n}", created_at=when, source=source, status=status,
                      credits=credits, **fields)


def test_the_filter_in_words_and_as_a_query() -> None:
    chosen = ActivityFilter(source="mcp", status="rate_limited", credential_id="cred_1",
                            key_label="[b]x", tool="inspect_serp", days=30)
    assert chosen.title() == ("last 30 days · MCP · rate-limited · key “[b]x” · "
                              "tool inspect_serp")
    assert chosen.active and not chosen.cleared().active
    assert chosen.cleared() == ActivityFilter(days=30)
    assert chosen.query(NOW) == {"source": "mcp", "status": "rate_limited",
                                 "credential_id": "cred_1", "tool": "inspect_serp",
                                 "client": None, "since": datetime(2026, 5, 28, tzinfo=UTC)}
    # The period starts at midnight UTC, so its first day is a whole day.
    assert ActivityFilter().since(NOW) == datetime(2026, 6, 20, tzinfo=UTC)
    assert ActivityFilter(credential_id="cred_9").parts() == ["key “cred_9”"]


def test_period_totals_by_day_and_source() -> None:
    usage = PeriodUsage(date(2026, 6, 20), 7)
    usage.add([
        event(1, credits=3),
        event(2, source="mcp", credits=5),
        event(3, when=NOW - timedelta(days=2), status="error", credits=0),
        event(4, when=NOW - timedelta(days=6, hours=11), status="rate_limited", credits=0),
        event(5, when=NOW - timedelta(days=9)),  # before the period: not counted
    ])
    usage.complete = True
    credits = usage.bars("credits")
    assert [(bar.day.day, bar.api, bar.mcp) for bar in credits] == [
        (20, 0, 0), (21, 0, 0), (22, 0, 0), (23, 0, 0), (24, 0, 0), (25, 0, 0), (26, 3, 5)]
    calls = usage.bars("calls")
    assert [bar.total for bar in calls] == [1, 0, 0, 0, 1, 0, 2]
    assert all(bar.known and not bar.partial for bar in calls)
    figures = usage.figures()
    assert (figures.credits, figures.calls, figures.errors, figures.rate_limited) == (8, 4, 1, 1)
    assert figures.complete


def test_a_partly_counted_period_marks_unknown_and_partial_days() -> None:
    usage = PeriodUsage(date(2026, 6, 20), 7)
    assert not any(bar.known for bar in usage.bars("credits"))  # nothing counted yet
    usage.add([event(1), event(2, when=NOW - timedelta(days=2, hours=3))])
    bars = usage.bars("credits")
    assert [bar.known for bar in bars] == [False, False, False, False, True, True, True]
    assert [bar.partial for bar in bars] == [False, False, False, False, True, False, False]
    assert not usage.figures().complete


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-06-20", datetime(2026, 6, 20, tzinfo=UTC)),
    ("2026-06-20T08:30:00Z", datetime(2026, 6, 20, 8, 30, tzinfo=UTC)),
    ("2026-06-20T10:30:00+02:00", datetime(2026, 6, 20, 8, 30, tzinfo=UTC)),
    ("24h", NOW - timedelta(hours=24)),
    ("7d", NOW - timedelta(days=7)),
    ("2w", NOW - timedelta(days=14)),
    ("90m", NOW - timedelta(minutes=90)),
])
def test_since_reads_dates_times_and_ages(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7 days", "d", "-3d", ""])
def test_since_refuses_the_rest(text: str) -> None:
    with pytest.raises(ValueError, match="not a date, time or age"):
        parse_since(text, NOW)


def test_row_labels() -> None:
    named = event(1, credential_id="cred_1", credential_prefix="or_abc123")
    assert who(named, {"cred_1": "Production"}) == "Production"
    assert who(named, {}) == "or_abc123…"
    assert who(event(2, source="mcp", client="Cursor"), {}) == "Cursor"
    assert who(event(3), {}) == "session"
    assert who(event(4, source="mcp"), {}) == "—"
    assert status_label(event(5, status="rate_limited", status_code=429)) == "limited 429"
    assert status_label(event(6, status_code=200)) == "success"
    assert duration_label(event(7, duration_ms=12345)) == "12,345 ms"
    assert duration_label(event(8)) == "—"


@dataclass
class PagedClient:
    """Answers usage pages from a list, with rate-limit headers counting down."""

    events: list[UsageEvent]
    remaining: int = 1000
    calls: list[dict[str, Any]] = field(default_factory=list)
    rate_limit: RateLimitInfo | None = None

    async def usage(self, *, limit: int, cursor: str | None = None, **query: Any) -> UsagePage:
        self.calls.append({"limit": limit, "cursor": cursor, **query})
        start = int(cursor or 0)
        self.remaining -= 1
        self.rate_limit = RateLimitInfo(limit=1000, remaining=self.remaining)
        end = start + limit
        return UsagePage(items=self.events[start:end],
                         next_cursor=str(end) if end < len(self.events) else None)


async def steps(client: PagedClient, **options: Any) -> list[Any]:
    return [step async for step in count_pages(client, {"source": "mcp"}, "0",  # type: ignore[arg-type]
                                               **options)]


async def test_counting_runs_to_the_end_of_the_period() -> None:
    client = PagedClient([event(n) for n in range(450)])
    done = await steps(client)
    assert [len(step.items) for step in done] == [200, 200, 50]
    assert [step.stop for step in done] == [None, None, "end"]
    assert all(call["source"] == "mcp" and call["limit"] == 200 for call in client.calls)


async def test_counting_stops_after_a_batch_and_near_the_rate_limit() -> None:
    client = PagedClient([event(n) for n in range(10_000)])
    batch = await steps(client, pages=3)
    assert [step.stop for step in batch] == [None, None, "batch"]
    assert batch[-1].next_cursor == "600"
    # The request budget's rule: under a fifth of the window left (200 of 1,000), it stops.
    client = PagedClient([event(n) for n in range(10_000)], remaining=203)
    near = await steps(client)
    assert [step.stop for step in near] == [None, None, None, "rate"]
    assert near[-1].remaining == 199


def test_what_the_screen_says() -> None:
    tricky = ActivityFilter(credential_id="cred_1", key_label="evil\x1b[31m", days=30)
    assert say.title("Activity", tricky) == "Activity · last 30 days · key “evil\\e[31m”"
    assert say.window_status(50, 0, 0) == "Latest 50 events"
    assert say.window_status(400, 350, 0) == (
        "Events 351–750, newest first · newer events above (scroll to the top)")
    assert say.window_status(400, 350, 3).endswith("3 new events above (scroll to the top)")
    assert say.end_of_history(7).endswith("Press p for the last 30 days.")
    assert "Press p" not in say.end_of_history(30)
    assert say.empty(ActivityFilter(source="mcp")) == (
        "No events in the last 7 days match MCP. Press Escape to clear the filter.")
    assert say.empty(ActivityFilter()).startswith("No API or MCP calls in the last 7 days.")
    assert say.period_label(ActivityFilter(tool="x"), capital=True) == "Last 7 days, filtered"
    note = say.partial(5050, "Jun 25 00:06", "5,000 at a time")
    assert note == ("Partial: newest 5,050 events counted (back to Jun 25 00:06), 5,000 at a "
                    "time; ? = not loaded. Press e to count more.")
    assert len(note) <= 118


def test_one_of_a_thing_is_one_thing() -> None:
    assert say.window_status(1, 0, 0) == "Latest 1 event"
    assert say.window_status(2, 0, 1, hidden=1).endswith(
        "1 own read hidden (h shows) · 1 new event above (scroll to the top)")
    assert say.window_status(1, 0, 0, matching=(1, "x")).startswith("Latest 1 event · 1 match")
    assert say.counted(1, complete=True) == "The period's one event counted."
    assert say.counted(2, complete=True) == "All 2 events of the period counted."
