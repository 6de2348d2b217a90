"""Activity on an account with 100,000 events: it pages on, holds a bounded number of rows,
finds its way back to the newest, and says plainly that its chart is partial.

No timings here (see bench/activity.py); only what the app holds and shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openrush_tui.activity.counting import CHART_BATCH_PAGES, CHART_PAGE
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import MAX_ROWS, PAGE_SIZE
from openrush_tui.widgets.usage_chart import UsageChart
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.activity import (
    BIG_HISTORY,
    big_history,
    row_ids,
    screen_of,
    state_text,
    table_of,
)
from tests.support.apps import FIXED_NOW, TERMINAL, sandbox_app, settle

PAGES_PAGED = 14  # well past the bound: 15 pages of 50 are 750 rows


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy per module of the file seeded once per run; each test opens its own app on it."""
    return big_history(tmp_path_factory)


async def newest_ids(app, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    client = await app.session.client()
    since = ActivityFilter().since(FIXED_NOW)
    ids: list[str] = []
    cursor = None
    while len(ids) < count:
        page = await client.usage(limit=200, cursor=cursor, since=since)
        ids += [event.id for event in page.items]
        cursor = page.next_cursor
    return ids[:count]


async def test_paging_far_down_holds_a_bounded_number_of_rows(big_db: Path) -> None:
    app = sandbox_app(big_db, page="activity", seed_events=BIG_HISTORY)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == PAGE_SIZE
        reference = await newest_ids(app, (PAGES_PAGED + 1) * PAGE_SIZE)
        assert row_ids(table) == reference[:PAGE_SIZE]
        table.focus()
        most = 0
        for _ in range(PAGES_PAGED):
            await pilot.press("plus")
            await settle(pilot)
            most = max(most, table.row_count, len(screen_of(app).model.window))
        assert most <= MAX_ROWS
        # The window is the newest events 351–750, in order, with nothing missing.
        held = row_ids(table)
        dropped = (PAGES_PAGED + 1) * PAGE_SIZE - MAX_ROWS
        assert held == reference[dropped:]
        assert f"Events {dropped + 1}–{dropped + MAX_ROWS}, newest first" in state_text(app)
        assert "More below" in state_text(app, "events-more")

        # Back up: the dropped pages come back, one by one, until the newest is on top again.
        for _ in range(PAGES_PAGED + 2):
            await pilot.press("home")
            await settle(pilot)
            assert table.row_count <= MAX_ROWS
            if screen_of(app).model.window.at_newest:
                break
        assert screen_of(app).model.window.at_newest
        assert row_ids(table) == reference[:table.row_count]
        assert "Latest" in state_text(app)


async def test_the_chart_says_it_is_partial_and_counts_more_on_request(big_db: Path) -> None:
    app = sandbox_app(big_db, page="activity", seed_events=BIG_HISTORY)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        counted = PAGE_SIZE + CHART_BATCH_PAGES * CHART_PAGE
        summary = app.screen.query_one(UsageSummary)
        chart = app.screen.query_one(UsageChart)
        assert summary.figures is not None and not summary.figures.complete
        assert summary.figures.calls == counted
        assert chart.partial and chart.note.startswith(f"Partial: newest {counted:,} events")
        assert "Press e to count more" in chart.note
        unknown = [bar for bar in chart.bars if not bar.known]
        assert unknown and all(bar.total == 0 for bar in unknown)
        assert "at least" in str(summary.render())
        await pilot.press("e")
        await settle(pilot)
        assert summary.figures is not None
        assert summary.figures.calls == counted + CHART_BATCH_PAGES * CHART_PAGE
