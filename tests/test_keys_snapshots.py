"""Snapshots of the API access page and its dialogs: 120x36, fixed clock, key seed 7."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from openrush_tui.sandbox.app import BOOTSTRAP_KEY_NAME, create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.seed import META_DEMO_ACCOUNT
from openrush_tui.tui import OpenRushApp
from tests.support.accounts import mint_key, sandbox_app_with, sandbox_options, stored
from tests.support.apps import FIXED_NOW, KEY_SEED, TERMINAL, later, sandbox_app, settle
from tests.support.keys import create, select

Steps = Callable[[Pilot], Awaitable[None]]


def then(*steps: Steps) -> Steps:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        for step in steps:
            await step(pilot)
        await settle(pilot)

    return run_before


def app_on(tmp_path: Path) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")


def test_key_list(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then())


def test_key_list_empty(snap_compare, tmp_path: Path) -> None:
    # An account that never had a key: the demo account with its keys taken out of the file.
    db = tmp_path / "sandbox.sqlite3"
    sandbox = create_sandbox(SandboxOptions(db_path=db, now=FIXED_NOW, key_seed=KEY_SEED))
    with sandbox.store.transaction() as connection:
        connection.execute("DELETE FROM credentials WHERE account_id = ?",
                           (sandbox.store.meta(META_DEMO_ACCOUNT),))
    sandbox.close()
    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then())


def test_key_list_filtered(snap_compare, tmp_path: Path) -> None:
    async def filter_in(pilot: Pilot) -> None:
        await pilot.press("slash", "i", "n")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then(filter_in))


def test_key_list_error_keeps_the_last_list(snap_compare, tmp_path: Path) -> None:
    # The key in use is revoked elsewhere: the refresh fails, the account's list stays.
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "environment"), page="api-access")

    async def key_goes_bad(pilot: Pilot) -> None:
        sandbox = create_sandbox(sandbox_options(db))
        with sandbox.store.transaction() as connection:
            sandbox.store.revoke_named(connection, sandbox.demo_account_id, BOOTSTRAP_KEY_NAME)
        sandbox.close()
        later(pilot.app)  # type: ignore[arg-type]
        await pilot.press("r")

    assert snap_compare(app, terminal_size=TERMINAL, run_before=then(key_goes_bad))


def test_key_create_with_a_validation_message(snap_compare, tmp_path: Path) -> None:
    async def long_name(pilot: Pilot) -> None:
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#name", Input).value = "A very long name " * 8
        await pilot.click("#expiry-30d")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then(long_name))


def test_key_reveal(snap_compare, tmp_path: Path) -> None:
    async def new_key(pilot: Pilot) -> None:
        await create(pilot, "deploy bot")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then(new_key))


def test_key_revoke_one(snap_compare, tmp_path: Path) -> None:
    async def ask(pilot: Pilot) -> None:
        await select(pilot, "Data notebook")
        await pilot.press("d")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then(ask))


def test_key_revoke_several(snap_compare, tmp_path: Path) -> None:
    async def ask(pilot: Pilot) -> None:
        for name in ("Staging", "reporting [beta]", "CI pipeline"):
            await select(pilot, name)
            await pilot.press("space")
        await pilot.press("d")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL, run_before=then(ask))


def test_key_details(snap_compare, tmp_path: Path) -> None:
    async def open_details(pilot: Pilot) -> None:
        await select(pilot, "Production server")
        await pilot.press("enter")

    assert snap_compare(app_on(tmp_path), terminal_size=TERMINAL,
                        run_before=then(open_details))
