"""The tests' shared fixtures (loaded by conftest.py as a plugin).

Nothing may touch the real user's home, config directory or keyring: `isolated_home` points
HOME and the XDG directories at a temporary folder, and `use_keyring` selects a keyring
backend explicitly and restores the previous one afterwards. `sandbox_server` runs the real
`sandbox serve`; `tmux` gives a tmux server of our own; `no_display` and `desktop` are the
two clipboard situations (no desktop, and a stand-in desktop clipboard).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pyperclip
import pytest
from keyring.backend import KeyringBackend

from openrush_tui import clipboard
from openrush_tui.api.budget import RequestBudget
from openrush_tui.auth import keyring_store
from tests.support.accounts import UseKeyring
from tests.support.budget_clocks import Clocks
from tests.support.clipboard import FakeDesktop
from tests.support.keyring_backends import MemoryKeyring
from tests.support.sandbox_process import (
    RunningSandbox,
    SandboxFactory,
    SandboxProcess,
    start_sandbox,
)
from tests.support.tmux import Tmux


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home directory with its own config and data directories; no OPENRUSH_* set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in ("OPENRUSH_KEY", "OPENRUSH_API_URL", "OPENRUSH_MCP_URL", "OPENRUSH_PROFILE",
                 "OPENRUSH_CONFIG_DIR", "PYTHON_KEYRING_BACKEND"):
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


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxFactory]:
    """Start `openrush-tui sandbox serve --port 0` (fixed clock, key seed 7) on demand.

    Call it as ``sandbox_server(balance=3, rate_per_minute=3, db_path=..., fixed_now=...)``;
    it returns ``(base_url, bootstrap_key)``. Every server started stops with the module.
    """
    started: list[SandboxProcess] = []

    def start(db_path: Path | None = None, **options: Any) -> RunningSandbox:
        path = db_path or tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
        process = start_sandbox(path, **options)
        started.append(process)
        return process.running

    yield start
    for process in started:  # all shut down in parallel, then reaped
        process.terminate()
    for process in started:
        process.stop()


@pytest.fixture(params=[(80, 24), (60, 20)], ids=["80x24", "60x20"])
def trial_size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """The new-user trials' two terminals, each test run at both: 80x24 (an SSH session's
    default) and 60x20 (a small split pane)."""
    size: tuple[int, int] = request.param
    return size


@pytest.fixture
def tmux(tmp_path: Path, isolated_home: Path) -> Iterator[Tmux]:
    """A tmux server of our own, 120x36, with `set-clipboard on` so OSC 52 lands in a buffer.
    It starts in the isolated home (the program run in it reads and writes its settings
    there, never in the real user's config directory)."""
    yield from tmux_server(tmp_path, 120, 36)


@pytest.fixture
def small_tmux(tmp_path: Path, isolated_home: Path) -> Iterator[Tmux]:
    """The same at 80x24: an SSH session's default size."""
    yield from tmux_server(tmp_path, 80, 24)


def tmux_server(tmp_path: Path, width: int, height: int) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    session = Tmux(f"openrush-test-{uuid.uuid4().hex[:8]}")
    config = tmp_path / "tmux.conf"
    config.write_text("set -g set-clipboard on\nset -g default-terminal xterm-256color\n")
    session.run("-f", str(config), "new-session", "-d", "-s", "main", "-x", str(width), "-y",
                str(height))
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-L", session.socket, "kill-server"], capture_output=True,
                       timeout=10)


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    if sys.platform != "linux" or clipboard._is_wsl():
        pytest.skip("a display-less machine is a Linux (not WSL) one")


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> FakeDesktop:
    fake = FakeDesktop()
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(pyperclip, "copy", fake.copy)
    monkeypatch.setattr(pyperclip, "paste", fake.paste)
    return fake


@pytest.fixture(autouse=True)
def notifications_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """A notification stays until dismissed, however long the test takes to look at it.

    Toasts expire on the wall clock (5 to 12 s); on a loaded machine a flow's notification
    could expire before the test read it. The app's words are what the tests check, not how
    long they stay up, so in tests every timeout is an hour.
    """
    from textual.app import App

    notify = App.notify

    def lasting(self: App[Any], message: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["timeout"] = 3600
        notify(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", lasting)


@pytest.fixture(autouse=True)
def truecolour_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps made in the test process draw in truecolour, whatever terminal started pytest.

    Textual takes its colour system from TERM and COLORTERM; under TERM=xterm (16 colours)
    the chart would change its colours (`widgets.colours`) and snapshots would differ from a
    run in another terminal. tests/test_few_colours.py asks for 16 colours itself.
    """
    import textual.constants

    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")


@pytest.fixture(autouse=True)
def unicode_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Glyphs as a UTF-8 terminal shows them, whatever locale started pytest: under LANG=C
    the dashboard and the CLI draw in ASCII (`text.glyphs`) and snapshots would differ.
    tests/test_plain_glyphs.py sets LC_ALL=C itself. Nothing changes where the locale is
    UTF-8 already (subprocesses such as tmux keep the caller's)."""
    from openrush_tui.text.glyphs import ascii_only

    if ascii_only():
        monkeypatch.setenv("LC_ALL", "C.UTF-8")
        monkeypatch.delenv("PYTHONIOENCODING", raising=False)


@pytest.fixture
def clocks() -> Clocks:
    """Hand-moved clocks for a request budget (a module may override it with another start)."""
    return Clocks()


@pytest.fixture
def budget(clocks: Clocks) -> RequestBudget:
    return RequestBudget(monotonic=clocks.monotonic, wall=clocks.wall)
