"""The request budget's rules pinned at their edges (`api/budget.py`): how long an answer is
reused, the caps on a 429's hold and on a window's reset, holds that merge (a shorter 429
never shortens a longer one), and live pacing at the exact shares of the window where it
slows and pauses. On clocks the test moves; found by bench/mutation.py."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta

import pytest

from openrush_tui.api.budget import RequestBudget, reserve_reached, reuse_within
from openrush_tui.api.errors import RateLimited, ServerError
from openrush_tui.api.models import RateLimitInfo
from tests.support.budget_clocks import Clocks

NOW = datetime(2026, 6, 26, 12, 0, 30, tzinfo=UTC)


class Fetch:
    """A GET that counts its calls and answers "answer N" (or raises `error`)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls = 0
        self.error = error

    async def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return f"answer {self.calls}"


def too_many(retry_after: float | None = None) -> RateLimited:
    return RateLimited("Too many requests", "", 429, retry_after=retry_after)


def limit(remaining: int, of: int = 60, reset_in: float | None = 30.0) -> RateLimitInfo:
    reset = None if reset_in is None else NOW + timedelta(seconds=reset_in)
    return RateLimitInfo(limit=of, remaining=remaining, reset=reset)


async def refused(budget: RequestBudget, error: RateLimited) -> None:
    with pytest.raises(RateLimited):
        await budget.get(("refused", id(error)), Fetch(error))


# -- reuse ------------------------------------------------------------------------------------


async def test_an_answer_is_reused_up_to_exactly_two_seconds(budget: RequestBudget,
                                                             clocks: Clocks) -> None:
    fetch = Fetch()
    await budget.get("keys", fetch)
    clocks.skip(2.0)
    assert await budget.get("keys", fetch) == "answer 1"
    clocks.skip(0.001)
    assert await budget.get("keys", fetch) == "answer 2"
    assert budget.sent == 2


async def test_a_page_switch_reuses_up_to_ten_seconds_and_never_less_than_two(
        budget: RequestBudget, clocks: Clocks) -> None:
    fetch = Fetch()
    await budget.get("keys", fetch)
    clocks.skip(10.0)
    with reuse_within(10):
        assert await budget.get("keys", fetch) == "answer 1"  # exactly the interval: kept
    clocks.skip(1.0)
    with reuse_within(0.5):  # asking for less than a press's two seconds still gets two
        assert await budget.get("keys", fetch) == "answer 2"
        clocks.skip(2.0)
        assert await budget.get("keys", fetch) == "answer 2"
        clocks.skip(1.0)  # three seconds: too old, however long a page switch allows
        assert await budget.get("keys", fetch) == "answer 3"
    with reuse_within(60):  # capped at the refresh interval
        clocks.skip(10.0)
        assert await budget.get("keys", fetch) == "answer 3"
        clocks.skip(0.5)
        assert await budget.get("keys", fetch) == "answer 4"


async def test_the_oldest_answers_go_first_beyond_the_cap(budget: RequestBudget) -> None:
    fetch = Fetch()
    for number in range(65):  # 64 answers are kept
        await budget.get(("page", number), fetch)
    calls = fetch.calls
    assert await budget.get(("page", 64), fetch) == f"answer {calls}"  # kept
    assert await budget.get(("page", 1), fetch) == "answer 2"  # kept: one of the last 64
    assert fetch.calls == calls
    await budget.get(("page", 0), fetch)  # the oldest was let go: asked again
    assert fetch.calls == calls + 1


async def test_a_failed_get_is_asked_again_at_once(budget: RequestBudget) -> None:
    fetch = Fetch(ServerError("down"))
    with pytest.raises(ServerError):
        await budget.get("credits", fetch)
    fetch.error = None
    assert await budget.get("credits", fetch) == "answer 2" and budget.sent == 2


async def test_another_keys_budget_shares_the_clocks_but_nothing_else(
        budget: RequestBudget, clocks: Clocks) -> None:
    await budget.get("keys", Fetch())
    await refused(budget, too_many(30))
    other = budget.fresh()
    assert other.blocked_for() == 0 and other.rate_limit is None
    assert await other.get("keys", Fetch()) == "answer 1" and other.sent == 1
    await refused(other, too_many(20))
    clocks.skip(5)  # one clock for both
    assert other.blocked_for() == 15 and budget.blocked_for() == 25


# -- a 429's hold -----------------------------------------------------------------------------


