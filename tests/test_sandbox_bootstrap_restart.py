"""`openrush-tui sandbox serve` restarted on one database keeps its bootstrap key (issue 20):
a real server process, started three times on one file, over HTTP. Each start used to mint
another "sandbox bootstrap" key and revoke the one before."""

from __future__ import annotations

import queue
from pathlib import Path

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import Unauthorized
from openrush_tui.api.models import ApiCredential
from openrush_tui.sandbox.app import BOOTSTRAP_KEY_NAME
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import SandboxProcess, start_sandbox


def started(db: Path) -> tuple[SandboxProcess, str]:
    """A server on `db` (unseeded, as people run it), and the line it says after the key."""
    process = start_sandbox(db, key_seed=None)
    try:
        note = process.lines.get(timeout=PATIENCE)
    except queue.Empty:
        note = None
    assert note is not None, "nothing said after the key"
    return process, note


async def bootstrap_keys(url: str, key: str) -> list[ApiCredential]:
    async with OpenRushClient(url, key) as client:
        return [item for item in await client.list_keys() if item.name == BOOTSTRAP_KEY_NAME]


async def refused(url: str, key: str) -> bool:
    async with OpenRushClient(url, key) as client:
        try:
            await client.credits()
        except Unauthorized:
            return True
    return False


async def test_a_restart_on_one_database_reuses_its_bootstrap_key(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    keys, notes = [], []
    for _ in range(3):  # the first start, then two restarts on the same file
        process, note = started(db)
        try:
            keys.append(process.running.bootstrap_key)
            notes.append(note)
            listed = await bootstrap_keys(process.running.base_url, keys[-1])
        finally:
            process.stop()
        assert [item.is_active for item in listed] == [True], listed  # one, and it works
    assert keys[0] == keys[1] == keys[2]
    assert "same at every start on this database" in notes[0]
    assert "same key as at the last start" in notes[1] and notes[1] == notes[2]


async def test_a_revoked_bootstrap_key_is_replaced_at_the_next_start_and_said(
        tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    process, _ = started(db)
    try:
        url, old = process.running
        [item] = await bootstrap_keys(url, old)
        async with OpenRushClient(url, old) as client:
            await client.revoke_key(item.id)
    finally:
        process.stop()
    process, note = started(db)
    try:
        url, new = process.running
        assert new != old and "was revoked" in note
        assert await refused(url, old) and not await refused(url, new)
        listed = await bootstrap_keys(url, new)
        assert sorted(item.is_active for item in listed) == [False, True]
    finally:
        process.stop()
    process, note = started(db)  # and the new one is kept in turn
    try:
        assert process.running.bootstrap_key == new and "same key" in note
    finally:
        process.stop()
