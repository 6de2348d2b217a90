"""Fixes from a new user's trial (issue 20), each seen on the dashboard over the in-process
sandbox: Activity's key names after a resize, ..."""

from __future__ import annotations

from pathlib import Path

import pytest

from openrush_tui.activity.events import who
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.widgets.usage_chart import UsageChart
from tests.support.activity import screen_of, settle_activity, table_of
from tests.support.apps import FIXED_NOW, sandbox_app, settle
from tests.support.keys import select
from tests.test_rotation_background import SIZE, MovingClock, said, start_waiting, wait_until

pytestmark = pytest.mark.usefixtures("isolated_home")


def callers(app: object) -> list[str]:
    table = table_of(app)  # type: ignore[arg-type]
    at = [column.key for column in table.ordered_columns].index("who")
    return [table.get_row(row.key)[at].plain for row in table.ordered_rows]


async def test_key_names_stay_after_a_resize_and_back(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_activity(pilot)
        screen = screen_of(app)
        named = [e for e in screen.model.shown_events() if e.credential_id in screen.model.names]
        assert named, "the demo account's events name its keys"
        before = callers(app)
        assert not any(cell.startswith("or_") for cell in before), before
        for size in [(100, 24), (80, 24), (200, 50), (80, 24)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            now = callers(app)
            prefixes = [cell for cell in now if cell.startswith("or_")]
            assert not prefixes, (size, prefixes)
        assert callers(app) == before
        # The caller's words come from the names, as the event's dialog says them.
        assert all(who(e, screen.model.names) for e in named)


async def test_r_during_a_rotation_s_wait_names_the_key_that_stops_it(tmp_path: Path) -> None:
    # It said "Press c to stop that wait first", and c copies the key's id: S stops the wait.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        await select(pilot, "Data notebook")
        await pilot.press("R")
        await wait_until(pilot, lambda: "“Production server” is being rotated" in said(app))
        assert "Press S to stop that wait first" in said(app), said(app)
        assert "Press c" not in said(app)
        await pilot.press("S")  # what it says does what it says
        await wait_until(pilot, lambda: not line.waiting and "Stopped waiting" in said(app))
        assert isinstance(app.screen, ApiAccessScreen)


async def test_e_says_so_when_the_period_is_already_counted(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_activity(pilot)
        screen = screen_of(app)
        client = await app.session.client()
        old = next(k for k in await client.list_keys() if k.name == "Old laptop")
        screen.filter_by_key(old.id, old.name)  # one call in the period: counted at once
        await settle_activity(pilot)
        assert screen.model.tally.complete
        assert "event counted" in app.screen.query_one(UsageChart).note
        await pilot.press("e")
        await settle(pilot)
        assert "All events of the period are already counted." in said(app), said(app)
