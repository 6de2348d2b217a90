"""The dashboard as a new user found it at 60x20 and 80x24 in tmux (trial 8).

- API access's footer showed neither d (revoke) nor o (order) at 60 columns: the page's most
  used keys now outlast the other hints (`FOOTER_KEEP`), and the help still lists every key.
- Setup's agent list, above the steps at 60 columns, filled the screen: the steps began below
  the fold. On a short terminal the list is a few rows with its own scroll.
- A second r within 2 s is answered by the request budget from the last answer (the rate
  limit is spent like money), and nothing said so: now a toast says the page is up to date
  and how old what it shows is; a burst of presses still costs at most a few requests.

In-process sandbox, fixed clock; the request budget's clock stands still unless moved on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from openrush_tui.screens.bindings import key_entries
from openrush_tui.screens.setup.page import SetupBody
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_hints import KeyHints
from tests.support.activity import settle_activity
from tests.support.apps import later, notices, sandbox_app, settle
from tests.support.in_view import not_in_view
from tests.support.keys import table_of

pytestmark = pytest.mark.usefixtures("isolated_home")

SIZES = pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])


def footer(app: OpenRushApp) -> str:
    return app.screen.query_one(KeyHints).render().plain


# ------------------------------------------------------------------ the footer


@SIZES
async def test_api_access_footer_keeps_revoke_and_order(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        line = footer(app)
        assert len(line) <= size[0], line
        for hint in ("n New key", "d Revoke", "o Order", "1 2 3 pages"):
            assert hint in line, (hint, line)
        assert line.rstrip().endswith("? Help  q Quit"), line
        if size[0] >= 80:  # as before at 80 columns: Details first, Filter kept
            assert line.strip().startswith("⏎ Details") and "/ Filter" in line, line
        # The hint is a key like the others: a click on it orders the list.
        hints = app.screen.query_one(KeyHints)
        start = next(start for start, _end, key in hints._targets if key == "o")
        before = table_of(app).view.sort_column
        await pilot.click(KeyHints, offset=(start + 1, 0))
        await settle(pilot)
        assert table_of(app).view.sort_column != before


async def test_the_help_still_lists_details_and_the_order_keys(tmp_path: Path) -> None:
    # What gives way in the footer at 60 columns (Details, Filter) is in the help (?).
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert "⏎ Details" not in footer(app)
        listed = {entry.binding.description for entry in key_entries(app.screen)}
        for words in ("Details", "Order by the next column", "Reverse the order", "Filter"):
            assert words in listed, words


# ------------------------------------------------------------------ Setup's agent list


async def test_setup_agent_steps_start_beside_a_compact_list_at_60x20(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        agents = app.screen.query_one("#agents", OptionList)
        assert agents.has_focus
        for _ in range(4):  # the user moves down the list: the steps follow in view
            await pilot.press("down")
            await settle(pilot)
        body = app.screen.query_one(SetupBody)
        assert body.scroll_y > 0  # the section is brought up to where it is read
        for selector in ("#agents", "#agent-state", "#agent-before"):
            assert not_in_view(app.screen.query_one(selector)) is None, selector
        # The list has its own scroll: the highlighted agent is one of its rows in view.
        assert agents.region.height <= 6, agents.region
        assert agents.highlighted == 4
        assert agents.scrollable_content_region.height > 0
        assert agents.scroll_y <= 4 < agents.scroll_y + agents.scrollable_content_region.height
        state = app.screen.query_one("#agent-state", Static)
        assert str(state.content).startswith("Codex CLI"), state.content


async def test_setup_agent_list_whole_at_80x24(tmp_path: Path) -> None:
    # Beside the steps at 80 columns: every agent listed, as before.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agents = app.screen.query_one("#agents", OptionList)
        assert agents.region.height == agents.option_count


# ------------------------------------------------------------------ r within 2 s


async def refresh(pilot: Pilot[Any], app: OpenRushApp) -> tuple[int, list[str]]:
    """r pressed and the page settled: the requests it sent, and the "Up to date" toasts."""
    budget = app.session.client_if_ready.budget  # type: ignore[union-attr]
    sent = budget.sent
    await pilot.press("r")
    await settle(pilot)
    return budget.sent - sent, [text for text in notices(app) if text.startswith("Up to date")]


async def test_a_second_r_on_api_access_says_the_list_is_up_to_date(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await settle(pilot)
        later(app, 5.0)
        sent, said = await refresh(pilot, app)
        assert sent and not said  # asked the server: nothing to explain
        later(app, 1.0)
        sent, said = await refresh(pilot, app)
        assert not sent  # the last answer, reused (the budget's rule, kept)
        assert said == ["Up to date The keys were loaded 1 s ago; r asks the server again "
                        "2 s after a load."], said


async def test_a_burst_of_r_costs_few_requests_and_leaves_one_toast(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await settle(pilot)
        budget = app.session.client_if_ready.budget  # type: ignore[union-attr]
        later(app, 5.0)
        sent = budget.sent
        for _ in range(20):  # 20 presses in 4 s
            await pilot.press("r")
            await settle(pilot)
            later(app, 0.2)
            said = [text for text in notices(app) if text.startswith("Up to date")]
            assert len(said) <= 1, said
        assert budget.sent - sent <= 6
        assert said


async def test_a_second_r_on_activity_says_the_events_are_up_to_date(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await settle_activity(pilot)
        later(app, 5.0)
        sent, said = await refresh(pilot, app)
        assert sent and not said
        sent, said = await refresh(pilot, app)  # at once: the clock has not moved
        assert not sent
        assert said == ["Up to date The events were loaded just now; r asks the server "
                        "again 2 s after a load."], said