async def test_a_hold_is_capped_at_an_hour(budget: RequestBudget) -> None:
    await refused(budget, too_many(86_400))
    assert budget.blocked_for() == 3600


async def test_a_zero_retry_after_holds_nothing(budget: RequestBudget) -> None:
    await refused(budget, too_many(0))
    assert budget.blocked_for() == 0
    assert await budget.get("keys", Fetch()) == "answer 1"


async def test_without_any_hint_a_429_holds_five_seconds(budget: RequestBudget,
                                                         clocks: Clocks) -> None:
    budget.note(limit(0, reset_in=None))  # headers with no reset time
    await refused(budget, too_many())
    assert budget.blocked_for() == 5
    clocks.skip(5)
    assert budget.blocked_for() == 0
    clocks.skip(30)  # long after: still 0, never a negative countdown
    assert budget.blocked_for() == 0


async def test_a_window_that_already_reset_is_no_hint(budget: RequestBudget,
                                                      clocks: Clocks) -> None:
    budget.note(limit(0, reset_in=20))
    clocks.skip(20)  # the window resets right now: a 429 now says nothing about when
    await refused(budget, too_many())
    assert budget.blocked_for() == 5


async def test_newer_headers_without_a_reset_forget_the_old_window(
        budget: RequestBudget) -> None:
    budget.note(limit(3, reset_in=40))
    budget.note(limit(2, reset_in=None))
    await refused(budget, too_many())
    assert budget.blocked_for() == 5


async def test_a_reset_in_the_past_ends_the_window_a_second_from_now(
        budget: RequestBudget) -> None:
    budget.note(limit(0, reset_in=-30))  # a skewed server clock
    await refused(budget, too_many())
    assert budget.blocked_for() == 1


async def test_a_reset_beyond_an_hour_is_capped_at_an_hour(budget: RequestBudget) -> None:
    budget.note(limit(0, reset_in=7200))
    await refused(budget, too_many())
    assert budget.blocked_for() == 3600


async def test_a_shorter_429_never_shortens_the_hold(budget: RequestBudget,
                                                     clocks: Clocks) -> None:
    # Two GETs in flight at once, both refused: the longer wait stands whatever the order.
    release = asyncio.Event()

    def held(error: RateLimited) -> Fetch:
        class Held(Fetch):
            async def __call__(self) -> str:
                await release.wait()
                raise error
        return Held()

    long_one = asyncio.ensure_future(budget.get("usage", held(too_many(30))))
    short_one = asyncio.ensure_future(budget.get("credits", held(too_many(5))))
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(long_one, short_one, return_exceptions=True)
    assert all(isinstance(result, RateLimited) for result in results)
    assert budget.blocked_for() == 30
    clocks.skip(29)
    assert budget.blocked_for() == 1


async def test_a_held_get_says_how_long_in_whole_seconds(budget: RequestBudget,
                                                         clocks: Clocks) -> None:
    await refused(budget, too_many(30))
    clocks.skip(12.5)
    fetch = Fetch()
    with pytest.raises(RateLimited) as held:
        await budget.get("keys", fetch)
    assert held.value.retry_after == 17.5 and held.value.status_code == 429
    assert "17.5" not in str(held.value) and "18 s" in str(held.value)
    assert str(held.value).startswith("Too many requests: the rate limit was reached")
    clocks.skip(17)  # half a second left: still held, and said as a whole second
    with pytest.raises(RateLimited, match="1 s more"):
        await budget.get("keys", fetch)
    assert fetch.calls == 0
    clocks.seconds -= 17
    clocks.skip(17.5)  # exactly the end of the hold: GETs go again
    assert await budget.get("keys", fetch) == "answer 1"


async def test_a_429_after_headers_with_requests_left_leaves_none(
        budget: RequestBudget) -> None:
    budget.note(limit(19, reset_in=40))
    await refused(budget, too_many())
    assert budget.rate_limit is not None and budget.rate_limit.remaining == 0
    assert budget.rate_limit.limit == 60
    assert budget.blocked_for() == 40  # and the window's reset is the hold
    other = budget.fresh()
    other.note(limit(1, reset_in=40))  # the last one left
    await refused(other, too_many())
    assert other.rate_limit is not None and other.rate_limit.remaining == 0


async def test_headers_without_a_count_change_nothing(budget: RequestBudget) -> None:
    budget.note(limit(42))
    budget.note(None)
    assert budget.rate_limit == limit(42)


# -- the reserve ------------------------------------------------------------------------------


