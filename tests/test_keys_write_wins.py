"""A write's result is never undone by a read asked for before it (a new user's trial: a key
revoked while a refresh was on its way showed "active" again, in the row, the counts and the
key's summary, until it was revoked a second time).

The real sandbox over HTTP on 127.0.0.1, behind a front (`scripted_server.FaultServer`) that
holds the answer to a list of keys (`Fault(hold_answer=True)`): the sandbox answers at once
(the answer says what was true then), and the front sends it only once the test releases it.
No timing: events order everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.reveal import LEAVE_DIALOG, KeyRevealScreen
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_summary import KeySummary
from tests.support.apps import FIXED_NOW, TERMINAL, SkippingClock, later, settle, text_of, until
from tests.support.faults import FaultySandbox, faulty_sandbox
from tests.support.keys import select, state_text, table_of
from tests.support.patience import PATIENCE
from tests.support.scripted_server import Fault, FaultServer

pytestmark = pytest.mark.usefixtures("isolated_home")

NAME = "🚀 rocket 👩‍💻 dev 🇫🇷"  # the trial's key


def hold_next_list(front: FaultServer) -> threading.Event:
    """The next GET of the list of keys is answered by the sandbox at once and sent to the
    client only once the event returned is set."""
    release = threading.Event()
    front.inject(Fault(hold=release, hold_answer=True, once=True), "keys")
    return release


def list_held(front: FaultServer) -> bool:
    return "keys" in front.held


@contextlib.contextmanager
def served(folder: Path) -> Iterator[tuple[FaultySandbox, FaultServer]]:
    """The seeded demo account (and the trial's key) behind its front over HTTP."""
    with faulty_sandbox(folder) as faulty:
        faulty.new_key(NAME)
        yield faulty, faulty.server


def dashboard(front: FaultServer, key: str) -> OpenRushApp:
    """API access on the front, signed in as with OPENRUSH_KEY. A request held is waited for
    (a read timeout would send it again, and the answer would no longer be from before)."""
    settings = Settings(api_url=front.url, fixed_now=FIXED_NOW, connect_timeout=PATIENCE,
                        read_timeout=PATIENCE * 2, deadline=PATIENCE * 3)
    session = Session(settings, StoredKey(Secret(key), "environment"),
                      monotonic=SkippingClock())
    return OpenRushApp(settings, session, clock=fixed_clock(FIXED_NOW), first_page="api-access")


def client_of(front: FaultServer, key: str) -> OpenRushClient:
    """A client whose budget's clock stands still (an answer kept is reused however long the
    test takes) and that waits for a request held."""
    return OpenRushClient(front.url, key, read_timeout=PATIENCE * 2, deadline=PATIENCE * 3,
                          budget=RequestBudget(monotonic=SkippingClock()))


def status_of(app: Any, name: str) -> str:
    return next(row.status for row in table_of(app).view.rows if row.key.name == name)


def summary_of(app: Any) -> str:
    return text_of(app.screen.query_one(KeySummary))


async def test_a_refresh_asked_before_a_revoke_does_not_undo_it(tmp_path: Path) -> None:
    with served(tmp_path) as (faulty, front):
        app = dashboard(front, faulty.key)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await select(pilot, NAME)
            total = table_of(app).view.total
            active = table_of(app).view.active
            # A refresh (r, a while after the last list: the server is asked), whose answer
            # (the key still active) is held on its way.
            later(app, 60)
            release = hold_next_list(front)
            await pilot.press("r")
            await until(pilot, lambda: list_held(front))
            # The key is revoked meanwhile, as the user did it: d, Tab, Enter.
            await pilot.press("d")
            await until(pilot, lambda: app.screen.id == REVOKE_DIALOG and app.focused is not None
                        and app.focused.id == "cancel")  # Tab before that focuses Cancel
            await pilot.press("tab", "enter")
            await until(pilot, lambda: status_of(app, NAME) == "revoked")
            # The refresh's old answer arrives now: it must not undo the revoke.
            release.set()
            await settle(pilot)
            assert status_of(app, NAME) == "revoked"
            assert f"{total} keys, {active - 1} active" in state_text(app)
            assert table_of(app).current is not None
            assert table_of(app).current.key.name == NAME
            assert " revoked " in f" {summary_of(app)} "
            # r at once: an answer kept in the request budget (within its reuse window)
            # must be one the server gave after the revoke.
            await pilot.press("r")
            await settle(pilot)
            assert status_of(app, NAME) == "revoked"
            assert f"{total} keys, {active - 1} active" in state_text(app)


async def test_a_key_created_while_a_refresh_is_held_is_listed_and_selected(
        tmp_path: Path) -> None:
    """The create's own reload must not share the refresh still on its way from before."""
    with served(tmp_path) as (faulty, front):
        app = dashboard(front, faulty.key)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            total = table_of(app).view.total
            later(app, 60)
            release = hold_next_list(front)
            await pilot.press("r")
            await until(pilot, lambda: list_held(front))
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, KeyCreateScreen))
            await pilot.press(*"made meanwhile", "enter")
            await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
            release.set()
            await settle(pilot)
            await pilot.press("escape")  # the reveal: Close; its question: Close anyway
            await until(pilot, lambda: app.screen.id == LEAVE_DIALOG)
            await pilot.press("tab", "enter")
            await settle(pilot)
            assert table_of(app).view.total == total + 1
            assert table_of(app).current is not None
            assert table_of(app).current.key.name == "made meanwhile"
            assert status_of(app, "made meanwhile") == "active"


