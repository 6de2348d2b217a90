"""Activity at 80x24 and 60x20 cuts nothing (issue 20): the summary's words, every column
title, Status and Credits; the table names a call by its method where there is room, and an
event's dialog says the method and the server's message. In-process sandbox, fixed clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from openrush_tui.activity.columns import SHORT_TIME, SHORT_TITLES, TITLES, short_time
from openrush_tui.activity.runway import Runway
from openrush_tui.activity.totals import Figures
from openrush_tui.api.models import RateLimitInfo
from openrush_tui.keys.rotate import replacement_name
from openrush_tui.screens.activity.event_details import EventDetails
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.accounts import sandbox_app_with, stored
from tests.support.activity import row_ids, screen_of, settle_activity, table_of
from tests.support.apps import FIXED_NOW, sandbox_app, settle, text_of
from tests.support.lifecycle import fixed_sandbox

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZES = [(80, 24), (60, 20)]
WHOLE_TITLES = set(TITLES.values()) | set(SHORT_TITLES.values())
HOSTILE_TOOL = "[bold]x\x1b[31m"  # in a path, percent-encoded: the 404 says it back


# -- the summary strip -------------------------------------------------------------------------


class Strip(App[None]):
    def compose(self) -> ComposeResult:
        yield UsageSummary()


def lines_of(summary: UsageSummary) -> list[str]:
    return summary.render().plain.split("\n")


async def summary_at(width: int, *, period: str, figures: Figures, balance: int,
                     runway: Runway | None, pending: bool = False) -> list[str]:
    async with Strip().run_test(size=(width, 8)) as pilot:
        summary = pilot.app.query_one(UsageSummary)
        summary.balance, summary.runway, summary.pending = balance, runway, pending
        summary.period, summary.figures = period, figures
        summary.now = FIXED_NOW
        summary.note_rate_limit(RateLimitInfo(limit=10_000, remaining=9_995,
                                              reset=FIXED_NOW + timedelta(minutes=1)), FIXED_NOW)
        await pilot.pause()
        lines = lines_of(summary)
        assert len(lines) == summary.size.height  # every line in view
        assert all(len(line) <= summary.size.width for line in lines), lines
        return lines


@pytest.mark.parametrize("width", [80, 60])
async def test_a_filtered_period_s_spend_is_said_whole(width: int) -> None:
    # The "0 credits in 9…": a key's reads are free, and the period is filtered.
    lines = await summary_at(width, period="Last 7 days, filtered", balance=1_250,
                             figures=Figures(0, 95, 2, 0, True),
                             runway=Runway(balance=1_250, spent=189))
    text = " ".join(lines)
    assert "0 credits in 95 calls" in text and "1,250 credits" in text and "46 days" in text
    assert "Live" in text and "9,995/10,000" in text and "…" not in text


@pytest.mark.parametrize("width", [80, 60])
async def test_even_large_figures_are_said_whole(width: int) -> None:
    lines = await summary_at(width, period="Last 30 days, filtered", balance=123_456_789,
                             figures=Figures(1_234_567, 98_765, 1_234, 567, False),
                             runway=Runway(balance=123_456_789, spent=370_000_000, days=7))
    text = " ".join(lines)
    for said in ("123,456,789 credits", "1,234,567 credits in 98,765 calls", "1,234", "567",
                 "Errors", "Limit", "Live"):
        assert said in text, (said, lines)


async def test_one_call_is_one_call() -> None:
    lines = await summary_at(120, period="Last 7 days", balance=10, runway=None,
                             figures=Figures(2, 1, 0, 0, True))
    assert "spent in 1 call " not in lines[0] and lines[0].endswith("spent in 1 call")


# -- the page ----------------------------------------------------------------------------------


async def calls(db: Path) -> str:
    """A few calls made with a new key of the demo account; the key."""
    sandbox = fixed_sandbox(db)
    try:
        key = sandbox.mint_bootstrap_key()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://127.0.0.1",
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            await http.post("/v1/me/api-credentials", json={"name": "deploy"})
            await http.post("/v1/me/api-credentials/cred_missing/revoke")
            await http.post("/v1/tools/" + quote(HOSTILE_TOOL, safe=""))
    finally:
        sandbox.close()
    return key


@contextlib.asynccontextmanager
async def activity_after(made: Callable[[Path], Awaitable[str]], db: Path,
                         size: tuple[int, int]) -> AsyncIterator[Pilot]:
    """Activity at `size` on the sandbox in `db`, after `made(db)` ran its calls there, signed
    in with the key it returns (the environment's)."""
    key = await made(db)
    app = sandbox_app_with(db, stored(key, "environment"), page="activity")
    async with app.run_test(size=size) as pilot:
        await settle_activity(pilot)
        yield pilot


def column_at(app: object, name: str) -> int:
    """Where the events table's column `name` (its key) is."""
    table = table_of(app)  # type: ignore[arg-type]
    return [column.key for column in table.ordered_columns].index(name)


def check_columns(app: object) -> None:
    table = table_of(app)  # type: ignore[arg-type]
    titles = [column.label.plain for column in table.ordered_columns]
    assert set(titles) <= WHOLE_TITLES, titles
    assert "Status" in titles and "Credits" in titles
    used = sum(column.get_render_width(table) for column in table.ordered_columns)
    assert used <= table.scrollable_content_region.width, (titles, used)


@pytest.mark.parametrize("size", SIZES)
async def test_nothing_is_cut_at_small_sizes_even_filtered_by_a_key(
        tmp_path: Path, size: tuple[int, int]) -> None:
    async with activity_after(calls, tmp_path / "sandbox.sqlite3", size) as pilot:
        app = pilot.app
        check_columns(app)
        client = await app.session.client()
        mine = next(k for k in await client.list_keys() if k.name == "sandbox bootstrap")
        screen_of(app).filter_by_key(mine.id, mine.name)
        await settle_activity(pilot)
        check_columns(app)
        summary = app.screen.query_one(UsageSummary)
        lines = lines_of(summary)
        assert all(len(line) <= summary.size.width for line in lines), lines
        assert len(lines) == summary.size.height and "…" not in " ".join(lines)
        assert " calls" in " ".join(lines) or " call" in " ".join(lines)


async def open_event(pilot: Pilot, event_id: str) -> EventDetails:
    table = table_of(pilot.app)  # type: ignore[arg-type]
    table.focus()
    table.move_cursor(row=row_ids(table).index(event_id))
    await pilot.press("enter")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, EventDetails)
    return dialog


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_list_and_the_details_say_the_method_and_the_server_s_message(
        tmp_path: Path, size: tuple[int, int]) -> None:
    async with activity_after(calls, tmp_path / "sandbox.sqlite3", size) as pilot:
        app = pilot.app
        table = table_of(app)
        events = {event.id: event for event in screen_of(app).model.shown_events()}
        by_status = {(e.method, e.status_code): e.id for e in events.values()}
        tool = column_at(app, "tool")
        cell = {code: table.get_row(by_status[("POST", code)])[tool].plain
                for code in (201, 404)}
        assert cell[201].startswith("POST ") and "/api-c" in cell[201], cell
        assert cell[404].startswith("POST ") and cell[404].endswith("/revoke"), cell
        dialog = await open_event(pilot, by_status[("POST", 404)])
        said = text_of(dialog.query_one("#event-fields"))
        assert "POST /v1/me/api-credentials/cred_missing/revoke" in said
        assert "Error" in said and "API credential not found." in said
        await pilot.press("escape")
        await settle(pilot)
        hostile = next(e.id for e in events.values() if e.tool == HOSTILE_TOOL)
        dialog = await open_event(pilot, hostile)
        said = text_of(dialog.query_one("#event-fields"))
        # Literal, never markup, and the escape as an escape.
        assert "Unknown tool: [bold]x\\e[31m" in said, said
        await pilot.press("escape")
        await settle(pilot)
        created = await open_event(pilot, by_status[("POST", 201)])
        assert "Error" not in text_of(created.query_one("#event-fields"))


