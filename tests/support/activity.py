"""Helpers shared by the Activity tests (no tests here): reading the screen, the reference list."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import UsageEvent
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.screens.activity.export import ActivityExportScreen
from openrush_tui.screens.activity.filters import ActivityFilters
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.event_table import EventTable
from openrush_tui.widgets.load_state import LoadState
from tests.support.apps import FIXED_NOW, KEY_SEED, later, settle, text_of, until
from tests.support.patience import PATIENCE

BIG_HISTORY = 100_000


def seed_big_history(db_path: Path) -> Path:
    """A sandbox file with 100,000 extra events (about four seconds of CPU)."""
    create_sandbox(SandboxOptions(db_path=db_path, now=FIXED_NOW, key_seed=KEY_SEED,
                                  seed_events=BIG_HISTORY)).close()
    return db_path


def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the seeded 100,000-event sandbox file, for one module's apps (they may
    write to it). The seeding is the same every time (fixed clock and key seed), so it is done
    once per run and copied: once for all xdist workers, in the folder their temporary folders
    share (this run's own), the first worker seeding under a lock while the others wait."""
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent  # pytest-N/, above popen-gwN/: this run's, not older
    template = run_folder / "big-history" / "sandbox.sqlite3"
    template.parent.mkdir(exist_ok=True)
    with (template.parent / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            seeding = template.parent / "seeding"
            shutil.rmtree(seeding, ignore_errors=True)  # a worker that died mid-way
            seeding.mkdir()
            seed_big_history(seeding / template.name)
            for part in sorted(seeding.iterdir(), reverse=True):  # the main file last
                os.replace(part, template.parent / part.name)
    copy = tmp_path_factory.mktemp("big") / template.name
    for part in template.parent.glob(template.name + "*"):  # with a -wal or -journal, if any
        shutil.copyfile(part, copy.parent / part.name)
    return copy


def screen_of(app: OpenRushApp) -> ActivityScreen:
    screen = app.screen
    assert isinstance(screen, ActivityScreen), screen
    return screen


async def open_filters(pilot: Pilot[Any]) -> ActivityFilters:
    """f on Activity: the filter dialog, open and settled."""
    await pilot.press("f")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActivityFilters), dialog
    return dialog


async def open_export(pilot: Pilot[Any]) -> ActivityExportScreen:
    """w on Activity (once it has settled): the export dialog, open and settled."""
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActivityExportScreen), dialog
    return dialog


async def export_refused(pilot: Pilot[Any]) -> ActivityExportScreen:
    """The export dialog asked to write "taken.csv", a file the test made in the current
    directory: refused (never overwritten), the refusal said at the body's foot."""
    dialog = await open_export(pilot)
    dialog.query_one("#path", Input).value = "taken.csv"
    await pilot.press("enter")
    return dialog


def table_of(app: OpenRushApp) -> EventTable:
    return app.screen.query_one("#events", EventTable)


def row_ids(table: EventTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


def selected_id(table: EventTable) -> str:
    return row_ids(table)[table.cursor_row]


def state_text(app: OpenRushApp, widget_id: str = "events-state") -> str:
    return text_of(app.screen.query_one(f"#{widget_id}", LoadState))


async def all_events(client: OpenRushClient, /, **query: Any) -> list[UsageEvent]:
    """Every event matching `query`, by the cursor: the list the screen must agree with."""
    events: list[UsageEvent] = []
    cursor = None
    while True:
        page = await client.usage(limit=200, cursor=cursor, **query)
        events.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return events


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool],
                     limit: float = PATIENCE) -> None:
    """Let the app run until `condition()` holds (live refresh runs on a timer), then
    settle."""
    await until(pilot, condition, limit)
    await settle(pilot)


async def settle_activity(pilot: Pilot[Any]) -> None:
    """Settle, then read the rate limit from one last call, so snapshots show one number.

    Concurrent fetches finish in any order, and the header value of whichever came last is
    what the summary shows; one more call after all of them makes that figure repeatable.
    """
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, OpenRushApp)
    client = await app.session.client()
    later(app)  # past the request budget's reuse: this call is really made
    await client.credits()
    screen_of(app).note_rate_limit()
    await pilot.pause()
    await widths_caught_up(pilot, table_of(app))


def _columns_fit(table: EventTable) -> bool:
    return all(column.content_width >= max((cell.cell_len for cell in table.get_column(key)),
                                           default=0)
               for key, column in table.columns.items())


async def widths_caught_up(pilot: Pilot[Any], table: EventTable) -> None:
    """Wait for the table's idle pass that widens columns after a cell changed (key names
    arriving after the rows): a screenshot taken before it shows names cut short."""
    await wait_until(pilot, lambda: _columns_fit(table), limit=5.0)