@pytest.mark.parametrize(("info", "reserve", "reached"), [
    (None, 0, False),
    (limit(12), 0, False),  # exactly a fifth of 60 left: not below it
    (limit(11), 0, True),
    (limit(0, of=0), 0, True),  # nothing left at all
    (limit(1, of=0), 0, False),  # no limit reported: only the reserve counts
    (limit(30), 30, True),  # down to the reserve
    (limit(31), 30, False),
])
def test_work_that_can_wait_stops_below_a_fifth_or_at_the_reserve(
        info: RateLimitInfo | None, reserve: int, reached: bool) -> None:
    assert reserve_reached(info, reserve) is reached
    if reserve == 0:
        assert reserve_reached(info) is reached  # no reserve unless asked


# -- live pacing ------------------------------------------------------------------------------


async def test_live_pacing_slows_below_half_and_pauses_below_a_fifth_exactly(
        budget: RequestBudget) -> None:
    budget.note(limit(30, reset_in=50))
    pace = budget.live_pace(10)
    assert (pace.state, pace.interval, pace.remaining, pace.limit) == ("on", 10, 30, 60)
    budget.note(limit(29, reset_in=50))
    assert (budget.live_pace(10).state, budget.live_pace(10).interval) == ("slowed", 20)
    budget.note(limit(12, reset_in=50))
    assert budget.live_pace(10).state == "slowed"
    budget.note(limit(11, reset_in=50))
    paused = budget.live_pace(10)
    assert (paused.state, paused.wait) == ("paused", 50)
    assert paused.until == NOW + timedelta(seconds=50)


async def test_once_the_window_has_reset_live_goes_on_at_once(budget: RequestBudget,
                                                              clocks: Clocks) -> None:
    budget.note(limit(5, reset_in=20))
    clocks.skip(20)  # exactly the reset: the low count is the old window's
    pace = budget.live_pace(10)
    assert (pace.state, pace.wait, pace.until) == ("on", 0, None)
    budget.note(limit(20, reset_in=None))  # no reset time: no window to wait for either
    assert budget.live_pace(10).state == "on"


async def test_a_small_limit_still_allows_one_live_refresh_a_minute(
        budget: RequestBudget) -> None:
    budget.note(limit(5, of=5, reset_in=50))
    pace = budget.live_pace(1)
    assert (pace.state, pace.interval) == ("on", 60)  # a tenth of 5 rounds to one


async def test_the_wished_interval_stands_when_it_is_the_slower(budget: RequestBudget) -> None:
    budget.note(limit(600, of=600))
    assert budget.live_pace(30).interval == 30
    assert budget.live_pace(1).interval == 1  # 60 a minute allowed: 1 s apart
    budget.note(limit(0, of=0))  # a limit of 0 (none reported) does not pace
    assert (budget.live_pace(7).interval, budget.live_pace(7).wait) == (7, 0)


async def test_without_headers_live_waits_only_its_interval(budget: RequestBudget,
                                                            clocks: Clocks) -> None:
    assert budget.live_pace(10).wait == 0  # nothing sent yet
    with budget.live_refresh():
        await budget.get("usage", Fetch())
    clocks.skip(4)
    pace = budget.live_pace(10)
    assert (pace.state, pace.wait, pace.remaining, pace.limit) == ("on", 6, None, None)


async def test_a_live_refresh_that_reused_everything_still_counts_as_one(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(60))
    await budget.get("usage", Fetch())  # an answer the refresh will reuse
    with budget.live_refresh():
        await budget.get("usage", Fetch())
    assert budget.sent == 1
    assert budget.live_pace(1).interval == 10


async def test_fresh_data_from_a_page_load_puts_the_next_refresh_an_interval_away(
        budget: RequestBudget, clocks: Clocks) -> None:
    clocks.skip(3)
    budget.note_fresh()
    clocks.skip(4)
    assert budget.live_pace(10).wait == 6


async def test_a_minute_of_live_requests_waits_for_the_oldest_to_leave_the_window(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(60, reset_in=60))  # 6 live requests a minute
    for number in range(6):
        with budget.live_refresh():
            await budget.get(("usage", number), Fetch())
        clocks.skip(2)
    # Six sent at 0, 2, ... 10 s; now 12 s: the first leaves the minute at 60 s.
    assert budget.live_pace(1).wait == 48
    clocks.skip(48)  # exactly a minute after the first: room for one again
    assert budget.live_pace(1).wait == 0


