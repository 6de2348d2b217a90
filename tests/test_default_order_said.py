"""API access names its list's order above the list (at every width since the trial's
tests/test_order_line.py; first whenever no header showed it, issue 20's leftover): the
list's own order, newest first, too. At 80 and 60 columns Created has no header, so the page
opened with no word of how its keys were ordered.

Over the in-process sandbox, as `test_trial_fixes_pages` checks the other orders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.apps import remote_app, sandbox_app, settle
from tests.support.keys import state_text, table_of

pytestmark = pytest.mark.usefixtures("isolated_home")

NEWEST_FIRST = "ordered by creation, newest first"


async def test_the_default_order_is_said_when_created_has_no_header(
        tmp_path: Path, trial_size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=trial_size) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert "created" not in table._columns()  # the premise: no header for Created
        said = state_text(app)
        assert said.rstrip().endswith(f"active · {NEWEST_FIRST}"), said
        assert "\n" not in said.strip(), said  # still the one line it was
        await pilot.press("o")  # last use: its header shows it, and the line says it too
        await settle(pilot)
        # (at 60 columns "by" alone keeps the line to one row: tests/test_order_line.py)
        assert state_text(app).rstrip().endswith("by last use, most recent first")
        await pilot.press("o", "o", "o", "o", "o")  # expiry, name, prefix, status, created
        await settle(pilot)
        assert state_text(app).rstrip().endswith(NEWEST_FIRST), state_text(app)


async def test_the_default_order_is_said_where_created_has_its_header_too(
        tmp_path: Path) -> None:
    # One line says every order at any width (tests/test_order_line.py): the ▼ is no words.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        assert "created" in table_of(app)._columns()  # its header carries the ▼
        assert state_text(app).rstrip().endswith(NEWEST_FIRST), state_text(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert state_text(app).rstrip().endswith(NEWEST_FIRST), state_text(app)


async def test_no_order_is_said_over_no_list() -> None:
    """Signed out, the line says how to sign in: there is no list whose order to name."""
    app = remote_app("http://127.0.0.1:9", None, page="api-access")  # never asked
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = state_text(app)
        assert "not signed in" in said and "ordered by" not in said, said
