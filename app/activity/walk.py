"""The command line's walk through the usage history: any number of events, a page at a time,
paced by the account's rate limit. No Textual; `commands.activity` writes what it yields.

- **Flat memory**: each page is handed over and let go (the request budget does not keep
  it either: `keep=False`), so 1,000,000 events cost what 200 do.
- **Ahead by one**: the next page is asked for before this one is handed over, so the server
  makes it while the caller writes this one.
- **Paced**: the rate limit is shared with the user's own programs. Before each request after
  the first, when the last answer's headers say few requests are left (the budget's
  `reserve_reached`: under a fifth of the window, or `RESERVE`), the walk waits for the
  window to reset instead of spending them, saying so on stderr through `pause`; a 429 is
  waited out the same way. `estimate` says before the bulk of a large walk how long it takes.
- **Own reads** are left out unless `own`, as on the dashboard: the server is asked to leave
  them out (OURS); one that sends them anyway costs a few pages more, never an unbounded walk.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from openrush_tui.activity.events import OWN_READS_LEFT_OUT, is_own_read
from openrush_tui.api.budget import PAUSE_BELOW, reserve_reached
from openrush_tui.api.errors import RateLimited
from openrush_tui.clock import system_clock

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import RateLimitInfo, UsageEvent, UsagePage

PAGE = 200  # the contract's largest page
EXTRA_PAGES = 4  # pages fetched beyond the limit's to make up for this tool's own reads
OWN_READS_ROOM = 50  # rows asked for beyond the limit's, as own reads are left out
RESERVE = 10  # requests always left to the user's own programs
WINDOWS = (60.0, 3600.0, 86400.0)  # the documented rate-limit windows: minute, hour, day
MAX_WAITS = 20  # 429s in a row before giving up (each waited out)


@dataclass
class Walk:
    """Where a walk stands: events kept, own reads left out, and whether more are there."""

    kept: int = 0
    hidden: int = 0
    more: bool = True  # the server has older events (or more than the limit came)


Sleep = Callable[[float], Awaitable[None]]
Pause = Callable[[float, "RateLimitInfo | None"], None]


async def usage_walk(client: OpenRushClient, limit: int, query: dict[str, Any], walk: Walk,
                     *, own: bool = False, pause: Pause | None = None,
                     sleep: Sleep = asyncio.sleep,
                     now: Callable[[], datetime] | None = None) -> AsyncIterator[list[UsageEvent]]:
    """Up to `limit` events of `query` (the filters of `client.usage`), newest first, a page
    at a time; `walk` says how it went. `pause(seconds, info)` is told of each wait for the
    rate limit before it (`sleep`, `now`: the clocks, controlled ones in tests)."""
    wall = now or system_clock
    query = {**query, **({} if own else OWN_READS_LEFT_OUT)}
    pages_left = -(-limit // PAGE) + EXTRA_PAGES
    cursor: str | None = None
    fetch: asyncio.Future[UsagePage] | None = None
    asked_before = False

    def ask() -> asyncio.Future[UsagePage]:
        nonlocal asked_before
        wanted = limit - walk.kept
        # Room for own reads in the same request: `--limit 5` is one request, not five.
        asked = min(PAGE, wanted if own else wanted + OWN_READS_ROOM)
        first, asked_before = not asked_before, True
        return asyncio.ensure_future(_paced(client, dict(query, limit=asked, cursor=cursor),
                                            pause, sleep, wall, first=first))

    try:
        fetch = ask()
        while fetch is not None:
            pages_left -= 1
            page = await fetch
            fetch = None
            wanted = limit - walk.kept
            items: list[UsageEvent] = []
            cut = False  # more came than the limit asks: the rest is "more with --limit"
            for event in page.items:
                if len(items) == wanted:
                    cut = True
                    break
                if not own and is_own_read(event):
                    walk.hidden += 1
                else:
                    items.append(event)
            walk.kept += len(items)
            cursor = page.next_cursor
            walk.more = cut or (cursor is not None and bool(page.items))
            if walk.more and walk.kept < limit and pages_left > 0:
                fetch = ask()  # made by the server while this page is written
            yield items
    finally:
        if fetch is not None:  # the caller stopped early
            fetch.cancel()


async def _paced(client: OpenRushClient, query: dict[str, Any], pause: Pause | None,
                 sleep: Sleep, wall: Callable[[], datetime], *, first: bool) -> UsagePage:
    """One page, after waiting for the window to reset when few requests are left, and
    waiting out a 429 rather than failing the walk. A 429 on the walk's first page is the
    caller's at once: nothing has been written yet, and a command that asked for 50 events
    should say "rate limited" rather than wait (the client has already waited its retries)."""
    opening = first
    for _ in range(MAX_WAITS):
        info = client.rate_limit
        wait = 0.0 if first else window_wait(info, wall())
        blocked = client.budget.blocked_for()
        wait = max(wait, blocked)
        if wait > 0:
            if pause is not None:
                pause(wait, info)
            await sleep(wait)
        first = False
        try:
            return await client.usage(**query, keep=False)
        except RateLimited as refused:
            if opening or (refused.retry_after is None and client.budget.blocked_for() <= 0):
                raise
    return await client.usage(**query, keep=False)  # the last 429 is the caller's


def window_wait(info: RateLimitInfo | None, now: datetime) -> float:
    """Seconds to wait before the next request so that `RESERVE` requests (or a fifth of the
    window) stay for the user's own programs: until the window resets, else a minute."""
    if not reserve_reached(info, RESERVE) or info is None:
        return 0.0
    if info.reset is None:
        return WINDOWS[0]
    left = (info.reset - now).total_seconds()  # none: the window reset since that answer
    return min(left, WINDOWS[-1]) if left > 0 else 0.0


def estimate(requests: int, info: RateLimitInfo | None, now: datetime) -> float | None:
    """About how many seconds `requests` more take at the rate limit `info` says (None: the
    server did not say), waiting where `window_wait` would. The window's length is a guess:
    the shortest documented one that its reset fits in."""
    if info is None or info.limit <= 0:
        return None
    floor = max(RESERVE, math.ceil(info.limit * PAUSE_BELOW))
    per_window = max(1, info.limit - floor)
    now_left = max(0, info.remaining - floor)
    if requests <= now_left:
        return 0.0
    to_reset = (info.reset - now).total_seconds() if info.reset is not None else WINDOWS[0]
    to_reset = min(max(to_reset, 0.0), WINDOWS[-1])
    window = next((length for length in WINDOWS if to_reset <= length), WINDOWS[-1])
    windows = math.ceil((requests - now_left) / per_window)
    return to_reset + (windows - 1) * window
