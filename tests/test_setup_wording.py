"""Setup's words for the server it is on (issue 20): signed out of a local server (a
`sandbox serve` over HTTP), Setup pointed at the public web page for a key, whose keys that
server does not know; it names this server and how its key is had. And after a browser
sign-in with no keyring, the question of where to keep it spoke of "the key" while what is
kept is the browser sign-in.

Against a sandbox served over real HTTP on 127.0.0.1 (a thread of this process, one for the
module) at 80x24, no keyring; the browser is the sandbox's /device page driven with HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from textual.widgets import Static

from openrush_tui.auth.key_check import API_PAGE
from openrush_tui.auth.status import TerminalStatus
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.widgets.terminal_panel import terminal_content
from tests.support.apps import KEY_SEED, remote_app, settle, text_of
from tests.support.browser_sign_in import Gate, approved_in_the_dialog, until
from tests.support.budget_clocks import Clocks
from tests.support.threaded_sandbox import Served, threaded_sandbox

SIZE = (80, 24)


@pytest.fixture(scope="module")
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clocks: Clocks) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("setup-wording"), sign_in_clock=clocks.wall,
                          token_seconds=600, key_seed=KEY_SEED) as running:
        yield running


@pytest.fixture
def no_keyring(isolated_home: Path, use_keyring: Callable[[object], object]) -> None:
    use_keyring(fail.Keyring())


def words(text: str) -> str:
    return " ".join(text.split())


async def test_signed_out_of_a_local_server_setup_points_at_it(served: Served,
                                                               no_keyring: None) -> None:
    app = remote_app(served.base_url, None, page="setup")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = words(text_of(app.screen.query_one("#terminal", Static)))
    assert "not signed in" in said
    assert "openrush.io" not in said, said  # the web page's keys are not this server's
    assert served.base_url in said and "sandbox serve" in said, said


def test_signed_out_of_the_public_service_setup_points_at_its_web_page() -> None:
    def said(server: str, api_url: str) -> str:
        status = TerminalStatus(server=server, api_url=api_url, mcp_url="", profile="default",
                                key=None)
        return words(terminal_content(status).plain)

    assert API_PAGE in said("OpenRush", "https://api.openrush.io")
    elsewhere = said("https://openrush.example.com", "https://openrush.example.com")
    assert API_PAGE not in elsewhere and "https://openrush.example.com" in elsewhere


async def test_after_a_browser_sign_in_the_storage_question_speaks_of_the_sign_in(
        served: Served, clocks: Clocks, no_keyring: None) -> None:
    app = remote_app(served.base_url, None)
    gate = Gate(clocks)
    app.session.sign_in_clock, app.session.sign_in_sleep = clocks.wall, gate.sleep
    async with app.run_test(size=SIZE) as pilot:
        await approved_in_the_dialog(pilot, served.base_url, gate)
        # Pushed, then composed: wait for its words, not only for the screen.
        await until(pilot, lambda: isinstance(app.screen, StorageChoiceScreen)
                    and bool(app.screen.query("#file-warning")))
        dialog = app.screen
        said = words(" ".join(text_of(static) for static in dialog.query(Static)
                              if static.display and not static.has_class("buttons")))
        await pilot.press("s")  # this session only
        await until(pilot, lambda: app.session.web is not None)
    assert "browser sign-in" in said, said
    assert not re.search(r"\bthe key\b", said, re.IGNORECASE), said
    assert "OPENRUSH_KEY" not in said, said  # a key's way in, not a sign-in's
