"""Times as people read them: relative ("3 days ago") and exact, both against an injected now."""

from __future__ import annotations

from datetime import UTC, datetime

# An age is said in two ways, from the one count below: long on the dashboard ("10 days
# ago", `relative`) and short in the command line's tables ("10d ago", `compact`). Each
# presentation picks its unit; the count of that unit is always `whole_units`'s.
_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600),
          ("minute", 60))
# The short units: hours up to two days, days up to two years (a narrow table's dates).
_SHORT_UNITS = ((730 * 86400, 365 * 86400, "y"), (2 * 86400, 86400, "d"), (3600, 3600, "h"),
                (60, 60, "m"))


def seconds_between(instant: datetime, now: datetime) -> int:
    """How long before `now` `instant` is, in whole seconds (negative: after it)."""
    return int((now - instant).total_seconds())


def whole_units(seconds: int, size: int) -> int:
    """How many units of `size` seconds an age of `seconds` (at least one unit) is said as:
    the nearest whole number, a half going to the even one (Python's `round`). The one rule
    of every age shown, long or short: 9.6 days is "10 days ago" and "10d ago" alike."""
    return max(1, round(abs(seconds) / size))


def relative(instant: datetime | None, now: datetime, *, missing: str = "never") -> str:
    """The long form of an age: "3 days ago", "in 2 months", "just now"."""
    if instant is None:
        return missing
    seconds = seconds_between(instant, now)
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a moment"
    for unit, size in _UNITS:
        if seconds >= size:
            count = whole_units(seconds, size)
            label = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return "just now"


def compact(instant: datetime | None, now: datetime, missing: str) -> str:
    """The short form of an age, in at most 8 cells: "5m ago", "3h ago", "12d ago", "in 30d",
    "2y ago"; "now" under a minute."""
    if instant is None:
        return missing
    seconds = seconds_between(instant, now)
    for least, size, unit in _SHORT_UNITS:
        if abs(seconds) >= least:
            span = f"{whole_units(seconds, size)}{unit}"  # compact: "12d", never "1,200d"
            return f"in {span}" if seconds < 0 else f"{span} ago"
    return "now"


def exact(instant: datetime | None, *, missing: str = "—") -> str:
    """UTC to the second, e.g. ``2026-06-26 12:00:00 UTC``."""
    if instant is None:
        return missing
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def short(instant: datetime, now: datetime) -> str:
    """Compact time for dense tables: the clock time today, else month and day."""
    local = instant.astimezone(UTC)
    if local.date() == now.astimezone(UTC).date():
        return local.strftime("%H:%M:%S")
    if local.year == now.year:
        return local.strftime("%b %d %H:%M")
    return local.strftime("%Y-%m-%d")
