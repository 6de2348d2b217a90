"""Times as people read them: relative ("3 days ago") and exact, both against an injected now."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600),
          ("minute", 60))


def relative(instant: datetime | None, now: datetime, *, missing: str = "never") -> str:
    if instant is None:
        return missing
    seconds = int((now - instant).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a moment"
    for unit, size in _UNITS:
        if seconds >= size:
            count = max(1, round(seconds / size))
            label = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return "just now"


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
