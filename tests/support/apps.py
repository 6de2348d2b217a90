"""Building the dashboard for Pilot and snapshot tests: a real sandbox, a frozen clock."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerFailed

from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import Clock, fixed_clock, parse_instant
from openrush_tui.config import Settings
from openrush_tui.prefs.settings import SettingsFile
from openrush_tui.sandbox.options import RateLimits, SandboxOptions
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from tests.support.patience import PATIENCE

FIXED_NOW: datetime = parse_instant("2026-06-26T12:00:00Z")
KEY_SEED = 7
TERMINAL = (120, 36)


class SkippingClock:
    """The request budget's monotonic clock in tests: it stands still (so which answers are
    reused never depends on how busy the machine is) unless `real`, and a test moves it on
    with `skip`."""

    def __init__(self, *, real: bool = False) -> None:
        self.offset = 0.0
        self.real = real
        self._start = time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() if self.real else self._start) + self.offset

    def skip(self, seconds: float) -> None:
        self.offset += seconds


class HourlyClock:
    """A monotonic clock whose every reading is an hour after the last: the request budget
    never reuses an answer or holds a request, so each press of r asks the server (for tests
    that change the server's data between presses)."""

    def __init__(self) -> None:
        self._now = time.monotonic()

    def __call__(self) -> float:
        self._now += 3600.0
        return self._now


def later(app: OpenRushApp, seconds: float = 3.0) -> None:
    """Move the app's request budget `seconds` on: answers it kept get that much older."""
    clock = app.session.monotonic
    assert isinstance(clock, SkippingClock), "build the app with sandbox_app or remote_app"
    clock.skip(seconds)


def sandbox_app(db_path: Path, *, page: str | None = None, key_seed: int | None = KEY_SEED,
                real_time: bool = False, prefs: SettingsFile | None = None,
                **options: Any) -> OpenRushApp:
    """The dashboard on an in-process sandbox with a fixed clock and (by default) key seed.

    `real_time`: the request budget's clock runs (live refresh tests); else it stands still.
    `prefs`: a settings file to start from and save to (else nothing is read or saved).
    """
    sandbox = SandboxOptions(db_path=db_path, now=FIXED_NOW, key_seed=key_seed,
                             rate_limits=RateLimits(10_000, 100_000, 1_000_000),
                             **options)
    settings = Settings(sandbox=sandbox, fixed_now=FIXED_NOW)
    return OpenRushApp(settings, Session(settings, None, monotonic=SkippingClock(real=real_time)),
                       clock=fixed_clock(FIXED_NOW), first_page=page,
                       prefs=prefs.load() if prefs else None, prefs_file=prefs)


def remote_app(api_url: str, key: str | None, *, page: str | None = None,
               read_timeout: float = 2.0, app_class: type[OpenRushApp] = OpenRushApp,
               clock: Clock | None = None) -> OpenRushApp:
    """The dashboard pointed at a server over HTTP, as with OPENRUSH_KEY set (on the fixed
    clock unless `clock`: a served sandbox on the real clock needs the real one)."""
    # A loopback connect is made by the kernel at once, but a test process kept off the CPU
    # on a loaded machine can find more than 1 s gone (seen): the connect's patience is long;
    # a refused port still fails at once.
    settings = Settings(api_url=api_url, fixed_now=FIXED_NOW, connect_timeout=PATIENCE / 6,
                        read_timeout=read_timeout)
    stored = StoredKey(Secret(key), "environment") if key else None
    return app_class(settings, Session(settings, stored, monotonic=SkippingClock()),
                     clock=clock or fixed_clock(FIXED_NOW), first_page=page)


async def until(pilot: Pilot[Any], condition: Callable[[], object],
                limit: float = PATIENCE) -> None:
    """Let the app run until `condition()` holds, at most `limit` seconds. No settling
    meanwhile: a busy worker or a held load would hold a settle."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition never held")
        await pilot.pause(0.02)


async def settle(pilot: Pilot[Any], limit: float = PATIENCE) -> None:
    """Wait until no worker is pending or running (failed ones too) and the screen caught up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        busy = [w for w in pilot.app.workers if not w.is_finished]
        if not busy:
            await pilot.pause()
            if not any(not w.is_finished for w in pilot.app.workers):
                steady_cursors(pilot.app)
                return
            continue
        waits = [asyncio.ensure_future(_finished(w)) for w in busy if w.is_running]
        await asyncio.wait(waits or [asyncio.ensure_future(asyncio.sleep(0.01))],
                           timeout=deadline - loop.time())
        for wait in waits:
            wait.cancel()
        await pilot.pause()
    raise TimeoutError("workers still busy: " + ", ".join(map(repr, pilot.app.workers)))


def steady_cursors(app: App[object]) -> None:
    """Text fields stop blinking: a screenshot taken half a second later (a loaded machine)
    would otherwise catch the cursor in its other phase."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def _finished(worker: Worker[Any]) -> None:
    """Wait for a worker; its failure is the app's business (shown on screen), not ours."""
    with contextlib.suppress(WorkerFailed, asyncio.CancelledError):
        await worker.wait()


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (tables and all)."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def notices(app: App[object]) -> list[str]:
    """The messages of the notifications the app has shown and not yet dismissed.

    Textual keeps them only in a private attribute (its toasts are a private widget): this is
    the one place the tests read it.
    """
    return [f"{note.title} {note.message}".strip() for note in app._notifications]
