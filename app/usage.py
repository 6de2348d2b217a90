"""Activity, the core of it: the filter a user sets and the per-day totals of a period.

No Textual here: the Activity screen, its chart and the `activity` command all use these, and
they are tested without a terminal. Days are UTC calendar days, as the timestamps are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol

Metric = Literal["credits", "calls"]
PERIODS = (7, 30)  # the chart's two views; also the table's "since"
DEFAULT_PERIOD = 7
SOURCES = ("api", "mcp")
STATUSES = ("success", "error", "rate_limited")
STATUS_LABELS = {"success": "success", "error": "errors", "rate_limited": "rate-limited"}


class Event(Protocol):
    """What this module reads of a usage event (`api.models.UsageEvent` fits)."""

    id: str
    created_at: datetime
    source: str
    status: str
    credits: int


class ShownEvent(Event, Protocol):
    """The fields a row of events shows (`api.models.UsageEvent` fits)."""

    credential_id: str | None
    credential_prefix: str | None
    client: str | None
    tool: str | None
    endpoint: str | None
    status_code: int | None
    duration_ms: int | None


def who(event: ShownEvent, names: Mapping[str, str]) -> str:
    """The key's name when known, else its prefix; the MCP client for MCP calls."""
    if event.credential_id and event.credential_id in names:
        return names[event.credential_id]
    if event.credential_prefix:
        return event.credential_prefix.rstrip(".…") + "…"
    if event.client:
        return event.client
    return "session" if event.source == "api" else "—"


def status_label(event: ShownEvent) -> str:
    label = event.status.replace("_", " ") or "unknown"
    if event.status != "success" and event.status_code:
        label = f"{label} {event.status_code}"
    return label


def duration_label(event: ShownEvent) -> str:
    return f"{event.duration_ms:,} ms" if event.duration_ms is not None else "—"


@dataclass(frozen=True)
class ActivityFilter:
    """What the user narrowed Activity to. `key_label` is only for display (the key's name)."""

    source: str | None = None
    status: str | None = None
    credential_id: str | None = None
    key_label: str | None = None
    tool: str | None = None
    days: int = DEFAULT_PERIOD

    @property
    def active(self) -> bool:
        """True when something beyond the period narrows the list (what "clear" undoes)."""
        return any((self.source, self.status, self.credential_id, self.tool))

    def cleared(self) -> ActivityFilter:
        # The period is the chart's view as much as a filter: clearing keeps it.
        return ActivityFilter(days=self.days)

    def with_days(self, days: int) -> ActivityFilter:
        return replace(self, days=days)

    def first_day(self, now: datetime) -> date:
        return now.astimezone(UTC).date() - timedelta(days=self.days - 1)

    def since(self, now: datetime) -> datetime:
        """Midnight UTC at the start of the period, so its first day is a whole day."""
        return datetime.combine(self.first_day(now), time(0), tzinfo=UTC)

    def query(self, now: datetime) -> dict[str, Any]:
        """Keyword arguments for `OpenRushClient.usage` (everything but limit and cursor)."""
        return {"source": self.source, "status": self.status,
                "credential_id": self.credential_id, "tool": self.tool,
                "since": self.since(now)}

    def parts(self) -> list[str]:
        """The filter in words, one part per setting, for titles and empty states.

        Server strings (a key's name, a tool) go in as they are: callers render them as text.
        """
        parts = []
        if self.source:
            parts.append(self.source.upper())
        if self.status:
            parts.append(STATUS_LABELS.get(self.status, self.status))
        if self.credential_id:
            parts.append(f"key “{self.key_label or self.credential_id}”")
        if self.tool:
            parts.append(f"tool {self.tool}")
        return parts

    def title(self) -> str:
        """E.g. ``last 7 days · MCP · errors``."""
        return " · ".join([f"last {self.days} days", *self.parts()])


@dataclass
class DayTotals:
    credits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))

    def value(self, metric: Metric, source: str) -> int:
        return (self.credits if metric == "credits" else self.calls).get(source, 0)


@dataclass(frozen=True)
class DayBar:
    """One day of the chart: the value per source, or unknown when it was not loaded."""

    day: date
    api: int
    mcp: int
    known: bool = True  # False: the day is older than anything loaded (a partial chart)
    partial: bool = False  # True: only part of this day was loaded

    @property
    def total(self) -> int:
        return self.api + self.mcp


@dataclass(frozen=True)
class Figures:
    """The summary strip's numbers for the period; `complete` False means "at least"."""

    credits: int
    calls: int
    errors: int
    rate_limited: int
    complete: bool


class PeriodUsage:
    """Per-day, per-source totals of one period, filled page by page as events arrive.

    Events come newest first. Until `complete` is set, everything older than the oldest event
    seen is unknown, and the chart and summary must say so rather than show zeros.
    """

    def __init__(self, first_day: date, days: int) -> None:
        self.first_day = first_day
        self.days = days
        self._days = [DayTotals() for _ in range(days)]
        self.errors = 0
        self.rate_limited = 0
        self.oldest: datetime | None = None
        self.complete = False
        self.count = 0

    def add(self, events: Iterable[Event]) -> None:
        for event in events:
            index = (event.created_at.astimezone(UTC).date() - self.first_day).days
            if not 0 <= index < self.days:
                continue  # outside the period (a refresh across midnight): not this chart's
            source = event.source if event.source in SOURCES else "api"
            totals = self._days[index]
            totals.credits[source] += event.credits
            totals.calls[source] += 1
            self.errors += event.status == "error"
            self.rate_limited += event.status == "rate_limited"
            self.count += 1
            if self.oldest is None or event.created_at < self.oldest:
                self.oldest = event.created_at

    def bars(self, metric: Metric) -> list[DayBar]:
        oldest_day = None if self.complete or self.oldest is None else (
            self.oldest.astimezone(UTC).date())
        bars = []
        for index, totals in enumerate(self._days):
            day = self.first_day + timedelta(days=index)
            known = oldest_day is None or day >= oldest_day
            if not self.complete and self.oldest is None:
                known = False  # nothing loaded yet
            bars.append(DayBar(day, totals.value(metric, "api"), totals.value(metric, "mcp"),
                               known=known, partial=known and day == oldest_day))
        return bars

    def figures(self) -> Figures:
        return Figures(
            credits=sum(sum(t.credits.values()) for t in self._days),
            calls=sum(sum(t.calls.values()) for t in self._days),
            errors=self.errors,
            rate_limited=self.rate_limited,
            complete=self.complete,
        )


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: an ISO date or time (UTC unless it says otherwise) or an age like ``7d``.

    ValueError for anything else, with a message fit for a usage error.
    """
    from openrush_tui.clock import parse_instant

    text = text.strip()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    if len(text) >= 2 and text[-1].lower() in units and text[:-1].isdigit():
        return now - timedelta(seconds=int(text[:-1]) * units[text[-1].lower()])
    try:
        return parse_instant(text)
    except ValueError:
        raise ValueError(
            f"not a date, time or age: {text!r} (try 2026-06-20, 2026-06-20T08:00:00Z or 7d)"
        ) from None
