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

from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen, is_leave_without_copy
from tests.support.apps import TERMINAL, notices, remote_app, sandbox_app, settle, text_of
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
        assert is_leave_without_copy(app.screen)
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


def _credential(index: int, name: str, last_used: str | None) -> dict[str, object]:
    return {"id": f"cred_{index}", "account_id": "acct_1", "name": name,
            "prefix": f"or_abc{index:03d}", "is_active": True,
            "created_at": "2026-06-10T12:00:00Z", "last_used_at": last_used,
            "expires_at": None}


async def test_stop_waiting_during_a_look_that_hangs_stops_at_once() -> None:
    """The when-idle wait looks at the old key; the server hangs on that look. "Stop waiting"
    answered nothing until the look gave up (the read timeout, 20 s by default): a look is a
    read, dropped at once, and c on API access (the wait runs in its background once the
    dialog has closed) stops it saying what is left."""
    old = _credential(1, "ci", "2026-06-26T11:59:00Z")  # used a minute ago: not idle
    new = _credential(2, "ci 2026-06-26", None)
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/credits", Reply(200, {"balance": 500}))
        server.route("POST", "/v1/me/api-credentials",
                     Reply(201, {"key": "or_new002" + "n" * 34, "api_credential": new}))
        limited = Reply(429, {"detail": "slow down"}, headers={"Retry-After": "0"})
        server.add(Reply(200, {"api_credentials": [old]}),  # the page
                   limited, limited, limited,  # the first look, retried: "wait 1 s"
                   Reply(200, {"api_credentials": [old, new]}, delay=30))  # the next hangs
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access", read_timeout=60)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("R")
            await pilot.pause()
            await pilot.click("#rotate")
            for _ in range(500):  # the reveal dialog, then the wait
                if isinstance(app.screen, KeyRevealScreen):
                    await pilot.click("#stored")
                if len([r for r in server.requests if r.path.endswith("credentials")
                        and r.method == "GET"]) == 5:
                    break
                await pilot.pause(0.05)
            line = app.screen.query_one("#rotation-line", Static)
            assert "S stops it" in text_of(line)
            await pilot.press("S")
            await pilot.pause()
            await pilot.pause()
            assert not line.display  # at once, not when the look gives up
            said = " ".join(" ".join(n.split()) for n in notices(app))
            assert "Stopped waiting" in said and "“ci” (cred_1) is still active" in said


async def test_stop_waiting_while_the_revoke_is_on_its_way_says_so_then_its_outcome() -> None:
    """The old key went idle and its revoke is sent: that write is never dropped, so S says
    at once that the revoke is on its way, and the outcome is said once answered."""
    old = _credential(1, "ci", "2026-06-26T11:59:00Z")
    new = _credential(2, "ci 2026-06-26", None)
    limited = Reply(429, {"detail": "slow down"}, headers={"Retry-After": "0"})
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/credits", Reply(200, {"balance": 500}))
        server.route("POST", "/v1/me/api-credentials",
                     Reply(201, {"key": "or_new002" + "n" * 34, "api_credential": new}))
        # The page's own loads (its first page of the list) are answered apart, whenever they
        # come; the queue is the rotation's looks at the old key, then the revoke.
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": [old]}),
                     query={"limit": "250"})
        server.add(limited, limited, limited,  # the first look: "wait 1 s"
                   # A look asks for the old key by id (OURS): its answer holds it alone.
                   Reply(200, {"api_credentials": [{**old, "last_used_at": None}]}),
                   Reply(200, {**old, "is_active": False}, delay=3))  # the revoke
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access", read_timeout=60)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("R")
            await pilot.pause()
            await pilot.click("#rotate")
            for _ in range(500):
                if isinstance(app.screen, KeyRevealScreen):
                    await pilot.click("#stored")
                if any(r.path.endswith("/revoke") for r in server.requests):
                    break
                await pilot.pause(0.05)
            await pilot.press("S")
            await pilot.pause()
            assert "revoke is already on its way" in " ".join(notices(app))
            await settle(pilot)
            assert not app.screen.query_one("#rotation-line").display
            said = " ".join(" ".join(n.split()) for n in notices(app))
            assert "Revoked the old key “ci” (cred_1)" in said
