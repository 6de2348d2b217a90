"""Snapshots of the key lifecycle's screen states at 80x24 (an SSH session's default): the
audit on API access, the rotation dialog (plan, done) and its wait on the page, Activity's
export dialog (plan, done) and the header's low-balance warning. Fixed clock, key seed 7,
in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.tui import OpenRushApp
from tests.support.activity import settle_activity
from tests.support.apps import sandbox_app, settle
from tests.support.keys import select

SIZE = (80, 24)
EXTRA = (ExtraKey("Legacy integration", created_days_ago=200, last_used_days_ago=45),
         ExtraKey("Old and unused", created_days_ago=100))
Steps = Callable[[Pilot], Awaitable[None]]


def keys_app(tmp_path: Path, **options: object) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=EXTRA,
                       **options)


def activity_app(tmp_path: Path) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")


async def until(pilot: Pilot, condition: Callable[[], bool]) -> None:
    """Let a flow run to a state (its worker may stay busy there: no settling)."""
    for _ in range(500):
        if condition():
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the state never came")


def scrolled_to(pilot: Pilot, text: str, where: str) -> bool:
    """The dialog shows `text` in `where`, and its body has scrolled to its newest line."""
    screen = pilot.app.screen
    body = screen.query_one(".body")
    return text in str(screen.query_one(where).content) and body.scroll_y == body.max_scroll_y


async def rotate(pilot: Pilot, name: str) -> None:
    """R on `name`, Rotate (the default: once unused for 10 minutes), the new key stored."""
    await settle(pilot)
    await select(pilot, name)
    await pilot.press("R")
    await pilot.click("#rotate")
    await until(pilot, lambda: isinstance(pilot.app.screen, KeyRevealScreen))
    await pilot.click("#stored")


async def settle_list(pilot: Pilot) -> None:
    """The list loaded again with the new key (the rotation's worker stays busy: no settle)."""
    table = pilot.app.screen.query_one("#keys")
    await until(pilot, lambda: any(row.key.name.startswith("Production server 2026")
                                   for row in table.view.rows) and
                not any(w.is_running for w in pilot.app.workers
                        if w.group != "rotation-line"))


def test_audit_on_api_access(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await select(pilot, "Legacy integration")

    assert snap_compare(keys_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_audit_filter(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a")

    assert snap_compare(keys_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_rotation_plan(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await select(pilot, "Staging")  # expires: the replacement gets the same lifetime
        await pilot.press("R")
        await pilot.pause()

    assert snap_compare(keys_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_rotation_waiting_for_the_old_key(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await rotate(pilot, "Production server")  # last used 4 minutes ago
        # The dialog has closed: API access's line follows the wait, the list is the user's.
        await until(pilot, lambda: "old key last used" in str(
            pilot.app.screen.query_one("#rotation-line").render()))
        await settle_list(pilot)

    assert snap_compare(keys_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_rotation_done(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await rotate(pilot, "Legacy integration")  # idle for months: revoked at once
        await until(pilot, lambda: scrolled_to(pilot, "Revoked the old key", "#steps"))
        # The page behind has taken the rotation as it finished: the list loaded again.
        await settle(pilot)

    assert snap_compare(keys_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_low_balance_warning_in_the_header(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(keys_app(tmp_path, balance=40), terminal_size=SIZE,
                        run_before=settle)


@pytest.mark.usefixtures("isolated_home")  # the current directory: ~ on screen
def test_export_dialog(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle_activity(pilot)
        await pilot.press("w")
        # The offered name is selected once the format's first Changed is handled (a message:
        # one pause missed it on a loaded machine, and the shot had the cursor at its end).
        await until(pilot, lambda: not pilot.app.screen.query_one("#path", Input).selection
                    .is_empty)

    assert snap_compare(activity_app(tmp_path), terminal_size=SIZE, run_before=run_before)


@pytest.mark.usefixtures("isolated_home")
def test_export_done(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle_activity(pilot)
        await pilot.press("w")
        await pilot.click("#export")
        await settle(pilot)
        # The live tick copies the rate limit the export's request left; here, not by luck.
        page = next(s for s in pilot.app.screen_stack if isinstance(s, ActivityScreen))
        page.note_rate_limit()
        await pilot.pause()

    assert snap_compare(activity_app(tmp_path), terminal_size=SIZE, run_before=run_before)
