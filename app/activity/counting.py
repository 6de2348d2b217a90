"""Fetching a period's events for the chart and summary: page by page, and never without end.

An account can hold 100,000 events in a month; at 200 per request that is 500 requests,
more than the documented 60-per-minute rate limit allows in eight minutes. So counting stops
after a batch of pages, or earlier when the rate-limit headers say few requests are left
(the request budget's `reserve_reached`: under a fifth of the window, or `reserve`), and
says which; the caller shows the chart as partial and can ask for the next batch.
No Textual here: the Activity screen runs this in a worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from openrush_tui.api.budget import reserve_reached

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsageEvent

CHART_PAGE = 200  # the contract's largest page
CHART_BATCH_PAGES = 25  # 5,000 events per batch
RATE_RESERVE = 10  # requests left to the user's own programs before counting pauses

StopReason = Literal["end", "batch", "rate"]


@dataclass(frozen=True)
class CountStep:
    items: list[UsageEvent]
    next_cursor: str | None  # where counting would go on; None once the period is done
    stop: StopReason | None  # set on the last step of a batch
    remaining: int | None  # requests left in the rate-limit window, as last reported


async def count_pages(client: OpenRushClient, query: dict[str, Any], cursor: str | None,
                      *, pages: int = CHART_BATCH_PAGES,
                      reserve: int = RATE_RESERVE) -> AsyncIterator[CountStep]:
    """Yield up to `pages` pages from `cursor` on, stopping early near the rate limit."""
    for number in range(1, pages + 1):
        page = await client.usage(limit=CHART_PAGE, cursor=cursor, **query)
        cursor = page.next_cursor
        info = client.rate_limit
        remaining = info.remaining if info is not None else None
        stop: StopReason | None = None
        if cursor is None:
            stop = "end"
        elif reserve_reached(info, reserve):
            stop = "rate"
        elif number == pages:
            stop = "batch"
        yield CountStep(page.items, cursor, stop, remaining)
        if stop is not None:
            return
