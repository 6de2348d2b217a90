"""The credit runway (`activity/runway.py`): the arithmetic and its words, the low-balance
rule, and `measure_runway` against a real in-process sandbox (and a scripted server for a
spend that could only be counted in part)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.activity.runway import Runway, measure_runway, window_start
from openrush_tui.api.client import OpenRushClient
from openrush_tui.clock import format_instant
from openrush_tui.sandbox import Sandbox
from openrush_tui.sandbox.store import UsageFilter
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import asgi_client, fixed_sandbox
from tests.support.scripted_server import Reply, ScriptedServer


def test_days_left_at_the_last_weeks_spend() -> None:
    runway = Runway(balance=1_000, spent=700)
    assert runway.per_day == 100 and runway.days_left == 10
    assert runway.text == "lasts about 10 days at the last 7 days' spend (100 credits a day)"
    assert not runway.low and runway.warning is None
    assert runway.as_dict() == {"days_left": 10.0, "spent": 700, "days": 7, "per_day": 100.0,
                                "complete": True, "low": False, "threshold_days": 3.0}


@pytest.mark.parametrize(("runway", "low", "warning"), [
    (Runway(balance=200, spent=700), True, "Credits run out in about 2 days"),
    (Runway(balance=10, spent=700), True, "Credits run out in about 2 hours"),
    (Runway(balance=0, spent=0), True, "No credits left"),
    (Runway(balance=0, spent=0, threshold_days=0), True, "No credits left"),  # whatever the
    (Runway(balance=-5, spent=700, threshold_days=0), True, "No credits left"),  # threshold
    (Runway(balance=300, spent=700), False, None),  # exactly 3 days: not under
    (Runway(balance=500, spent=700, threshold_days=7), True, "Credits run out in about 5 days"),
    (Runway(balance=5, spent=0), False, None),  # nothing spent: it lasts
])
def test_the_low_balance_rule(runway: Runway, low: bool, warning: str | None) -> None:
    assert runway.low is low and runway.warning == warning


def test_a_partial_count_makes_the_runway_an_upper_bound() -> None:
    runway = Runway(balance=1_000, spent=7_000, complete=False)
    assert runway.text == ("lasts at most 1 day at the last 7 days' spend (1,000 credits a "
                           "day, counted from the newest calls only: the spend is at least "
                           "this)")
    assert Runway(balance=5, spent=0).text == "nothing spent in the last 7 days"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = fixed_sandbox(tmp_path_factory.mktemp("runway") / "sandbox.sqlite3")
    yield box
    box.close()


def spent_in_store(sandbox: Sandbox) -> int:
    since = format_instant(window_start(FIXED_NOW))  # 2026-06-20 00:00, as Activity's chart
    wanted = UsageFilter(status="success", since=since)
    total, after = 0, None
    while True:
        items, after = sandbox.store.usage_page(sandbox.demo_account_id, wanted, 200, after)
        total += sum(item["credits"] for item in items)
        if after is None:
            return total


async def test_measured_against_the_sandbox(sandbox: Sandbox) -> None:
    async with asgi_client(sandbox) as client:
        runway = await measure_runway(client, 1_250, FIXED_NOW)
    assert runway.complete and runway.spent == spent_in_store(sandbox) > 0
    assert runway.balance == 1_250
    assert runway.span == 6.5  # six whole days and today's first twelve hours


async def test_counting_stops_at_its_page_cap_and_says_so(tmp_path: Path) -> None:
    page = {"items": [{"id": "use_1", "created_at": "2026-06-26T11:00:00Z", "source": "api",
                       "status": "success", "credits": 70}], "next_cursor": "more"}
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, page))  # every page: "more"
        async with OpenRushClient(server.url, "or_key") as client:
            runway = await measure_runway(client, 50, FIXED_NOW, pages=2)
        queries = [request.query for request in server.requests]
    assert runway.spent == 140 and not runway.complete and runway.low
    assert queries[0]["status"] == "success" and queries[0]["since"] == "2026-06-20T00:00:00Z"
    assert queries[1]["cursor"] == "more" and len(queries) == 2


# -- the summary strip's words (issue 18: "lasts ~1 h" with no credits) ------------------------


@pytest.mark.parametrize(("runway", "long", "short"), [
    (Runway(balance=1_000, spent=700), "lasts ~10 days at 7 days' spend", "lasts ~10 days"),
    (Runway(balance=10, spent=700), "lasts ~2 h at 7 days' spend", "lasts ~2 h"),
    (Runway(balance=1, spent=7_000, complete=False), "lasts ≤ 1 h at 7 days' spend",
     "lasts ≤ 1 h"),
    (Runway(balance=0, spent=700), "no credits left", "no credits left"),
    (Runway(balance=-5, spent=0), "no credits left", "no credits left"),
])
def test_the_summary_says_how_long_the_balance_lasts(runway: Runway, long: str,
                                                     short: str) -> None:
    assert runway.lasts() == long and runway.lasts(short=True) == short


async def test_the_activity_summary_never_says_an_empty_balance_lasts() -> None:
    from textual.app import App, ComposeResult

    from openrush_tui.widgets.usage_summary import UsageSummary

    class Strip(App[None]):
        def compose(self) -> ComposeResult:
            yield UsageSummary()

    async with Strip().run_test(size=(120, 6)) as pilot:
        summary = pilot.app.query_one(UsageSummary)
        summary.balance, summary.runway = 0, Runway(balance=0, spent=700)
        await pilot.pause()
        shown = summary.render().plain
    assert "Balance 0 credits ($0.00) ! no credits left" in shown
    assert "lasts" not in shown
