"""Every page shows the state of the session it is looked at in: data after a sign-in made
elsewhere (no `r` needed), nothing of the account after a sign-out. Real HTTP sandbox, a fail
keyring, started as `openrush-tui` starts (the saved key looked for after the first frame)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from keyring.backends import fail

from openrush_tui.auth.credentials import find_key_for_server
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.load_state import LoadState
from tests.support.accounts import UseKeyring
from tests.support.apps import FIXED_NOW, settle
from tests.support.flows import sign_in_with
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
