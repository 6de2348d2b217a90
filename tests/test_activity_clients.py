"""Activity by MCP client: the key filter offers the clients (Cursor, Claude Code, …), the
sandbox narrows by `client` (our extension), and the dashboard narrows by itself too, rows and
chart alike, in case a server ignores it. And the `/` filter over the rows loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Select

from openrush_tui.activity.events import matches_text
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import ActivityModel
from openrush_tui.api.models import UsageEvent, UsagePage
from openrush_tui.screens.activity.filters import CLIENT
from openrush_tui.widgets.app_header import AppHeader
from tests.support.activity import (
    all_events,
    open_filters,
    row_ids,
    screen_of,
    settle_activity,
    table_of,
)
from tests.support.apps import TERMINAL, sandbox_app

NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)


def call(n: int, client: str | None, *, source: str = "mcp", tool: str = "inspect_serp",
         credits: int = 2) -> UsageEvent:
    return UsageEvent(id=f"e{n}", created_at=NOW - timedelta(minutes=n), source=source,
                      status="success", credits=credits, client=client, tool=tool)


def test_a_client_filter_narrows_rows_and_chart_when_the_server_does_not() -> None:
    model = ActivityModel(clock=lambda: NOW)
    model.set_filter(ActivityFilter(client="Cursor"))
    assert model.query()["client"] == "Cursor" and model.query()["source"] == "mcp"
    model.begin_load(names=False)
    mixed = [call(1, "Cursor"), call(2, "Claude Code"), call(3, "Cursor", credits=5)]
    model.first_page(model.generation, UsagePage(items=mixed, next_cursor=None))
    assert [e.id for e in model.shown_events()] == ["e1", "e3"]
    figures = model.tally.figures()
    assert figures.calls == 2 and figures.credits == 7


def test_the_slash_filter_matches_tool_key_name_or_client_in_any_case() -> None:
    names = {"cred_1": "Production server"}
    keyed = UsageEvent(id="k", created_at=NOW, source="api", status="success", credits=1,
                       credential_id="cred_1", credential_prefix="or_abc123", tool="audit_site")
    assert matches_text(keyed, names, "PRODUCTION") and matches_text(keyed, names, "audit")
    assert matches_text(keyed, names, "or_abc") and not matches_text(keyed, names, "cursor")
    assert not matches_text(keyed, names, "bc")  # inside the prefix: not a reason shown
    assert matches_text(call(1, "Cursor"), {}, "curs") and matches_text(keyed, names, "  ")


async def test_the_key_filter_offers_mcp_clients_and_shows_only_their_calls(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle_activity(pilot)
        dialog = await open_filters(pilot)
        assert {"Cursor", "Claude Code", "VS Code"} <= set(dialog.clients)
        assert dialog.keys  # the keys are offered too
        menu = dialog.query_one("#filter-key", Select)
        menu.value = CLIENT + "Cursor"  # a Select refuses a value it does not offer
        await pilot.click("#filter-apply")
        await settle_activity(pilot)
        screen = screen_of(app)
        assert screen.filter == ActivityFilter(client="Cursor")
        api = await app.session.client()
        expected = await all_events(api, client="Cursor", since=screen.filter.since(NOW))
        assert expected and all(e.client == "Cursor" and e.source == "mcp" for e in expected)
        assert row_ids(table_of(app)) == [e.id for e in expected[:50]]
        assert app.screen.query_one(AppHeader).page == (
            "Activity · last 7 days · client “Cursor”")
        assert screen.model.tally.figures().calls == len(expected)
