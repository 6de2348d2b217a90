"""Activity as a new user found it at 80x24 and 60x20 (trial 5).

The Export dialog (w) lost what was typed: the focus started on Export, so "abc" went
nowhere and Enter exported under the default name. Now the focus starts in the File field
with the offered name selected (typing replaces it), every Tab stop is a control in view,
Enter on the Format choice only chooses, and a dialog closed before any export says so.

The Tool column cut endpoints by two rules side by side ("POST …revoke" beside
"POST …/api-…"), and at 60 columns the chart's title pushed its key out ("█ API…": MCP's
colour lost). In-process sandbox, fixed clock; the endpoint calls are made over its HTTP app
with a key of the account, as a user's script makes them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import Button, Input, RadioSet

from openrush_tui.widgets.usage_chart import UsageChart
from tests.support.activity import open_export, settle_activity, table_of
from tests.support.apps import notices, sandbox_app, settle
from tests.support.in_view import not_in_view
from tests.support.lifecycle import fixed_sandbox

SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]
CONTROLS = (Input, Button, RadioSet)  # the export dialog's Tab stops


def written(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.suffix in (".csv", ".json"))


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_export_dialogs_tab_stops_and_what_is_typed_in_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    # One app: the dialog is opened twice (a new one each time), closed without an export,
    # then used to export.
    monkeypatch.chdir(tmp_path)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        dialog = await open_export(pilot)
        first, stops = app.focused, []
        assert first is dialog.query_one("#path", Input)
        for _ in range(10):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert isinstance(focused, CONTROLS), focused
            await pilot.pause()
            assert not_in_view(focused) is None, not_in_view(focused)
            stops.append(focused.id)
            if focused is first:
                break
        assert stops == ["close", "export", "format", "path"]
        # Shift+Tab from the field lands on the Format choice; Enter there chooses, nothing more.
        await pilot.press("shift+tab")
        assert isinstance(app.focused, RadioSet)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert written(tmp_path) == []
        # Closed before any export: said, not silent.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not dialog
        assert any("no file was written" in notice for notice in notices(app))

        # Opened again: what is typed names the file.
        dialog = await open_export(pilot)
        field = dialog.query_one("#path", Input)
        assert app.focused is field
        await pilot.press(*"abc.csv")
        assert field.value == "abc.csv"  # the offered name replaced, not added to
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "abc.csv").is_file()
        assert written(tmp_path) == ["abc.csv"]


# -- the Tool column and the chart's key ----------------------------------------------------


async def keys_made_and_revoked(db_path: Path) -> None:
    """Two keys created and one revoked by a script with a key of the account: three events
    whose Tool is an endpoint (a create's and a revoke's), the newest of the account."""
    sandbox = fixed_sandbox(db_path)
    try:
        key = sandbox.mint_bootstrap_key()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://127.0.0.1",
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            made = [(await http.post("/v1/me/api-credentials", json={"name": name})).json()
                    for name in ("one", "two")]
            revoke = f"/v1/me/api-credentials/{made[0]['api_credential']['id']}/revoke"
            assert (await http.post(revoke)).status_code == 200
    finally:
        sandbox.close()


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_endpoints_in_the_tool_column_are_cut_by_one_rule(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # At 60 columns: "POST …revoke" beside "POST …/api-…" (two rules side by side).
    db_path = tmp_path / "sandbox.sqlite3"
    await keys_made_and_revoked(db_path)
    app = sandbox_app(db_path, page="activity")
    async with app.run_test(size=size) as pilot:
        await settle_activity(pilot)
        table = table_of(app)
        tool = [column.key.value for column in table.ordered_columns].index("tool")
        tools = [str(table.get_row_at(row)[tool]) for row in range(table.row_count)]
        calls = [tool for tool in tools if tool.startswith("POST ")]
        assert len(calls) == 3, tools
        cut = [call.split(" ", 1)[1] for call in calls if "…" in call]
        # One form for every cut endpoint of the column: "…/last part" or "…last part".
        assert len({"…/" in tail for tail in cut}) <= 1, calls
        assert all(tail.startswith("…") for tail in cut), calls
        assert len(set(calls[:1] + calls[2:])) == 2, calls  # the revoke reads apart


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_chart_key_names_both_series_at_every_width(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # At 60 columns, counting a 30-day period: the title pushed the key out ("█ API…").
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        await settle_activity(pilot)
        await pilot.press("p")  # the next period: 30 days
        await settle_activity(pilot)
        chart = app.screen.query_one(UsageChart)
        for counting in (False, True):
            chart.counting = counting
            await pilot.pause()
            top = chart.render().plain.splitlines()[0]
            assert len(top) <= chart.size.width, top
            assert top.rstrip().endswith("█ API  █ MCP"), top
            assert top.startswith("Credits"), top
            assert "30 days" in top and ("counting" in top) == counting, top
