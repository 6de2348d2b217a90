"""API access with a large account (issue 23): the list arrives in pages and is shown as it
comes, in bounded slices the event loop takes between key presses, its rows made in a thread,
the audit run in a thread once the whole list is in, what a list repeats kept once.

Structural, never timed: which thread does the work, how many rows one call hands the table,
whether a key press posted in the middle of a load takes effect before the load ends, what
the screen says while a page is still on its way (the scripted server holds it back), and
which objects stay alive. The figures (latency, memory) are bench/keys.py's.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.pilot import Pilot

from openrush_tui.api.models import ApiCredential, parse_key_page
from openrush_tui.keys import attention, listing
from openrush_tui.keys.audit import AuditReport
from openrush_tui.keys.view import SLICE, SORT_COLUMNS, KeyRow, KeyView, SortColumn, rows_of
from openrush_tui.screens.api_access import page as api_access_page
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.widgets import key_table
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.status_line import StatusLine
from tests.support.apps import FIXED_NOW, TERMINAL, notices, remote_app, settle, text_of, until
from tests.support.patience import PATIENCE
from tests.support.scripted_server import Reply, ScriptedServer

KEY = "or_" + "k" * 40
KEYS_PATH = "/v1/me/api-credentials"
ACCOUNT = "acct_scale"


def item(index: int, account: str = ACCOUNT) -> dict[str, Any]:
    """Key `index`, newest first by index (a second apart), idle for 40 days (the audit
    flags it), of `account`."""
    made = FIXED_NOW - timedelta(days=60, seconds=index)
    return {"id": f"cred_{index:06d}", "account_id": account, "name": f"key {index:06d}",
            "prefix": f"or_{index:06d}", "is_active": True,
            "created_at": made.isoformat().replace("+00:00", "Z"),
            "last_used_at": (FIXED_NOW - timedelta(days=40)).isoformat().replace("+00:00", "Z"),
            "expires_at": None}


def page(start: int, stop: int, cursor: str | None = None,
         account: str = ACCOUNT) -> dict[str, Any]:
    return {"api_credentials": [item(index, account) for index in range(start, stop)],
            "next_cursor": cursor}


def asked(server: ScriptedServer) -> list[str]:
    """The key list's requests so far (their query strings)."""
    return [request.target for request in server.requests if request.path == KEYS_PATH]


def served(server: ScriptedServer) -> None:
    server.route("GET", "/v1/me/credits", Reply(200, {"balance": 5000}))


def page_of(pilot: Pilot[Any]) -> ApiAccessScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ApiAccessScreen)
    return screen


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """Spies on where the list's work runs: the thread of each row made, of each audit, of
    each count of an audit report; the size of each hand-over to the view."""
    seen: dict[str, list[Any]] = {"rows": [], "audits": [], "counts": [], "handed": []}
    of, audit, counts = KeyRow.of.__func__, attention.audit, AuditReport.counts  # type: ignore[attr-defined]

    def row_of(cls: type[KeyRow], key: ApiCredential, now: datetime) -> KeyRow:
        seen["rows"].append(threading.get_ident())
        return of(cls, key, now)  # type: ignore[no-any-return]

    def audited(*args: Any, **kwargs: Any) -> AuditReport:
        seen["audits"].append(threading.get_ident())
        return audit(*args, **kwargs)

    def counted(self: AuditReport) -> Any:
        seen["counts"].append(threading.get_ident())
        return counts(self)

    monkeypatch.setattr(KeyRow, "of", classmethod(row_of))
    monkeypatch.setattr(attention, "audit", audited)  # (before issue 23: Attention.follow)
    monkeypatch.setattr(api_access_page, "audit", audited, raising=False)
    monkeypatch.setattr(AuditReport, "counts", counted)
    for name in ("load", "replace", "extend"):
        if (method := getattr(KeyView, name, None)) is not None:
            monkeypatch.setattr(KeyView, name, _handed(method, seen["handed"]))
    yield seen


def _handed(method: Any, sizes: list[int]) -> Any:
    def spy(self: KeyView, items: list[Any], *args: Any) -> Any:
        sizes.append(len(items))
        return method(self, items, *args)
    return spy


