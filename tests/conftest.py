"""Shared fixtures. Keep this small: helpers live in their own modules under tests/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_process import RunningSandbox, SandboxProcess, start_sandbox

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
