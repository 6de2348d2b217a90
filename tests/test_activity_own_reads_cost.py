"""What opening Activity costs the account after a long session (issue 20): the dashboard's own
reads pile up (230 after about 25 minutes), are hidden by default, and once made Activity walk
eight usage pages at once to fill a screenful. Opening it costs at most two requests however
many of them precede, and the page says what it left unfetched.

A seeded sandbox in-process behind a real HTTP front on 127.0.0.1, signed in with an `or_` key,
so every authenticated request is recorded by the sandbox (what its rate limit counts). The
front either passes the usage endpoint's `exclude_reads_by` on (the sandbox honours it) or
strips it (a server that lacks it).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from textual.pilot import Pilot

from openrush_tui.activity.events import is_own_read
from openrush_tui.activity.export import export_activity
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.api.client import DEFAULT_USER_AGENT, OpenRushClient
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import RateLimits, SandboxOptions
from tests.support.activity import screen_of, state_text, table_of
from tests.support.apps import FIXED_NOW, TERMINAL, later, remote_app, settle
from tests.support.scripted_server import FaultServer

pytestmark = pytest.mark.usefixtures("isolated_home")
OWN_READS = 240  # about 25 minutes of the dashboard open, as in the issue
USER_CALLS = 20
PARAMETER = "exclude_reads_by"


class Front(FaultServer):
    """The sandbox over HTTP; `honour=False`: the usage endpoint's new parameter is dropped on
    the way, as a server that lacks it would ignore it. Usage queries are kept to be read."""

    def __init__(self, app: Any, *, honour: bool) -> None:
        super().__init__(app)
        self.honour = honour
        self.usage_queries: list[dict[str, str]] = []

    def forward(self, method: str, target: str, headers: Any,
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.path == "/v1/me/usage":
            query = dict(parse_qsl(parts.query))
            self.usage_queries.append(dict(query))
            if not self.honour:
                query.pop(PARAMETER, None)
                target = f"{parts.path}?{urlencode(query)}"
        return super().forward(method, target, headers, body)


@contextlib.contextmanager
def served(folder: Path, *, honour: bool) -> Iterator[tuple[Front, str]]:
    """The account of the issue: 20 calls of the user's (a script's reads), then the
    dashboard's 240 reads, newest; the demo's seeded history is cleared."""
    sandbox = create_sandbox(SandboxOptions(db_path=folder / "sandbox.sqlite3", now=FIXED_NOW,
                                            key_seed=11,
                                            rate_limits=RateLimits(10**6, 10**7, 10**8)))
    try:
        key = sandbox.mint_bootstrap_key()
        with sandbox.store.transaction() as db:
            db.execute("DELETE FROM usage_events")
        with Front(sandbox.app, honour=honour) as front:
            calls(front, key, USER_CALLS, "my-report-script/1.0")
            calls(front, key, OWN_READS, DEFAULT_USER_AGENT)
            yield front, key
    finally:
        sandbox.close()


def calls(front: Front, key: str, count: int, agent: str) -> None:
    """`count` reads of the balance with this User-Agent (in-process: cheap)."""
    headers = {"Authorization": f"Bearer {key}", "User-Agent": agent}
    for _ in range(count):
        assert front._api.get("/v1/me/credits", headers=headers).status_code == 200


def requests_recorded(db: Path) -> list[str]:
    """The endpoints of every authenticated request so far (the sandbox records each one)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT endpoint FROM usage_events ORDER BY seq")]


async def open_activity(pilot: Pilot[Any], db: Path) -> list[str]:
    """Switch to Activity (3) a minute after the last page load: what it asked the server.
    The header's balance (`/v1/me/credits`: every page load asks for it unless it is under
    10 seconds old, the App's and not Activity's) is left out of the list."""
    later(pilot.app, 60)  # type: ignore[arg-type]
    before = len(requests_recorded(db))
    await pilot.press("3")
    await settle(pilot)
    opening = requests_recorded(db)[before:]
    assert opening.count("/v1/me/credits") <= 1, opening
    return [endpoint for endpoint in opening if endpoint != "/v1/me/credits"]


