"""API access's key lifecycle as a user drives it at 80x24: the audit's marks, summary and
filter, revoking the unused keys, and guided rotation (reveal once, switch the terminal's own
key first, leave while waiting, a failed step). In-process on the fixed clock, and against
`sandbox serve` over HTTP on the real clock (ages such as "unused for 45 days" are real)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from openrush_tui.auth.credentials import read_file_key
from openrush_tui.clock import system_clock
from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.bindings import page_commands
from openrush_tui.widgets.audit_line import AuditLine
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import notices, remote_app, sandbox_app, settle, text_of, until
from tests.support.keys import names, select, shown_key, table_of
from tests.support.lifecycle import lifecycle_server
from tests.support.sandbox_process import RunningSandbox, SandboxFactory
from tests.support.scripted_server import Reply, ScriptedServer

SIZE = (80, 24)
EXTRA = (ExtraKey("Legacy integration", created_days_ago=200, last_used_days_ago=45),
         ExtraKey("Old and unused", created_days_ago=100))
FLAGGED = {"Contractor (temporary)", "Legacy integration", "Old and unused"}


async def choose_now(pilot: Pilot) -> None:
    """"Revoke it now", by the keyboard (the choice has the focus): a click computed before
    the dialog's body settled its scroll could land beside it on a busy machine."""
    await pilot.press("down")
    await until(pilot, lambda: getattr(pilot.app.screen.query_one("#revoke-old"),
                                            "pressed_button", None) is not None
                     and pilot.app.screen.query_one("#revoke-old").pressed_button.id == "old-now")


async def open_rotation(pilot: Pilot) -> None:
    """R, then wait until the rotation dialog is mounted (pushed is not yet mounted: a busy
    machine shows the gap, and a click on its buttons would find nothing)."""
    await pilot.press("R")
    await until(pilot, lambda: isinstance(pilot.app.screen, KeyRotateScreen)
                     and bool(pilot.app.screen.query("#rotate")))


def audit_text(app: Any) -> str:
    return app.screen.query_one(AuditLine).render().plain


async def stored_it(pilot: Pilot) -> str:
    """The reveal dialog is up: read the key shown, then close it as "stored"."""
    # Pushed is not yet mounted (a busy machine shows the gap): wait for the key itself.
    await until(pilot, lambda: isinstance(pilot.app.screen, KeyRevealScreen)
                     and bool(pilot.app.screen.query("#key")))
    key = shown_key(pilot.app)  # type: ignore[arg-type]
    await pilot.click("#stored")
    return key


def waiting_line(app: Any) -> str:
    """The page's line that follows a rotation waiting for its old key; "" elsewhere."""
    found = app.screen.query("#rotation-line")
    return text_of(found.first(Static)) if found else ""


def steps(app: Any) -> str:
    """The rotation's steps; "" while another screen is on top (the reveal dialog closing,
    which a loaded machine may not have done yet when `wait_until` first looks)."""
    found = app.screen.query("#steps")
    return text_of(found.first(Static)) if found else ""


# -- in-process: the audit ------------------------------------------------------------------


async def test_the_audit_marks_rows_sums_up_and_filters(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=EXTRA)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        flagged = {row.name for row in table.view.rows if row.id in table.attention}
        assert flagged == FLAGGED
        assert "3 keys need attention" in audit_text(app)
        assert "D revokes the 2 unused" in audit_text(app)
        await select(pilot, "Legacy integration")
        assert ("! nothing has used it for a while: revoke it (d) · last used 2 months ago; "
                "no expiry, created 7 months ago" in audit_text(app))
        palette = {command.title for command in page_commands(app.screen)}
        assert {"Show only the keys that need attention (a)", "Revoke unused keys (D)",
                "Rotate the key under the cursor (R)"} <= palette
        await pilot.press("a")
        assert set(names(app)) == FLAGGED
        assert "a shows every key" in audit_text(app)
        await pilot.press("a")
        assert len(names(app)) == len(table.view.rows) > len(FLAGGED)


# -- over HTTP: revoking the unused keys, rotating ------------------------------------------


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory,
           tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    return lifecycle_server(sandbox_server, tmp_path_factory.mktemp("lifecycle-tui"))


