"""Helpers for the key-lifecycle tests (audit, rotate, scan, export, runway).

`lifecycle_server` starts the real `sandbox serve` on the REAL clock (the command line reads
the real clock too, so ages such as "idle for 45 days" mean what they say), with keys of
chosen ages added through `--extra-keys`, and a generous per-minute limit so that the
rotation's polling may look every second (the limit is what paces it).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.sandbox import Sandbox, SandboxOptions, create_sandbox
from openrush_tui.sandbox.options import RateLimits
from tests.support import cli_fork
from tests.support.apps import FIXED_NOW, KEY_SEED
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

# Raw keys planted through --extra-keys, so a test can write them into files.
EXPIRED_KEY = "or_ExpiredKey0123456789abcdefghijABCDEFGHIJ"
REVOKED_KEY = "or_RevokedKey0123456789abcdefghijABCDEFGHIJ"
ACTIVE_KEY = "or_ActiveKeyX0123456789abcdefghijABCDEFGHIJ"

EXTRA_KEYS: list[dict[str, Any]] = [
    {"name": "Legacy integration", "created_days_ago": 200, "last_used_days_ago": 45},
    {"name": "Expiring soon", "created_days_ago": 25, "last_used_days_ago": 0.5,
     "expires_in_days": 2},
    {"name": "Old and unused", "created_days_ago": 100},
    {"name": "Planted expired", "key": EXPIRED_KEY, "created_days_ago": 30,
     "expires_in_days": -2},
    {"name": "Planted revoked", "key": REVOKED_KEY, "created_days_ago": 30, "revoked": True},
    {"name": "Planted active", "key": ACTIVE_KEY, "created_days_ago": 3,
     "last_used_days_ago": 1, "expires_in_days": 30},
]


def fixed_sandbox(db_path: Path, per_minute: int = 10_000) -> Sandbox:
    """An in-process sandbox on the fixed clock, with a rate limit tests do not run into."""
    return create_sandbox(SandboxOptions(
        db_path=db_path, now=FIXED_NOW, key_seed=KEY_SEED,
        rate_limits=RateLimits(per_minute, per_minute * 100, per_minute * 1000)))


class MovingClock:
    """A wall clock only the test moves: `sleep` moves it on at once (no real waiting) and
    notes the wait in `slept`; a sandbox, a rotation flow and a request budget can share it."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@contextlib.contextmanager
def clocked_sandbox(db_path: Path, clock: MovingClock, per_minute: int = 600,
                    ) -> Iterator[Sandbox]:
    """`fixed_sandbox` on the test's clock, closed after."""
    box = fixed_sandbox(db_path, per_minute=per_minute)
    box.clock = clock  # the sandbox reads every "now" through this attribute
    try:
        yield box
    finally:
        box.close()


def asgi_client(sandbox: Sandbox, key: str | None = None, *,
                budget: RequestBudget | None = None) -> OpenRushClient:
    """The real client talking to `sandbox` in-process (the demo session unless `key`)."""
    return OpenRushClient("http://127.0.0.1", key or sandbox.session_token(),
                          transport=httpx.ASGITransport(app=sandbox.app), budget=budget)


def lifecycle_server(sandbox_server: SandboxFactory, folder: Path,
                     extra_keys: list[dict[str, Any]] | None = None) -> RunningSandbox:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "extra-keys.json"
    path.write_text(json.dumps(EXTRA_KEYS if extra_keys is None else extra_keys))
    return sandbox_server(db_path=folder / "sandbox.sqlite3", fixed_now=None,
                          rate_per_minute=600, extra=("--extra-keys", str(path)))


def cli_env(home: Path, server: RunningSandbox | None, key: str | None = None) -> dict[str, str]:
    """A home of its own (no saved key, no desktop keyring); the key from OPENRUSH_KEY unless
    `key` is "" (then this terminal is signed in only by what is saved in `home`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    if server is not None:
        env["OPENRUSH_API_URL"] = server.base_url
        if key != "":
            env["OPENRUSH_KEY"] = key or server.bootstrap_key
    return env


def run_cli(home: Path, server: RunningSandbox | None, *args: str, key: str | None = None,
            stdin: str = "", cwd: Path | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real console script, as a script runs it (stdin not a terminal)."""
    return cli_fork.run_cli(args, input=stdin, env=cli_env(home, server, key), cwd=cwd,
                            timeout=timeout)
