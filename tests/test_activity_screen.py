"""Activity as a user drives it, against an in-process sandbox with a fixed clock and seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Select, Static

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import MAX_ROWS, PAGE_SIZE
from openrush_tui.api.errors import ServerError
from openrush_tui.screens.activity.event_details import EventDetails
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.usage_chart import UsageChart
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.activity import (
    all_events,
    open_filters,
    row_ids,
    screen_of,
    selected_id,
    state_text,
    table_of,
    wait_until,
)
from tests.support.apps import FIXED_NOW, TERMINAL, later, sandbox_app, settle, text_of

SINCE_7_DAYS = ActivityFilter().since(FIXED_NOW)


async def test_first_page_shows_the_newest_events_with_key_names(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        expected = await all_events(client, since=SINCE_7_DAYS)
        table = table_of(app)
        assert row_ids(table) == [event.id for event in expected[:PAGE_SIZE]]
        assert "Latest 50 events" in state_text(app)
        assert "More below" in state_text(app, "events-more")
        # Keys show by name, not by prefix, once the key list is in.
        names = {key.id: key.name for key in await client.list_keys()}
        first_api = next(e for e in expected if e.credential_id in names)
        row = table.get_row(first_api.id)
        assert row[3] == Text(names[first_api.credential_id])
        title = app.screen.query_one(AppHeader).page
        assert title == "Activity · last 7 days"


async def test_paging_on_to_the_end_of_history(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.press("p")  # the last 30 days: the seed spans several pages
        await settle(pilot)
        client = await app.session.client()
        since = ActivityFilter(days=30).since(FIXED_NOW)
        expected = [event.id for event in await all_events(client, since=since)]
        assert 4 * PAGE_SIZE < len(expected) <= MAX_ROWS
        table = table_of(app)
        table.focus()
        await pilot.press("end")  # the cursor reaches the last row: the next page loads
        await settle(pilot)
        assert table.row_count == min(len(expected), 2 * PAGE_SIZE)
        while "End of history" not in state_text(app, "events-more"):
            await pilot.press("plus")
            await settle(pilot)
        assert row_ids(table) == expected
        assert "no earlier events in the last 30 days" in state_text(app, "events-more")


async def test_filters_each_narrow_the_list_and_show_in_the_title(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        screen = screen_of(app)
        keys = {key.name: key.id for key in await client.list_keys()}
        cases = [
            (ActivityFilter(source="mcp"), {"source": "mcp"}, "MCP"),
            (ActivityFilter(status="error"), {"status": "error"}, "errors"),
            (ActivityFilter(status="rate_limited"), {"status": "rate_limited"},
             "rate-limited"),
            (ActivityFilter(credential_id=keys["Production server"],
                            key_label="Production server"),
             {"credential_id": keys["Production server"]}, "key “Production server”"),
            (ActivityFilter(tool="inspect_serp"), {"tool": "inspect_serp"},
             "tool inspect_serp"),
            (ActivityFilter(days=30), {}, "last 30 days"),
        ]
        for chosen, query, words in cases:
            screen.set_filter(chosen)
            await settle(pilot)
            since = chosen.since(app.now())
            expected = await all_events(client, since=since, **query)
            assert expected, chosen
            assert row_ids(table_of(app)) == [e.id for e in expected[:PAGE_SIZE]], chosen
            assert words in app.screen.query_one(AppHeader).page
        # Escape clears the filter but keeps the period.
        screen.set_filter(ActivityFilter(source="api", days=30))
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.filter == ActivityFilter(days=30)
        assert app.screen.query_one(AppHeader).page == "Activity · last 30 days"


async def test_the_filter_dialog_applies_what_is_chosen(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        dialog = await open_filters(pilot)
        dialog.query_one("#filter-source", Select).value = "api"
        dialog.query_one("#filter-status", Select).value = "success"
        dialog.query_one("#filter-tool", Select).value = "inspect_domain"
        await pilot.click("#filter-apply")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.filter == ActivityFilter(source="api", status="success",
                                               tool="inspect_domain")
        client = await app.session.client()
        expected = await all_events(client, source="api", status="success",
                                    tool="inspect_domain", since=SINCE_7_DAYS)
        assert row_ids(table_of(app)) == [e.id for e in expected[:PAGE_SIZE]]
        assert app.screen.query_one(AppHeader).page == (
            "Activity · last 7 days · API · success · tool inspect_domain")


async def test_a_filter_matching_nothing_says_so_and_how_to_clear_it(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        unused = next(key for key in await client.list_keys() if key.name == "CI pipeline")
        screen_of(app).filter_by_key(unused.id, unused.name)
        await settle(pilot)
        assert table_of(app).row_count == 0
        assert state_text(app) == ("No events in the last 7 days match key “CI pipeline”. "
                                   "Press Escape to clear the filter.\n")
        figures = app.screen.query_one(UsageSummary).figures
        assert figures is not None and figures.calls == 0 and figures.complete


async def test_api_access_jumps_here_filtered_to_a_key(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        staging = next(key for key in await client.list_keys() if key.name == "Staging")
        await app.open_activity_for_key(staging.id, staging.name)
        await settle(pilot)
        assert app.current_mode == "activity"
        expected = await all_events(client, credential_id=staging.id, since=SINCE_7_DAYS)
        assert row_ids(table_of(app)) == [e.id for e in expected[:PAGE_SIZE]]
        assert "key “Staging”" in app.screen.query_one(AppHeader).page


async def test_enter_shows_every_field_of_the_event_literally(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        created = await client.create_key("[bold]tricky[/bold]")
        tricky = client.with_key(created.key)
        with pytest.raises(Exception):  # noqa: B017 (an unknown tool: 404, recorded anyway)
            await tricky.call_tool("[red]boom")
        await pilot.press("r")
        await settle(pilot)
        table = table_of(app)
        assert table.get_row_at(0)[2] == Text("[red]boom")
        assert table.get_row_at(0)[3] == Text("[bold]tricky[/bold]")
        table.focus()
        await pilot.press("home", "enter")  # a refresh keeps the selection: go to the top
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EventDetails)
        shown = text_of(dialog.query_one("#event-fields", Static))
        for expected in ("[red]boom", "/v1/tools/[red]boom", "error 404",
                         "“[bold]tricky[/bold]”", created.api_credential.id, "0 ($0.00)"):
            assert expected in shown
        await pilot.press("o")  # only this key's calls (k moves, as on every list)
        await settle(pilot)
        assert screen_of(app).filter.credential_id == created.api_credential.id
        assert row_ids(table_of(app))[0] == dialog.event.id


async def test_chart_and_summary_count_the_whole_period(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        for days in (7, 30):
            if days == 30:
                await pilot.press("p")
                await settle(pilot)
            since = ActivityFilter(days=days).since(app.now())
            events = await all_events(client, since=since)
            figures = app.screen.query_one(UsageSummary).figures
            assert figures is not None and figures.complete
            assert figures.calls == len(events)
            assert figures.credits == sum(e.credits for e in events)
            assert figures.errors == sum(e.status == "error" for e in events)
            chart = app.screen.query_one(UsageChart)
            assert len(chart.bars) == days
            assert sum(bar.total for bar in chart.bars) == figures.credits
            mcp = sum(e.credits for e in events if e.source == "mcp")
            assert sum(bar.mcp for bar in chart.bars) == mcp
        await pilot.press("m")
        await settle(pilot)
        chart = app.screen.query_one(UsageChart)
        assert chart.metric == "calls" and sum(bar.total for bar in chart.bars) == len(events)
        summary = app.screen.query_one(UsageSummary)
        assert summary.balance == (await client.credits()).balance
        assert summary.rate_limit is not None and summary.rate_limit.limit == 10_000


async def test_live_refresh_adds_new_events_on_top_and_keeps_the_selection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ActivityScreen, "live_interval", 0.05)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity", real_time=True)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        table = table_of(app)
        table.focus()
        await pilot.press("down", "down", "down")
        chosen, count = selected_id(table), table.row_count
        summary = app.screen.query_one(UsageSummary)
        assert summary.figures is not None
        calls, spent = summary.figures.calls, summary.figures.credits
        client = await app.session.client()
        await client.call_tool("inspect_serp")  # billed: recorded even for a session token
        await wait_until(pilot, lambda: table.row_count == count + 1)
        newest = (await client.usage(limit=1)).items[0]
        assert row_ids(table)[0] == newest.id
        assert selected_id(table) == chosen and table.cursor_row == 4
        assert table.scroll_y == 0  # at the very top, new events stay in view
        assert (summary.figures.calls, summary.figures.credits) == (calls + 1, spent + 2)

        # Scrolled down: the rows in view stay put as well.
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        chosen, scroll, count = selected_id(table), table.scroll_y, table.row_count
        assert scroll > 0
        await client.call_tool("inspect_page")
        await wait_until(pilot, lambda: table.row_count == count + 1)
        assert selected_id(table) == chosen and table.scroll_y == scroll + 1
        assert row_ids(table)[0] == (await client.usage(limit=1)).items[0].id


async def test_live_refresh_pauses_under_a_dialog_and_can_be_turned_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ActivityScreen, "live_interval", 0.05)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity", real_time=True)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        table = table_of(app)
        count = table.row_count
        client = await app.session.client()
        table.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, EventDetails)
        await client.call_tool("inspect_serp")
        await pilot.pause(0.4)  # eight intervals
        assert table.row_count == count
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.row_count == count + 1)

        await pilot.press("l")
        assert "paused" in str(app.screen.query_one(UsageSummary).render())
        await client.call_tool("inspect_serp")
        await pilot.pause(0.4)
        assert table.row_count == count + 1
        await pilot.press("l")
        await wait_until(pilot, lambda: table.row_count == count + 2)


async def test_live_refresh_fills_an_empty_list(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ActivityScreen, "live_interval", 0.05)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity", real_time=True)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        created = await client.create_key("fresh key")
        screen_of(app).filter_by_key(created.api_credential.id, "fresh key")
        await wait_until(pilot, lambda: "No events" in state_text(app))
        await client.with_key(created.key).call_tool("inspect_keyword")
        table = table_of(app)
        await wait_until(pilot, lambda: table.row_count == 1)
        assert table.get_row_at(0)[3] == Text("fresh key")
        assert "Latest 1 event" in state_text(app) and "1 events" not in state_text(app)


async def test_failed_refreshes_keep_the_table(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        table = table_of(app)
        before = row_ids(table)
        client = await app.session.client()

        async def down(**_: object) -> None:
            raise ServerError("The OpenRush service is unavailable", "Try again shortly.", 503)

        monkeypatch.setattr(client, "usage", down)
        later(app, 11)  # the live interval has passed
        screen_of(app)._live_tick()  # a live refresh, now rather than at the next tick
        await settle(pilot)
        assert row_ids(table) == before
        assert "Live refresh failed" in state_text(app)
        assert "unavailable" in state_text(app)
        await pilot.press("plus")
        await settle(pilot)
        assert row_ids(table) == before
        assert "Could not load more" in state_text(app, "events-more")
        await pilot.press("r")
        await settle(pilot)
        assert row_ids(table) == before
        assert "The OpenRush service is unavailable" in state_text(app)
        monkeypatch.undo()
        await pilot.press("r")
        await settle(pilot)
        assert "Latest 50 events" in state_text(app)


def test_the_window_bound_is_what_the_screen_promises() -> None:
    assert MAX_ROWS % PAGE_SIZE == 0 and MAX_ROWS >= 4 * PAGE_SIZE