def call(server: RunningSandbox, method: str, path: str, key: str | None = None,
         **options: Any) -> httpx.Response:
    """Straight over HTTP, with the bootstrap key unless `key`: what the server holds."""
    return httpx.request(method, f"{server.base_url}{path}", **options,
                         headers={"Authorization": f"Bearer {key or server.bootstrap_key}"})


def keys_at(server: RunningSandbox) -> dict[str, dict[str, Any]]:
    reply = call(server, "GET", "/v1/me/api-credentials")
    return {item["name"]: item for item in reply.json()["api_credentials"]}


def remote(server: RunningSandbox) -> Any:
    return remote_app(server.base_url, server.bootstrap_key, page="api-access",
                      clock=system_clock)


async def test_revoking_the_unused_keys_is_d_then_the_usual_confirmation(
        server: RunningSandbox) -> None:
    app = remote(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("D")
        dialog = app.screen
        assert dialog.id == REVOKE_DIALOG
        listed = [str(line.content) for line in dialog.query("#keys-to-revoke Static")]
        assert len(listed) == 2, listed
        assert {"Legacy integration", "Old and unused"} == {
            name for name in ("Legacy integration", "Old and unused", "Expiring soon")
            if any(name in line for line in listed)}
        assert app.focused is not None and app.focused.id == "cancel"  # as every revoke
        await pilot.press("tab", "enter")
        await settle(pilot)
    keys = keys_at(server)
    assert not keys["Legacy integration"]["is_active"]
    assert not keys["Old and unused"]["is_active"]
    assert keys["Expiring soon"]["is_active"]  # flagged, but not unused


async def test_rotating_over_http_reveals_the_new_key_once_then_revokes_the_old(
        server: RunningSandbox) -> None:
    created = call(server, "POST", "/v1/me/api-credentials", json={"name": "Deploy bot"})
    assert created.status_code == 201
    app = remote(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Deploy bot")
        await open_rotation(pilot)
        await choose_now(pilot)
        await pilot.click("#rotate")
        new_key = await stored_it(pilot)
        await until(pilot, lambda: "Revoked the old key" in steps(app))
        assert "✓ Created “Deploy bot " in steps(app)
        assert new_key not in steps(app)  # shown only in the reveal dialog
        await pilot.click("#close")
        await settle(pilot)
        today = datetime.now(UTC).date().isoformat()
        assert table_of(app).current.name == f"Deploy bot {today}"  # selected after reload
    keys = keys_at(server)
    assert not keys["Deploy bot"]["is_active"]
    assert keys[f"Deploy bot {today}"]["is_active"]
    assert call(server, "GET", "/v1/me/credits", new_key).status_code == 200


# -- in-process: the terminal's own key, leaving while waiting, a failed step -----------------


async def test_rotating_this_terminals_own_key_switches_the_saved_key_first(
        tmp_path: Path, isolated_home: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "file"), page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        old_id = table_of(app).current.id  # the newest: the key this terminal uses
        await open_rotation(pilot)
        assert "This terminal signs in with this key" in str(
            app.screen.query_one("#own-note", Static).content)
        await pilot.click("#old-now")
        await pilot.click("#rotate")
        new_key = await stored_it(pilot)
        await until(pilot, lambda: "Revoked the old key" in steps(app))
        assert "now signs in with the new key, kept in" in steps(app)
        assert app.session.key is not None and app.session.key.secret.reveal() == new_key
        await pilot.click("#close")
        await settle(pilot)
        assert table_of(app).view.row(old_id).status == "revoked"  # listed with the new key
    assert read_file_key("default") == new_key


async def test_rotating_a_key_from_openrush_key_says_to_set_it_and_goes_on_in_memory(
        tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "environment"), page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_rotation(pilot)
        await choose_now(pilot)
        await pilot.click("#rotate")
        new_key = await stored_it(pilot)
        await until(pilot, lambda: "Revoked the old key" in steps(app))
        assert "! This terminal's key comes from OPENRUSH_KEY" in steps(app)
        assert app.session.key is not None and app.session.key.source == "session"
        assert app.session.key.secret.reveal() == new_key
        await pilot.click("#close")
        await settle(pilot)
        assert table_of(app).view.total > 0  # listed with the new key: still signed in


async def test_leaving_while_waiting_stops_safely_and_says_what_is_left(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Production server")  # last used 4 minutes ago (fixed clock)
        await open_rotation(pilot)
        minutes = app.screen.query_one("#idle", Input)
        minutes.value = "0"
        await pilot.click("#rotate")  # refused: nothing is sent
        assert "from 1 to 1440" in str(app.screen.query_one("#idle-problem", Static).content)
        plan = str(app.screen.query_one("#plan", Static).content)
        assert "from 1 to 1440 below" in plan and "10 minutes" not in plan  # not a stale 10
        assert app.focused is minutes
        minutes.value = "10"
        await pilot.press("enter")  # Enter in the field: Rotate (once unused for 10 minutes)
        await stored_it(pilot)
        # The dialog closes: the page's line follows the wait, and S stops it.
        await until(pilot, lambda: "old key last used 4 minutes ago" in waiting_line(app))
        assert not isinstance(app.screen, KeyRotateScreen)
        await pilot.press("S")
        await settle(pilot)
        said = " ".join(notices(app))
        old = table_of(app).view.rows
        production = next(row for row in old if row.name == "Production server")
        assert production.status == "active"
        assert "Stopped waiting" in said and "is still active" in said
        assert f"openrush-tui keys revoke {production.id}" in said
        assert "Production server 2026-06-26" in names(app)


def credential(index: int, name: str) -> dict[str, object]:
    return {"id": f"cred_{index}", "account_id": "acct_1", "name": name,
            "prefix": f"or_abc{index:03d}", "is_active": True,
            "created_at": "2026-06-10T12:00:00Z", "last_used_at": None, "expires_at": None}


async def test_a_failed_create_says_what_may_exist_and_what_exists() -> None:
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": [credential(1, "ci")]}),
                   Reply(200, {"balance": 500}), Reply(500, {"detail": "boom"}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_rotation(pilot)
            await pilot.click("#rotate")
            await settle(pilot)
            text = " ".join(steps(app).split())
            # A 5xx after the request left: the key may exist, and the words say so.
            assert "✗ The OpenRush service failed" in text
            assert "may have been created without being shown" in text
            assert "The old key “ci” (cred_1) is still active." in text
            assert str(app.screen.query_one("#close").label) == "Close"
        creates = [r for r in server.requests if r.method == "POST"]
        assert len(creates) == 1  # a create is never retried


async def test_quitting_while_the_rotation_waits_says_what_is_left_once_closed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Production server")
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        await open_rotation(pilot)
        await pilot.click("#rotate")  # once unused for 10 minutes (used 4 minutes ago)
        await stored_it(pilot)
        await until(pilot, lambda: "old key last used" in waiting_line(app))
        await pilot.press("ctrl+q")  # asks first while the rotation waits
        await until(pilot, lambda: bool(app.screen.query("#quit-anyway")))
        await pilot.click("#quit-anyway")
        await pilot.pause()
    note = " ".join(capsys.readouterr().err.split())  # printed once the terminal is back
    assert "the key rotation stopped when the app closed" in note
    assert "The new key “Production server 2026-06-26”" in note
    assert "the old key “Production server”" in note and "is still active" in note
    assert f"openrush-tui keys revoke {production}" in note


async def test_sigterm_while_the_replacement_is_created_says_it_may_exist(
        capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": [credential(1, "ci")]}),
                   Reply(200, {"balance": 500}), Reply(delay=5))  # the create: no answer yet
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_rotation(pilot)
            await pilot.click("#rotate")
            await until(pilot, lambda: any(r.method == "POST" for r in server.requests))
            app.terminate(15)
            await pilot.pause()
    note = " ".join(capsys.readouterr().err.split())
    assert "may have been created without being shown" in note  # never "was not created"
    assert "“ci 2026-06-26”" in note and "keys list --all" in note
    assert "the old key “ci” (cred_1) is still active" in note
    assert app.return_code == 143


async def test_lifecycle_keys_with_nothing_to_do_say_so_and_the_palette_leaves_them_out(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Old laptop")  # revoked
        titles = {command.title for command in page_commands(app.screen)}
        assert not any(title.startswith(("Rotate", "Revoke the unused")) for title in titles)
        await pilot.press("R", "D")  # nothing unused for 30 days in the demo account
        await settle(pilot)
        said = " ".join(notices(app))
        assert "“Old laptop” is revoked: only an active key is rotated" in said
        assert "No active key has gone unused for 30 days" in said
        assert not isinstance(app.screen, KeyRotateScreen) and app.screen.id != REVOKE_DIALOG
