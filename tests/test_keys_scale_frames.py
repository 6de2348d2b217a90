"""What a key press waits for while a large list loads, and what a list holds (issue 23),
checked by structure, never by time (the figures are bench/keys.py's):

- a slice added below the screen, the count of keys loaded so far, a move of the cursor to a
  key whose summary takes as many lines: none lays the whole screen out again;
- where the process keeps long-lived objects out of the collector's full passes (the
  dashboard's own, once started), the keys go there as they are made, in the worker;
- what the keys of a list repeat is shared where they are decoded, not by a view writing
  into pydantic's internals; equal audit findings are one object; a list that loads again
  does not keep the last one's keys through its audit.
"""

from __future__ import annotations

import ast
import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from openrush_tui.api.models import ApiCredential, parse_key_page
from openrush_tui.keys import listing
from openrush_tui.keys.audit import audit
from openrush_tui.keys.view import KeyRow, KeyView, rows_of
from openrush_tui.screens.api_access import page as api_access_page
from openrush_tui.widgets.key_summary import KeySummary
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.status_line import StatusLine
from tests.support.apps import FIXED_NOW, TERMINAL, SkippingClock, remote_app, settle, until
from tests.support.patience import PATIENCE
from tests.support.scripted_server import Reply, ScriptedServer
from tests.test_keys_scale import KEY, item, page, served

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The class of each widget that asks for the screen to be laid out again."""
    asked: list[str] = []
    refresh = Widget.refresh

    def spy(self: Widget, *regions: Any, layout: bool = False, **options: Any) -> Any:
        if layout:
            asked.append(type(self).__name__)
        return refresh(self, *regions, layout=layout, **options)

    monkeypatch.setattr(Widget, "refresh", spy)
    return asked


class Parts(App[None]):
    """The page's widgets alone, at the page's size."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="keys-state")
        yield KeyTable(id="keys")
        yield KeySummary(id="key-summary")


def rows(start: int, stop: int, **fields: Any) -> list[KeyRow]:
    return rows_of(parse_key_page(page(start, stop)).items if not fields else
                   [ApiCredential.model_validate({**item(index), **fields})
                    for index in range(start, stop)], FIXED_NOW)


async def test_slices_added_below_the_screen_lay_nothing_out(layouts: list[str]) -> None:
    """A list longer than the screen grows by a slice: the rows on screen and the widgets'
    sizes stay as they are, only the scrollbar's thumb moves (before: a layout of the whole
    screen for each of a 50,000-key list's slices)."""
    app = Parts()
    async with app.run_test(size=TERMINAL) as pilot:
        table = app.query_one(KeyTable)
        table.fill(rows(0, 250), FIXED_NOW, first=True)
        await pilot.pause()
        top = [table.get_row_at(index)[0].plain for index in range(3)]
        layouts.clear()
        for start in range(250, 3250, 1000):
            table.fill(rows(start, start + 1000), FIXED_NOW, first=False)
            await pilot.pause()
        assert "KeyTable" not in layouts
        assert table.row_count == 3250
        assert table.max_scroll_y == 3250 + 1 - table.scrollable_content_region.height
        assert table.vertical_scrollbar.window_virtual_size == 3251
        assert [table.get_row_at(index)[0].plain for index in range(3)] == top
        await pilot.press("end")  # and the last row is reached
        assert table.current is not None and table.current.name == "key 003249"


async def test_a_move_of_the_cursor_on_screen_redraws_its_two_rows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    redrawn: list[tuple[int, ...] | None] = []  # each refresh: the lines, or None (all)
    refresh = KeyTable.refresh

    def spy(self: KeyTable, *regions: Any, **options: Any) -> Any:
        redrawn.append(tuple(region.y for region in regions) if regions else None)
        return refresh(self, *regions, **options)

    app = Parts()
    async with app.run_test(size=TERMINAL) as pilot:
        table = app.query_one(KeyTable)
        table.fill(rows(0, 250), FIXED_NOW, first=True)
        table.focus()
        await pilot.pause()
        monkeypatch.setattr(KeyTable, "refresh", spy)
        await pilot.press("down", "down")
        assert table.cursor == 2
        assert redrawn == [(1,), (2,), (2,), (3,)]  # the header is line 0
        redrawn.clear()
        await pilot.press("end")  # off the screen: the table scrolls, all of it is drawn
        assert None in redrawn


def so_far(count: int) -> str:
    view = KeyView()
    view.replace(rows(0, count))
    return listing.progress(view)


async def test_the_count_of_keys_so_far_is_redrawn_without_a_layout(
        layouts: list[str]) -> None:
    app = Parts()
    async with app.run_test(size=TERMINAL) as pilot:
        line = app.query_one(StatusLine)
        line.show("loading", so_far(250))
        await pilot.pause()
        layouts.clear()
        line.show("loading", so_far(1250))
        await pilot.pause()
        assert layouts == []
        assert "1,250 so far" in str(line.render())
        line.show("loading", "x" * 200)  # longer than the line: it takes two
        assert "StatusLine" in layouts
        await pilot.pause()
        layouts.clear()
        line.show("info", "3 keys, 3 active")  # another state: shown another way
        assert "StatusLine" in layouts


async def test_moving_between_keys_lays_out_only_when_the_summary_changes_height(
        layouts: list[str]) -> None:
    app = Parts()
    async with app.run_test(size=TERMINAL) as pilot:
        table = app.query_one(KeyTable)
        table.fill(rows(0, 5) + rows(5, 6, name="a very long name " * 12), FIXED_NOW,
                   first=True)
        summary = app.query_one(KeySummary)
        await pilot.pause()
        summary.show(table.view.shown[0])
        await pilot.pause()
        layouts.clear()
        for row in table.view.shown[1:5]:
            summary.show(row)
            await pilot.pause()
        assert "KeySummary" not in layouts
        summary.show(table.view.shown[5])  # its name takes more lines
        assert layouts == ["KeySummary"]
        await pilot.pause()
        assert summary.size.height > 2


