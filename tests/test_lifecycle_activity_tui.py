"""Activity's key lifecycle as a user drives it at 80x24: exporting the view (w) to CSV and
JSON, and the credit runway (Activity's summary, the header's low-balance warning) with what
it costs in requests. In-process on the fixed clock, and over HTTP against `sandbox serve`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.clock import system_clock
from openrush_tui.prefs.settings import UserSettings
from openrush_tui.screens.activity.export import ActivityExportScreen
from openrush_tui.screens.bindings import page_commands
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.activity import screen_of
from tests.support.apps import notices, remote_app, sandbox_app, settle
from tests.support.lifecycle import lifecycle_server, run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory
from tests.support.scripted_server import Reply, ScriptedServer

SIZE = (80, 24)


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def status(app: Any) -> str:
    return str(app.screen.query_one("#export-status").content)


async def export(pilot: Any, *, json_format: bool = False, name: str | None = None) -> str:
    """w, then Export (the format and name chosen first): what the dialog said at the end."""
    await pilot.press("w")
    assert isinstance(pilot.app.screen, ActivityExportScreen)
    if json_format:
        await pilot.click("#format-json")
    if name is not None:
        pilot.app.screen.query_one("#path", Input).value = name
    await pilot.click("#export")
    await settle(pilot)
    return status(pilot.app)


async def test_export_writes_the_view_with_its_filters_to_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen_of(app).set_filter(ActivityFilter(source="mcp"))
        await settle(pilot)
        shown = screen_of(app).model.chart_view(counting=False).figures
        said = await export(pilot)
        (written,) = files(tmp_path, "*.csv")
        assert written.name == "openrush-activity-7d-mcp-20260626-1200.csv"  # the filters
        assert f"Exported {shown.calls} events to {written.name}." in said
        with written.open(encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert len(rows) == shown.calls and {row["source"] for row in rows} == {"mcp"}
        await pilot.press("escape")
        assert any(written.name in notice for notice in notices(app))
        # JSON, and a name that exists already: said, nothing overwritten, the dialog stays.
        said = await export(pilot, json_format=True, name=written.name)
        assert "already exists: type another name" in said
        assert isinstance(app.screen, ActivityExportScreen)
        field = app.screen.query_one("#path", Input)
        field.value = "mcp.json"
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "Exported" in status(app)
    assert len(json.loads((tmp_path / "mcp.json").read_text())) == shown.calls
    assert not files(tmp_path, "*.part")


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory,
           tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    return lifecycle_server(sandbox_server, tmp_path_factory.mktemp("activity-tui"), [])


class CountingApp(OpenRushApp):
    """The dashboard, counting how often it measured the runway with a request of its own."""

    measures = 0

    def _measure_runway(self, balance: int) -> Any:
        type(self).measures += 1
        return super()._measure_runway(balance)


async def test_over_http_the_export_leaves_out_own_reads_and_the_runway_costs_nothing(
        server: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = remote_app(server.base_url, server.bootstrap_key, page="activity",
                     clock=system_clock, app_class=CountingApp)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")  # this dashboard's own reads now exist: hidden, as on the page
        await settle(pilot)
        runway = app.runway
        assert runway is not None and runway.span is not None  # from the days Activity counted
        assert CountingApp.measures == 0
        # `credits` counts the same days: one figure on the page, in the header and there.
        said = json.loads(run_cli(tmp_path, server, "credits", "--json").stdout)["runway"]
        assert said["spent"] == runway.spent
        assert said["days_left"] == pytest.approx(runway.days_left, abs=0.2)
        summary = app.screen.query_one(UsageSummary).render().plain
        assert "lasts" in summary or "nothing spent" in summary
        await export(pilot, json_format=True, name="view.json")
    records = json.loads((tmp_path / "view.json").read_text())
    assert records and not [record for record in records
                            if (record.get("user_agent") or "").startswith("openrush-tui/")
                            and not record.get("tool")]


async def test_the_header_warns_under_three_days_of_credit(tmp_path: Path) -> None:
    # 40 credits at the demo account's ~27 a day: about a day and a half left.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", balance=40)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(AppHeader).render().plain
        assert "! Credits run out in about 1 day" in header
        assert app.runway is not None and app.runway.low
        await pilot.press("3")
        await settle(pilot)
        summary = app.screen.query_one(UsageSummary).render().plain
        assert "! lasts ~1 day" in summary


async def test_the_warnings_threshold_is_the_settings_low_balance_days(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity", balance=40)
    app.prefs = UserSettings(low_balance_days=1.0)  # as read from settings.json
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.runway is not None and not app.runway.low  # about a day and a half
        assert "!" not in app.screen.query_one(AppHeader).render().plain
        summary = app.screen.query_one(UsageSummary).render().plain
        assert "lasts ~1 day" in summary and "!" not in summary
        assert any(command.title == "Export (w)" for command in page_commands(app.screen))


async def test_leaving_while_exporting_cancels_and_writes_nothing(tmp_path: Path) -> None:
    page = {"items": [], "next_cursor": None}
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(200, page, delay=3))  # a slow server
        app = remote_app(server.url, "or_" + "k" * 40, page="setup")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            said: list[str | None] = []
            app.push_screen(ActivityExportScreen(ActivityFilter(), {}, hide_own=True,
                                                 folder=tmp_path), said.append)
            await pilot.pause()
            await pilot.click("#export")
            await pilot.pause(0.3)
            assert "Exporting" in status(app)
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, ActivityExportScreen)
            assert said == ["Export cancelled: no file was written."]
    assert files(tmp_path, "*") == []
