"""Builders for the Setup, credential and agent tests (their fixtures: `setup_fixtures`).

Nothing here may touch the real user's home, config directory or keyring.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend

from openrush_tui.auth.credentials import KeySource, StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.sandbox.options import RateLimits, SandboxOptions
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from tests.support.apps import FIXED_NOW, KEY_SEED, SkippingClock

UseKeyring = Callable[[KeyringBackend], KeyringBackend]


def subprocess_env(home: Path, backend: str = "keyring.backends.fail.Keyring") -> dict[str, str]:
    """The environment for running the real program against a temporary home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), PYTHON_KEYRING_BACKEND=backend,
               PYTHONUNBUFFERED="1")
    return env


# ------------------------------------------------------------------ apps on the sandbox


def sandbox_options(db_path: Path) -> SandboxOptions:
    """The same options as `apps.sandbox_app`, so a key minted here works there."""
    return SandboxOptions(db_path=db_path, now=FIXED_NOW, key_seed=KEY_SEED,
                          rate_limits=RateLimits(10_000, 100_000, 1_000_000))


def mint_key(db_path: Path) -> str:
    """A real key for the sandbox's demo account, repeatable (seeded), before the app opens."""
    from openrush_tui.sandbox.app import create_sandbox

    sandbox = create_sandbox(sandbox_options(db_path))
    try:
        return sandbox.mint_bootstrap_key()
    finally:
        sandbox.close()


def sandbox_app_with(db_path: Path, key: StoredKey | None, *, page: str | None = "setup",
                     signed_out: bool = False, mcp_url: str | None = None) -> OpenRushApp:
    """The dashboard on an in-process sandbox, signed in with `key` (or signed out)."""
    extra: dict[str, Any] = {"mcp_url": mcp_url} if mcp_url else {}  # else the default
    settings = Settings(sandbox=sandbox_options(db_path), fixed_now=FIXED_NOW, **extra)
    session = Session(settings, key, signed_out=signed_out, monotonic=SkippingClock())
    return OpenRushApp(settings, session, clock=fixed_clock(FIXED_NOW), first_page=page)


def stored(value: str, source: KeySource, where: str = "") -> StoredKey:
    return StoredKey(Secret(value), source, where)
