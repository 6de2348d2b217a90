"""Activity as a new user found it at 80x24 (trial 8).

- The `/` filter's text stayed on screen after a sign-out and a sign-in, but the rows were no
  longer narrowed by it (the page's model was made anew without it); later "Activity for this
  key" applied the stale text and hid the key's events. Now the filter shown is the filter
  applied, and Activity for a key starts without an old text filter.
- Export (w) wrote every event of the period although the `/` filter narrowed the view; now
  it writes the events that match, and the dialog and the file name say so.
- r while the server hangs said nothing until the request failed 20 s later; now the status
  line says that the list is refreshing.

In-process sandbox (the sign-in flow, the export) and the real sandbox over HTTP behind a
front that holds a request (the hang), fixed clock.
"""

from __future__ import annotations

import asyncio
import csv
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.activity.events import OWN_READS_LEFT_OUT, is_own_read, matches_text
from openrush_tui.activity.export import export_filename
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import PAGE_SIZE
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.widgets.filter_bar import FilterBar
from tests.support import keys
from tests.support.activity import (
    all_events,
    open_export,
    row_ids,
    screen_of,
    state_text,
    table_of,
)
from tests.support.apps import FIXED_NOW, later, remote_app, sandbox_app, settle, until
from tests.support.faults import faulty_sandbox
from tests.support.flows import sign_in_with
from tests.support.patience import PATIENCE
from tests.support.scripted_server import Fault

SMALL = (80, 24)
TEXT = "inspect"  # the `/` filter: some of the sandbox's tools (inspect_domain, inspect_page…)
SINCE_7_DAYS = ActivityFilter(days=7).since(FIXED_NOW)


async def filter_rows(pilot: Pilot[Any], text: str) -> None:
    """`/`, the text, Enter: as a person narrows the rows."""
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


def csv_files(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.suffix == ".csv"]


async def test_the_slash_filter_shown_is_applied_across_a_sign_in_and_not_to_a_keys_activity(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        pasted = (await client.create_key("trial 8")).key.get_secret_value()
        await filter_rows(pilot, TEXT)
        screen = screen_of(app)
        names = screen.model.names
        assert table_of(app).row_count > 0
        assert all(matches_text(e, names, TEXT) for e in screen.model.shown_events())
        assert row_ids(table_of(app)) == [e.id for e in screen.model.shown_events()]
        assert f"match “{TEXT}”" in state_text(app)

        await pilot.press("1")  # Setup: sign out, then paste a working key
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await sign_in_with(pilot, pasted)
        assert app.session.signed_in
        await pilot.press("3")
        await settle(pilot)

        screen = screen_of(app)
        bar = screen.query_one(FilterBar)
        assert bar.text == TEXT and bar.is_open  # shown...
        shown = [screen.model.event(i) for i in row_ids(table_of(app))]
        assert shown and all(e is not None and matches_text(e, screen.model.names, TEXT)
                             for e in shown)  # ...and applied
        assert f"match “{TEXT}”" in state_text(app)

        # API access → Enter on a key → a: a new question, without the old text filter.
        await pilot.press("2")
        await settle(pilot)
        await keys.select(pilot, "Staging")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KeyDetailsScreen)
        await pilot.press("a")
        await settle(pilot)
        screen = screen_of(app)
        bar = screen.query_one(FilterBar)
        assert (bar.text, bar.is_open, screen.model.text) == ("", False, "")
        staging = next(k for k in await client.list_keys() if k.name == "Staging")
        expected = [e for e in await all_events(client, credential_id=staging.id,
                                                since=SINCE_7_DAYS, **OWN_READS_LEFT_OUT)
                    if not is_own_read(e)]
        assert expected
        assert row_ids(table_of(app)) == [e.id for e in expected[:PAGE_SIZE]]
        assert "match" not in state_text(app)


def test_the_file_name_carries_the_slash_filter() -> None:
    assert export_filename(ActivityFilter(source="mcp"), "csv", FIXED_NOW, text=" Inspect ") \
        == "openrush-activity-7d-mcp-match-inspect-20260626-1200.csv"
    assert export_filename(ActivityFilter(), "json", FIXED_NOW, text="") == \
        "openrush-activity-7d-20260626-1200.json"


async def test_export_writes_the_events_the_slash_filter_shows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await filter_rows(pilot, TEXT)
        names = dict(screen_of(app).model.names)
        dialog = await open_export(pilot)
        said = " ".join(str(static.content) for static in dialog.query(Static))
        assert f"“{TEXT}”" in said, said  # the dialog names the text filter
        await pilot.press("enter")
        await settle(pilot)
        written = csv_files(tmp_path)
        assert [path.name for path in written] == [
            export_filename(ActivityFilter(), "csv", FIXED_NOW, text=TEXT)]
        with written[0].open(newline="") as file:
            exported = [row["id"] for row in csv.DictReader(file)]
        client = await app.session.client()
        expected = [e.id for e in await all_events(client, since=SINCE_7_DAYS,
                                                   **OWN_READS_LEFT_OUT)
                    if not is_own_read(e) and matches_text(e, names, TEXT)]
        assert expected and exported == expected


async def test_r_while_the_server_hangs_says_it_is_refreshing(tmp_path: Path) -> None:
    with faulty_sandbox(tmp_path) as front:
        app = remote_app(front.server.url, front.key, page="activity", read_timeout=PATIENCE)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            assert table_of(app).row_count > 0
            before = state_text(app)
            release = threading.Event()
            front.server.inject(Fault(hold=release), "usage")
            try:
                later(app)  # past the request budget's reuse: r asks the server
                await pilot.press("r")
                held = await asyncio.to_thread(front.server.wait_held, "usage", PATIENCE)
                assert held
                await until(pilot, lambda: "Refreshing" in state_text(app))
                assert table_of(app).row_count > 0  # the rows stay while it refreshes
            finally:
                release.set()
            front.server.clear()
            await settle(pilot)
            assert "Refreshing" not in state_text(app)
            assert state_text(app) == before
