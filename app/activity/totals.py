"""Per-day, per-source totals of one period, filled page by page as events arrive.

Days are UTC calendar days, as the timestamps are UTC. Until a period is counted to its
start, everything older than the oldest event seen is unknown, and the chart and summary say
so rather than show zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from openrush_tui.activity.events import Event
from openrush_tui.activity.filters import SOURCES, Metric


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
