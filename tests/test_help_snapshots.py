"""The help overlay (? or F1) at 80x24, an SSH session's default size: on each page, and over
a dialog (its own keys, then what works everywhere). In-process sandbox, fixed clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.support.activity import settle_activity
from tests.support.apps import sandbox_app, settle

pytestmark = pytest.mark.usefixtures("isolated_home")
SMALL = (80, 24)


async def help_on(pilot: Pilot) -> None:
    await (settle_activity(pilot) if pilot.app.current_mode == "activity" else settle(pilot))
    await pilot.press("question_mark")
    await settle(pilot)


@pytest.mark.parametrize("page", ["setup", "api-access", "activity"])
def test_help_on_each_page(snap_compare, tmp_path: Path, page: str) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page=page)
    assert snap_compare(app, terminal_size=SMALL, run_before=help_on)


def test_help_over_a_dialog(snap_compare, tmp_path: Path) -> None:
    async def details_then_help(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")  # the key's details
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=details_then_help)
