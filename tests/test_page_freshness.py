"""Every page shows the state of the session it is looked at in: data after a sign-in made
elsewhere (no `r` needed), nothing of the account after a sign-out. Real HTTP sandbox, a fail
keyring, started as `openrush-tui` starts (the saved key looked for after the first frame)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from keyring.backends import fail
from textual.widgets import Static

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import find_key_for_server
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.screens.setup.sign_out import SIGN_OUT_DIALOG
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.load_state import LoadState
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.accounts import UseKeyring, stored
from tests.support.activity import state_text, table_of
from tests.support.apps import FIXED_NOW, later, remote_app, settle, text_of
from tests.support.flows import sign_in_with
from tests.support.keyring_backends import MemoryKeyring
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")
SMALL = (80, 24)


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


def app_as_started(api_url: str, profile: str = "default") -> OpenRushApp:
    """As `cli.run_dashboard` builds it: no key yet, the saved one looked for after paint."""
    settings = Settings(api_url=api_url, profile=profile, fixed_now=FIXED_NOW)
    session = Session(settings, None,
                      lookup=partial(find_key_for_server, profile, settings.api_url))
    return OpenRushApp(settings, session, clock=fixed_clock(FIXED_NOW))


@pytest.mark.parametrize("profile", ["default", "work"])
async def test_keys_load_after_a_sign_in_on_setup(
        server: RunningSandbox, use_keyring: UseKeyring, profile: str) -> None:
    use_keyring(fail.Keyring())
    app = app_as_started(server.base_url, profile)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.current_mode == "setup"
        await sign_in_with(pilot, server.bootstrap_key)
        await pilot.press("s")  # the storage choice: this session only
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        state = app.screen.query_one("#keys-state", LoadState)
        assert state.state == "info", state.render()
        assert app.screen.query_one("#keys").row_count > 0


async def test_sign_out_asks_first_then_nothing_of_the_account_stays(
        server: RunningSandbox, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(keyring_store.SERVICE, "default", server.bootstrap_key)
    app = remote_app(server.base_url, None, page="setup")
    app.session.key = stored(server.bootstrap_key, "keyring", "MemoryKeyring (test)")
    async with app.run_test(size=SMALL) as pilot:
        for page in ("2", "3", "1"):  # every page shows the account
            await pilot.press(page)
            await settle(pilot)
        assert app.balance is not None
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert dialog.id == SIGN_OUT_DIALOG
        assert dialog.focused is not None and dialog.focused.id == "cancel"
        assert "cannot be shown again" in text_of(dialog.query_one("#lost", Static))
        await pilot.press("enter")  # Enter out of habit: Cancel
        await settle(pilot)
        assert app.session.signed_in and memory_keyring.store
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#sign-out")
        await settle(pilot)
        assert not app.session.signed_in and memory_keyring.store == {}
        assert app.balance is None
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one("#keys").row_count == 0
        assert app.screen.query_one(AppHeader).balance is None
        await pilot.press("3")
        await settle(pilot)
        assert table_of(app).row_count == 0
        summary = app.screen.query_one(UsageSummary)
        assert (summary.figures, summary.balance, summary.rate_limit) == (None, None, None)
        assert "not signed in" in state_text(app)


async def test_a_key_revoked_elsewhere_shows_as_rejected(server: RunningSandbox) -> None:
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        created = await client.create_key("revoked while in use")
    key = created.key.get_secret_value()
    app = remote_app(server.base_url, key, page="setup")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "Connection OK" in text_of(app.screen.query_one("#connection", Static))
        async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
            await client.revoke_key(created.api_credential.id)
        later(app)
        await pilot.press("r")
        await settle(pilot)
        terminal = text_of(app.screen.query_one("#terminal", Static))
        assert "signed in with a key the server rejects (revoked)" in terminal
        assert "signed in\n" not in terminal
        assert "it has been revoked" in text_of(app.screen.query_one("#connection", Static))
        assert app.balance is None
