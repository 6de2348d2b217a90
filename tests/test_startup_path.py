"""What keeps the start fast and light (measured by bench/startup.py, never timed here): the
client loads no more than it needs, plain-http pools load no CA bundle, the served sandbox
answers without Nagle delays, the network stack loads only once the first frame is out, and
garbage collection waits for the first page."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from openrush_tui.api.transport import Pool
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.server import listen
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.session import Session
from openrush_tui.tui import DIALOG_SOURCE, OpenRushApp
from openrush_tui.tui import startup as app_startup
from tests.support.apps import FIXED_NOW, remote_app, sandbox_app, settle, text_of
from tests.support.scripted_server import Reply, ScriptedServer


def test_the_client_loads_without_httpx_command_line_tool() -> None:
    code = ("import sys, openrush_tui.api.client; "
            "print(' '.join(m for m in ('click', 'pygments', 'rich.syntax') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == ""


def list_keys_unreachable(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`code` (which runs `keys list --json`) in a fresh interpreter, against a server that is
    not there: the client's whole stack loads and sets up its connections."""
    env = {**os.environ, "OPENRUSH_API_URL": "http://127.0.0.1:9", "OPENRUSH_KEY": "or_" + "k" * 40,
           "OPENRUSH_CONFIG_DIR": str(home), "HOME": str(home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60)


def test_the_entry_point_keeps_trio_from_httpcore_and_leaves_it_to_the_rest(
        tmp_path: Path) -> None:
    # trio is installed here (selenium's dependency, in the test extra): else this proves nothing.
    assert importlib.util.find_spec("trio") is not None
    code = ("import sys; from openrush_tui.main import main; main(['keys', 'list', '--json']); "
            "print('trio' in sys.modules, sys.modules['httpcore._synchronization'].trio); "
            "import trio; print(trio.__name__)")
    ran = list_keys_unreachable(code, tmp_path)
    assert ran.stdout.splitlines()[-2:] == ["False None", "trio"], ran.stderr


def test_a_missing_sniffio_is_looked_for_once(tmp_path: Path) -> None:
    # httpx no longer installs sniffio and httpcore imports it at each lock it sets up: where it
    # is missing (the users' install; here it is there, so it is refused), each import searched
    # sys.path again. Three attempts at an unreachable server set up locks many times.
    code = ("import sys\n"
            "class Missing:\n"
            "    asked = 0\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'sniffio':\n"
            "            Missing.asked += 1\n"
            "            raise ModuleNotFoundError(name=name)\n"
            "sys.meta_path.insert(0, Missing())\n"
            "from openrush_tui.main import main\n"
            "main(['keys', 'list', '--json'])\n"
            "print('asked', Missing.asked)\n")
    ran = list_keys_unreachable(code, tmp_path)
    assert ran.stdout.splitlines()[-1:] == ["asked 1"], (ran.stdout, ran.stderr)


def test_a_plain_http_pool_trusts_no_certificate_and_https_the_usual_ones() -> None:
    timeout = httpx.Timeout(1.0)
    plain = Pool("http://127.0.0.1:9", timeout, None, "test").verify
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0  # a TLS answer could never be trusted
    assert Pool("https://api.openrush.io", timeout, None, "test").verify is True


def test_served_connections_send_without_waiting_for_acknowledgements() -> None:
    listening = listen("127.0.0.1", 0)
    with listening, socket.create_connection(listening.getsockname()):
        accepted, _ = listening.accept()
        with accepted:  # inherited from the listening socket
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


EVENTS: list[str] = []


class RecordingSession(Session):
    def warm_up(self):  # type: ignore[no-untyped-def]
        EVENTS.append("warm-up")
        return super().warm_up()


class RecordingApp(OpenRushApp):
    def on_ready(self) -> None:  # Textual calls OpenRushApp.on_ready as well, after this
        EVENTS.append("first frame")


async def test_the_network_stack_loads_only_after_the_first_frame(tmp_path: Path) -> None:
    EVENTS.clear()
    settings = Settings(sandbox=SandboxOptions(db_path=tmp_path / "s.sqlite3", now=FIXED_NOW),
                        fixed_now=FIXED_NOW)
    app = RecordingApp(settings, RecordingSession(settings, None), clock=fixed_clock(FIXED_NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#keys").view.total > 0  # the page did load
    assert EVENTS[0] == "first frame" and "warm-up" in EVENTS


async def test_a_closed_sandbox_session_opens_the_sandbox_again(tmp_path: Path) -> None:
    settings = Settings(sandbox=SandboxOptions(db_path=tmp_path / "s.sqlite3", now=FIXED_NOW),
                        fixed_now=FIXED_NOW)
    session = Session(settings, None)
    assert session.warm_up() is session.warm_up()  # started once
    assert (await (await session.client()).credits()).balance > 0
    await session.aclose()
    assert (await (await session.client()).credits()).balance > 0  # not a real 127.0.0.1
    await session.aclose()


class FirstFrameApp(OpenRushApp):
    def on_ready(self) -> None:  # the first frame: what does the key list's line say?
        EVENTS.append(text_of(self.screen.query_one("#keys-state", Static)).strip())


async def test_until_the_first_list_comes_the_page_says_loading_not_empty() -> None:
    EVENTS.clear()
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": []},
                                                            delay=1.0))
        server.route("GET", "/v1/me/credits", Reply(200, {"balance": 5}))
        app = remote_app(server.url, "or_" + "a" * 40, page="api-access",
                         app_class=FirstFrameApp)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            EVENTS.append(text_of(app.screen.query_one("#keys-state", Static)).strip())
            await settle(pilot)
            EVENTS.append(text_of(app.screen.query_one("#keys-state", Static)).strip())
    assert EVENTS == ["Loading keys…", "Loading keys…", "This account has no API keys yet."]


async def test_the_dialogs_stylesheet_is_parsed_when_the_first_dialog_opens(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "s.sqlite3", page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.stylesheet.has_source(*DIALOG_SOURCE)  # not before the first frame
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, KeyCreateScreen)
        assert app.stylesheet.has_source(*DIALOG_SOURCE)
        assert app.screen.query_one("#dialog").styles.border.top[0] == "thick"  # styled


@pytest.fixture
def paused_collection() -> Iterator[None]:
    """Collection paused as the command line pauses it; restored for the other tests."""
    app_startup.pause()
    try:
        yield
    finally:
        app_startup.resume()
        gc.unfreeze()  # this test process runs many apps: nothing of theirs stays frozen
        gc.enable()


class CollectionAtFirstFrameApp(OpenRushApp):
    def on_ready(self) -> None:  # Textual calls OpenRushApp.on_ready as well, after this
        EVENTS.append(f"collecting: {gc.isenabled()}")


@pytest.mark.usefixtures("paused_collection")
async def test_collection_resumes_once_the_first_page_has_loaded(tmp_path: Path) -> None:
    EVENTS.clear()
    settings = Settings(sandbox=SandboxOptions(db_path=tmp_path / "s.sqlite3", now=FIXED_NOW),
                        fixed_now=FIXED_NOW)
    app = CollectionAtFirstFrameApp(settings, Session(settings, None),
                                    clock=fixed_clock(FIXED_NOW), first_page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert EVENTS == ["collecting: False"]  # the first frame, the page not loaded yet
        assert app.screen.query_one("#keys").view.total > 0
        assert gc.isenabled()
        assert gc.get_freeze_count() > 10_000  # start-up's objects: later passes skip them


@pytest.mark.usefixtures("paused_collection")
async def test_collection_resumes_after_a_grace_period_when_the_first_load_is_slow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_startup, "GRACE_SECONDS", 0.3)
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": []},
                                                            delay=3.0))
        app = remote_app(server.url, "or_" + "a" * 40, page="api-access", read_timeout=10)
        async with app.run_test(size=(80, 24)) as pilot:
            await asyncio.sleep(1.0)
            assert app.screen.query_one("#keys").view.total == 0  # still loading
            assert gc.isenabled()
            await pilot.press("q")


def test_resuming_collection_that_was_never_paused_changes_nothing() -> None:
    frozen = gc.get_freeze_count()
    assert app_startup.resume() is False
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_collection_is_back_on_when_the_dashboard_ends_before_its_first_page(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`openrush-tui` pauses collection until the first page; a dashboard that ends before
    that (here `App.run` returns at once, as in-process tests make it) must not leave the
    process collecting nothing for good."""
    from openrush_tui.commands import terminal
    from openrush_tui.main import main

    monkeypatch.setattr(OpenRushApp, "run", lambda self, *a, **k: None)
    monkeypatch.setattr(terminal, "why_not", lambda *_: None)  # pytest's streams: no terminal
    monkeypatch.setenv("OPENRUSH_CONFIG_DIR", str(tmp_path))
    try:
        assert main(["--sandbox", "--sandbox-db", str(tmp_path / "s.sqlite3")]) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
