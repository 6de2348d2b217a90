"""Fixes from a new user's trial (issue 20), each seen on the dashboard over the in-process
sandbox: Activity's key names after a resize, ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.activity.events import who
from openrush_tui.cli import main
from openrush_tui.commands import output
from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.text.cells import Apart
from openrush_tui.widgets.usage_chart import UsageChart
from tests.support.activity import screen_of, settle_activity, table_of
from tests.support.apps import FIXED_NOW, sandbox_app, settle, until
from tests.support.keys import select, state_text
from tests.support.keys import table_of as key_table_of
from tests.support.threaded_sandbox import threaded_sandbox
from tests.test_names_apart import add_keys
from tests.test_rotation_background import SIZE, MovingClock, said, start_waiting

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
        await until(pilot, lambda: "“Production server” is being rotated" in said(app))
        assert "Press S to stop that wait first" in said(app), said(app)
        assert "Press c" not in said(app)
        await pilot.press("S")  # what it says does what it says
        await until(pilot, lambda: not line.waiting and "Stopped waiting" in said(app))
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


async def test_an_order_by_a_column_not_shown_stays_said_above_the_list(tmp_path: Path) -> None:
    # At 80 columns Created and Expires have no header: a toast said the order, then nothing.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The list's own order is said too (test_default_order_said.py).
        assert "ordered by creation, newest first" in state_text(app)
        await pilot.press("o", "o")  # created -> last use -> expiry
        await settle(pilot)
        assert state_text(app).rstrip().endswith("ordered by expiry, soonest first"), \
            state_text(app)
        await pilot.press("O")
        await settle(pilot)
        assert "ordered by expiry, latest first" in state_text(app)
        await pilot.resize_terminal(200, 30)  # Expires has its header (and its ▼) there
        await settle(pilot)
        assert "ordered by expiry, latest first" in state_text(app)  # said at every width
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "ordered by expiry, latest first" in state_text(app)
        await pilot.press("o", "o", "o", "o", "O")  # name, prefix, status, created; reversed
        await settle(pilot)
        assert "ordered by creation, oldest first" in state_text(app)
        await pilot.press("O")  # newest first again: the list's own order
        await settle(pilot)
        assert "ordered by creation, newest first" in state_text(app)


# -- a rotation's date kept in a cut name ------------------------------------------------------

DEPLOY = ["Production server deploy key", "Production server deploy key 2026-06-26",
          "Trial deploy 2026-12-07", "Trial deploy 2026-12-07 12:52"]


def test_a_cut_keeps_the_rotation_s_date_where_it_fits() -> None:
    apart = Apart(DEPLOY)
    # Cut at its end it read apart ("…key 2…" is no other name), but lost the date.
    assert apart.cut("Production server deploy key 2026-06-26", 30) == \
        "Production server d…2026-06-26"
    assert apart.cut("Trial deploy 2026-12-07 12:52", 28) == "Trial deplo…2026-12-07 12:52"
    assert apart.cut("Trial deploy 2026-12-07 12:52", 20) == "Trial deploy 2…12:52"
    assert apart.cut("Trial deploy 2026-12-07", 16) == "Trial…2026-12-07"
    alone = Apart(["Nightly backup 2025-01-31"])  # no other name like it: the date still stays
    assert alone.cut("Nightly backup 2025-01-31", 18) == "Nightly…2025-01-31"
    # Too narrow for the date and a start: as before, the end that tells it apart.
    assert apart.cut("Trial deploy 2026-12-07", 13) == "Trial d…12-07"


async def test_the_key_list_at_80_columns_keeps_the_rotation_s_date(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    await add_keys(db, DEPLOY)
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = key_table_of(app)
        lines = ["".join(segment.text for segment in table.render_line(y)).strip()
                 for y in range(table.scrollable_content_region.height)]
        said = "\n".join(lines)
        assert "Production server de…2026-06-26" in said, said
        assert "Production server deploy key 2…" not in said, said


def test_keys_list_at_80_columns_keeps_the_rotation_s_time(
        tmp_path: Path, isolated_home: Path, use_keyring: Callable[[object], object],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    use_keyring(fail.Keyring())
    with threaded_sandbox(tmp_path, extra_keys=tuple(ExtraKey(name) for name in DEPLOY)) \
            as served:
        monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
        monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
        monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
        monkeypatch.setenv("COLUMNS", "80")
        assert main(["keys", "list"]) == 0
    said = capsys.readouterr().out
    assert all(len(line) <= 80 for line in said.splitlines()), said
    assert "12:52" in said and "Trial deploy 2026-12-07 12:…" not in said, said
