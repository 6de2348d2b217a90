"""Words on Setup and API access that sent a new user the wrong way (the trial, on a sandbox
served with `sandbox serve` over HTTP):

- the sign-in dialog and a refused key's error pointed at the web page's keys, which are not
  the sandbox's: on a server on this machine they say where its keys come from;
- API access with a revoked OPENRUSH_KEY said "Press r to try again", which cannot help: it
  says what Setup says (sign in again; 1 for Setup);
- the rotate dialog said the new key never expires twice, said "once nothing has used it for
  10 minutes" of an old key that, never used, is revoked at once, and showed its minutes as
  what looked like plain text;
- the storage dialog sent you to "Setup's Storage button" from inside the dialog it opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from openrush_tui.auth import key_check
from openrush_tui.auth.credentials import credentials_path
from openrush_tui.auth.key_check import API_PAGE, describe_check_error
from openrush_tui.auth.keyring_store import KeyringUnusable
from openrush_tui.keys.rotate import DEFAULT_IDLE, IdleWatch
from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.setup.sign_in import SignInScreen
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.text.paths import display_path
from tests.support.apps import FIXED_NOW, remote_app, sandbox_app, settle, text_of
from tests.support.keys import select
from tests.support.lifecycle import REVOKED_KEY
from tests.support.threaded_sandbox import Served, threaded_sandbox
from tests.test_names_apart import add_keys

SERVED_SAYS = "`openrush-tui sandbox serve` prints"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    revoked = ExtraKey("Planted revoked", key=REVOKED_KEY, created_days_ago=30, revoked=True)
    with threaded_sandbox(tmp_path_factory.mktemp("words"), extra_keys=(revoked,)) as running:
        yield running


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:8787", True), ("http://localhost:9", True), ("http://[::1]:8787", True),
    ("https://api.openrush.io", False), ("https://127.0.0.1.example.com", False),
])
def test_a_server_on_this_machine_is_told_apart(url: str, local: bool) -> None:
    assert key_check.is_local(url) is local


def all_text(screen: object) -> str:
    return " ".join(text_of(widget) for widget in screen.query(Static))  # type: ignore[attr-defined]


async def test_signing_in_to_a_served_sandbox_says_where_its_keys_come_from(
        served: Served) -> None:
    app = remote_app(served.base_url, None, page="setup")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        note = all_text(app.screen)
        assert "bootstrap key" in note and SERVED_SAYS in note, note
        assert API_PAGE not in note, note
        await pilot.press(*"or_0000000000000000000000000000000000000000", "enter")
        await settle(pilot)
        said = text_of(app.screen.query_one("#sign-in-status", Static))
        assert "did not accept the API key" in said and SERVED_SAYS in said, said
        assert API_PAGE not in said, said


async def test_api_access_with_a_revoked_key_says_what_setup_says(served: Served) -> None:
    app = remote_app(served.base_url, REVOKED_KEY, page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table_says = app.screen.query_one("#keys").empty_text  # type: ignore[attr-defined]
        assert "Press r" not in table_says and "cannot help" in table_says, table_says
        # What to do is the line above's: this key comes from OPENRUSH_KEY (trial 8).
        line = text_of(app.screen.query_one("#keys-state", Static))
        assert "Press r" not in line, line
        assert "OPENRUSH_KEY to a working key" in line and "Setup (1)" in line, line


async def test_the_rotate_dialog_says_what_happens_to_a_never_used_key(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    await add_keys(db, ["Never used"])  # never used, never expires
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "Never used")
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, KeyRotateScreen)
        plan = text_of(app.screen.query_one("#plan", Static))
        assert plan.count("never expires") == 1, plan
        assert "at once, as nothing has ever used it" in plan, plan
        assert "once nothing has used it for 10 minutes" not in plan, plan
        # What the words follow: a key never used is idle enough, so no wait at all.
        assert IdleWatch(DEFAULT_IDLE).idle_enough(None, FIXED_NOW)
        # The minutes are a field, drawn with the edges every dialog's input has.
        field = app.screen.query_one("#idle", Input)
        assert not field.has_class("-textual-compact")
        assert field.styles.border_left[0] == "tall" and field.styles.border_right[0] == "tall"
        assert field.region.height == 1


async def test_the_storage_dialog_does_not_send_you_to_itself(served: Served) -> None:
    app = remote_app(served.base_url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(StorageChoiceScreen(KeyringUnusable("none").describe(),
                                            display_path(credentials_path())))
        await settle(pilot)
        said = all_text(app.screen)
        assert "Storage button" not in said, said
        assert "remembers the choice" in said, said


def test_a_refused_key_on_the_web_s_server_still_points_at_the_web_page() -> None:
    from openrush_tui.api.errors import Unauthorized

    said = describe_check_error(Unauthorized("refused", status_code=401, detail="revoked"))
    assert API_PAGE in said and SERVED_SAYS not in said
