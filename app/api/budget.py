"""The request budget: the one place that decides when a GET is worth a request.

An OpenRush account's rate limit (60 a minute by default) is shared with the user's own
production clients, so the dashboard spends it like money. Every GET of `OpenRushClient`
goes through `RequestBudget.get`, which applies these rules:

- **Coalescing**: a GET identical to one in flight is not sent again; its callers share the
  answer (and the error).
- **Reuse**: an answer younger than `REUSE_FOR` (2 s) answers the same GET again, so a burst
  of presses of r costs one request. A caller showing a page again (a page switch) accepts
  answers up to `REFRESH_INTERVAL` old, inside `reuse_within(REFRESH_INTERVAL)`.
- **429**: after a 429, no GET is sent until its `Retry-After` has passed (else the window's
  reset, else `BLOCK_WITHOUT_HINT`); they fail at once with `RateLimited`, and
  `blocked_for()` is the countdown a screen shows.
- **Live pacing** (`live_pace`): refreshes that nobody asked for (inside `live_refresh()`)
  spend at most `LIVE_SHARE` (10%) of `X-RateLimit-Limit` per minute; with less than half of
  the window left they come half as often, and with less than a fifth left they pause until
  the window resets, which `LivePace.until` says.
- **Polls** (`poll`, `poll_wait`): a browser sign-in's device-code polls (RFC 8628) are
  requests like any other, counted in `sent` (and `polls`), held after a 429 like GETs; they
  come every `interval` seconds the server asked for, never sooner, twice that with less
  than half of the window left, and not until the window resets below a fifth (the live
  refresh's thresholds: a sign-in can wait as well as a refresh nobody asked for).
- **Writes**: a write (create, revoke: `forget_answers`) outdates every read sent before it
  ended, with any key of the same server (a rotation revokes the old key with the new one):
  the budgets made from one another (`fresh`) count writes together (`writes`). An answer
  to a GET sent before a write and arriving after it is handed to its callers (they asked
  before) but not kept, and a GET made after the write sends its own request rather than
  share one still in flight from before. A caller that shows what it reads compares
  `writes` before and after (API access asks its list again: a write's result is never
  undone by an older read).

Answers are the parsed JSON of a response, kept per budget, and a client keeps one budget
per key (`OpenRushClient.budget`), so one key never gets another's answers or pauses.
No Textual here: the screens ask, the budget answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from openrush_tui.api.errors import RateLimited
from openrush_tui.clock import Clock, shifted, system_clock

if TYPE_CHECKING:
    from openrush_tui.api.models import RateLimitInfo

REUSE_FOR = 2.0  # seconds an answer answers the same GET again (repeated presses)
REFRESH_INTERVAL = 10.0  # seconds data stays good enough for a page switch; live's default
LIVE_SHARE = 0.10  # of the per-minute limit, at most, for refreshes nobody asked for
SLOW_BELOW = 0.5  # live refresh comes half as often below this share of the window left
PAUSE_BELOW = 0.2  # ...and pauses below this share, until the window resets
BLOCK_WITHOUT_HINT = 5.0  # seconds to hold GETs after a 429 that gave no time
MAX_ANSWERS = 64  # answers kept at most (the oldest go first)
WINDOW = 60.0  # the per-minute window live pacing counts in

_reuse: ContextVar[float] = ContextVar("openrush_budget_reuse", default=REUSE_FOR)
_live: ContextVar[list[int] | None] = ContextVar("openrush_budget_live", default=None)

PaceState = Literal["on", "slowed", "paused", "blocked"]
T = TypeVar("T")


@contextlib.contextmanager
def reuse_within(seconds: float) -> Iterator[None]:
    """GETs made inside accept answers up to `seconds` old (at most `REFRESH_INTERVAL`)."""
    token = _reuse.set(min(max(REUSE_FOR, seconds), REFRESH_INTERVAL))
    try:
        yield
    finally:
        _reuse.reset(token)


def reserve_reached(info: RateLimitInfo | None, reserve: int = 0) -> bool:
    """Few requests are left in the window (below `PAUSE_BELOW` of it, or `reserve`): work
    that can wait (counting the chart's period, live refresh) stops, leaving the rest to the
    user's own programs."""
    if info is None:
        return False
    return info.remaining <= reserve or (info.limit > 0
                                         and info.remaining < info.limit * PAUSE_BELOW)


@dataclass
class _Writes:
    """The writes made with the keys of one server (a count the budgets of its keys share)."""

    count: int = 0


@dataclass(frozen=True)
class LivePace:
    """When the next live refresh may go, and why not sooner."""

    state: PaceState
    interval: float  # seconds between live refreshes at this pace
    wait: float  # seconds until the next one may go (0: now)
    until: datetime | None = None  # when a pause or a 429's hold ends (wall clock)
    remaining: int | None = None  # requests left in the window, as last reported
    limit: int | None = None


class RequestBudget:
    """The rules above for one key. `monotonic` and `wall` are clocks (fixed ones in tests)."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 wall: Clock = system_clock, writes: _Writes | None = None) -> None:
        self._monotonic = monotonic
        self._wall = wall
        # Each answer kept: when it arrived, the count of writes it was asked at, the answer.
        self._answers: dict[Hashable, tuple[float, int, Any]] = {}
        # Each request in flight, with the count of writes when it was sent.
        self._in_flight: dict[Hashable, tuple[int, asyncio.Future[Any]]] = {}
        self._writes = writes or _Writes()  # shared with the budgets made by `fresh`
        self._live_sent: deque[float] = deque()  # when each live request went
        self._live_started: float | None = None  # when the last live refresh started
        self._live_cost = 1  # requests the last live refresh sent
        self._blocked_until: float | None = None
        self._window_ends: float | None = None  # monotonic time the reported window resets
        self.rate_limit: RateLimitInfo | None = None  # the last X-RateLimit-* headers
        self.sent = 0  # requests let through (tests and benchmarks count them)
        self.polls = 0  # of them, a browser sign-in's polls

    def fresh(self) -> RequestBudget:
        """A new budget on the same clocks (for another key of the same server), counting
        writes with this one: a write with either outdates both's reads."""
        return RequestBudget(monotonic=self._monotonic, wall=self._wall, writes=self._writes)

    @property
    def writes(self) -> int:
        """Writes made so far with the keys of this server (`forget_answers`): a read begun
        before the count changed may say what the write changed."""
        return self._writes.count

    # -- GETs ----------------------------------------------------------------------------------

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[Any]], *,
                  keep: bool = True) -> Any:
        """The answer to the GET `key`: reused, shared with one in flight, or fetched. Not
        kept for reuse with `keep=False`: a page of a long walk, read once (memory stays flat
        however many pages)."""
        now, writes = self._monotonic(), self._writes.count
        kept = self._answers.get(key)
        if kept is not None and kept[1] == writes and now - kept[0] <= _reuse.get():
            return kept[2]
        sent = self._in_flight.get(key)
        if sent is not None and sent[0] == writes:
            task = sent[1]
        else:  # none in flight, or one sent before a write since: it may not show the write
            self._refuse_while_blocked()
            task = asyncio.ensure_future(self._send(key, fetch, keep, writes))
            # Read, so an answer nobody waits for any more is not reported as lost.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._in_flight[key] = (writes, task)
        # Shielded: a caller that is cancelled (a newer load) leaves the request to finish
        # for the others, and its answer is kept for the next press.
        return await asyncio.shield(task)

    async def _send(self, key: Hashable, fetch: Callable[[], Awaitable[Any]],
                    keep: bool, writes: int) -> Any:
        """`writes`: the count of writes as the request is sent."""
        self.sent += 1
        live = _live.get()
        if live is not None:
            live[0] += 1
            self._live_sent.append(self._monotonic())
        try:
            answer = await fetch()
        except RateLimited as error:
            self._hold(error.retry_after)
            raise
        finally:
            if self._in_flight.get(key, (None,))[0] == writes:  # not a newer one's place
                del self._in_flight[key]
        if not keep or self._writes.count != writes:  # a write ended meanwhile: out of date
            return answer
        self._answers[key] = (self._monotonic(), writes, answer)
        while len(self._answers) > MAX_ANSWERS:
            del self._answers[next(iter(self._answers))]
        return answer

    def forget_answers(self) -> None:
        """After a write (create, revoke), or one that may have happened: the reads sent
        before it, with any key of this server, are out of date (those of the other keys'
        budgets are no longer reused either: their count of writes is this one's)."""
        self._writes.count += 1
        self._answers.clear()

    # -- the rate limit ------------------------------------------------------------------------

    def note(self, info: RateLimitInfo | None) -> None:
        """The X-RateLimit-* headers of a response (None when it had none)."""
        if info is None:
            return
        self.rate_limit = info
        self._window_ends = None
        if info.reset is not None:
            ahead = (info.reset - self._wall()).total_seconds()
            self._window_ends = self._monotonic() + min(max(ahead, 1.0), 3600.0)

    def _hold(self, retry_after: float | None) -> None:
        if self.rate_limit is not None and self.rate_limit.remaining > 0:
            # Refused: nothing is left in this window, whatever the last headers said (a
            # 429 often carries none, and the page would show "19/60 left, rate-limited").
            self.rate_limit = self.rate_limit.model_copy(update={"remaining": 0})
        now = self._monotonic()
        if retry_after is not None:
            until = now + min(retry_after, 3600.0)
        elif self._window_ends is not None and self._window_ends > now:
            until = self._window_ends
        else:
            until = now + BLOCK_WITHOUT_HINT
        self._blocked_until = max(until, self._blocked_until or 0.0)

    def blocked_for(self) -> float:
        """Seconds until GETs go out again after a 429 (0: they do now)."""
        if self._blocked_until is None:
            return 0.0
        left = self._blocked_until - self._monotonic()
        if left <= 0:
            self._blocked_until = None
            return 0.0
        return left

    def _refuse_while_blocked(self) -> None:
        left = self.blocked_for()
        if left > 0:
            seconds = math.ceil(left)
            raise RateLimited("Too many requests: the rate limit was reached",
                              f"Requests wait {seconds} s more, as the server asked.", 429,
                              retry_after=left)


    # -- a browser sign-in's polls --------------------------------------------------------------

    async def poll(self, send: Callable[[], Awaitable[T]]) -> T:
        """Send one poll of a sign-in, counted as a request; a 429 holds every request until
        its Retry-After, as a GET's does."""
        self.sent += 1
        self.polls += 1
        try:
            return await send()
        except RateLimited as error:
            self._hold(error.retry_after)
            raise

    def poll_wait(self, interval: float) -> float:
        """Seconds to wait before the next poll of a server that allows one every `interval`
        seconds: at least that, until a 429's hold ends, twice that with less than half of
        the window left, until the window resets with less than a fifth left."""
        wait = max(interval, self.blocked_for())
        info, now = self.rate_limit, self._monotonic()
        if info is None or info.limit <= 0 or self._window_ends is None \
                or now >= self._window_ends:
            return wait  # nothing known of the window, or a new one has begun
        if info.remaining < info.limit * PAUSE_BELOW:
            return max(wait, self._window_ends - now)
        if info.remaining < info.limit * SLOW_BELOW:
            return max(wait, interval * 2)
        return wait

    # -- live refresh --------------------------------------------------------------------------

    @contextlib.contextmanager
    def live_refresh(self) -> Iterator[None]:
        """Requests made inside are a live refresh's: `live_pace` spaces them."""
        self._live_started = self._monotonic()
        counter = [0]
        token = _live.set(counter)
        try:
            yield
        finally:
            _live.reset(token)
            self._live_cost = max(1, counter[0])

    def note_fresh(self) -> None:
        """The newest data just arrived another way (a page load, r): the next live refresh
        is a whole interval away."""
        self._live_started = self._monotonic()

    def live_pace(self, base: float) -> LivePace:
        """When the next live refresh may go, given the wished interval `base` (seconds)."""
        now, info = self._monotonic(), self.rate_limit
        limit = info.limit if info is not None else None
        remaining = info.remaining if info is not None else None
        blocked = self.blocked_for()
        if blocked > 0:
            return LivePace("blocked", base, blocked, self._wall_in(blocked), remaining, limit)
        state: PaceState = "on"
        interval = base
        if info is not None and info.limit > 0:
            allowance = max(1, math.floor(info.limit * LIVE_SHARE))
            interval = max(base, WINDOW / allowance * self._live_cost)
            window_over = self._window_ends is None or now >= self._window_ends
            if info.remaining < info.limit * PAUSE_BELOW and not window_over:
                left = (self._window_ends or now) - now
                return LivePace("paused", interval, left, self._wall_in(left), remaining, limit)
            if info.remaining < info.limit * SLOW_BELOW and not window_over:
                state, interval = "slowed", interval * 2
            wait = self._window_wait(now, allowance)
        else:
            wait = 0.0
        if self._live_started is not None:
            wait = max(wait, self._live_started + interval - now)
        return LivePace(state, interval, max(0.0, wait), None, remaining, limit)

    def _window_wait(self, now: float, allowance: int) -> float:
        """Seconds until one more live request fits in the last minute's allowance."""
        while self._live_sent and self._live_sent[0] <= now - WINDOW:
            self._live_sent.popleft()
        spare = allowance - len(self._live_sent)
        if spare >= self._live_cost:
            return 0.0
        index = min(len(self._live_sent) - 1, self._live_cost - spare - 1)
        return self._live_sent[index] + WINDOW - now

    def _wall_in(self, seconds: float) -> datetime:
        return shifted(self._wall(), timedelta(seconds=seconds))
