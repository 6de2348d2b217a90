"""A message a dialog gives after an action is in view when it appears, at 80x24 (an SSH
session) and at 60x20: a failed create, the server refusing an expiry, a refused sign-in, an
export that cannot start or stops, an install whose file changed meanwhile. Each used to be
said below the fold of the dialog's scrolling body, found only with Tab and PageDown.

"In view" is geometry, as the user sees it (`tests/support/in_view.py`): the message's region
lies inside every scrolling container around it, and the cells of its first and last rows are
drawn by it (no docked button row or footer over it). In-process sandbox on the fixed clock,
a faulty front over HTTP for the server's refusal, a closed port for a server that is down.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, Static

from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.setup.agent_install import AgentInstallScreen
from openrush_tui.screens.setup.sign_in import SignInScreen
from tests.support.accounts import sandbox_app_with
from tests.support.activity import open_export
from tests.support.apps import remote_app, sandbox_app, settle, text_of
from tests.support.faults import FaultySandbox, dashboard, faulty_sandbox, settled
from tests.support.in_view import assert_in_view
from tests.support.scripted_server import Fault, unused_port

SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]


# -- New key --------------------------------------------------------------------------------

async def type_name_and_create(pilot: Pilot, name: str = "laptop") -> KeyCreateScreen:
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, KeyCreateScreen)
    await pilot.press(*name, "enter")
    await settle(pilot)
    assert pilot.app.screen is dialog
    return dialog


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_a_create_with_the_server_down_says_so_in_view(size: tuple[int, int]) -> None:
    app = remote_app(f"http://127.0.0.1:{unused_port()}", "or_" + "a" * 40, page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        dialog = await type_name_and_create(pilot)
        status = dialog.query_one("#create-status", Static)
        assert "Nothing was created" in text_of(status)
        await assert_in_view(pilot, status)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("dialog-messages")) as env:
        yield env


REFUSED_EXPIRY = Fault(422, {"detail": [{"type": "value_error", "loc": ["body", "expires_at"],
                                         "msg": "Value error, expiry is in the past",
                                         "input": "x"}]})


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_an_expiry_the_server_refuses_is_said_in_view(faulty: FaultySandbox,
                                                            size: tuple[int, int]) -> None:
    app = dashboard(faulty.server.url, faulty.key, "api-access")
    async with app.run_test(size=size) as pilot:
        assert await settled(pilot)
        faulty.server.inject(REFUSED_EXPIRY, "create")
        try:
            dialog = await type_name_and_create(pilot, "refused expiry")
        finally:
            faulty.server.clear()
        note = dialog.query_one("#expiry-note", Static)
        assert "refused the expiry" in text_of(note)
        status = dialog.query_one("#create-status", Static)
        assert "Nothing was created" in text_of(status)
        await assert_in_view(pilot, status)
        await assert_in_view(pilot, note)  # what to correct, with what happened


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_a_past_date_is_said_in_view(tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeyCreateScreen)
        await pilot.press(*"laptop")
        dialog.query_one("#expiry-date", RadioButton).value = True
        await pilot.pause()
        dialog.query_one("#date", Input).value = "2020-01-01"
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        note = dialog.query_one("#expiry-note", Static)
        assert "must be in the future" in text_of(note)
        await assert_in_view(pilot, note)


# -- Sign in --------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=size_ids)
@pytest.mark.usefixtures("isolated_home")
async def test_a_refused_key_is_said_in_view(tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SignInScreen)
        dialog.query_one("#key-input", Input).value = "or_" + "b" * 40
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        status = dialog.query_one("#sign-in-status", Static)
        assert text_of(status).strip()
        assert "-error" in status.classes
        await assert_in_view(pilot, status)


# -- Export ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_an_export_to_a_taken_name_is_said_in_view(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.csv").write_text("mine\n")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        dialog = await open_export(pilot)
        dialog.query_one("#path", Input).value = "taken.csv"
        await pilot.press("enter")  # the focus is on Export
        await settle(pilot)
        status = dialog.query_one("#export-status", Static)
        assert "already exists" in text_of(status)
        await assert_in_view(pilot, status)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_an_export_that_stops_says_why_in_view(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    app = remote_app(f"http://127.0.0.1:{unused_port()}", "or_" + "a" * 40, page="activity")
    async with app.run_test(size=size) as pilot:
        dialog = await open_export(pilot)
        await pilot.press("enter")
        await settle(pilot)
        status = dialog.query_one("#export-status", Static)
        assert "The export stopped" in text_of(status)
        await assert_in_view(pilot, status)


# -- Install into an agent ------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_an_install_whose_file_changed_meanwhile_says_so_in_view(
        tmp_path: Path, isolated_home: Path, size: tuple[int, int]) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "i")  # Cursor: the file does not exist yet
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentInstallScreen)
        made = isolated_home / ".cursor" / "mcp.json"
        made.parent.mkdir()
        made.write_text('{"mcpServers": {}}\n')  # behind the dialog's back
        await pilot.press("w")
        await settle(pilot)
        assert app.screen is dialog
        status = dialog.query_one("#install-status", Static)
        assert text_of(status).strip()
        await assert_in_view(pilot, status)
