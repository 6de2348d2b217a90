"""The dashboard as a good citizen of the account's rate limit, counted at the server: a real
`sandbox serve` over HTTP, signed in with an `or_` key, so that every call it makes is
recorded with its User-Agent. The request budget's clock is moved by hand (`later`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.activity.events import is_own_read
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.load_state import LoadState
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.activity import screen_of, state_text, table_of
from tests.support.apps import TERMINAL, later, remote_app, settle, text_of
from tests.support.sandbox_process import RunningSandbox, SandboxFactory
from tests.support.served import calls_from_us

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture(scope="module")
def served(sandbox_server: SandboxFactory,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSandbox, Path]]:
    db = tmp_path_factory.mktemp("served") / "sandbox.sqlite3"
    yield sandbox_server(db_path=db, rate_per_minute=10_000), db


async def burst(pilot: Pilot, key: str, presses: int = 20, every: float = 0.2) -> None:
    """`presses` presses of `key`, `every` seconds apart on the budget's clock."""
    for _ in range(presses):
        await pilot.press(key)
        await pilot.pause()
        later(pilot.app, every)  # type: ignore[arg-type]
    await settle(pilot)


@pytest.mark.parametrize("page", ["activity", "api-access", "setup"])
async def test_twenty_refreshes_in_four_seconds_send_at_most_six_requests(
        served: tuple[RunningSandbox, Path], page: str) -> None:
    server, db = served
    app = remote_app(server.base_url, server.bootstrap_key, page=page)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        before = calls_from_us(db)
        await burst(pilot, "r")
        assert calls_from_us(db) - before <= 6


