"""Per-account request limits in fixed minute / hour / day windows of the sandbox clock, and
a limit on failed authentications per client address."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from openrush_tui.sandbox.options import RateLimits


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    window: str  # "minute", "hour" or "day": the window reported
    limit: int
    remaining: int
    reset: int  # Unix time the reported window ends
    retry_after: int  # seconds; meaningful when not allowed

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    """In memory, like the real service's counters: a restart forgets them."""

    def __init__(self, limits: RateLimits) -> None:
        self._windows = (
            (60, limits.per_minute, "minute"),
            (3600, limits.per_hour, "hour"),
            (86400, limits.per_day, "day"),
        )
        self._counts: dict[tuple[str, int], tuple[int, int]] = {}  # (account, size) -> (start, n)
        self._lock = threading.Lock()

    def hit(self, account_id: str, now: datetime) -> Verdict:
        """Count one request, unless a window is already full (then the request is refused)."""
        moment = now.timestamp()
        with self._lock:
            windows = []  # (size, limit, name, window start, used so far)
            for size, limit, name in self._windows:
                start = int(moment // size) * size
                stored_start, used = self._counts.get((account_id, size), (start, 0))
                windows.append((size, limit, name, start, used if stored_start == start else 0))
            full = [w for w in windows if w[4] >= w[1]]
            if full:
                size, limit, name, start, _used = max(full, key=lambda w: w[3] + w[0])
                reset = start + size  # the full window that blocks longest
                return Verdict(False, name, limit, 0, reset, max(1, math.ceil(reset - moment)))
            for size, _limit, _name, start, used in windows:
                self._counts[(account_id, size)] = (start, used + 1)
            # Most constrained: fewest requests left; on a tie, the window that resets later.
            size, limit, name, start, used = min(windows, key=lambda w: (w[1] - w[4], -w[3] - w[0]))
            return Verdict(True, name, limit, limit - used - 1, start + size, 0)


class FailureLimiter:
    """Failed authentications per client address, in fixed minutes of real time.

    Real time, not the sandbox clock: a fixed clock (tests, demos) would otherwise never let
    a blocked address in again. In memory; a restart forgets it.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._failures: dict[str, tuple[int, int]] = {}  # address -> (minute, failures)
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None when it may now."""
        moment = self._clock()
        minute = int(moment // 60)
        with self._lock:
            counted_minute, failures = self._failures.get(address, (minute, 0))
            if counted_minute != minute or failures < self._limit:
                return None
        return max(1, math.ceil((minute + 1) * 60 - moment))

    def failed(self, address: str) -> None:
        minute = int(self._clock() // 60)
        with self._lock:
            counted_minute, failures = self._failures.get(address, (minute, 0))
            self._failures[address] = (minute, failures + 1 if counted_minute == minute else 1)
