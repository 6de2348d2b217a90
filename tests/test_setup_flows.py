"""Setup as a person uses it: signing in against a sandbox served over HTTP, choosing where
the key goes when there is no keyring, signing out, copying a snippet, installing into a
config file. Temporary home; keyring backends chosen per test."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring
from textual.widgets import Input, Static

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import credentials_path
from openrush_tui.auth.profiles import remembered_api_url
from openrush_tui.auth.status import NOT_LISTED
from openrush_tui.screens.setup.agent_install import AgentInstallScreen
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.screens.setup.sign_in import SignInScreen
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.agent_panel import AgentPanel
from tests.support.accounts import UseKeyring, mint_key, sandbox_app_with, stored
from tests.support.apps import TERMINAL, notices, remote_app, settle, text_of
from tests.support.flows import sign_in_with
from tests.support.keyring_backends import BlockingKeyring, MemoryKeyring
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


def exists(path: str) -> bool:
    return Path(path).exists()


def notifications(app: OpenRushApp) -> str:
    return "\n".join(notices(app))


def terminal_text(app: OpenRushApp) -> str:
    return text_of(app.screen.query_one("#terminal", Static))


def terminal_notes(app: OpenRushApp) -> str:
    return text_of(app.screen.query_one("#terminal-notes", Static))


# ------------------------------------------------------------------ signing in


async def test_a_good_key_is_checked_then_saved_in_the_keyring(
        server: RunningSandbox, memory_keyring: MemoryKeyring) -> None:
    app = remote_app(server.base_url, None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert "not signed in" in terminal_text(app)
        await sign_in_with(pilot, server.bootstrap_key)
        assert isinstance(app.screen, SetupScreen)
        assert app.session.key is not None and app.session.key.source == "keyring"
        assert memory_keyring.store[(keyring_store.SERVICE, "default")] == server.bootstrap_key
        text = terminal_text(app)
        assert "signed in" in text and "the OS keyring (MemoryKeyring (test))" in text
        assert server.bootstrap_key[:9] + "…" + server.bootstrap_key[-4:] in text
        assert server.bootstrap_key not in text
        assert NOT_LISTED in text and "credits" in text  # one request: no key list here
        assert "Connection OK" in text_of(app.screen.query_one("#connection", Static))
        assert app.balance is not None
        await pilot.press("2")  # API access lists the keys, which name the account
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert "acct_" in terminal_text(app)
    assert remembered_api_url("default") == server.base_url
    assert not credentials_path().exists()


async def test_a_revoked_key_is_refused_and_the_input_kept(
        server: RunningSandbox, memory_keyring: MemoryKeyring) -> None:
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        created = await client.create_key("revoked before sign-in")
        await client.revoke_key(created.api_credential.id)
    revoked = created.key.get_secret_value()
    app = remote_app(server.base_url, None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, revoked)
        dialog = app.screen
        assert isinstance(dialog, SignInScreen)  # still open
        status = text_of(dialog.query_one("#sign-in-status", Static))
        assert "it has been revoked" in status and revoked not in status
        assert dialog.query_one("#key-input", Input).value == revoked
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen) and not app.session.signed_in
    assert memory_keyring.store == {}


async def test_without_a_keyring_the_choice_appears_and_the_file_gets_0600(
        server: RunningSandbox, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    app = remote_app(server.base_url, None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, server.bootstrap_key)
        choice = app.screen
        assert isinstance(choice, StorageChoiceScreen)
        assert "no OS keyring" in text_of(choice.query_one("#keyring-problem", Static))
        assert "plain text" in text_of(choice.query_one("#file-warning", Static))
        assert not credentials_path().exists()  # nothing written before the choice
        await pilot.click("#save-file")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert app.session.key is not None and app.session.key.source == "file"
        assert "~/.config/openrush-tui/credentials.json" in terminal_text(app)
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["profiles"]["default"]["key"] == server.bootstrap_key


async def test_a_plaintext_keyring_is_not_used_and_session_only_writes_nothing(
        server: RunningSandbox, use_keyring: UseKeyring, isolated_home: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(isolated_home / "plaintext-keyring.cfg")
    use_keyring(backend)
    app = remote_app(server.base_url, None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, server.bootstrap_key)
        choice = app.screen
        assert isinstance(choice, StorageChoiceScreen)
        reason = text_of(choice.query_one("#keyring-problem", Static))
        assert "PlaintextKeyring" in reason and "plain text" in reason
        await pilot.press("s")  # This session only
        await settle(pilot)
        assert app.session.key is not None and app.session.key.source == "session"
        assert "this session only" in terminal_text(app)
    assert not credentials_path().exists()
    assert not exists(backend.file_path)


async def test_a_hanging_keyring_gives_the_choice_instead_of_freezing(
        server: RunningSandbox, use_keyring: UseKeyring) -> None:
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        app = remote_app(server.base_url, None)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await sign_in_with(pilot, server.bootstrap_key)
            choice = app.screen
            assert isinstance(choice, StorageChoiceScreen)
            assert "did not answer" in text_of(choice.query_one("#keyring-problem", Static))
            await pilot.press("escape")  # keep the terminal signed out
            await settle(pilot)
            assert not app.session.signed_in
            assert "Not signed in" in notifications(app)
    finally:
        backend.release()


# ------------------------------------------------------------------ signing out


async def test_sign_out_removes_the_saved_key_and_shows_setup_signed_out(
        server: RunningSandbox, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(keyring_store.SERVICE, "default", server.bootstrap_key)
    app = remote_app(server.base_url, None)
    app.session.key = stored(server.bootstrap_key, "keyring", "MemoryKeyring (test)")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert app.balance is not None
        await pilot.press("x")  # the keyring holds the only copy: asked first
        await settle(pilot)
        await pilot.click("#sign-out")
        await settle(pilot)
        assert not app.session.signed_in and app.balance is None
        assert "not signed in" in terminal_text(app)
        assert "removed from the OS keyring" in notifications(app)
    assert memory_keyring.store == {}


async def test_sign_out_says_when_openrush_key_will_sign_in_again(
        server: RunningSandbox, memory_keyring: MemoryKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENRUSH_KEY", server.bootstrap_key)
    app = remote_app(server.base_url, server.bootstrap_key, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert "OPENRUSH_KEY environment variable" in terminal_text(app)
        await pilot.press("x")
        await settle(pilot)
        assert "unset OPENRUSH_KEY" in notifications(app)
        assert not app.session.signed_in


async def test_a_sign_out_from_elsewhere_shows_on_setup(tmp_path: Path) -> None:
    # API access signs out after revoking the key in use, then shows Setup.
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await app.session.sign_out()
        await app.switch_mode("setup")
        await settle(pilot)
        assert "not signed in" in terminal_text(app)


def connection_line(app: OpenRushApp) -> str:
    return text_of(app.screen.query_one("#connection", Static))


async def test_connection_failed_goes_once_a_later_request_succeeds(tmp_path: Path) -> None:
    """The server was down as Setup loaded, then came back: API access loaded fine, and
    Setup, shown again, says so instead of the old failure (it checks again by itself)."""
    from tests.support.faults import dashboard, faulty_sandbox
    from tests.support.scripted_server import Fault

    with faulty_sandbox(tmp_path) as sandbox:
        sandbox.server.inject(Fault(status=503))
        app = dashboard(sandbox.server.url, sandbox.key, "setup")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            assert "Connection failed" in connection_line(app)
            sandbox.server.clear()  # the server is back
            await pilot.press("2")
            await settle(pilot)
            await pilot.press("1")
            await settle(pilot)
            assert "Connection failed" not in connection_line(app)
            assert "Connection OK" in connection_line(app)
            assert "503" not in terminal_text(app)


# ------------------------------------------------------------------ agents


async def test_copy_goes_through_the_clipboard_helper_and_says_what_happened(
        tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "the snippet" in notifications(app)


async def test_the_key_variant_and_install_into_cursor(tmp_path: Path,
                                                       isolated_home: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None,
                           mcp_url="https://mcp.example.test/mcp")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # the agent list has the focus: Cursor
        await pilot.press("v")
        await pilot.pause()
        panel = app.screen.query_one(AgentPanel)
        assert panel.agent.id == "cursor" and panel.key_header
        snippet = text_of(app.screen.query_one("#snippet", Static))
        assert "${env:OPENRUSH_KEY}" in snippet and "https://mcp.example.test/mcp" in snippet
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentInstallScreen)
        assert "+++ ~/.cursor/mcp.json (after)" in text_of(dialog.query_one("#diff", Static))
        assert not (isolated_home / ".cursor").exists()  # nothing before "Write"
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert "Created ~/.cursor/mcp.json" in notifications(app)
    entry = json.loads((isolated_home / ".cursor" / "mcp.json").read_text())
    assert entry["mcpServers"]["openrush"]["headers"]["Authorization"] == \
        "Bearer ${env:OPENRUSH_KEY}"


async def test_install_into_a_broken_file_reports_it_and_leaves_it(
        tmp_path: Path, isolated_home: Path) -> None:
    path = isolated_home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text("[mcp_servers\n")
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "down", "i")  # Codex CLI
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert "not valid TOML" in notifications(app)
    assert path.read_text() == "[mcp_servers\n"


async def test_the_capabilities_are_listed_with_their_costs(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    key = mint_key(tmp_path / "sandbox.sqlite3")
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", stored(key, "environment"))
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#tools", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert str(rows["audit_site"][1]) == "10"
        assert str(rows["inspect_backlinks"][2]).startswith("no")
        billing = text_of(app.screen.query_one("#billing", Static))
        assert "https://www.openrush.com/dashboard/billing" in billing


async def test_the_show_toggle_unmasks_the_key_and_hides_it_again(tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        key_input = app.screen.query_one("#key-input", Input)
        await pilot.press(*"or_abc")
        assert key_input.password
        await pilot.press("ctrl+r")
        assert not key_input.password and key_input.value == "or_abc"
        await pilot.click("#show-key")
        assert key_input.password


async def test_in_the_sandbox_a_key_is_kept_for_the_session_only(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    db = tmp_path / "sandbox.sqlite3"
    key = mint_key(db)
    app = sandbox_app_with(db, None, signed_out=True)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, key)
        assert app.session.key is not None and app.session.key.source == "session"
        assert "Connection OK" in text_of(app.screen.query_one("#connection", Static))
    assert memory_keyring.store == {} and not credentials_path().exists()


# ------------------------------------------------------------------ the storage choice


async def test_the_storage_choice_is_asked_once_and_changed_on_setup(
        server: RunningSandbox, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    app = remote_app(server.base_url, None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, server.bootstrap_key)
        assert isinstance(app.screen, StorageChoiceScreen)
        await pilot.press("f")  # the file
        await settle(pilot)
        assert app.session.key is not None and app.session.key.source == "file"
        await sign_in_with(pilot, server.bootstrap_key)  # again: not asked this time
        assert isinstance(app.screen, SetupScreen)
        assert app.session.key is not None and app.session.key.source == "file"
        assert "as chosen before" in terminal_notes(app)
        await pilot.press("t")  # Setup's Storage: this session only, the key moves
        await settle(pilot)
        assert isinstance(app.screen, StorageChoiceScreen)
        assert "in the credentials file" in text_of(app.screen.query_one("#keyring-problem",
                                                                         Static))
        await pilot.press("s")
        await settle(pilot)
        assert app.session.key is not None and app.session.key.source == "session"
    assert not credentials_path().exists()


# ------------------------------------------------------------------ quitting as Setup opens


async def test_quitting_as_setup_opens_is_not_a_crash(tmp_path: Path) -> None:
    """The app quits while Setup is being built (1 then q on a slow machine, or a test that
    ends as the page opens): Textual mounts nothing into a widget that is closing, yet sends
    it Mount, so Setup's panels are half built and a query for their parts used to raise
    NoMatches in SetupScreen.on_mount (a crash report on the way out)."""
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.pause()
        app.call_later(app.switch_mode, "setup")
    # run_test re-raises what the app met on its way out
    assert app.return_code in (0, None)
