"""Leaving the dashboard: quitting with a new key on screen asks first, quitting while a key is
being created says it may exist, and SIGTERM/SIGHUP wipe the key and restore the terminal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Static

from openrush_tui.screens.key_create import KeyCreateScreen
from openrush_tui.screens.key_reveal import KeyRevealScreen, LeaveWithoutCopyScreen
from tests.support.apps import TERMINAL, remote_app, sandbox_app, settle, text_of
from tests.support.keys import create, shown_key
from tests.support.scripted_server import Reply, ScriptedServer


@pytest.mark.parametrize("how", ["ctrl+q", "palette"])
async def test_quitting_with_the_new_key_on_screen_asks_as_closing_does(
        tmp_path: Path, how: str) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "asked before quitting")
        assert isinstance(app.screen, KeyRevealScreen)
        if how == "ctrl+q":
            await pilot.press("ctrl+q")
        else:
            await app.run_action("quit")  # what the palette's Quit runs
        await pilot.pause()
        assert isinstance(app.screen, LeaveWithoutCopyScreen)
        assert app.is_running
        await pilot.click("#back")
        await pilot.pause()
        assert isinstance(app.screen, KeyRevealScreen) and shown_key(app)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#leave")
        await settle(pilot)
    assert app.return_code == 0


async def test_sigterm_wipes_the_key_first_and_exits_143(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "wiped on SIGTERM")
        dialog = app.screen
        assert isinstance(dialog, KeyRevealScreen)
        app.terminate(signal.SIGTERM)
        assert text_of(dialog.query_one("#key", Static)).strip() == ""
        await pilot.pause()
    assert app.return_code == 143


async def test_quitting_while_a_key_is_being_created_says_it_may_exist(
        capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": []}), Reply(200, {"balance": 5}),
                   Reply(delay=5))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"in flight", "enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, KeyCreateScreen) and app.screen.in_flight
            await pilot.press("ctrl+q")
            await pilot.pause()
    note = " ".join(capsys.readouterr().err.split())  # printed once the terminal is back
    assert "may exist without having been shown" in note and "“in flight”" in note
    assert app.return_code == 0


STUCK_APP = """
import time
from textual.screen import Screen
from openrush_tui.config import Settings
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp

class Stuck(Screen):
    def on_mount(self) -> None:
        self.set_timer(0.2, self.hang)

    def hang(self) -> None:
        print("STUCK", flush=True)
        while True:  # a frozen event loop: only the last resort can end the app
            time.sleep(0.01)

class App(OpenRushApp):
    MODES = {"setup": Stuck}

settings = Settings(api_url="https://api.openrush.io")
App(settings, Session(settings, None), first_page="setup", handle_signals=True).run(headless=True)
"""


def test_a_stuck_app_still_ends_on_sigterm(tmp_path: Path) -> None:
    """With the event loop frozen, the last resort (a watchdog thread that owes nothing to
    the loop or to Textual's output) exits 143 within `LAST_RESORT_SECONDS`."""
    script = tmp_path / "stuck.py"
    script.write_text(STUCK_APP)
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while "STUCK" not in process.stdout.readline():
            assert time.monotonic() < deadline
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 143
        assert time.monotonic() - started < 10
    finally:
        process.kill()
        process.wait()
