"""The one notion of "now", injectable so that tests and snapshots are repeatable, and the
calendar's edges: the part of the decode boundary (`api/decode.py`) that is about time.

Python's calendar ends at years 1 and 9999: an instant pushed past either end raises
OverflowError, and so does converting ``9999-12-31T23:59:59-01:00`` to UTC. So every instant
that comes from outside (the server, the command line, a file) is made UTC and checked to lie
within `EARLIEST`..`LATEST` (a day inside the calendar's ends) where it enters (`as_utc`,
`parse_instant`); and adding a span to an instant goes through `shifted` / `day_shifted`,
which stop at those ends instead of raising. Subtracting two instants and comparing them never
overflows, so they need nothing.

The latest expiry this client sends is `LATEST_EXPIRY`, and the sandbox refuses a later one:
a year inside `LATEST`, so that whatever is done with an expiry it accepted (a replacement of
the same lifetime, a year's worth of display) stays within the calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]

# A margin of a day at both ends of the calendar, so that a day added or taken never overflows.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
LATEST_EXPIRY = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


class OutOfRange(ValueError):
    """A real instant, but beyond the calendar's margins (or not convertible to UTC); `late`
    tells which end."""

    def __init__(self, late: bool) -> None:
        super().__init__("the time is out of range")
        self.late = late


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Clock:
    """A clock that always answers `instant` (made timezone-aware as UTC if naive)."""
    pinned = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return lambda: pinned


def fixed_now_clock(fixed_now: datetime | None) -> Clock:
    """`fixed_clock` at `fixed_now` when one is given (``--fixed-now``), else the system's."""
    return fixed_clock(fixed_now) if fixed_now else system_clock


def as_utc(value: datetime) -> datetime:
    """`value` in UTC (a naive one is taken as UTC); ValueError when it lies outside
    `EARLIEST`..`LATEST` or cannot be converted at all (`OutOfRange`)."""
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(late=value.year > 5000) from None
    if not EARLIEST <= utc <= LATEST:
        raise OutOfRange(late=utc > LATEST)
    return utc


def shifted(instant: datetime, span: timedelta) -> datetime:
    """`instant` + `span`, stopping at `EARLIEST` or `LATEST` rather than overflowing."""
    # Compared as spans first (a span of two datetimes never overflows, nor does this sum).
    if span >= timedelta(0):
        return instant + span if (LATEST - instant) - span >= timedelta(0) else \
            max(instant, LATEST)
    return instant + span if (instant - EARLIEST) + span >= timedelta(0) else \
        min(instant, EARLIEST)


def day_shifted(day: date, days: int) -> date:
    """`day` + `days` calendar days, stopping at the calendar's first or last day."""
    first, last = EARLIEST.date(), LATEST.date()
    if days >= 0:
        return day + timedelta(days=days) if (last - day).days >= days else max(day, last)
    return day + timedelta(days=days) if (day - first).days >= -days else min(day, first)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 time such as ``2026-06-26T12:00:00Z`` into UTC; naive times are taken
    as UTC. ValueError for anything else; `OutOfRange` (a ValueError) for a time beyond the
    calendar's margins."""
    parsed = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    return as_utc(parsed)


def format_instant(instant: datetime) -> str:
    """The contract's wire format: ISO-8601 UTC with ``Z`` and whole seconds."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
