"""Per-day, per-source totals of one period, filled page by page as events arrive.

Days are UTC calendar days, as the timestamps are UTC. Until a period is counted to its
start, everything older than the oldest event seen is unknown, and the chart and summary say
so rather than show zeros. This tool's own reads of the account (`events.is_own_read`) are
totalled apart, so the chart and the figures count what the table shows: the user's usage,
or that and the own reads when they are shown too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from openrush_tui.activity.events import Event, is_own_read
from openrush_tui.activity.filters import SOURCES, Metric
from openrush_tui.clock import day_shifted


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


@dataclass
class _Totals:
    """One kind of event's totals over the period's days."""

    days: list[DayTotals]
    count: int = 0
    errors: int = 0
    rate_limited: int = 0


class PeriodUsage:
    """Per-day, per-source totals of one period, filled page by page as events arrive.

    Events come newest first. Until `complete` is set, everything older than the oldest event
    seen is unknown, and the chart and summary must say so rather than show zeros. The
    user's events and this tool's own reads are kept apart; `with_own` adds the latter in.
    """

    def __init__(self, first_day: date, days: int,
                 keep: Callable[[Event], bool] | None = None) -> None:
        self.first_day = first_day
        self.keep = keep  # what the server may not have narrowed (an MCP client's calls)
        self.days = days
        self._user = _Totals([DayTotals() for _ in range(days)])
        self._own = _Totals([DayTotals() for _ in range(days)])
        self.with_own = False
        self.oldest: datetime | None = None
        self.complete = False

    @property
    def count(self) -> int:
        """Events counted (own reads only when they are shown)."""
        return self._user.count + (self._own.count if self.with_own else 0)

    @property
    def own_count(self) -> int:
        """This tool's own reads counted, shown or not."""
        return self._own.count

    def add(self, events: Iterable[Event]) -> None:
        for event in events:
            index = (event.created_at.astimezone(UTC).date() - self.first_day).days
            if not 0 <= index < self.days:
                continue  # outside the period (a refresh across midnight): not this chart's
            # Every event of the period's pages tells how far back it is known, counted or not.
            if self.oldest is None or event.created_at < self.oldest:
                self.oldest = event.created_at
            if self.keep is not None and not self.keep(event):
                continue
            totals = self._own if is_own_read(event) else self._user
            source = event.source if event.source in SOURCES else "api"
            day = totals.days[index]
            day.credits[source] += event.credits
            day.calls[source] += 1
            totals.errors += event.status == "error"
            totals.rate_limited += event.status == "rate_limited"
            totals.count += 1

    def _kinds(self) -> list[_Totals]:
        return [self._user, self._own] if self.with_own else [self._user]

    def bars(self, metric: Metric) -> list[DayBar]:
        oldest_day = None if self.complete or self.oldest is None else (
            self.oldest.astimezone(UTC).date())
        bars = []
        for index in range(self.days):
            day = day_shifted(self.first_day, index)
            known = oldest_day is None or day >= oldest_day
            if not self.complete and self.oldest is None:
                known = False  # nothing loaded yet
            api = sum(k.days[index].value(metric, "api") for k in self._kinds())
            mcp = sum(k.days[index].value(metric, "mcp") for k in self._kinds())
            bars.append(DayBar(day, api, mcp, known=known,
                               partial=known and day == oldest_day))
        return bars

    def figures(self) -> Figures:
        kinds = self._kinds()
        return Figures(
            credits=sum(sum(t.credits.values()) for k in kinds for t in k.days),
            calls=sum(sum(t.calls.values()) for k in kinds for t in k.days),
            errors=sum(k.errors for k in kinds),
            rate_limited=sum(k.rate_limited for k in kinds),
            complete=self.complete,
        )
