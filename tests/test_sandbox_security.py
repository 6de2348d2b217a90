"""The sandbox as an attacker or another user of the machine meets it: guessing keys,
flooding a revoked key's Activity, reading its database, predicting its keys."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from openrush_tui.activity.events import is_own_read
from openrush_tui.api.models import UsageEvent
from openrush_tui.clock import parse_instant
from openrush_tui.commands import terminal
from openrush_tui.main import main  # the entry point: commands and the dashboard
from openrush_tui.sandbox.app import Sandbox, create_sandbox
from openrush_tui.sandbox.options import RateLimits, SandboxOptions, default_db_path
from openrush_tui.sandbox.ratelimit import FailureLimiter
from openrush_tui.sandbox.store import UsageFilter
from openrush_tui.tui import OpenRushApp
from tests.support.sandbox_process import start_sandbox

BODY_LIMIT = 64 * 1024  # OURS: the sandbox's request body limit, in bytes


def test_failures_per_credential_block_it_for_the_rest_of_the_minute() -> None:
    now = [600.0]
    limiter = FailureLimiter(2, clock=lambda: now[0])
    limiter.failed("revoked-one")
    assert limiter.retry_after("revoked-one") is None
    limiter.failed("revoked-one")
    now[0] = 630.5
    assert limiter.retry_after("revoked-one") == 30
    assert limiter.retry_after("another") is None  # per credential
    now[0] = 660.0  # the next minute
    assert limiter.retry_after("revoked-one") is None


def test_a_revoked_key_is_slowed_over_http_without_locking_out_the_valid_key(
        tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    process = start_sandbox(db, extra=("--failed-auth-per-minute", "3"))
    try:
        url, good = process.running
        with httpx.Client(base_url=url, timeout=10) as http:
            created = http.post("/v1/me/api-credentials", json={"name": "to revoke"},
                                headers={"Authorization": f"Bearer {good}"}).json()
            revoked, cred_id = created["key"], created["api_credential"]["id"]
            http.post(f"/v1/me/api-credentials/{cred_id}/revoke",
                      headers={"Authorization": f"Bearer {good}"}).raise_for_status()
            # Eight tries with a limit of 3 a minute: one of the minutes (the run may straddle
            # two, the server's real minutes are not ours to pin) holds four or more.
            answers = [http.get("/v1/me/credits", headers={"Authorization": f"Bearer {key}"})
                       for key in (revoked,) * 4 + ("or_" + "G" * 40,) + (revoked,) * 4]
            statuses = [answer.status_code for answer in answers]
            assert set(statuses) == {401, 429} and statuses[4] == 401, statuses
            assert all(1 <= int(a.headers["Retry-After"]) <= 60
                       for a in answers if a.status_code == 429)
            # Nobody else is refused: the valid key, from the same address, goes on working.
            assert http.get("/v1/me/credits",
                            headers={"Authorization": f"Bearer {good}"}).status_code == 200
    finally:
        process.stop()
    with sqlite3.connect(db) as read:
        recorded = read.execute("SELECT COUNT(*) FROM usage_events WHERE credential_id = ? "
                                "AND status_code = 401", (cred_id,)).fetchone()[0]
    assert recorded == statuses.count(401) - 1  # the refused tries are not recorded
    stderr = db.with_suffix(".stderr.txt").read_text()
    assert "--key-seed" in stderr and "predictable" in stderr


NOW = parse_instant("2026-06-26T12:00:00Z")


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = create_sandbox(SandboxOptions(
        db_path=tmp_path / "s.sqlite3", now=NOW, key_seed=7,
        rate_limits=RateLimits(failed_auth_per_minute=3)))
    yield sandbox
    sandbox.close()


def in_process(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                             base_url="http://sandbox")


async def revoked_key(sandbox: Sandbox, http: httpx.AsyncClient, good: str) -> str:
    created = (await http.post("/v1/me/api-credentials", json={"name": "old"},
                               headers={"X-API-Key": good})).json()
    revoke = await http.post(f"/v1/me/api-credentials/{created['api_credential']['id']}/revoke",
                             headers={"X-API-Key": good})
    assert revoke.status_code == 200
    return created["key"]


async def test_a_revoked_key_past_the_limit_waits_out_the_minute_and_others_never_do(
        box: Sandbox) -> None:
    now = [600.0]
    box.failures = FailureLimiter(3, clock=lambda: now[0])  # the same limit, a pinned clock
    good = box.mint_bootstrap_key()
    async with in_process(box) as http:
        old = await revoked_key(box, http, good)

        async def status(key: str) -> int:
            return (await http.get("/v1/me/credits", headers={"X-API-Key": key})).status_code

        assert [await status(old) for _ in range(3)] == [401, 401, 401]
        now[0] = 630.0
        refused = await http.get("/v1/me/credits", headers={"X-API-Key": old})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
        assert await status(good) == 200
        assert await status("or_" + "G" * 40) == 401  # another key is not refused
        now[0] = 660.0  # the next minute
        assert await status(old) == 401
    tries = [e["status_code"] for e in box.store.usage_page(box.demo_account_id, UsageFilter(),
                                                             50)[0]
             if e["credential_prefix"] == old[:9]]
    assert tries == [401] * 4  # the refused try is not recorded


@pytest.mark.parametrize("credentials", [
    {}, {"Authorization": "Basic Zm9vOmJhcg=="}, {"Authorization": "Bearer "},
    {"X-API-Key": "or_" + "G" * 40}, {"Authorization": "Bearer not.a.token"},
], ids=["none", "basic", "empty-bearer", "unknown-key", "bad-session"])
async def test_calls_that_name_no_known_key_never_lock_out_the_valid_key(
        box: Sandbox, credentials: dict[str, str]) -> None:
    good = box.mint_bootstrap_key()
    async with in_process(box) as http:
        for _ in range(10):  # far past the limit of 3
            assert (await http.get("/v1/me/credits", headers=credentials)).status_code == 401
        assert (await http.get("/v1/me/credits", headers={"X-API-Key": good})).status_code == 200


async def test_a_revoked_keys_401s_stay_in_activity_whatever_user_agent_it_sends(
        box: Sandbox) -> None:
    good = box.mint_bootstrap_key()
    async with in_process(box) as http:
        old = await revoked_key(box, http, good)
        refused = await http.get("/v1/me/credits", headers={
            "X-API-Key": old, "User-Agent": "openrush-tui/9.9 (not really)"})
        assert refused.status_code == 401
        page = (await http.get("/v1/me/usage", params={"limit": 5},
                               headers={"X-API-Key": good})).json()
    events = [UsageEvent.model_validate(item) for item in page["items"]]
    failed = [e for e in events if e.status_code == 401]
    assert len(failed) == 1 and failed[0].user_agent == "openrush-tui/9.9 (not really)"
    assert not is_own_read(failed[0])  # Activity, the CLI and the export all show it


async def test_a_body_past_the_limit_is_a_413_with_a_json_detail(box: Sandbox) -> None:
    good = box.mint_bootstrap_key()
    huge = b'{"name": "' + b"x" * (BODY_LIMIT + 10) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(huge), 4096):
            yield huge[start:start + 4096]

    async with in_process(box) as http:
        headers = {"X-API-Key": good, "Content-Type": "application/json"}
        for body in (huge, chunks()):
            answer = await http.post("/v1/me/api-credentials", content=body, headers=headers)
            assert answer.status_code == 413
            assert "bytes" in answer.json()["detail"]
        small = await http.post("/v1/me/api-credentials", json={"name": "fine"},
                                headers={"X-API-Key": good})
        assert small.status_code == 201
    assert not [c for c in box.store.credentials(box.demo_account_id)
                if c["name"].startswith("xxx")]  # the refused bodies made nothing


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_no_documentation_pages_are_served(box: Sandbox, path: str) -> None:
    async with in_process(box) as http:
        assert (await http.get(path)).status_code == 404


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
def test_a_new_database_is_private(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "sandbox.sqlite3"
    create_sandbox(SandboxOptions(db_path=db)).close()
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    for extra in db.parent.glob("sandbox.sqlite3-*"):  # -wal and -shm, when kept
        assert mode(extra) == 0o600


@pytest.mark.usefixtures("usual_umask", "isolated_home")
def test_the_default_database_and_its_directory_are_made_private() -> None:
    db = default_db_path()
    db.parent.mkdir(parents=True, mode=0o755)
    os.chmod(db.parent, 0o755)  # noqa: S103 (as an older version left it)
    create_sandbox(SandboxOptions(db_path=db)).close()
    os.chmod(db, 0o644)
    create_sandbox(SandboxOptions(db_path=db)).close()
    assert mode(db.parent) == 0o700 and mode(db) == 0o600


def test_the_dashboard_warns_that_a_key_seed_makes_keys_predictable(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(OpenRushApp, "run", lambda self, *a, **k: None)
    monkeypatch.setattr(terminal, "why_not", lambda *_: None)  # pytest's streams: no terminal
    assert main(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3")]) == 0
    assert "predictable" not in capsys.readouterr().err
    assert main(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3"),
                 "--key-seed", "3"]) == 0
    assert "predictable" in capsys.readouterr().err