@pytest.mark.parametrize("honour", [True, False], ids=["server-honours", "server-ignores"])
async def test_opening_activity_after_240_own_reads_costs_at_most_two_requests(
        tmp_path: Path, honour: bool) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with served(tmp_path, honour=honour) as (front, key):
        app = remote_app(front.url, key, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            opening = await open_activity(pilot, db)
            assert len(opening) <= 2, opening  # the newest page and the key names
            # The dashboard asked the server to leave its own reads out.
            assert front.usage_queries[-1].get(PARAMETER) == "openrush-tui"
            model = screen_of(app).model
            shown = table_of(app).row_count
            assert not any(is_own_read(event) for event in model.shown_events())
            status = state_text(app)
            if honour:  # the user's 20 calls, all of them, and nothing of ours was sent
                assert shown == USER_CALLS
                assert not any(is_own_read(event) for event in model.window.events())
                assert "End of history" in state_text(app, "events-more")
            else:  # the newest 50 were all own reads: nothing more is fetched unasked
                assert shown == 0
                assert "50 own reads hidden (h shows), older not fetched (+ loads)" in status
                note = model.chart_view(counting=False).note
                assert note == "Only the newest page counted (own reads fill it). " \
                    "Press e to count more."
                # + loads one older page: one request, as asked.
                before = len(requests_recorded(db))
                table_of(app).focus()
                await pilot.press("plus")
                await settle(pilot)
                assert len(requests_recorded(db)) - before == 1
                await pilot.press("e")  # and e counts the period, as the note says
                await settle(pilot)
                assert model.tally.complete and "All" in model.chart_view(counting=False).note


async def test_h_asks_for_the_own_reads_and_hides_them_again_without_asking(
        tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with served(tmp_path, honour=True) as (front, key):
        app = remote_app(front.url, key, page="activity")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert table_of(app).row_count == USER_CALLS
            before = len(requests_recorded(db))
            await pilot.press("h")
            await settle(pilot)
            assert PARAMETER not in front.usage_queries[-1]
            model = screen_of(app).model
            assert any(is_own_read(event) for event in model.shown_events())
            assert "own reads shown (h hides)" in state_text(app)
            # The newest page, then the period counted for the chart: 260 events, 200 a page.
            assert len(requests_recorded(db)) - before <= 3
            before = len(requests_recorded(db))
            await pilot.press("h")
            await settle(pilot)
            assert len(requests_recorded(db)) == before  # the answer of a moment ago again
            assert table_of(app).row_count == USER_CALLS
            assert not any(is_own_read(event) for event in model.window.events())


def test_the_sandbox_leaves_out_only_the_named_products_successful_account_reads(
        tmp_path: Path) -> None:
    """The OURS contract: never a failure, never a write, never another program's read."""
    with served(tmp_path, honour=True) as (front, key):
        ours = {"Authorization": f"Bearer {key}", "User-Agent": DEFAULT_USER_AGENT}
        api = front._api
        assert api.get("/v1/me/usage", params={"limit": 0}, headers=ours).status_code == 422
        created = api.post("/v1/me/api-credentials", json={"name": "CI"}, headers=ours)
        assert created.status_code == 201

        def listed(**params: Any) -> list[dict[str, Any]]:
            answer = api.get("/v1/me/usage", params={"limit": 200, **params}, headers=ours)
            assert answer.status_code == 200
            return list(answer.json()["items"])

        kept = listed(exclude_reads_by="openrush-tui")
        assert len(kept) == USER_CALLS + 2
        assert {e["user_agent"] for e in kept} == {"my-report-script/1.0", DEFAULT_USER_AGENT}
        assert sorted(e["status_code"] for e in kept if e["user_agent"] == DEFAULT_USER_AGENT) \
            == [201, 422]  # the create and the failed read stay
        assert len(listed(exclude_reads_by="openrush")) == 200  # a whole product name only
        assert not any(is_own_read(e) for e in kept)


async def test_an_export_that_hides_own_reads_asks_the_server_to_leave_them_out(
        tmp_path: Path) -> None:
    with served(tmp_path, honour=True) as (front, key):
        client = OpenRushClient(front.url, key)
        try:
            steps = [step async for step in export_activity(
                client, ActivityFilter(), FIXED_NOW, tmp_path / "out.csv", "csv",
                leave_out=is_own_read)]
        finally:
            await client.aclose()
        assert steps[-1].count == USER_CALLS
        assert [q.get(PARAMETER) for q in front.usage_queries] == ["openrush-tui"]  # one page
