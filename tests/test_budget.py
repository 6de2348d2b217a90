"""The request budget: coalescing, reuse, the hold after a 429 and live pacing, on clocks the
tests move; then through the client against a scripted server, counting what arrives."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from openrush_tui.api.budget import (
    REFRESH_INTERVAL,
    RequestBudget,
    reuse_within,
)
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import RateLimited, ServerError
from openrush_tui.api.models import RateLimitInfo
from tests.support.budget_clocks import Clocks
from tests.support.scripted_server import Reply, ScriptedServer

NOW = datetime(2026, 6, 26, 12, 0, 30, tzinfo=UTC)
KEY = "or_" + "b" * 40


class Counter:
    def __init__(self, answer: object = "answer", delay: float = 0.0) -> None:
        self.calls = 0
        self.answer = answer
        self.delay = delay

    async def __call__(self) -> object:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return f"{self.answer} {self.calls}"


def limit(remaining: int, of: int = 60, reset_in: float = 30.0) -> RateLimitInfo:
    return RateLimitInfo(limit=of, remaining=remaining, reset=NOW + timedelta(seconds=reset_in))


# ------------------------------------------------------------------ GETs


async def test_identical_gets_in_flight_are_sent_once(budget: RequestBudget) -> None:
    fetch = Counter(delay=0.05)
    answers = await asyncio.gather(*(budget.get("credits", fetch) for _ in range(5)))
    assert answers == ["answer 1"] * 5 and fetch.calls == 1 and budget.sent == 1


async def test_an_answer_is_reused_for_two_seconds_then_asked_again(
        budget: RequestBudget, clocks: Clocks) -> None:
    fetch = Counter()
    assert await budget.get("keys", fetch) == "answer 1"
    clocks.skip(1.9)
    assert await budget.get("keys", fetch) == "answer 1"
    assert await budget.get("other", fetch) == "answer 2"  # another GET is another answer
    clocks.skip(0.2)
    assert await budget.get("keys", fetch) == "answer 3"


async def test_a_page_switch_accepts_answers_up_to_the_refresh_interval(
        budget: RequestBudget, clocks: Clocks) -> None:
    fetch = Counter()
    await budget.get("keys", fetch)
    clocks.skip(REFRESH_INTERVAL - 1)
    with reuse_within(REFRESH_INTERVAL):
        assert await budget.get("keys", fetch) == "answer 1"
    with reuse_within(3600):  # never more than the refresh interval
        clocks.skip(2)
        assert await budget.get("keys", fetch) == "answer 2"
    clocks.skip(2.5)
    assert await budget.get("keys", fetch) == "answer 3"  # outside: two seconds again


async def test_failures_are_shared_but_not_kept(budget: RequestBudget) -> None:
    fetch = Counter(ServerError("down"), delay=0.02)
    results = await asyncio.gather(budget.get("k", fetch), budget.get("k", fetch),
                                   return_exceptions=True)
    assert all(isinstance(r, ServerError) for r in results) and fetch.calls == 1
    fetch.answer = "up"
    assert await budget.get("k", fetch) == "up 2"


async def test_a_cancelled_caller_does_not_cancel_the_request_of_the_others(
        budget: RequestBudget) -> None:
    fetch = Counter(delay=0.05)
    first = asyncio.ensure_future(budget.get("k", fetch))
    second = asyncio.ensure_future(budget.get("k", fetch))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await second == "answer 1"
    assert await budget.get("k", fetch) == "answer 1"  # and it was kept
    assert fetch.calls == 1


async def test_a_write_makes_earlier_answers_out_of_date(budget: RequestBudget) -> None:
    fetch = Counter()
    await budget.get("keys", fetch)
    budget.forget_answers()
    assert await budget.get("keys", fetch) == "answer 2"


# ------------------------------------------------------------------ 429


async def test_after_a_429_nothing_is_sent_until_retry_after_passes(
        budget: RequestBudget, clocks: Clocks) -> None:
    fetch = Counter(RateLimited("Too many requests", "", 429, retry_after=30))
    with pytest.raises(RateLimited):
        await budget.get("usage", fetch)
    assert budget.blocked_for() == 30
    clocks.skip(12)
    with pytest.raises(RateLimited) as held:
        await budget.get("credits", fetch)
    assert fetch.calls == 1 and held.value.retry_after == 18
    assert "18 s" in str(held.value)
    clocks.skip(18)
    fetch.answer = "ok"
    assert budget.blocked_for() == 0
    assert await budget.get("credits", fetch) == "ok 2"


async def test_a_429_without_retry_after_holds_until_the_window_resets(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(0, reset_in=40))
    with pytest.raises(RateLimited):
        await budget.get("k", Counter(RateLimited("Too many", "", 429)))
    assert budget.blocked_for() == 40


# ------------------------------------------------------------------ live pacing


async def test_live_refresh_spends_a_tenth_of_the_per_minute_limit(
        budget: RequestBudget, clocks: Clocks) -> None:
    fetch = Counter()
    for tick in range(600):  # ten minutes in one-second ticks, with a wish of 1 s
        budget.note(limit(59, reset_in=60 - clocks.seconds % 60))
        if budget.live_pace(1.0).wait == 0:
            with budget.live_refresh():
                await budget.get(("usage", tick), fetch)
        clocks.skip(1)
    assert fetch.calls == 6 * 10 and budget.live_pace(1.0).interval == 10


async def test_live_refresh_slows_below_half_and_pauses_below_a_fifth(
        budget: RequestBudget, clocks: Clocks) -> None:
    assert budget.live_pace(10).state == "on"
    budget.note(limit(29, reset_in=50))
    slowed = budget.live_pace(10)
    assert (slowed.state, slowed.interval) == ("slowed", 20)
    budget.note(limit(11, reset_in=50))
    paused = budget.live_pace(10)
    assert paused.state == "paused" and paused.wait == 50
    assert paused.until == NOW + timedelta(seconds=50)
    clocks.skip(50)  # the window reset: one refresh goes to learn the new count
    assert budget.live_pace(10).wait == 0


async def test_a_live_refresh_counts_what_it_sends(budget: RequestBudget,
                                                   clocks: Clocks) -> None:
    budget.note(limit(60))
    with budget.live_refresh():
        await budget.get("usage", Counter())
        await budget.get("credits", Counter())
    pace = budget.live_pace(1.0)
    assert pace.interval == 20 and pace.wait == 20  # two requests: twice the spacing


async def test_live_waits_out_a_429(budget: RequestBudget) -> None:
    with pytest.raises(RateLimited):
        await budget.get("k", Counter(RateLimited("Too many", "", 429, retry_after=9)))
    pace = budget.live_pace(10)
    assert (pace.state, pace.wait) == ("blocked", 9)


async def test_a_429_without_headers_leaves_nothing_of_the_last_count(
        budget: RequestBudget) -> None:
    # Never "19/60 left" next to "rate-limited": the server refused, so none are left.
    budget.note(RateLimitInfo(limit=60, remaining=19))
    with pytest.raises(RateLimited):
        await budget.get("k", Counter(RateLimited("Too many", "", 429, retry_after=9)))
    assert budget.rate_limit == RateLimitInfo(limit=60, remaining=0)


# ------------------------------------------------------------------ through the client


async def test_the_client_sends_a_burst_of_identical_reads_once() -> None:
    with ScriptedServer() as server:
        server.reply(200, {"balance": 5}, headers={"X-RateLimit-Limit": "60",
                                                   "X-RateLimit-Remaining": "59"})
        async with OpenRushClient(server.url, KEY) as client:
            results = await asyncio.gather(*(client.credits() for _ in range(10)))
            again = await client.credits()
            assert client.rate_limit is not None and client.rate_limit.remaining == 59
        assert {r.balance for r in results} == {5} and again.balance == 5
        assert len(server.requests) == 1


async def test_a_create_makes_the_next_list_ask_again() -> None:
    item = {"id": "cred_1", "name": "n", "prefix": "or_abcdef", "is_active": True,
            "created_at": "2026-06-26T12:00:00Z"}
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": []}),
                   Reply(201, {"key": KEY, "api_credential": item}),
                   Reply(200, {"api_credentials": [item]}))
        async with OpenRushClient(server.url, KEY) as client:
            assert await client.list_keys() == []
            await client.create_key("n")
            assert [k.id for k in await client.list_keys()] == ["cred_1"]
        assert len(server.requests) == 3


async def test_each_key_has_its_own_answers_and_holds() -> None:
    with ScriptedServer() as server:
        server.add(Reply(429, {"detail": "slow down"}, headers={"Retry-After": "60"}),
                   Reply(200, {"balance": 7}))
        async with OpenRushClient(server.url, KEY, max_retries=0) as client:
            with pytest.raises(RateLimited):
                await client.credits()
            other = client.with_key("or_" + "c" * 40)
            assert (await other.credits()).balance == 7
            assert client.with_key(KEY).budget is client.budget  # same key, same budget
            with pytest.raises(RateLimited):
                await client.credits()  # still held: not sent
        assert len(server.requests) == 2