async def test_a_large_list_s_rows_and_audit_are_made_off_the_event_loop(
        calls: dict[str, list[Any]]) -> None:
    """12 µs a key to make a row, 0.3 s to audit 50,000 keys: a worker thread's, never the
    event loop's (its key presses would wait). And a move of the cursor does not count the
    audit's findings again (0.8 s at 50,000 keys, once per report, in that thread)."""
    with ScriptedServer() as server:
        served(server)
        server.route("GET", KEYS_PATH, Reply(200, page(0, 1500)))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            loop_thread = threading.get_ident()
            await settle(pilot)
            assert page_of(pilot).table.view.total == 1500
            assert len(calls["rows"]) >= 1500
            assert loop_thread not in calls["rows"]
            assert calls["audits"] and loop_thread not in calls["audits"]
            del calls["counts"][:]
            for _ in range(5):
                await pilot.press("down")
            await settle(pilot)
            assert page_of(pilot).table.cursor == 5
            assert loop_thread not in calls["counts"]


async def test_the_table_is_filled_in_bounded_slices(calls: dict[str, list[Any]]) -> None:
    """No call hands the table more than SLICE rows (the event loop runs between them)."""
    with ScriptedServer() as server:
        served(server)
        server.route("GET", KEYS_PATH, Reply(200, page(0, 2 * SLICE + 500)))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert page_of(pilot).table.view.total == 2 * SLICE + 500
    handed = [size for size in calls["handed"] if size]
    assert max(handed) <= SLICE, handed
    assert sum(handed) == 2 * SLICE + 500