# -- the collector ---------------------------------------------------------------------------


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], list[tuple[str, int]]]:
    """What `keys.listing` asks of the garbage collector (collect, freeze), and in which
    thread, with the process's freeze count set (nothing is frozen for real: this test
    process runs many apps)."""
    calls: list[tuple[str, int]] = []

    def setup(frozen: int) -> list[tuple[str, int]]:
        monkeypatch.setattr(listing.gc, "get_freeze_count", lambda: frozen)
        monkeypatch.setattr(listing.gc, "freeze",
                            lambda: calls.append(("freeze", threading.get_ident())))
        monkeypatch.setattr(listing.gc, "collect",
                            lambda generation=2: calls.append((f"collect {generation}",
                                                               threading.get_ident())) or 0)
        return calls

    return setup


def two_pages(server: ScriptedServer) -> None:
    served(server)
    server.add(Reply(200, page(0, 250, cursor="c1")), Reply(200, page(250, 1400)))


@pytest.mark.parametrize(("every", "freezes"), [(250, 2), (listing.FREEZE_EVERY, 1)])
async def test_the_keys_are_kept_out_of_the_collector_s_passes_as_they_are_made(
        collector: Callable[[int], list[tuple[str, int]]], monkeypatch: pytest.MonkeyPatch,
        every: int, freezes: int) -> None:
    """The dashboard's own process freezes what start-up built (`tui.startup`): from then
    on, the keys are frozen too, every `FREEZE_EVERY` keys made and once the list is whole,
    off the event loop, after what is not frozen yet is collected (no garbage is kept)."""
    monkeypatch.setattr(listing, "FREEZE_EVERY", every)
    calls = collector(70_000)
    with ScriptedServer() as server:
        two_pages(server)
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            loop = threading.get_ident()
            await settle(pilot)
            assert app.screen.query_one(KeyTable).view.total == 1400
    assert [name for name, _thread in calls] == ["collect 2", "freeze"] * freezes
    assert loop not in {thread for _name, thread in calls}


async def test_a_process_that_freezes_nothing_has_nothing_frozen(
        collector: Callable[[int], list[tuple[str, int]]]) -> None:
    """Tests (many apps in one process), and start-up while collection is paused."""
    calls = collector(0)
    with ScriptedServer() as server:
        two_pages(server)
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert app.screen.query_one(KeyTable).view.total == 1400
    assert calls == []


# -- what a list holds -------------------------------------------------------------------------


def _writes_pydantic_internals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.startswith("__pydantic"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr == "__dict__" and isinstance(node.ctx, ast.Store):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_decode_boundary_touches_pydantic_s_internals() -> None:
    """What the keys share (`api.models.parse_key_page`) is set where they are made: a view
    or a screen never writes into a model."""
    sources = [path for folder in ("app", "screens", "widgets")
               for path in sorted((ROOT / folder).rglob("*.py"))
               if path != ROOT / "app/api/models.py"]
    assert [spot for path in sources for spot in _writes_pydantic_internals(path)] == []


def test_a_page_s_keys_share_their_fields_set_and_account_id() -> None:
    keys = parse_key_page(page(0, 300, account="acct_" + "x" * 20)).items
    assert len({id(key.model_fields_set) for key in keys}) == 1
    assert len({id(key.account_id) for key in keys}) == 1
    assert keys[0].model_fields_set == ApiCredential.model_validate(item(0)).model_fields_set


def test_equal_audit_findings_are_one_object() -> None:
    keys = parse_key_page(page(0, 300)).items  # each idle for 40 days, none expires
    report = audit(keys, FIXED_NOW)
    assert len(report.keys) == 300
    assert len({id(found.findings) for found in report.keys}) == 1
    assert report.keys[7].reason == audit([keys[7]], FIXED_NOW).keys[0].reason


async def test_a_list_loading_again_does_not_keep_the_last_one_s_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """r on a large account: while the new list arrives, the old list's keys are gone (its
    audit's findings held most of them: two lists at once, 50 MB more at 50,000 keys), freed
    in a worker thread a few rows at a time (at once, 400,000 objects on the event loop)."""
    freed: list[tuple[int, int]] = []  # (rows, thread)

    def let_go(rows: list[KeyRow]) -> None:
        freed.append((len(rows), threading.get_ident()))
        listing.let_go(rows)
        assert rows == []

    monkeypatch.setattr(api_access_page, "let_go", let_go)
    loop = threading.get_ident()
    with ScriptedServer() as server:
        served(server)
        server.add(Reply(200, page(0, 1200, account="acct_before")),
                   Reply(200, page(0, 250, cursor="c1", account="acct_after")),
                   Reply(200, page(250, 400, account="acct_after"), delay=PATIENCE))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            table = app.screen.query_one(KeyTable)
            assert table.view.total == 1200
            await until(pilot, lambda: bool(table.attention))  # audited: 1,200 flagged
            clock = app.session.monotonic
            assert isinstance(clock, SkippingClock)
            clock.skip(60)  # not the answer of a moment ago: the server's again
            await pilot.press("r")
            await until(pilot, lambda: table.view.total == 250)
            gc.collect()
            assert _alive("acct_before") == 0
            assert _alive("acct_after") == 250
    assert [rows for rows, _thread in freed] == [1200]
    assert loop not in {thread for _rows, thread in freed}


def _alive(account: str) -> int:
    return sum(isinstance(thing, ApiCredential) and thing.account_id == account
               for thing in gc.get_objects())