async def test_a_list_asked_for_before_a_write_is_never_reused_after_it(
        tmp_path: Path) -> None:
    """The request budget's side, for every caller: an answer to a GET sent before a write
    and arriving after it is not kept for reuse, and a GET made after the write does not
    share a request still in flight from before it."""
    with served(tmp_path) as (faulty, front):
        client = client_of(front, faulty.key)
        async with client:
            [key] = [key for key in await client.list_keys() if key.name == NAME]
            release = hold_next_list(front)
            before = asyncio.ensure_future(client.key_page(limit=250))
            assert await asyncio.to_thread(front.wait_held, "keys", PATIENCE)
            revoked = await client.revoke_key(key.id)
            assert revoked is not None and not revoked.is_active
            # Asked after the revoke while the old request is still held: its own request.
            after = asyncio.ensure_future(client.key_page(limit=250))
            release.set()
            old, new = await before, await after
            assert next(item for item in old.items if item.id == key.id).is_active
            assert not next(item for item in new.items if item.id == key.id).is_active
            # And the old answer was not kept: asked again, the page says revoked.
            again = await client.key_page(limit=250)
            assert not next(item for item in again.items if item.id == key.id).is_active


async def test_a_write_with_another_key_of_the_same_server_outdates_this_keys_answers(
        tmp_path: Path) -> None:
    """A rotation revokes the old key with the new one (another key's budget): the answers
    the dashboard's key kept are out of date all the same."""
    with served(tmp_path) as (faulty, front):
        client = client_of(front, faulty.key)
        async with client:
            [key] = [key for key in await client.list_keys() if key.name == NAME]
            created = await client.create_key("rotation's new key")
            other = client.with_key(created.key.get_secret_value())
            assert other.budget is not client.budget
            assert any(item.is_active for item in (await client.key_page(limit=250)).items
                       if item.id == key.id)  # kept by the dashboard's key
            await other.revoke_key(key.id)
            page = await client.key_page(limit=250)
            assert not next(item for item in page.items if item.id == key.id).is_active


async def test_the_requests_from_before_and_after_a_write_each_keep_their_place(
        budget: RequestBudget) -> None:
    """The budget alone, each answer released by hand: the request sent before a write is
    not shared after it, and its end does not take the place of the one sent after."""
    gates = [asyncio.Event(), asyncio.Event(), asyncio.Event()]
    started = asyncio.Event()
    calls: list[int] = []

    async def fetch() -> str:
        number = len(calls)
        calls.append(number)
        started.set()
        await gates[number].wait()
        return f"answer {number}"

    before = asyncio.ensure_future(budget.get("keys", fetch))
    await started.wait()
    budget.forget_answers()  # a write ends
    after = [asyncio.ensure_future(budget.get("keys", fetch)) for _ in range(2)]
    gates[0].set()
    assert await before == "answer 0"  # its callers asked before the write
    later = asyncio.ensure_future(budget.get("keys", fetch))  # the one after is still out
    gates[1].set()
    gates[2].set()  # (a third request would not hang the test, only fail it)
    assert [await after[0], await after[1], await later] == ["answer 1"] * 3
    assert calls == [0, 1]
    assert await budget.get("keys", fetch) == "answer 1"  # kept: asked after the write
