"""A rotation's looks at its old key (when-idle) ask for that key by id (issue 23): one small
answer a look whatever the account's size, not the whole list (11.6 MB at 50,000 keys, once
a minute for as long as the wait lasts). Against the real sandbox (in-process, its own HTTP
app), every request the flow sends counted; and against a server that does not look keys up
by id, which still works (the whole list, as before).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import parse_credential
from openrush_tui.keys.rotate import Created, Revoked, Rotation, Step, Waiting
from openrush_tui.sandbox import Sandbox
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import MovingClock, clocked_sandbox
from tests.support.scripted_server import Reply, ScriptedServer

KEYS_PATH = "/v1/me/api-credentials"




class Counted(httpx.AsyncBaseTransport):
    """The sandbox's ASGI app as a transport, each request and its answer's size kept."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = httpx.ASGITransport(app=sandbox.app)
        self.sent: list[tuple[str, str, dict[str, list[str]], int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.sent.append((request.method, request.url.path,
                          parse_qs(request.url.query.decode()), len(body)))
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    def key_list_reads(self) -> list[tuple[dict[str, list[str]], int]]:
        return [(query, size) for method, path, query, size in self.sent
                if method == "GET" and path == KEYS_PATH]


@pytest.fixture
def clock() -> MovingClock:
    """The flow's and the sandbox's time: each sleep moves it (no real waiting)."""
    return MovingClock()


@pytest.fixture
def sandbox(tmp_path: Path, clock: MovingClock) -> Iterator[Sandbox]:
    with clocked_sandbox(tmp_path / "sandbox.sqlite3", clock) as box:
        yield box


async def test_each_look_at_the_old_key_is_one_request_for_that_key_alone(
        sandbox: Sandbox, clock: MovingClock) -> None:
    counted = Counted(sandbox)
    admin_key = sandbox.mint_bootstrap_key()
    budget = RequestBudget(monotonic=lambda: clock.now.timestamp())
    async with OpenRushClient("http://127.0.0.1", admin_key, transport=counted,
                              budget=budget) as admin:
        for index in range(30):  # other keys of the account: none of them is asked for
            await admin.create_key(f"other {index}")
        created = await admin.create_key("busy")
        old, old_raw = created.api_credential, created.key.get_secret_value()
        async with OpenRushClient("http://127.0.0.1", old_raw,
                                  transport=httpx.ASGITransport(app=sandbox.app)) as production:
            await production.credits()  # the old key is in use: the flow waits
            uses = iter([True, True])

            async def sleep(seconds: float) -> None:
                await clock.sleep(seconds)
                if next(uses, False):
                    await production.credits()  # production calls again meanwhile

            counted.sent.clear()
            rotation = Rotation(admin, old, revoke_old="when-idle",
                                idle=timedelta(minutes=2), clock=clock, sleep=sleep)
            steps: list[Step] = [step async for step in rotation.run()]
    assert isinstance(steps[0], Created) and isinstance(steps[-1], Revoked)
    looks = [step for step in steps if isinstance(step, Waiting)]
    reads = counted.key_list_reads()
    assert len(looks) >= 2
    # One request a look (and the one that found it idle), each for the old key by id.
    assert len(reads) == len(looks) + 1
    for query, size in reads:
        assert query == {"limit": ["1"], "id": [old.id]}
        assert size < 1000  # one key's answer, not the account's 33 keys


async def test_a_server_that_does_not_look_keys_up_by_id_is_read_whole(clock: MovingClock) -> None:
    """It answers every key whatever is asked: the flow finds the old key in the list, and
    asks the whole list from then on (not by id first, and again whole, at each look)."""
    other = {"id": "cred_other", "name": "Other", "prefix": "or_other", "is_active": True,
             "created_at": "2026-06-26T11:00:00Z", "last_used_at": None, "expires_at": None}
    old = {"id": "cred_old", "name": "Old", "prefix": "or_oldold", "is_active": True,
           "created_at": "2026-06-26T10:00:00Z", "expires_at": None}
    created = {"key": "or_" + "n" * 40, "api_credential": {
        "id": "cred_new", "name": "Old 2026-06-26", "prefix": "or_newnew", "is_active": True,
        "created_at": "2026-06-26T12:00:00Z", "last_used_at": None, "expires_at": None}}
    used = (FIXED_NOW - timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    idle = (FIXED_NOW - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    with ScriptedServer() as server:
        server.add(Reply(201, created),
                   Reply(200, {"api_credentials": [other, {**old, "last_used_at": used}]}),
                   Reply(200, {"api_credentials": [other, {**old, "last_used_at": used}]}),
                   Reply(200, {"api_credentials": [other, {**old, "last_used_at": idle}]}),
                   Reply(200, {"api_credential": {**old, "is_active": False}}))
        budget = RequestBudget(monotonic=lambda: clock.now.timestamp())
        async with OpenRushClient(server.url, "or_admin", read_timeout=2,
                                  budget=budget) as client:
            rotation = Rotation(client, parse_credential({**old, "last_used_at": used}),
                                revoke_old="when-idle", idle=timedelta(minutes=10),
                                clock=clock, sleep=clock.sleep)
            steps = [step async for step in rotation.run()]
        reads = [request.target for request in server.requests if request.path == KEYS_PATH
                 and request.method == "GET"]
    assert isinstance(steps[-1], Revoked), steps
    assert reads[0] == f"{KEYS_PATH}?limit=1&id=cred_old"
    assert reads[1:] == [KEYS_PATH, KEYS_PATH]
