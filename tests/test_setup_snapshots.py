"""Snapshots of Setup: signed in from the keyring and from the environment, the sign-in dialog
with an error, the no-keyring choice, and an agent's snippet. In-process sandbox, fixed
clock and key seed, temporary home shown as ``~``: nothing varies between runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from openrush_tui.auth.credentials import KeyringUnusable, credentials_path
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.text.paths import display_path
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import TERMINAL, remote_app, settle

pytestmark = pytest.mark.usefixtures("isolated_home")


def test_setup_signed_in_from_the_keyring(snap_compare, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "keyring", "MemoryKeyring (test)"))

    async def after_api_access(pilot: Pilot) -> None:  # its key list names the account
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=after_api_access)


def test_setup_signed_in_from_the_environment(snap_compare, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "environment"))
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)


def test_sign_in_dialog_with_an_error(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)

    async def wrong_key(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"or_0000000000000000000000000000000000000000", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=wrong_key)


def test_the_no_keyring_choice(snap_compare) -> None:
    # The Pilot flow (test_setup_flows) reaches this dialog for real; here it is opened
    # directly over a signed-out Setup so that no server port shows in the picture.
    app = remote_app("http://127.0.0.1:9", None)

    async def choice(pilot: Pilot) -> None:
        await settle(pilot)
        reason = KeyringUnusable("none").describe()
        pilot.app.push_screen(StorageChoiceScreen(reason, display_path(credentials_path())))
        await settle(pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=choice)


def test_an_agent_snippet_with_the_key_variant(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)

    async def cursor_with_key_header(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "down", "v")  # Cursor, reading OPENRUSH_KEY
        await settle(pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=cursor_with_key_header)
