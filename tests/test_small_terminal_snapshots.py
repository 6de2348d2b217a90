"""Every page and every dialog at 80x24, an SSH session's default size (and the reveal dialog
at 40x12): titles, the body that matters and the buttons all on screen, the footer with
its most useful keys and Quit. In-process sandbox, fixed clock and key seed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from openrush_tui.auth.credentials import KeyringUnusable, credentials_path
from openrush_tui.screens.setup.sign_out import sign_out_dialog
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.text.paths import display_path
from openrush_tui.tui import OpenRushApp
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.activity import settle_activity, table_of
from tests.support.apps import remote_app, sandbox_app, settle
from tests.support.keys import create, select

pytestmark = pytest.mark.usefixtures("isolated_home")
SMALL = (80, 24)
Steps = Callable[[Pilot], Awaitable[None]]


def then(*keys: str, first: Steps = settle) -> Steps:
    async def run(pilot: Pilot) -> None:
        await first(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def on(tmp_path: Path, page: str) -> OpenRushApp:
    return sandbox_app(tmp_path / "sandbox.sqlite3", page=page)


def signed_in_with_a_key(tmp_path: Path, page: str) -> OpenRushApp:
    """Signed in with an `or_` key (the terminal's own key has recent usage)."""
    db = tmp_path / "sandbox.sqlite3"
    return sandbox_app_with(db, stored(mint_key(db), "environment"), page=page)


# ------------------------------------------------------------------ pages


@pytest.mark.parametrize("page", ["setup", "api-access"])
def test_pages(snap_compare, tmp_path: Path, page: str) -> None:
    assert snap_compare(on(tmp_path, page), terminal_size=SMALL, run_before=settle)


def test_activity_page(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(on(tmp_path, "activity"), terminal_size=SMALL,
                        run_before=settle_activity)


def test_setup_signed_out(snap_compare) -> None:
    app = remote_app("http://127.0.0.1:9", None)  # nothing listens: no port in the picture
    assert snap_compare(app, terminal_size=SMALL, run_before=settle)


# ------------------------------------------------------------------ Setup's dialogs


def test_sign_in(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    assert snap_compare(app, terminal_size=SMALL, run_before=then("s"))


def test_storage_choice(snap_compare) -> None:
    app = remote_app("http://127.0.0.1:9", None)

    async def choice(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(StorageChoiceScreen(KeyringUnusable("none").describe(),
                                                  display_path(credentials_path())))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=choice)


def test_install_into_cursor(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    assert snap_compare(app, terminal_size=SMALL, run_before=then("down", "down", "i"))


def test_sign_out_of_the_only_copy(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)

    async def ask(pilot: Pilot) -> None:
        await settle(pilot)
        key = stored("or_" + "S" * 40, "file", "~/.config/openrush-tui/credentials.json")
        pilot.app.push_screen(sign_out_dialog(key))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=ask)


# ------------------------------------------------------------------ API access's dialogs


def test_key_create(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(on(tmp_path, "api-access"), terminal_size=SMALL, run_before=then("n"))


@pytest.mark.parametrize("size", [SMALL, (40, 12)])
def test_key_reveal(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def new_key(pilot: Pilot) -> None:
        await settle(pilot)
        await create(pilot, "deploy bot")

    assert snap_compare(on(tmp_path, "api-access"), terminal_size=size, run_before=new_key)


def test_leaving_the_reveal_without_a_copy(snap_compare, tmp_path: Path) -> None:
    async def leave(pilot: Pilot) -> None:
        await settle(pilot)
        await create(pilot, "deploy bot")
        await pilot.press("escape")
        await settle(pilot)

    assert snap_compare(on(tmp_path, "api-access"), terminal_size=SMALL, run_before=leave)


def test_details_of_the_key_in_use(snap_compare, tmp_path: Path) -> None:
    async def details(pilot: Pilot) -> None:
        await settle(pilot)
        await select(pilot, "sandbox bootstrap")
        await pilot.press("enter")
        await settle(pilot)

    app = signed_in_with_a_key(tmp_path, "api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=details)


def test_revoke_several_with_the_key_in_use(snap_compare, tmp_path: Path) -> None:
    async def ask(pilot: Pilot) -> None:
        await settle(pilot)
        for name in ("sandbox bootstrap", "Staging", "reporting [beta]", "CI pipeline",
                     "Data notebook", "Production server"):
            await select(pilot, name)
            await pilot.press("space")
        await pilot.press("d")
        await settle(pilot)

    app = signed_in_with_a_key(tmp_path, "api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=ask)


# ------------------------------------------------------------------ Activity's dialogs


def test_activity_filters(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(on(tmp_path, "activity"), terminal_size=SMALL,
                        run_before=then("f", first=settle_activity))


def test_event_details(snap_compare, tmp_path: Path) -> None:
    async def details(pilot: Pilot) -> None:
        await settle_activity(pilot)
        table_of(pilot.app).focus()  # type: ignore[arg-type]
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(on(tmp_path, "activity"), terminal_size=SMALL, run_before=details)
