"""Activity's live refresh in the core (`activity.live`): the schedule's ticks on a request
budget whose clocks the test moves, the summary's words for each pace, and the newest events
fetched from a real sandbox (in-process, over httpx's ASGI transport): a small look first,
the large page only when the small one does not reach the newest event already shown. And the
page that holds them is one screen class, with no mixin of ours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.live import LIVE_INTERVAL, LiveSchedule, live_words, newest_page
from openrush_tui.activity.model import LIVE_PEEK, NEWEST_LIMIT
from openrush_tui.api.budget import LivePace, RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import RateLimited
from openrush_tui.sandbox import Sandbox, SandboxOptions, create_sandbox
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.text.times import short
from tests.support.apps import FIXED_NOW
from tests.support.budget_clocks import Clocks


@pytest.fixture
def clocks() -> Clocks:
    return Clocks(FIXED_NOW)


async def _answer() -> object:
    return "answer"


def test_ticks_come_every_second_or_as_often_as_a_shorter_wish() -> None:
    assert LiveSchedule().interval == LIVE_INTERVAL == 10.0
    assert LiveSchedule().tick_every == 1.0
    assert LiveSchedule(0.05).tick_every == 0.05


async def test_a_refresh_is_due_a_whole_interval_after_the_last_and_r_does_not_count(
        budget: RequestBudget, clocks: Clocks) -> None:
    schedule = LiveSchedule(10.0)
    assert schedule.tick(budget).due  # nothing sent yet
    with schedule.counted(budget, live=False):  # r: the user's own, not paced
        await budget.get("usage", _answer)
    assert schedule.tick(budget).due
    with schedule.counted(budget, live=True):
        await budget.get("usage-2", _answer)
    clocks.skip(9)
    tick = schedule.tick(budget)
    # Not yet; and the line shows no seconds (it redraws only when the pace changes).
    assert not tick.due and tick.pace.state == "on" and tick.pace.wait == 0.0
    assert budget.live_pace(10.0).wait == 1.0
    clocks.skip(1)
    assert schedule.tick(budget).due


async def test_after_a_429_the_tick_counts_down_and_waits(budget: RequestBudget,
                                                          clocks: Clocks) -> None:
    async def refused() -> object:
        raise RateLimited("Too many", "", 429, retry_after=9)

    with pytest.raises(RateLimited):
        await budget.get("usage", refused)
    tick = LiveSchedule(10.0).tick(budget)
    assert not tick.due and (tick.pace.state, tick.pace.wait) == ("blocked", 9)
    clocks.skip(9)
    assert LiveSchedule(10.0).tick(budget).due


def _said(words: list[tuple[str, str]]) -> str:
    return "".join(text for text, _role in words)


def test_the_summary_says_how_often_live_refreshes_and_why_not_more_often() -> None:
    until = FIXED_NOW + timedelta(seconds=50)
    off = live_words(False, None, 10.0, FIXED_NOW, short=False)
    assert _said(off) == "paused (l resumes)" and off[0] == ("paused", "value")
    on = live_words(True, None, 10.0, FIXED_NOW, short=False)
    assert on == [("every 10 s", "live"), (" (l pauses)", "label")]
    assert _said(live_words(True, None, 0.5, None, short=True)) == "every 0.5 s"
    slowed = LivePace("slowed", 20.0, 0.0, None, remaining=29, limit=60)
    assert _said(live_words(True, slowed, 10.0, FIXED_NOW, short=True)) == (
        "every 20 s, slowed: 29/60 left")
    paused = LivePace("paused", 10.0, 0.0, until, remaining=11, limit=60)
    assert _said(live_words(True, paused, 10.0, FIXED_NOW, short=False)) == (
        f"paused until {short(until, FIXED_NOW)}: 11/60 left")
    assert _said(live_words(True, paused, 10.0, None, short=True)) == "paused until the reset"
    blocked = LivePace("blocked", 10.0, 0.3, until)
    assert live_words(True, blocked, 10.0, FIXED_NOW, short=False) == [
        ("rate-limited, again in 1 s", "bad")]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = create_sandbox(SandboxOptions(db_path=tmp_path / "sandbox.sqlite3", now=FIXED_NOW,
                                        key_seed=7, seed_events=NEWEST_LIMIT + 100))
    yield box
    box.close()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[OpenRushClient]:
    async with OpenRushClient("http://127.0.0.1", sandbox.mint_bootstrap_key(),
                              transport=httpx.ASGITransport(app=sandbox.app)) as opened:
        yield opened


async def test_the_newest_events_come_from_a_small_look_when_it_reaches_the_known_one(
        client: OpenRushClient) -> None:
    query = ActivityFilter(days=30).query(FIXED_NOW)
    shown = (await client.usage(limit=100, **query)).items  # what the page shows (a call too)
    sent = client.budget.sent
    page = await newest_page(client, query, shown[0].id)
    assert client.budget.sent == sent + 1 and len(page.items) == LIVE_PEEK
    assert shown[0].id in {event.id for event in page.items}


async def test_the_large_page_follows_when_the_small_look_falls_short(
        client: OpenRushClient) -> None:
    query = ActivityFilter(days=30).query(FIXED_NOW)
    shown = (await client.usage(limit=100, **query)).items
    known = shown[LIVE_PEEK + 10].id  # more new events than the small look holds
    sent = client.budget.sent
    page = await newest_page(client, query, known)
    assert client.budget.sent == sent + 2 and len(page.items) == NEWEST_LIMIT
    assert known in {event.id for event in page.items}
    # The list was empty: the small look is all there is to see (the page loads properly);
    # the same look made a moment ago may answer it (the request budget's reuse).
    sent = client.budget.sent
    assert len((await newest_page(client, query, None)).items) == LIVE_PEEK
    assert client.budget.sent <= sent + 1


# ------------------------------------------------------------------ the page's shape


def test_the_activity_page_is_one_screen_class_with_no_mixin_of_ours() -> None:
    ours = [cls for cls in ActivityScreen.__mro__ if cls.__module__.startswith("openrush_tui")]
    assert ours == [ActivityScreen, DashboardScreen]
    assert ActivityScreen.__module__ == "openrush_tui.screens.activity.page"
