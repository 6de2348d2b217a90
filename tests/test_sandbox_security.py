"""The sandbox as an attacker or another user of the machine meets it: guessing keys,
flooding a revoked key's Activity, reading its database, predicting its keys."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openrush_tui.cli import main
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import SandboxOptions, default_db_path
from openrush_tui.sandbox.ratelimit import FailureLimiter
from openrush_tui.tui import OpenRushApp
from tests.support.sandbox_process import start_sandbox


def test_failures_per_address_block_it_for_the_rest_of_the_minute() -> None:
    now = [600.0]
    limiter = FailureLimiter(2, clock=lambda: now[0])
    limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") is None
    limiter.failed("10.0.0.1")
    now[0] = 630.5
    assert limiter.retry_after("10.0.0.1") == 30
    assert limiter.retry_after("10.0.0.2") is None  # per address
    now[0] = 660.0  # the next minute
    assert limiter.retry_after("10.0.0.1") is None


def test_guessing_keys_over_http_is_slowed_and_does_not_flood_activity(
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
            answers = [http.get("/v1/me/credits", headers={"Authorization": f"Bearer {key}"})
                       for key in (revoked, revoked, "or_" + "G" * 40, revoked, revoked)]
            assert [answer.status_code for answer in answers] == [401, 401, 401, 429, 429]
            assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
            # The address is refused before any key is looked at, a good one included.
            assert http.get("/v1/me/credits",
                            headers={"Authorization": f"Bearer {good}"}).status_code == 429
    finally:
        process.stop()
    with sqlite3.connect(db) as read:
        recorded = read.execute("SELECT COUNT(*) FROM usage_events WHERE credential_id = ? "
                                "AND status_code = 401", (cred_id,)).fetchone()[0]
    assert recorded == 2  # the attempts before the limit, not the refused ones
    stderr = db.with_suffix(".stderr.txt").read_text()
    assert "--key-seed" in stderr and "predictable" in stderr


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
    assert main(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3")]) == 0
    assert "predictable" not in capsys.readouterr().err
    assert main(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3"),
                 "--key-seed", "3"]) == 0
    assert "predictable" in capsys.readouterr().err
