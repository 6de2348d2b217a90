"""The key lifecycle in a real terminal: create in tmux, copy through OSC 52 into tmux's buffer,
close, revoke, and the sandbox then refuses the key."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import Unauthorized
from openrush_tui.clock import parse_instant
from tests.support.tmux import KEY, PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

FIXED_NOW = "2026-06-26T12:00:00Z"


def credits_with(db: Path, key: str) -> int:
    """Call the sandbox on the same database file, in-process, with `key`."""
    import httpx

    from openrush_tui.sandbox.app import create_sandbox
    from openrush_tui.sandbox.options import SandboxOptions

    sandbox = create_sandbox(SandboxOptions(db_path=db, now=parse_instant(FIXED_NOW)))

    async def call() -> int:
        async with OpenRushClient("http://127.0.0.1", key,
                                  transport=httpx.ASGITransport(app=sandbox.app)) as client:
            return (await client.credits()).balance

    try:
        return asyncio.run(call())
    finally:
        sandbox.close()


def test_create_copy_revoke_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    tmux.send(f"{PROGRAM} --sandbox --sandbox-db {db} --fixed-now {FIXED_NOW} --key-seed 7"
              " --sandbox-rate-per-minute 100000; echo EXITED=$?", "Enter")
    tmux.wait_for(" keys, ")

    key = tmux.create_key("e2e key")

    tmux.send("c")
    screen = tmux.wait_for("Sent the key to your terminal's clipboard")
    # tmux passes the sequence on (set-clipboard on): no advice about it (issue 20).
    assert "set-clipboard" not in screen.replace("\n", " ")
    assert tmux.buffer() == key
    assert credits_with(db, key) > 0  # the key works (SQLite lets us in alongside the TUI)

    tmux.send("Escape")  # copied: closes without asking
    tmux.wait_gone("is ready")
    screen = tmux.wait_for("8 keys, 6 active")
    assert not KEY.search(screen)

    tmux.send("d")  # the new key is selected
    tmux.wait_for("Revoke the key “e2e key”?")
    tmux.send("Tab", "Enter")  # Cancel has the focus; Tab reaches Revoke
    tmux.wait_for("Revoked “e2e key”")
    tmux.wait_for("8 keys, 5 active")
    tmux.send("q")
    tmux.wait_for("EXITED=0")

    with pytest.raises(Unauthorized):
        credits_with(db, key)
