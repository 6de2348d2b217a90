"""Activity export (`activity/export.py`): spreadsheet-safe cells (hypothesis), the file name
carrying the filters, and `export_activity` against a real in-process sandbox: the view's
events, the cap, the pause near the rate limit, no half-written file left behind."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.activity.export import (
    CSV_COLUMNS,
    CsvWriter,
    ExportProgress,
    cell,
    export_activity,
    export_filename,
)
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import ServerError
from openrush_tui.api.models import UsageEvent
from openrush_tui.sandbox import Sandbox
from openrush_tui.text.safe import visible
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import asgi_client, fixed_sandbox
from tests.support.scripted_server import Reply, ScriptedServer

FORMULA = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_no_cell_starts_like_a_formula_and_nothing_is_lost(text: str) -> None:
    shown = cell(text)
    assert not shown.startswith(FORMULA)
    literal = visible(text)
    assert shown == ("'" + literal if literal.startswith(FORMULA) else literal)


def event(**fields: object) -> UsageEvent:
    base = {"id": "use_1", "created_at": "2026-06-26T12:00:00Z", "source": "api",
            "tool": "inspect_serp", "endpoint": "/v1/tools/inspect_serp", "status_code": 200,
            "credits": 2, "credential_id": "cred_1", "credential_prefix": "or_abc123",
            "duration_ms": 12}
    return UsageEvent.model_validate({**base, **fields})


def test_csv_rows_carry_server_strings_safely() -> None:
    out = io.StringIO()
    CsvWriter(out, {"cred_1": "@prod\x1b[31m"}).write([
        event(tool="=HYPERLINK(\"http://evil\")", client="+1\n2", duration_ms=None)])
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(header) == CSV_COLUMNS
    record = dict(zip(header, row, strict=True))
    assert record["tool"] == "'=HYPERLINK(\"http://evil\")"
    assert record["key_name"] == "'@prod\\e[31m"
    assert record["client"] == "'+1\\n2"
    assert record["credits"] == "2" and record["duration_ms"] == ""
    assert record["time"] == "2026-06-26T12:00:00Z"


def test_the_file_name_carries_the_filters() -> None:
    view = ActivityFilter(source="mcp", status="error", credential_id="cred_1",
                          key_label="Production server!", tool="inspect_serp", days=30)
    assert export_filename(view, "csv", FIXED_NOW) == (
        "openrush-activity-30d-mcp-errors-key-production-server-tool-inspect-serp-"
        "20260626-1200.csv")
    assert export_filename(ActivityFilter(), "json", FIXED_NOW) == \
        "openrush-activity-7d-20260626-1200.json"


# -- against the sandbox ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = fixed_sandbox(tmp_path_factory.mktemp("export") / "sandbox.sqlite3")
    yield box
    box.close()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[OpenRushClient]:
    async with asgi_client(sandbox) as signed_in:
        yield signed_in


async def every_id(client: OpenRushClient, view: ActivityFilter) -> list[str]:
    ids, cursor = [], None
    while True:
        page = await client.usage(limit=200, cursor=cursor, **view.query(FIXED_NOW))
        ids += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return ids


async def run(client: OpenRushClient, view: ActivityFilter, path: Path, fmt: str = "csv",
              **options: object) -> list[ExportProgress]:
    return [step async for step in export_activity(client, view, FIXED_NOW, path, fmt,
                                                   **options)]  # type: ignore[arg-type]


async def test_csv_export_holds_exactly_the_views_events(client: OpenRushClient,
                                                         tmp_path: Path) -> None:
    view = ActivityFilter(source="api", days=30)
    path = tmp_path / export_filename(view, "csv", FIXED_NOW)
    steps = await run(client, view, path, names={"cred_x": "x"})
    rows = list(csv.DictReader(path.open()))
    assert [row["id"] for row in rows] == await every_id(client, view)
    assert len(rows) > 200 and {row["source"] for row in rows} == {"api"}
    assert steps[-1].done and steps[-1].stop == "end"
    assert steps[-1].text == f"Exported {len(rows):,} events to {path.name}."
    assert [step.count for step in steps[:-1]] == [200]  # progress after each page
    assert os.listdir(tmp_path) == [path.name]  # no .part file left


async def test_json_export_and_the_cap(client: OpenRushClient, tmp_path: Path) -> None:
    view = ActivityFilter(days=30)
    path = tmp_path / "capped.json"
    steps = await run(client, view, path, "json", cap=250)
    records = json.loads(path.read_text(encoding="ascii"))
    assert [record["id"] for record in records] == (await every_id(client, view))[:250]
    assert steps[-1].stop == "cap"
    assert steps[-1].text.startswith("Exported the newest 250 events to capped.json: the "
                                     "export stops at 250;")


async def test_the_export_pauses_near_the_rate_limit(client: OpenRushClient,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "paused.csv"
    steps = await run(client, ActivityFilter(days=30), path, reserve=1_000_000)
    assert steps[-1].stop == "rate" and steps[-1].count == 200
    assert "stopped to leave requests of the rate limit" in steps[-1].text
    assert path.exists()


async def test_a_failure_midway_leaves_no_file(tmp_path: Path) -> None:
    page = {"items": [event().model_dump(mode="json")], "next_cursor": "c2"}
    path = tmp_path / "broken.csv"
    with ScriptedServer() as server:
        server.add(Reply(200, page), Reply(500, {"detail": "boom"}))
        async with OpenRushClient(server.url, "or_key") as client:
            with pytest.raises(ServerError):
                await run(client, ActivityFilter(), path)
    assert os.listdir(tmp_path) == []


# -- the file itself: nothing planted beside it is followed, nothing is overwritten ------------


async def test_a_symlink_planted_at_the_old_part_name_is_not_followed(
        client: OpenRushClient, tmp_path: Path) -> None:
    # The name `<file>.part` was predictable: another user could point it at a victim's file.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    path = tmp_path / "activity.csv"
    (tmp_path / "activity.csv.part").symlink_to(victim)
    steps = await run(client, ActivityFilter(days=30), path, cap=5)
    assert victim.read_text() == "precious\n"
    assert steps[-1].done and len(list(csv.reader(path.open()))) == 6
    assert not path.is_symlink() and (path.stat().st_mode & 0o077) == 0


@pytest.mark.timeout(90)
async def test_a_fifo_planted_beside_the_export_neither_blocks_nor_swallows_it(
        client: OpenRushClient, tmp_path: Path) -> None:
    path = tmp_path / "activity.json"
    os.mkfifo(tmp_path / "activity.json.part")
    steps = await run(client, ActivityFilter(days=30), path, "json", cap=5)
    assert steps[-1].done and len(json.loads(path.read_text())) == 5


async def test_two_exports_in_one_minute_get_two_files(client: OpenRushClient,
                                                       tmp_path: Path) -> None:
    view = ActivityFilter(days=30)
    path = tmp_path / export_filename(view, "csv", FIXED_NOW)
    first = await run(client, view, path, cap=5, another_name=True)
    second = await run(client, view, path, cap=5, another_name=True)
    assert first[-1].path == path
    assert second[-1].path == path.with_name(f"{path.stem}-2.csv")
    assert second[-1].path.name in second[-1].text
    for landed in (first[-1].path, second[-1].path):
        assert len(list(csv.reader(landed.open()))) == 6
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, second[-1].path.name])


async def test_a_file_made_meanwhile_under_the_name_is_never_overwritten(
        client: OpenRushClient, tmp_path: Path) -> None:
    from openrush_tui.files.writing import FileExists

    path = tmp_path / "typed.csv"
    steps = export_activity(client, ActivityFilter(days=30), FIXED_NOW, path, "csv", cap=400)
    assert not (await anext(steps)).done  # the first page is written
    path.write_text("someone else's\n")  # the name is taken before the export ends
    with pytest.raises(FileExists, match="already exists"):
        async for _ in steps:
            pass
    assert path.read_text() == "someone else's\n"
    assert os.listdir(tmp_path) == [path.name]  # no temporary left behind
