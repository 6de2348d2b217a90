"""The key list's paging (OURS, docs/openrush-api.md): `GET /v1/me/api-credentials?limit&cursor`
pages newest first with a keyset cursor, `id` looks keys up, and without them the answer is
the whole list as it always was. The client walks the pages (`key_pages`), and copes with a
server that ignores the parameters (the whole list at once, or a page sent twice).

The property runs the real sandbox app in-process (httpx's ASGI transport, as `--sandbox`
does) with the real client: any list (with ties in `created_at`), any page size, the walk
gives exactly the unpaged list.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrush_tui.activity.names_lookup import KeyNames
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import BadResponse
from openrush_tui.api.models import UsageEvent
from openrush_tui.clock import format_instant, parse_instant
from openrush_tui.sandbox.app import Sandbox, create_sandbox
from openrush_tui.sandbox.options import RateLimits, SandboxOptions
from openrush_tui.sandbox.seed import credential_row
from tests.support.scripted_server import Reply, ScriptedServer

NOW = parse_instant("2026-06-26T12:00:00Z")
KEYS = "/v1/me/api-credentials"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    path: Path = tmp_path_factory.mktemp("paging") / "sandbox.sqlite3"
    box = create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=7,
                                        rate_limits=RateLimits(10**7, 10**8, 10**9)))
    yield box
    box.close()


def client_of(box: Sandbox) -> OpenRushClient:
    return OpenRushClient("http://127.0.0.1", box.session_token(),
                          transport=httpx.ASGITransport(app=box.app))


def replace_keys(box: Sandbox, keys: list[tuple[int, bool]]) -> None:
    """The demo account's keys become `keys`: (minutes before now it was made, active)."""
    account = box.demo_account_id
    with box.store.transaction() as db:
        db.execute("DELETE FROM credentials WHERE account_id = ?", (account,))
        rows = [credential_row(box.ids, account, f"key {number}",
                               format_instant(NOW - timedelta(minutes=minutes)), None, active)[3]
                for number, (minutes, active) in enumerate(keys)]
        box.store.add_credentials(db, rows)


async def walk(client: OpenRushClient, size: int) -> list[list[str]]:
    return [[key.id for key in page] async for page in client.key_pages(size)]


# -- the sandbox and the client together ------------------------------------------------------


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=30),
       size=st.integers(1, 35))
def test_paging_through_any_list_with_any_limit_gives_the_unpaged_list(
        sandbox: Sandbox, keys: list[tuple[int, bool]], size: int) -> None:
    # Minutes from 0 to 4: many keys share a created_at, so the cursor's tie-break counts.
    replace_keys(sandbox, keys)

    async def both() -> tuple[list[str], list[list[str]]]:
        async with client_of(sandbox) as client:
            return [key.id for key in await client.list_keys()], await walk(client, size)

    whole, pages = asyncio.run(both())
    assert list(itertools.chain.from_iterable(pages)) == whole
    assert len(whole) == len(keys)
    assert all(0 < len(page) <= size for page in pages) or (not keys and pages == [[]])
    assert len(pages) == max(1, -(-len(keys) // size))


def test_without_limit_the_answer_is_the_whole_list_as_before(sandbox: Sandbox) -> None:
    replace_keys(sandbox, [(1, True), (2, False), (3, True)])

    async def get(params: dict[str, object]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {sandbox.session_token()}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://sandbox", headers=headers) as http:
            return await http.get(KEYS, params=params)  # type: ignore[arg-type]

    whole = asyncio.run(get({})).json()
    assert list(whole) == ["api_credentials"] and len(whole["api_credentials"]) == 3
    first = asyncio.run(get({"limit": 2})).json()
    assert [key["id"] for key in first["api_credentials"]] == \
        [key["id"] for key in whole["api_credentials"][:2]]
    rest = asyncio.run(get({"limit": 2, "cursor": first["next_cursor"]})).json()
    assert rest == {"api_credentials": whole["api_credentials"][2:], "next_cursor": None}
    wanted = [whole["api_credentials"][2]["id"], "cred_nothing"]
    assert asyncio.run(get({"id": wanted, "limit": 5})).json()["api_credentials"] == \
        whole["api_credentials"][2:]
    for bad in ({"limit": 0}, {"limit": 5001}, {"limit": 2, "cursor": "nonsense"},
                {"id": [f"cred_{n}" for n in range(101)]}):
        assert asyncio.run(get(bad)).status_code == 422, bad


# -- a server that ignores the parameters -------------------------------------------------------


def item(number: int) -> dict[str, object]:
    return {"id": f"cred_{number:04d}", "name": f"key {number}", "prefix": "or_abcdef",
            "is_active": True, "created_at": "2026-06-01T09:00:00Z"}


def test_a_server_that_ignores_limit_answers_every_key_at_once_and_the_walk_takes_it() -> None:
    every = [item(n) for n in range(7)]
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": every}))

        async def run() -> tuple[list[list[str]], list[str] | None]:
            async with OpenRushClient(server.url, "or_test") as client:
                pages = await walk(client, 3)
                found = await client.keys_by_id(["cred_0002"])
                return pages, None if found is None else [key.id for key in found]

        pages, found = asyncio.run(run())
    assert pages == [[key["id"] for key in every]]
    assert found is None  # it answered with other keys: it cannot look keys up by id
    assert server.requests[0].query == {"limit": "3"}


def test_a_server_that_sends_a_page_again_ends_the_walk_with_an_error() -> None:
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": [item(1), item(2)],
                                              "next_cursor": "same"}))

        async def run() -> None:
            async with OpenRushClient(server.url, "or_test") as client:
                await walk(client, 2)

        with pytest.raises(BadResponse, match="twice"):
            asyncio.run(run())
    assert len(server.requests) <= 3  # never an endless walk


def test_names_come_from_a_walk_of_the_pages_when_the_server_cannot_look_keys_up() -> None:
    every = [item(n) for n in range(5)]
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": every}))
        event = UsageEvent.model_validate({"id": "use_1", "created_at": "2026-06-01T09:00:00Z",
                                           "source": "api", "credential_id": "cred_0003"})

        async def run() -> dict[str, str]:
            async with OpenRushClient(server.url, "or_test") as client:
                names = KeyNames(client)
                await names.learn([event])
                await names.learn([event])  # known: nothing asked again
                return names.names

        names = asyncio.run(run())
    assert names["cred_0003"] == "key 3"
    assert len(server.requests) == 2  # the look-up by id, then one page of every key


def test_names_are_looked_up_by_id_on_the_sandbox(sandbox: Sandbox) -> None:
    replace_keys(sandbox, [(minute, True) for minute in range(12)])

    async def run() -> tuple[dict[str, str], list[str]]:
        async with client_of(sandbox) as client:
            every = await client.list_keys()
            wanted = [every[3].id, every[9].id]
            events = [UsageEvent.model_validate(
                {"id": f"use_{n}", "created_at": "2026-06-01T09:00:00Z", "source": "api",
                 "credential_id": key_id}) for n, key_id in enumerate(wanted)]
            names = KeyNames(client)
            await names.learn(events)
            return names.names, [every[3].name, every[9].name]

    names, expected = asyncio.run(run())
    assert sorted(names.values()) == sorted(expected)