# -- no empty block ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(200, 50), (80, 24), (60, 20)])
async def test_a_short_list_leaves_no_empty_block_and_a_long_one_fills_the_page(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        await settle_activity(pilot)
        table, more = table_of(app), app.screen.query_one("#events-more")
        footer_at = size[1] - 1
        assert table.row_count == 50 and table.region.bottom >= more.region.y - 1
        assert more.region.height == 1 and more.region.bottom <= footer_at  # one line, in view
        client = await app.session.client()
        old = next(k for k in await client.list_keys() if k.name == "Old laptop")
        screen_of(app).filter_by_key(old.id, old.name)  # one call in the last 7 days
        await settle_activity(pilot)
        assert table.row_count == 1
        # The table ends under its row: what is below is the page, not an empty table.
        assert table.region.height == table.header_height + 1, table.region
        assert "End of history" in text_of(more) and more.region.bottom <= footer_at


def test_a_short_time_takes_six_cells_whatever_its_age() -> None:
    shown = [short_time(FIXED_NOW - timedelta(days=days), FIXED_NOW) for days in (0, 3, 400)]
    assert shown == ["12:00", "Jun 23", "May'25"]
    assert all(len(text) <= SHORT_TIME for text in shown)


# -- a rotated key's name ----------------------------------------------------------------------

ROTATED = ("Trial deploy", replacement_name("Trial deploy", FIXED_NOW),
           "Payments webhook signer", replacement_name("Payments webhook signer", FIXED_NOW))


async def rotated_calls(db: Path) -> str:
    """Keys named as a rotation names them (the old name, the new one: "… 2026-06-26"), each
    used once; the session's key."""
    sandbox = fixed_sandbox(db)
    try:
        key = sandbox.mint_bootstrap_key()
        for name in ROTATED:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                         base_url="http://127.0.0.1",
                                         headers={"Authorization": f"Bearer {key}"}) as http:
                made = await http.post("/v1/me/api-credentials", json={"name": name})
                raw = made.json()["key"]
                http.headers["Authorization"] = f"Bearer {raw}"
                assert (await http.get("/v1/me/credits")).status_code == 200
    finally:
        sandbox.close()
    return key


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (120, 36)])
async def test_a_rotated_key_s_caller_never_reads_like_the_old_one_s(
        tmp_path: Path, size: tuple[int, int]) -> None:
    async with activity_after(rotated_calls, tmp_path / "sandbox.sqlite3", size) as pilot:
        table = table_of(pilot.app)
        at = column_at(pilot.app, "who")
        callers = {table.get_row(row)[at].plain for row in row_ids(table)}
        read = {caller: readings(caller) for caller in callers if readings(caller)}
        assert len(read) == len(ROTATED), callers  # each of the four
        assert all(len(names) == 1 for names in read.values()), read  # told apart


def readings(caller: str) -> list[str]:
    """The names of ROTATED a caller could be: a cut ("Trial deploy…") reads as any that
    starts with what is before the "…" and ends with what is after it."""
    if "…" not in caller:
        return [caller] if caller in ROTATED else []
    start, _, end = caller.partition("…")
    return [name for name in ROTATED if name.startswith(start) and name.endswith(end)]
