"""The sandbox in-process (no server): what lands on disk, determinism, seeding, ASGI use."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from openrush_tui.clock import parse_instant
from openrush_tui.sandbox import RateLimits, Sandbox, SandboxOptions, create_sandbox
from openrush_tui.sandbox.keys import key_hash
from openrush_tui.sandbox.store import UsageFilter

NOW = parse_instant("2026-06-26T12:00:00Z")
KEY_FORMAT = re.compile(r"or_[0-9A-Za-z]{40}")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = create_sandbox(SandboxOptions(db_path=tmp_path / "sandbox.sqlite3", now=NOW, key_seed=7))
    yield box
    box.close()


def client(box: Sandbox, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=box.app), base_url="http://sandbox", headers=headers
    )


def everything(box: Sandbox) -> list[dict]:
    items, _ = box.store.usage_page(box.demo_account_id, UsageFilter(), 100_000)
    return items


async def test_no_raw_key_is_ever_written_to_disk(sandbox: Sandbox, tmp_path: Path) -> None:
    raw = [sandbox.mint_bootstrap_key()]
    async with client(sandbox, raw[0]) as http:
        for name in ("one", "two", "three"):
            response = await http.post("/v1/me/api-credentials", json={"name": name})
            raw.append(response.json()["key"])
        assert (await http.get("/v1/me/credits", headers={"X-API-Key": raw[-1]})).status_code == 200

    def disk() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("sandbox.sqlite3*")))

    for stage in ("open", "closed"):
        data = disk()
        for key in raw:
            assert KEY_FORMAT.fullmatch(key)
            assert key.encode() not in data, stage
            assert key[9:].encode() not in data, stage
            assert key_hash(key).encode() in data, stage  # we did read the right files
        sandbox.close()


def test_same_clock_and_seed_give_the_same_sandbox(tmp_path: Path) -> None:
    boxes = [
        create_sandbox(SandboxOptions(db_path=tmp_path / name / "s.sqlite3", now=NOW, key_seed=7))
        for name in ("a", "b")
    ]
    try:
        a, b = boxes
        assert a.demo_account_id == b.demo_account_id
        assert a.store.credentials(a.demo_account_id) == b.store.credentials(b.demo_account_id)
        assert everything(a) == everything(b) and len(everything(a)) > 300
        assert a.mint_bootstrap_key() == b.mint_bootstrap_key()
        assert a.session_token() == b.session_token()
    finally:
        for box in boxes:
            box.close()
    other = create_sandbox(
        SandboxOptions(db_path=tmp_path / "c" / "s.sqlite3", now=NOW, key_seed=8)
    )
    try:
        assert other.demo_account_id != a.demo_account_id
    finally:
        other.close()


def test_unseeded_keys_are_random_and_well_formed(tmp_path: Path) -> None:
    keys = []
    for name in ("a", "b"):
        box = create_sandbox(SandboxOptions(db_path=tmp_path / f"{name}.sqlite3"))
        try:
            keys.append(box.mint_bootstrap_key())
        finally:
            box.close()
    assert all(KEY_FORMAT.fullmatch(k) for k in keys) and keys[0] != keys[1]


async def test_reopening_a_seeded_database_never_reissues_a_key(tmp_path: Path) -> None:
    # The bootstrap key is kept across openings (issue 20); a key created after a reopening
    # comes from the opening's own stream, so it is never one created before.
    options = SandboxOptions(db_path=tmp_path / "s.sqlite3", now=NOW, key_seed=7)
    first = create_sandbox(options)
    old = first.mint_bootstrap_key()
    made_before, _ = first.create_key(first.demo_account_id, "before", None)
    first.close()
    second = create_sandbox(options)
    try:
        assert second.mint_bootstrap_key() == old
        made_after, _ = second.create_key(second.demo_account_id, "after", None)
        assert made_after not in (made_before, old)
        async with client(second) as http:
            for key in (old, made_before, made_after):
                response = await http.get("/v1/me/credits", headers={"X-API-Key": key})
                assert response.status_code == 200
        bootstrap = [c for c in second.store.credentials(second.demo_account_id)
                     if c["name"] == "sandbox bootstrap"]  # fmt: skip
        assert [c["is_active"] for c in bootstrap] == [True]
    finally:
        second.close()


def test_seed_top_up_reaches_at_least_the_requested_numbers(tmp_path: Path) -> None:
    def counts(keys: int, events: int) -> tuple[int, int]:
        box = create_sandbox(SandboxOptions(db_path=tmp_path / "s.sqlite3", now=NOW, key_seed=7,
                                            seed_keys=keys, seed_events=events))  # fmt: skip
        try:
            account = box.demo_account_id
            return box.store.count_credentials(account), box.store.count_events(account)
        finally:
            box.close()

    base_keys, base_events = counts(0, 0)
    assert 6 <= base_keys <= 8 and 300 <= base_events <= 600
    assert counts(12, 150) == (base_keys + 12, base_events + 150)
    assert counts(5, 100) == (base_keys + 12, base_events + 150)  # already enough
    assert counts(20, 150) == (base_keys + 20, base_events + 150)


async def test_usage_over_asgi_transport(sandbox: Sandbox) -> None:
    token = sandbox.session_token()
    async with client(sandbox, token) as http:
        first = await http.get("/v1/me/usage", params={"limit": 10})
        assert first.status_code == 200
        page = first.json()
        assert len(page["items"]) == 10 and page["next_cursor"]
        second = await http.get("/v1/me/usage", params={"limit": 10, "cursor": page["next_cursor"]})
        ids = [i["id"] for i in page["items"] + second.json()["items"]]
        assert len(set(ids)) == 20
        mcp = await http.get("/v1/me/usage", params={"source": "mcp", "limit": 200})
        assert {i["source"] for i in mcp.json()["items"]} == {"mcp"}
        assert (await http.get("/v1/me/credits")).json() == {"balance": 1250}
        assert (await http.post("/v1/tools/audit_site")).status_code == 200
        assert (await http.get("/v1/me/credits")).json() == {"balance": 1240}
    # The session's reads are not API usage; its billed tool call is.
    latest = everything(sandbox)[:2]
    assert latest[0]["tool"] == "audit_site" and latest[0]["credential_id"] is None
    assert latest[1]["endpoint"] != "/v1/me/credits"


async def test_session_tokens_expire_on_the_sandbox_clock(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=7))
    token = first.session_token()
    first.close()
    for days, status in ((29, 200), (31, 401)):
        later = create_sandbox(SandboxOptions(db_path=path, now=NOW + timedelta(days=days)))
        try:
            async with client(later, token) as http:
                response = await http.get("/v1/me/credits")
                assert response.status_code == status
        finally:
            later.close()


async def test_refused_and_rate_limited_calls_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    limits = RateLimits(per_minute=2)
    box = create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=7, rate_limits=limits))
    key = box.mint_bootstrap_key()
    async with client(box, key) as http:
        statuses = [(await http.get("/v1/me/credits")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    # a revoked key's attempt shows up in its owner's Activity as a 401
    [bootstrap] = [c for c in box.store.credentials(box.demo_account_id)
                   if c["name"] == "sandbox bootstrap"]  # fmt: skip
    box.store.revoke_credential(box.demo_account_id, bootstrap["id"])
    async with client(box, key) as http:
        assert (await http.get("/v1/me/credits")).status_code == 401
    recent = everything(box)[:4]
    box.close()
    assert [(e["status_code"], e["status"]) for e in recent] == [
        (401, "error"), (429, "rate_limited"), (200, "success"), (200, "success"),
    ]  # fmt: skip
    assert {e["credential_id"] for e in recent} == {bootstrap["id"]}


def test_endpoints_that_touch_sqlite_are_plain_def(sandbox: Sandbox) -> None:
    for route in sandbox.app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/v1/me"):
            assert not inspect.iscoroutinefunction(route.endpoint), route.path
        if isinstance(route, APIRoute) and route.path.startswith("/v1/tools"):
            assert not inspect.iscoroutinefunction(route.endpoint), route.path


def test_importing_the_package_does_not_load_fastapi() -> None:
    code = (
        "import sys, openrush_tui.sandbox; "
        "print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


async def test_a_file_from_before_user_agents_gets_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    box = create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=7))
    key = box.mint_bootstrap_key()
    box.close()
    with sqlite3.connect(path) as db:  # as the first release left it
        db.execute("ALTER TABLE usage_events DROP COLUMN user_agent")
    box = create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=7))
    try:
        async with client(box, key) as http:
            await http.get("/v1/me/credits", headers={"User-Agent": "openrush-tui/1.0"})
            newest = (await http.get("/v1/me/usage", params={"limit": 1})).json()["items"][0]
        assert newest["endpoint"] == "/v1/me/credits"
        assert newest["user_agent"] == "openrush-tui/1.0"
    finally:
        box.close()