async def test_a_key_press_takes_effect_between_the_slices_of_one_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A press posted as the first slice is shown moves the cursor while later slices of the
    same answer are still to come: the loop handles it between them. (Slices of 50 here, so
    that a page has many.)"""
    monkeypatch.setattr(listing, "SLICE", 50, raising=False)
    monkeypatch.setattr(key_table, "SLICE", 50, raising=False)
    seen: list[tuple[int, int]] = []  # (keys in the table, cursor) at each change of the view
    original = KeyTable._after_view_change

    def spy(self: KeyTable, keep: str | None, **options: Any) -> None:
        original(self, keep, **options)
        if self.view.total and not seen:
            self.app.post_message(events.Key("down", None))
        if self.view.total:
            seen.append((self.view.total, self.cursor))

    monkeypatch.setattr(KeyTable, "_after_view_change", spy)
    with ScriptedServer() as server:
        served(server)
        server.route("GET", KEYS_PATH, Reply(200, page(0, 1500)))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert page_of(pilot).table.cursor == 1
    moved = [total for total, cursor in seen if cursor == 1]
    assert moved and min(moved) < 1500, seen[:5]


async def test_the_newest_keys_show_while_the_rest_arrive_and_the_audit_waits() -> None:
    """A page of the list still on its way (the server holds it): the first page is on
    screen, the line above it counts the keys so far, a and D say they wait for the rest."""
    with ScriptedServer() as server:
        served(server)
        server.add(Reply(200, page(0, 250, cursor="c1")),
                   Reply(200, page(250, 400), delay=PATIENCE))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            screen = page_of(pilot)
            await until(pilot, lambda: screen.table.view.total == 250)
            await until(pilot, lambda: len(asked(server)) == 2 or not screen.loading_page)
            assert screen.loading_page
            # A screen's worth first, then the pages of 1,000 from where it ended.
            assert asked(server) == [f"{KEYS_PATH}?limit={listing.FIRST_PAGE}",
                                     f"{KEYS_PATH}?limit={listing.PAGE}&cursor=c1"]
            line = screen.query_one(StatusLine)
            assert line.state == "loading"
            # The count is drawn once the slice is in (on a busy machine, after the table).
            said = ("Loading keys… 250 so far, newest first; the audit waits for the rest.")
            await until(pilot, lambda: text_of(line).strip() == said)
            assert screen.table.get_row_at(0)[0].plain == "key 000000"
            await pilot.press("a")
            await until(pilot, lambda: any("the audit waits" in note for note in notices(app)))
            assert "250 keys loaded so far; the audit waits for the rest of the list." in \
                   " ".join(notices(app))
            assert screen.table.view.only is None


async def test_a_list_cut_short_says_how_much_of_it_was_loaded() -> None:
    with ScriptedServer() as server:
        served(server)
        server.add(Reply(200, page(0, 250, cursor="c1")),
                   Reply(400, {"detail": "invalid cursor"}))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            screen = page_of(pilot)
            assert screen.table.view.total == 250
            line = screen.query_one(StatusLine)
            assert line.state == "error"
            assert text_of(line).strip().endswith(
                "Only the newest 250 keys were loaded: press r to load the whole list.")


async def test_the_keys_of_a_list_share_what_they_repeat_and_are_held_once() -> None:
    """Memory: pydantic's set of given fields (728 bytes a key) and the account id are one
    object for the whole list, and no second copy of the keys or their rows stays alive."""
    with ScriptedServer() as server:
        served(server)
        server.route("GET", KEYS_PATH, Reply(200, page(0, 1200, account="acct_held_once")))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            rows = page_of(pilot).table.view.rows
            assert len(rows) == 1200
            assert len({id(row.key.model_fields_set) for row in rows}) == 1
            assert len({id(row.key.account_id) for row in rows}) == 1
            gc.collect()
            alive = gc.get_objects()
            # This test's keys (the process holds other tests' too).
            assert sum(isinstance(thing, ApiCredential) and thing.account_id == "acct_held_once"
                       for thing in alive) == 1200
            assert sum(isinstance(thing, KeyRow) and thing.key.account_id == "acct_held_once"
                       for thing in alive) == 1200


def test_a_shared_field_set_is_never_changed_through_another_key() -> None:
    keys = parse_key_page(page(0, 3)).items
    assert keys[0].model_fields_set is keys[1].model_fields_set
    changed = keys[0].model_copy(update={"fingerprint": "fp"})
    assert "fingerprint" in changed.model_fields_set
    assert "fingerprint" not in keys[1].model_fields_set
    assert keys[1].model_dump(exclude_unset=True) == ApiCredential.model_validate(
        item(1)).model_dump(exclude_unset=True)


# -- the view, a slice at a time --------------------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)
keys_drawn = st.lists(st.tuples(st.integers(0, 5), st.booleans(), st.sampled_from("abAB")),
                      max_size=60)


@settings(max_examples=150, deadline=None)
@given(keys=keys_drawn, cuts=st.lists(st.integers(1, 12), max_size=12),
       column=st.sampled_from(SORT_COLUMNS), descending=st.booleans(),
       needle=st.sampled_from(["", "a", "b1", "zz"]), hide=st.booleans(),
       only=st.none() | st.frozensets(st.integers(0, 59)))
def test_a_list_given_in_slices_is_the_list_given_at_once(
        keys: list[tuple[int, bool, str]], cuts: list[int], column: SortColumn,
        descending: bool, needle: str, hide: bool, only: frozenset[int] | None) -> None:
    """Newest first (the server's order, ties in the second of creation included) or not,
    in any order, filter and narrowing: `replace` then `extend` slice by slice shows what
    `load` of the whole list shows, and what `extend` says is unchanged is."""
    credentials = [ApiCredential(id=f"cred_{index:03d}", name=f"{letter}{index}",
                                 prefix=f"or_{index:03d}", is_active=active,
                                 created_at=BASE - timedelta(seconds=age))
                   for index, (age, active, letter) in enumerate(keys)]
    credentials.sort(key=lambda key: key.created_at, reverse=True)
    rows = rows_of(credentials, FIXED_NOW)

    def view() -> KeyView:
        fresh = KeyView()
        fresh.sort_by(column, descending)
        fresh.set_filter(needle)
        fresh.set_hide_inactive(hide)
        fresh.set_only(None if only is None else frozenset(f"cred_{i:03d}" for i in only))
        return fresh

    whole, sliced = view(), view()
    whole.replace(rows)
    sizes = iter(cuts)
    sliced.replace(rows[:next(sizes, len(rows))])
    start = len(sliced.rows)
    while start < len(rows):
        size = next(sizes, len(rows))
        before = list(sliced.shown)
        unchanged = sliced.extend(rows[start:start + size])
        assert sliced.shown[:unchanged] == before[:unchanged]
        start += size
    assert [row.id for row in sliced.ordered] == [row.id for row in whole.ordered]
    assert [row.id for row in sliced.shown] == [row.id for row in whole.shown]
    assert sliced.shown is not sliced.ordered


def test_a_worker_thread_offers_the_event_loop_its_turn_as_it_goes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows and the audit are made in a thread that hands the GIL over every 256 keys (a key
    press then waits for 256 keys' work, not for the interpreter's switch interval)."""
    offered: list[float] = []
    monkeypatch.setattr(listing.time, "sleep", offered.append)
    assert list(listing.in_turns(range(1000))) == list(range(1000))
    assert offered == [0, 0, 0]