async def test_period_switches_reuse_what_they_fetched(
        served: tuple[RunningSandbox, Path]) -> None:
    server, db = served
    app = remote_app(server.base_url, server.bootstrap_key, page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        before = calls_from_us(db)
        await burst(pilot, "p", presses=10, every=0.4)
        # 30 days once (its first page and the pages counted for the chart); 7 days reused.
        assert calls_from_us(db) - before <= 6
        assert "last 7 days" in str(app.screen.query_one(UsageSummary).render()).lower()


async def test_a_page_switch_reuses_what_another_page_just_fetched(
        served: tuple[RunningSandbox, Path]) -> None:
    server, db = served
    app = remote_app(server.base_url, server.bootstrap_key, page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)  # API access read the keys and the balance
        before = calls_from_us(db)
        await pilot.press("1")
        await settle(pilot)
        assert "acct_" in text_of(app.screen.query_one("#terminal", Static))
        assert calls_from_us(db) == before  # the balance was a second old; the id is known
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert calls_from_us(db) == before  # back and forth: nothing is asked again


async def test_activity_hides_its_own_reads_and_shows_them_on_o(
        served: tuple[RunningSandbox, Path]) -> None:
    server, _db = served
    app = remote_app(server.base_url, server.bootstrap_key, page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        later(app)
        await pilot.press("r")  # the reads of the first load are now in the list
        await settle(pilot)
        table = table_of(app)
        shown = table.row_count
        summary = app.screen.query_one(UsageSummary)
        assert summary.figures is not None
        calls = summary.figures.calls
        model = screen_of(app).model
        # The sandbox leaves them out when asked (exclude_reads_by): none is even held.
        assert shown == len(model.shown_events()) == len(model.window)
        assert not any(is_own_read(event) for event in model.window.events())
        await pilot.press("h")
        await settle(pilot)
        assert any(is_own_read(event) for event in model.shown_events())
        assert "own reads shown" in state_text(app)
        assert summary.figures.calls > calls  # the chart and the totals count what is shown
        await pilot.press("h")
        await settle(pilot)
        assert table.row_count == shown and summary.figures.calls == calls


def app_at_its_limit(sandbox_server: SandboxFactory, tmp_path: Path,
                     per_minute: int) -> tuple[OpenRushApp, RunningSandbox]:
    server = sandbox_server(db_path=tmp_path / "limited.sqlite3", rate_per_minute=per_minute)
    return remote_app(server.base_url, server.bootstrap_key, page="activity"), server


async def test_a_failed_period_switch_keeps_the_period_shown_and_says_so(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    app, _server = app_at_its_limit(sandbox_server, tmp_path, per_minute=4)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)  # usage, keys, balance, the chart's second page: 4 of 4
        summary = app.screen.query_one(UsageSummary)
        figures, period = summary.figures, summary.period
        assert figures is not None and figures.complete and period == "Last 7 days"
        await pilot.press("p")  # 30 days: the limit is reached on the way
        await settle(pilot)
        assert "Could not switch to last 30 days" in state_text(app)
        assert "Still showing last 7 days" in state_text(app)
        assert (summary.period, summary.figures) == (period, figures)
        assert app.screen.query_one("AppHeader").page == "Activity · last 7 days"
        await pilot.press("e")  # nothing to count more of: the 7 days are complete
        await settle(pilot)
        assert (summary.period, summary.figures) == (period, figures)


async def test_a_429_counts_down_in_the_header_and_the_page_then_loads_again(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    db = tmp_path / "limited.sqlite3"
    server = sandbox_server(db_path=db, rate_per_minute=1)
    async with httpx.AsyncClient() as other:  # someone else spends the minute's one request
        (await other.get(f"{server.base_url}/v1/me/credits",
                         headers={"Authorization": f"Bearer {server.bootstrap_key}"})
         ).raise_for_status()
    app = remote_app(server.base_url, server.bootstrap_key, page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.pause(1.2)  # the header's countdown ticks every second
        assert "Too many requests" in text_of(app.screen.query_one("#keys-state", LoadState))
        header = app.screen.query_one("AppHeader")
        assert 50 < header.hold <= 60  # Retry-After: the rest of the sandbox's minute
        assert f"rate-limited: requests wait {header.hold} s" in str(header.render())
        before = calls_from_us(db)
        later(app, 61)
        await pilot.pause(1.2)
        await settle(pilot)
        # The hold is over: the page asked again (the sandbox's clock is fixed, so its
        # minute never ends and the answer is another 429, said again).
        assert calls_from_us(db) == before + 1
        assert app.session.client_if_ready.budget.blocked_for() > 50  # type: ignore[union-attr]


async def test_at_80_columns_a_hold_still_leaves_room_for_the_balance() -> None:
    from textual.app import App, ComposeResult

    from openrush_tui.widgets.app_header import AppHeader

    class HeaderOnly(App[None]):
        def compose(self) -> ComposeResult:
            yield AppHeader()

    app = HeaderOnly()
    async with app.run_test(size=(80, 3)) as pilot:
        header = app.query_one(AppHeader)
        header.page, header.server = "Activity · last 7 days", "https://api.openrush.io"
        header.balance, header.hold = 1_250, 26
        await pilot.pause()
        line = str(header.render())
        assert "rate-limited 26 s" in line and "credits: 1,250" in line, line


async def spend_the_minute(server: RunningSandbox) -> None:
    """Production (another client of the account) uses up the rest of the minute's limit."""
    async with httpx.AsyncClient() as other:
        while (await other.get(f"{server.base_url}/v1/me/credits", headers={
                "Authorization": f"Bearer {server.bootstrap_key}"})).status_code != 429:
            pass


async def test_after_a_429_activity_shows_none_of_the_limit_left(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    server = sandbox_server(db_path=tmp_path / "limited.sqlite3", rate_per_minute=30)
    app = remote_app(server.base_url, server.bootstrap_key, page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        summary = app.screen.query_one(UsageSummary)
        assert summary.rate_limit is not None and summary.rate_limit.remaining > 0
        await spend_the_minute(server)
        later(app, 11)  # the answers the budget kept are too old to reuse
        await pilot.press("r")  # answered 429
        await settle(pilot)
        assert summary.rate_limit is not None and summary.rate_limit.remaining == 0
        assert "0/30 left" in summary.render().plain


async def test_a_429_on_setup_is_a_wait_not_a_failed_connection(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    server = sandbox_server(db_path=tmp_path / "limited.sqlite3", rate_per_minute=30)
    app = remote_app(server.base_url, server.bootstrap_key, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert "Balance" in text_of(app.screen.query_one("#terminal", Static))
        await spend_the_minute(server)
        later(app, 11)
        await pilot.press("r")
        await settle(pilot)
        said = " ".join(text_of(app.screen.query_one("#connection", Static)).split())
        assert said.startswith("Rate-limited:") and "Connection failed" not in said
        assert "Balance" in text_of(app.screen.query_one("#terminal", Static))  # kept
