"""The one notion of "now", injectable so that tests and snapshots are repeatable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Clock:
    """A clock that always answers `instant` (made timezone-aware as UTC if naive)."""
    pinned = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return lambda: pinned


def fixed_now_clock(fixed_now: datetime | None) -> Clock:
    """`fixed_clock` at `fixed_now` when one is given (``--fixed-now``), else the system's."""
    return fixed_clock(fixed_now) if fixed_now else system_clock


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 time such as ``2026-06-26T12:00:00Z``; naive times are taken as UTC."""
    parsed = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_instant(instant: datetime) -> str:
    """The contract's wire format: ISO-8601 UTC with ``Z`` and whole seconds."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
