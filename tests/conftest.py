"""Shared fixtures. Keep this small: helpers live in their own modules under tests/."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_process import RunningSandbox, SandboxProcess, start_sandbox
from tests.tmux_support import Tmux

SandboxFactory = Callable[..., RunningSandbox]


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


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A tmux server of our own, 120x36, with `set-clipboard on` so OSC 52 lands in a buffer."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    session = Tmux(f"openrush-test-{uuid.uuid4().hex[:8]}")
    config = tmp_path / "tmux.conf"
    config.write_text("set -g set-clipboard on\nset -g default-terminal xterm-256color\n")
    session.run("-f", str(config), "new-session", "-d", "-s", "main", "-x", "120", "-y", "36")
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-L", session.socket, "kill-server"], capture_output=True,
                       timeout=10)
