"""A sandbox served over real HTTP on 127.0.0.1 from a thread of the test process, so a test
can hold the `Sandbox` object (its sign-in clock, its store) while clients talk to it through
a socket. Cheaper than a `sandbox serve` process; use one per module.

    with threaded_sandbox(tmp_path, sign_in_clock=clocks.wall) as served:
        served.base_url, served.sandbox

or, for a module whose tests share one sandbox and its sign-in clock:

    clock, served = module_sandbox("oauth", token_seconds=60, key_seed=3)
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from openrush_tui.sandbox.app import Sandbox, create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.server import base_url, listen
from tests.support.budget_clocks import Clocks
from tests.support.patience import PATIENCE


@dataclass(frozen=True)
class Served:
    base_url: str
    sandbox: Sandbox


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


@contextlib.contextmanager
def threaded_sandbox(folder: Path, **options: Any) -> Iterator[Served]:
    """`SandboxOptions` fields as keywords (the database goes in `folder`)."""
    settings = replace(SandboxOptions(db_path=folder / "sandbox.sqlite3"), **options)
    sandbox = create_sandbox(settings)
    listening = listen("127.0.0.1", 0)
    port = listening.getsockname()[1]
    ready = threading.Event()
    server = _Server(uvicorn.Config(sandbox.app, log_level="warning", access_log=False,
                                    lifespan="off"), ready)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        if not ready.wait(PATIENCE):
            raise RuntimeError("the threaded sandbox did not start")
        yield Served(base_url("127.0.0.1", port), sandbox)
    finally:
        server.should_exit = True
        thread.join(PATIENCE)
        listening.close()
        sandbox.close()


def module_sandbox(folder: str, **options: Any) -> tuple[Any, Any]:
    """Two module-scoped fixtures, `clock` (a `Clocks` the tests move by hand) and `served`
    (a threaded sandbox whose sign-in clock is that clock's wall clock; `options` are more
    `SandboxOptions` fields). Bind them at a test module's top level under those names."""

    @pytest.fixture(scope="module", name="clock")
    def clock_fixture() -> Clocks:
        return Clocks()

    @pytest.fixture(scope="module", name="served")
    def served_fixture(tmp_path_factory: pytest.TempPathFactory,
                       clock: Clocks) -> Iterator[Served]:
        with threaded_sandbox(tmp_path_factory.mktemp(folder), sign_in_clock=clock.wall,
                              **options) as running:
            yield running

    return clock_fixture, served_fixture
