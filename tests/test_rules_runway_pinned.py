"""The credit runway's rules pinned (`activity/runway.py`): "low" is strictly under the
threshold, no credits is always low, each figure's words at their rounding edges, the window
of seven calendar days (UTC), refunds that do not lengthen the runway, and the chart's
totals used only when all seven days are known. Found by bench/mutation.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from openrush_tui.activity.runway import (
    LOW_RUNWAY_DAYS,
    RUNWAY_PAGES,
    Runway,
    measure_runway,
    runway_of_bars,
    window_start,
)
from openrush_tui.activity.totals import DayBar
from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from tests.support.scripted_server import Reply, ScriptedServer

NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)  # today's first twelve hours: a 6.5-day span


# -- the low-balance rule ------------------------------------------------------------------


def test_low_is_strictly_under_three_days() -> None:
    assert LOW_RUNWAY_DAYS == 3
    assert not Runway(balance=300, spent=700).low  # exactly 3 days
    assert Runway(balance=299, spent=700).low
    assert Runway(balance=299, spent=700).warning == "Credits run out in about 3 days"
    assert not Runway(balance=700, spent=700, threshold_days=7).low
    assert Runway(balance=699, spent=700, threshold_days=7).low


@pytest.mark.parametrize("balance", [0, -5])
def test_no_credits_is_low_whatever_was_spent(balance: int) -> None:
    for spent in (0, 700):
        runway = Runway(balance=balance, spent=spent)
        assert runway.days_left == 0 and runway.low
        assert runway.warning == "No credits left"
        assert runway.text == "no credits left: buy credits in the web dashboard"


def test_nothing_spent_lasts_and_is_never_low() -> None:
    runway = Runway(balance=1, spent=0)
    assert runway.days_left is None and not runway.low and runway.warning is None
    assert runway.as_dict()["days_left"] is None
    assert Runway(balance=1, spent=0, days=14).text == "nothing spent in the last 14 days"


# -- the figures and their words -------------------------------------------------------------


def test_the_rate_is_over_the_time_the_days_span() -> None:
    runway = Runway(balance=650, spent=650, span=6.5)
    assert runway.per_day == 100 and runway.days_left == 6.5
    assert Runway(balance=650, spent=700, days=14).per_day == 50


@pytest.mark.parametrize(("balance", "spent", "words"), [
    (1, 7 * 24 * 100, "1 hour"),  # a minute's worth: never "0 hours"
    (2, 7 * 24, "2 hours"),
    (23, 7 * 24, "23 hours"),  # just under a day
    (24, 7 * 24, "1 day"),
    (100, 700, "1 day"),
    (150, 700, "2 days"),
    (1_000_000, 700, "10,000 days"),
])
def test_the_time_left_in_hours_under_a_day_then_days(balance: int, spent: int,
                                                      words: str) -> None:
    runway = Runway(balance=balance, spent=spent, threshold_days=100_000)
    assert runway.warning == f"Credits run out in about {words}"


def test_one_hour_is_said_in_the_singular() -> None:
    assert Runway(balance=1, spent=7 * 24, threshold_days=1).warning == \
        "Credits run out in about 1 hour"


@pytest.mark.parametrize(("spent", "rate"), [
    (70, "10"), (69, "9.9"), (7, "1.0"), (70_000, "10,000"), (1, "0.1"),
])
def test_the_daily_rate_has_a_decimal_only_under_ten(spent: int, rate: str) -> None:
    assert f"({rate} credits a day)" in Runway(balance=10**9, spent=spent).text


def test_an_incomplete_count_is_an_upper_bound_in_every_word() -> None:
    runway = Runway(balance=100, spent=700, complete=False)
    assert runway.warning == "Credits run out in at most 1 day"
    assert runway.text.startswith("lasts at most 1 day at the last 7 days' spend")
    assert runway.as_dict()["complete"] is False
    complete = Runway(balance=100, spent=700)
    assert "counted from the newest calls only" not in complete.text


def test_the_figures_for_json_are_rounded_to_a_tenth() -> None:
    figures = Runway(balance=1000, spent=300, span=6.5, threshold_days=2.5).as_dict()
    assert figures == {"days_left": 21.7, "spent": 300, "days": 7, "per_day": 46.2,
                       "complete": True, "low": False, "threshold_days": 2.5}


@pytest.mark.parametrize(("runway", "words"), [
    (Runway(balance=100, spent=700), "lasts ~1 day at 7 days' spend"),  # exactly a day
    (Runway(balance=99, spent=700), "lasts ~24 h at 7 days' spend"),  # just under
    (Runway(balance=150, spent=700), "lasts ~2 days at 7 days' spend"),
    (Runway(balance=10**6, spent=700), "lasts ~10,000 days at 7 days' spend"),
    (Runway(balance=1, spent=7 * 24 * 100), "lasts ~1 h at 7 days' spend"),  # never "0 h"
    (Runway(balance=300, spent=700, complete=False), "lasts ≤ 3 days at 7 days' spend"),
    (Runway(balance=300, spent=1400, days=14), "lasts ~3 days at 14 days' spend"),
])
def test_the_summary_words_at_their_edges(runway: Runway, words: str) -> None:
    assert runway.lasts() == words
    assert runway.lasts(short=True) == words.removesuffix(f" at {runway.days} days' spend")


# -- the window ---------------------------------------------------------------------------


def test_the_window_is_seven_calendar_days_in_utc_today_included() -> None:
    assert window_start(NOW) == datetime(2026, 6, 20, tzinfo=UTC)
    assert window_start(datetime(2026, 6, 26, tzinfo=UTC)) == datetime(2026, 6, 20, tzinfo=UTC)
    # 01:00 in UTC+2 is still yesterday in UTC.
    east = datetime(2026, 6, 26, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert window_start(east) == datetime(2026, 6, 19, tzinfo=UTC)


# -- measured at the server ------------------------------------------------------------------


def client_of(server: ScriptedServer) -> OpenRushClient:
    """A client whose request budget sees 10 s pass between two looks: every page is asked
    for, even the same page again (this server always says there is more)."""
    ticks = iter(range(0, 10**6, 10))
    return OpenRushClient(server.url, "or_key",
                          budget=RequestBudget(monotonic=lambda: float(next(ticks))))


def usage_page(*credits: int, more: bool = False) -> dict[str, object]:
    items = [{"id": f"use_{number}", "created_at": "2026-06-26T11:00:00Z", "source": "api",
              "status": "success", "credits": amount} for number, amount in enumerate(credits)]
    return {"items": items, "next_cursor": "more" if more else None}


async def test_refunds_do_not_lengthen_the_runway() -> None:
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, usage_page(40, -500, 25)))
        async with client_of(server) as client:
            runway = await measure_runway(client, 650, NOW, threshold_days=2)
    assert runway.spent == 65 and runway.complete
    assert (runway.balance, runway.days, runway.threshold_days) == (650, 7, 2)
    assert runway.span == 6.5 and runway.days_left == 65


async def test_in_the_calendars_first_hour_the_spend_counts_over_an_hour_at_least() -> None:
    first = datetime(1, 1, 1, 0, 10, tzinfo=UTC)  # no earlier day to count from
    assert window_start(first) == datetime(1, 1, 1, tzinfo=UTC)
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, usage_page(10)))
        async with client_of(server) as client:
            runway = await measure_runway(client, 480, first)
    assert runway.span == 1 / 24 and runway.per_day == 240 and runway.days_left == 2


async def test_counting_stops_near_the_rate_limit_and_says_it_is_a_bound() -> None:
    low = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "5"}
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, usage_page(70, more=True), headers=low))
        async with client_of(server) as client:
            runway = await measure_runway(client, 1000, NOW)
        assert len(server.requests) == 1
    assert runway.spent == 70 and not runway.complete


async def test_counting_reads_at_most_ten_pages_by_default() -> None:
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, usage_page(1, more=True)))
        async with client_of(server) as client:
            runway = await measure_runway(client, 1000, NOW)
        assert len(server.requests) == RUNWAY_PAGES == 10
    assert runway.spent == 10 and not runway.complete


# -- from the chart -----------------------------------------------------------------------------


def bars(totals: list[int], last: date | None = None, **changes: object) -> list[DayBar]:
    """One bar a day, the last on `last` (today); `changes` to the oldest counted one."""
    last = last or NOW.date()
    days = [last - timedelta(days=len(totals) - 1 - number) for number in range(len(totals))]
    made = [DayBar(day, total, 0) for day, total in zip(days, totals, strict=True)]
    if changes:
        made[0] = DayBar(made[0].day, made[0].api, 0, **changes)  # type: ignore[arg-type]
    return made


def test_the_charts_last_seven_days_give_the_runway() -> None:
    chart = bars([999, 999, 100, 100, 100, 100, 100, 100, 50])  # older days do not count
    runway = runway_of_bars(650, chart, NOW, threshold_days=4)
    assert runway == Runway(650, 650, 7, True, 4, 6.5)


def test_the_chart_gives_no_runway_unless_its_seven_days_are_all_known() -> None:
    assert runway_of_bars(650, bars([100] * 6), NOW) is None  # six days only
    assert runway_of_bars(650, bars([100] * 7), NOW) is not None
    assert runway_of_bars(650, bars([100] * 7, NOW.date() - timedelta(days=1)), NOW) is None
    assert runway_of_bars(650, bars([100] * 7, known=False), NOW) is None
    assert runway_of_bars(650, bars([100] * 7, partial=True), NOW) is None
    # The chart's day is the UTC day, even when the clock is in another zone.
    east = datetime(2026, 6, 27, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert runway_of_bars(650, bars([100] * 7), east) is not None


def test_the_summary_never_says_a_balance_lasts_an_hour_when_nothing_was_spent() -> None:
    # It said "lasts ~1 h at 7 days' spend" (the one survivor of the mutation run).
    assert Runway(balance=5, spent=0).lasts() == "nothing spent in the last 7 days"
    assert Runway(balance=5, spent=0).lasts(short=True) == "nothing spent"
