"""Snapshots of Activity at 120x36 on a sandbox with a fixed clock and key seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from openrush_tui.activity.filters import ActivityFilter
from tests.support.activity import (
    BIG_HISTORY,
    big_history,
    screen_of,
    settle_activity,
    table_of,
)
from tests.support.apps import TERMINAL, remote_app, sandbox_app, settle


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_history(tmp_path_factory)


def test_activity_with_data_and_the_7_day_chart(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle_activity)


def test_activity_chart_at_30_days(snap_compare, tmp_path: Path) -> None:
    async def thirty_days(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle_activity(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=thirty_days)


def test_activity_chart_of_calls(snap_compare, tmp_path: Path) -> None:
    async def calls(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("m")
        await settle_activity(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=calls)


def test_activity_filtered(snap_compare, tmp_path: Path) -> None:
    async def mcp_errors(pilot: Pilot) -> None:
        await settle(pilot)
        screen_of(pilot.app).set_filter(ActivityFilter(source="mcp", days=30))  # type: ignore[arg-type]
        await settle_activity(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=mcp_errors)


def test_activity_empty(snap_compare, tmp_path: Path) -> None:
    async def unused_key(pilot: Pilot) -> None:
        await settle(pilot)
        client = await pilot.app.session.client()  # type: ignore[attr-defined]
        ci = next(key for key in await client.list_keys() if key.name == "CI pipeline")
        screen_of(pilot.app).filter_by_key(ci.id, ci.name)  # type: ignore[arg-type]
        await settle_activity(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=unused_key)


def test_activity_event_dialog(snap_compare, tmp_path: Path) -> None:
    async def details(pilot: Pilot) -> None:
        await settle_activity(pilot)
        table_of(pilot.app).focus()  # type: ignore[arg-type]
        await pilot.press("down", "down", "enter")
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=details)


def test_activity_filter_dialog(snap_compare, tmp_path: Path) -> None:
    async def filters(pilot: Pilot) -> None:
        await settle_activity(pilot)
        await pilot.press("f")
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=filters)


def test_activity_with_a_partial_chart(snap_compare, big_db: Path) -> None:
    app = sandbox_app(big_db, page="activity", seed_events=BIG_HISTORY)
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle_activity)


def test_activity_when_the_server_is_down(snap_compare) -> None:
    # Port 9 on loopback refuses at once: nothing loads, and nothing pretends it did.
    app = remote_app("http://127.0.0.1:9", "or_" + "x" * 40, page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)
