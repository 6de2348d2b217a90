"""How long the credit balance lasts at the last 7 days' spend, and when that is too short.

The spend is the sum of `credits` over the successful calls of the last 7 days (failed calls
cost nothing): 7 calendar days (UTC), today so far included, as Activity's chart counts them,
so that `credits`, the header and Activity give the same figure; the rate divides by the
time those days span. Read from ``/v1/me/usage?status=success&since=…`` 200 at a time. A busy
account can have more calls than is worth fetching, so counting stops after `RUNWAY_PAGES`
pages, or earlier when the rate limit runs low; the spend is then a lower bound, the runway
an upper bound ("at most 4 days"), and the words say so.

The low-balance rule (`Runway.low`): under `LOW_RUNWAY_DAYS` days of runway, or no credits
at all. No Textual: `credits` prints `Runway.text`, the dashboard's header shows `warning`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from openrush_tui.activity.counting import count_pages
from openrush_tui.activity.events import OWN_READS_LEFT_OUT
from openrush_tui.clock import day_shifted

if TYPE_CHECKING:
    from openrush_tui.activity.totals import DayBar
    from openrush_tui.api.client import OpenRushClient

RUNWAY_DAYS = 7
LOW_RUNWAY_DAYS = 3.0
RUNWAY_PAGES = 10  # 2,000 billed calls: enough for a rate, and 10 requests at most


@dataclass(frozen=True)
class Runway:
    balance: int
    spent: int  # credits spent in the last `days` days (a lower bound unless `complete`)
    days: int = RUNWAY_DAYS
    complete: bool = True
    threshold_days: float = LOW_RUNWAY_DAYS
    # Days the spend was counted over when not exactly `days` (Activity's "last 7 days" are
    # calendar days: six whole ones and today so far).
    span: float | None = None

    @property
    def per_day(self) -> float:
        return self.spent / (self.span or self.days)

    @property
    def days_left(self) -> float | None:
        """Days until the balance is spent at this rate (an upper bound unless `complete`);
        None when nothing was spent, so the balance lasts at this rate."""
        if self.balance <= 0:
            return 0.0
        return None if self.spent <= 0 else self.balance / self.per_day

    @property
    def low(self) -> bool:
        """Under the threshold, or no credits at all (whatever the threshold, even 0)."""
        left = self.days_left
        return self.balance <= 0 or (left is not None and left < self.threshold_days)

    @property
    def text(self) -> str:
        """E.g. "lasts about 12 days at the last 7 days' spend (83 credits a day)"."""
        left = self.days_left
        if self.balance <= 0:
            return "no credits left: buy credits in the web dashboard"
        if left is None:
            return f"nothing spent in the last {self.days} days"
        rate = f"{self.per_day:,.0f}" if self.per_day >= 10 else f"{self.per_day:,.1f}"
        bound = "about" if self.complete else "at most"
        text = (f"lasts {bound} {_days(left)} at the last {self.days} days' spend "
                f"({rate} credits a day")
        if not self.complete:
            text += ", counted from the newest calls only: the spend is at least this"
        return text + ")"

    @property
    def warning(self) -> str | None:
        """The header's line when the balance runs low, else None."""
        if not self.low:
            return None
        if self.balance <= 0:
            return "No credits left"
        return f"Credits run out in {'about' if self.complete else 'at most'} " \
               f"{_days(self.days_left or 0.0)}"

    def lasts(self, *, short: bool = False) -> str:
        """Activity's summary words: "lasts ~12 days at 7 days' spend" ("≤" when the spend was
        counted in part; hours under a day), or "no credits left" with none (a balance of 0
        or less lasts no time at all, not the hour the rounding would say)."""
        if self.balance <= 0:
            return "no credits left"
        left = self.days_left
        if left is None:  # nothing spent: the balance lasts at this rate
            return "nothing spent" + ("" if short else f" in the last {self.days} days")
        days = f"{round(left):,} day{'s' if round(left) != 1 else ''}" if left >= 1 else \
            f"{max(1, round(left * 24))} h"
        bound = "~" if self.complete else "≤ "
        return f"lasts {bound}{days}" + ("" if short else f" at {self.days} days' spend")

    def as_dict(self) -> dict[str, object]:
        left = self.days_left
        return {"days_left": None if left is None else round(left, 1),
                "spent": self.spent, "days": self.days, "per_day": round(self.per_day, 1),
                "complete": self.complete, "low": self.low,
                "threshold_days": self.threshold_days}


def _days(value: float) -> str:
    if value < 1:
        hours = max(1, round(value * 24))
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(value)
    return f"{days:,} day{'s' if days != 1 else ''}"


def window_start(now: datetime) -> datetime:
    """Midnight (UTC) that starts the last `RUNWAY_DAYS` calendar days, today included."""
    first = day_shifted(now.astimezone(UTC).date(), -(RUNWAY_DAYS - 1))
    return datetime.combine(first, time(0), tzinfo=UTC)


def _span_days(now: datetime) -> float:
    return max(now - window_start(now), timedelta(hours=1)) / timedelta(days=1)


async def measure_runway(client: OpenRushClient, balance: int, now: datetime, *,
                         pages: int = RUNWAY_PAGES,
                         threshold_days: float = LOW_RUNWAY_DAYS) -> Runway:
    """The runway of `balance` at the spend of the last `RUNWAY_DAYS` calendar days."""
    # Own reads cost nothing: the server may leave them out (fewer pages to count).
    query = {"status": "success", "since": window_start(now), **OWN_READS_LEFT_OUT}
    spent, complete = 0, False
    async for step in count_pages(client, query, None, pages=pages):
        spent += sum(max(0, event.credits) for event in step.items)
        complete = step.stop == "end"
    return Runway(balance, spent, RUNWAY_DAYS, complete, threshold_days, _span_days(now))


def runway_of_bars(balance: int, bars: Sequence[DayBar], now: datetime, *,
                   threshold_days: float = LOW_RUNWAY_DAYS) -> Runway | None:
    """The runway from Activity's per-day credit totals of an unfiltered period (no request):
    the last `RUNWAY_DAYS` calendar days, today included, counted over the time they span.
    None unless those days are all counted."""
    last = list(bars)[-RUNWAY_DAYS:]
    today = now.astimezone(UTC).date()
    if len(last) < RUNWAY_DAYS or last[-1].day != today or \
            any(not bar.known or bar.partial for bar in last):
        return None
    return Runway(balance, sum(bar.total for bar in last), RUNWAY_DAYS, True, threshold_days,
                  _span_days(now))
