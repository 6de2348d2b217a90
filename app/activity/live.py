"""Activity's live refresh, without Textual: how often it goes, whether a tick may refresh,
what the newest events are, and what the summary says about it (on, slowed, paused until…,
waiting out a 429).

The page ticks every second (`LiveSchedule.tick_every`) and asks `LiveSchedule.tick` whether
a refresh may go: the request budget (`RequestBudget.live_pace`) decides. A refresh's
requests are counted as live (`LiveSchedule.counted`: `RequestBudget.live_refresh`), the
balance it may need too, so live refresh spends at most a tenth of the rate limit however
often it ticks. r on a page already shown fetches the same newest events, uncounted.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from openrush_tui.activity.model import LIVE_PEEK, NEWEST_LIMIT, ActivityModel
from openrush_tui.text.counts import requests_left
from openrush_tui.text.times import short as short_time

if TYPE_CHECKING:
    from openrush_tui.api.budget import LivePace, RequestBudget
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsagePage

LIVE_INTERVAL = 10.0  # seconds between live refreshes at most (the budget may space them out)
TICK = 1.0  # seconds between two looks at the budget (a countdown counts in seconds)

# How each part of the summary's Live words is drawn (the widget maps these to its styles).
Role = Literal["label", "value", "bad", "live"]
Words = list[tuple[str, Role]]


@dataclass(frozen=True)
class LiveTick:
    """What one tick found: the pace to show, and whether a refresh may go now."""

    pace: LivePace  # with `wait` only while it counts down (a 429), so the line redraws
    due: bool  # only when the pace changes otherwise


class LiveSchedule:
    """How often Activity refreshes by itself: at most every `interval` seconds, as the
    request budget allows."""

    def __init__(self, interval: float = LIVE_INTERVAL) -> None:
        self.interval = interval

    @property
    def tick_every(self) -> float:
        """Seconds between ticks: often, so a pause or a countdown is said as it changes."""
        return min(TICK, self.interval)

    def tick(self, budget: RequestBudget) -> LiveTick:
        pace = budget.live_pace(self.interval)
        shown = pace if pace.state == "blocked" else replace(pace, wait=0.0)
        return LiveTick(shown, due=pace.wait <= 0)

    @staticmethod
    def counted(budget: RequestBudget, *, live: bool) -> AbstractContextManager[None]:
        """Around a refresh's requests: a live tick's are paced, r's are the user's own."""
        return budget.live_refresh() if live else contextlib.nullcontext()


async def newest_page(client: OpenRushClient, query: dict[str, Any],
                      known_newest: str | None) -> UsagePage:
    """The newest events of `query`, down to `known_newest` where it can. Usually nothing or
    little is new: a small page first, the large one only if needed."""
    page = await client.usage(limit=LIVE_PEEK, **query)
    if ActivityModel.live_needs_more(page, known_newest):
        page = await client.usage(limit=NEWEST_LIMIT, **query)
    return page


def live_words(live: bool, pace: LivePace | None, interval: float, now: datetime | None,
               *, short: bool) -> Words:
    """The summary's words after "Live": `pace` None until the first tick (then `interval`
    is the pace); `short` for a narrow terminal."""
    if not live:
        return [("paused", "value"), (" (l resumes)", "label")]
    every = pace.interval if pace is not None else interval
    if pace is None or pace.state in ("on", "slowed"):
        words: Words = [(f"every {every:g} s", "live")]
        if pace is not None and pace.state == "slowed":
            words.append((f", slowed: {_left(pace)}", "label"))
        elif not short:
            words.append((" (l pauses)", "label"))
        return words
    if pace.state == "paused":
        until = short_time(pace.until, now) if pace.until and now else "the reset"
        words = [(f"paused until {until}", "value")]
        if not short:
            words.append((f": {_left(pace)}", "label"))
        return words
    # blocked: the server said to wait
    return [(f"rate-limited, again in {max(1, round(pace.wait))} s", "bad")]


def _left(pace: LivePace) -> str:
    """"29/60 left", as the summary's limit says it (`requests_left`). Slowed and paused come
    of a limit the server reported, so both figures are there; else no figures are made up."""
    if pace.remaining is None or pace.limit is None:
        return "few left"
    return requests_left(pace.remaining, pace.limit)
