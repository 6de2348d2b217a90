"""Per-account request limits in fixed minute / hour / day windows of the sandbox clock, and
a limit on failed authentications per known-but-unusable key (see `FailureLimiter`)."""

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
    """Failed authentications per credential, in fixed minutes of real time.

    OURS: what it keys on. A local sandbox sees every caller at the same loopback address,
    so a limit per address was a switch any local process could flip to lock the user's
    valid key out, with a few calls that carry no key at all. So the limit keys on the
    credential presented (its fingerprint), and counts only keys the sandbox knows but
    refuses (revoked or expired): past the limit such a key is refused with 429 for the rest
    of the minute, without being looked up or recorded, so a flood of calls with it cannot
    fill its owner's Activity. Calls without a credential, with an unknown key or with a bad
    session token are answered 401 and never counted: each names nothing a count could
    protect, a valid key is never refused because of them, and guessing needs no slowing
    (a key is 40 random base62 characters, about 238 bits).

    Real time, not the sandbox clock: a fixed clock (tests, demos) would otherwise never let a
    blocked key in again. In memory, the current minute only; a restart forgets it.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._minute = int(clock() // 60)
        self._failures: dict[str, int] = {}  # credential -> failures in `_minute`
        self._lock = threading.Lock()

    def _now(self) -> tuple[float, int]:
        """The time and its minute; a new minute forgets the last one's counts."""
        moment = self._clock()
        minute = int(moment // 60)
        if minute != self._minute:
            self._minute, self._failures = minute, {}
        return moment, minute

    def retry_after(self, credential: str) -> int | None:
        """Seconds until `credential` may be tried again, or None when it may now."""
        with self._lock:
            moment, minute = self._now()
            if self._failures.get(credential, 0) < self._limit:
                return None
        return max(1, math.ceil((minute + 1) * 60 - moment))

    def failed(self, credential: str) -> None:
        with self._lock:
            self._now()
            self._failures[credential] = self._failures.get(credential, 0) + 1
