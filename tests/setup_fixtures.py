"""Fixtures for the Setup, credential and agent tests; load with ``pytest_plugins``.

Nothing may touch the real user's home, config directory or keyring: `isolated_home` points
HOME and the XDG directories at a temporary folder, and `use_keyring` selects a keyring
backend explicitly and restores the previous one afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend

from openrush_tui.auth import keyring_store
from tests.keyring_backends import MemoryKeyring
from tests.setup_support import UseKeyring


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home directory with its own config and data directories; no OPENRUSH_* set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in ("OPENRUSH_KEY", "OPENRUSH_API_URL", "OPENRUSH_MCP_URL",
                 "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)
    return home


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[UseKeyring]:
    """Select a keyring backend for this test; the previous one comes back afterwards."""
    previous = keyring.core._keyring_backend
    # Short timeouts keep the hanging-keyring tests fast; real use waits longer.
    monkeypatch.setattr(keyring_store, "DEFAULT_TIMEOUT", 0.5)

    def select(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield select
    keyring.core._keyring_backend = previous
    # A released BlockingKeyring lets its stuck thread finish; wait for it, or the next test
    # would find "an earlier keyring call is still waiting".
    deadline = time.monotonic() + 5
    while keyring_store.stuck_calls() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def memory_keyring(use_keyring: UseKeyring) -> MemoryKeyring:
    backend = MemoryKeyring()
    use_keyring(backend)
    return backend
