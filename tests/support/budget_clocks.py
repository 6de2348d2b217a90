"""A monotonic and a wall clock that move together, by hand, for request-budget tests (the
`clocks` and `budget` fixtures in tests/support/fixtures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 6, 26, 12, 0, 30, tzinfo=UTC)


class Clocks:
    """A monotonic and a wall clock that move together, by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.start = start
        self.seconds = 1000.0

    def monotonic(self) -> float:
        return self.seconds

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds - 1000.0)

    def skip(self, seconds: float) -> None:
        self.seconds += seconds