async def test_a_refresh_of_two_requests_waits_until_two_fit(budget: RequestBudget,
                                                             clocks: Clocks) -> None:
    budget.note(limit(60, reset_in=60))  # 6 live requests a minute
    for number in range(4):  # four refreshes of one request, 10 s apart...
        with budget.live_refresh():
            await budget.get(("usage", number), Fetch())
        clocks.skip(10)
    with budget.live_refresh():  # ...then one of two, at 40 s
        await budget.get(("usage", 4), Fetch())
        await budget.get(("credits", 4), Fetch())
    clocks.skip(10)
    # Sent at 0, 10, 20, 30, 40, 40; at 50 s two must leave the minute: the second at 70 s.
    assert budget.live_pace(1).wait == 20
    clocks.skip(20)
    assert budget.live_pace(1).wait == 0


async def test_a_refresh_of_two_requests_with_one_slot_free_waits_for_the_oldest(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(60, reset_in=60))
    for number in range(3):  # refreshes of one request at 0, 10 and 20 s...
        with budget.live_refresh():
            await budget.get(("usage", number), Fetch())
        clocks.skip(10)
    with budget.live_refresh():  # ...and one of two at 30 s: five sent, one slot free
        await budget.get(("usage", 3), Fetch())
        await budget.get(("credits", 3), Fetch())
    clocks.skip(20)
    assert budget.live_pace(1).wait == 10  # at 60 s the first leaves: two slots


async def test_a_refresh_costing_more_than_the_minute_allows_waits_and_never_fails(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(20, of=20, reset_in=60))  # 2 live requests a minute
    with budget.live_refresh():
        for name in ("usage", "credits", "keys"):
            await budget.get(name, Fetch())
    clocks.skip(5)
    pace = budget.live_pace(1)
    assert (pace.interval, pace.wait) == (90, 85)  # three requests: 1.5 minutes apart


async def test_a_limit_of_one_paces_live_refresh_to_once_a_minute(
        budget: RequestBudget) -> None:
    budget.note(limit(1, of=1, reset_in=60))
    assert budget.live_pace(1).interval == 60


async def test_requests_after_a_live_refresh_are_not_counted_as_live(
        budget: RequestBudget, clocks: Clocks) -> None:
    budget.note(limit(60, reset_in=60))  # 6 live requests a minute
    with budget.live_refresh():
        await budget.get("usage", Fetch())
    clocks.skip(10)
    for number in range(6):  # the user's own presses: not live refresh's share
        await budget.get(("page", number), Fetch())
    assert budget.live_pace(1).wait == 0


async def test_the_last_half_second_of_a_hold_is_still_a_hold(budget: RequestBudget,
                                                              clocks: Clocks) -> None:
    await refused(budget, too_many(10))
    clocks.skip(9.5)
    assert budget.blocked_for() == 0.5
    pace = budget.live_pace(10)
    assert (pace.state, pace.wait) == ("blocked", 0.5)
    assert pace.until == NOW + timedelta(seconds=10)


async def test_a_hold_is_exact_even_at_the_monotonic_clocks_origin() -> None:
    clocks = Clocks()
    clocks.seconds = 0.0  # a monotonic clock may start anywhere, 0 included
    budget = RequestBudget(monotonic=clocks.monotonic, wall=clocks.wall)
    await refused(budget, too_many(0.5))
    assert budget.blocked_for() == 0.5


async def test_a_get_whose_callers_gave_up_fails_without_noise(
        budget: RequestBudget, caplog: pytest.LogCaptureFixture) -> None:
    # The caller is cancelled (a newer load); the request goes on and fails. Nobody awaits
    # it any more, and asyncio must not print "Task exception was never retrieved".
    release = asyncio.Event()

    class Failing(Fetch):
        async def __call__(self) -> str:
            await release.wait()
            raise ServerError("down")

    caller = asyncio.ensure_future(budget.get("usage", Failing()))
    await asyncio.sleep(0)
    caller.cancel()
    for _ in range(3):  # the caller has gone before the request fails
        await asyncio.sleep(0)
    assert caller.cancelled()
    release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    del caller
    gc.collect()
    await asyncio.sleep(0)
    assert "never retrieved" not in caplog.text


def test_a_negative_remaining_count_reads_as_none_left() -> None:
    # A server over its limit may say -1 left; the budget then holds as at 0 (it stayed
    # negative after a 429: the mutation run's one budget survivor).
    info = RateLimitInfo.from_headers({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "-3"})
    assert info is not None and info.remaining == 0
