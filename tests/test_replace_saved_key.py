"""Signing in over the only saved copy of another key asks first, as signing out does: Setup's
yes/no dialog (Cancel focused) at 80×24, and ``login``'s y/N prompt on a terminal or its refusal
without ``--yes`` when the key is piped. Against a sandbox served over HTTP, no keyring (the
0600 file keeps the key), the file read back through the project's own reader. And what Setup
and sign-out say when the key comes from OPENRUSH_KEY, which wins again at every start."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from textual.widgets import Button, Static

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import Unauthorized
from openrush_tui.auth import connection
from openrush_tui.auth.credentials import SignOutReport, read_file_key
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import SignedIn, save_as
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.screens.setup.page import SetupScreen
from tests.support.accounts import UseKeyring, stored, subprocess_env
from tests.support.apps import notices, remote_app, settle, text_of
from tests.support.cli_fork import run_cli
from tests.support.flows import sign_in_with
from tests.support.sandbox_process import RunningSandbox, SandboxFactory
from tests.support.tmux import PROGRAM, Tmux

pytestmark = pytest.mark.usefixtures("isolated_home")
SHOWN_FILE = "~/.config/openrush-tui/credentials.json"


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    # Room for every request of the module's flows: a 429 would make a check wait.
    yield sandbox_server(rate_per_minute=10_000)


@pytest.fixture(scope="module")
def second_key(server: RunningSandbox) -> str:
    """Another working key of the same account, made once for the module."""
    import asyncio

    async def create() -> str:
        async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
            created = await client.create_key("second terminal key")
        return created.key.get_secret_value()

    return asyncio.run(create())


def saved_in_file(server: RunningSandbox, key: str) -> None:
    """The state a first sign-in leaves without a keyring: the key in the 0600 file, the
    profile remembering the file and the server."""
    assert isinstance(save_as("default", server.base_url, Secret(key), "file"), SignedIn)


# ------------------------------------------------------------------ the dashboard


async def test_setup_asks_before_replacing_the_key_in_the_file_cancel_keeps_it(
        server: RunningSandbox, second_key: str, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    old = server.bootstrap_key
    saved_in_file(server, old)
    app = remote_app(server.base_url, None)
    app.session.key = stored(old, "file", SHOWN_FILE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, second_key)
        dialog = app.screen
        assert isinstance(dialog, YesNoDialog) and dialog.id == "replace-key-dialog"
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "cancel"
        said = text_of(dialog.query_one("#replaced", Static))
        assert Secret(old).masked() in said and "0600 file" in said and SHOWN_FILE in said
        assert "only a hash" in said and "cannot be shown again" in said
        assert old not in said and second_key not in said
        assert read_file_key("default") == old  # nothing written while asking
        await pilot.press("enter")  # Cancel, by habit
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert read_file_key("default") == old
        assert app.session.key is not None and app.session.key.secret.reveal() == old
        assert "nothing was replaced" in "\n".join(notices(app))

        await sign_in_with(pilot, second_key)  # again, and this time Yes
        assert isinstance(app.screen, YesNoDialog)
        await pilot.click("#replace")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert app.session.key is not None and app.session.key.secret.reveal() == second_key
    assert read_file_key("default") == second_key


async def test_setup_signing_in_again_with_the_same_key_asks_nothing(
        server: RunningSandbox, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    saved_in_file(server, server.bootstrap_key)
    app = remote_app(server.base_url, None)
    app.session.key = stored(server.bootstrap_key, "file", SHOWN_FILE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in_with(pilot, server.bootstrap_key)
        assert isinstance(app.screen, SetupScreen)
        assert "Signed in" in "\n".join(notices(app))
    assert read_file_key("default") == server.bootstrap_key


# ------------------------------------------------------------------ the command line


def login(home: Path, server: RunningSandbox, key: str,
          *flags: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["login", "--api-url", server.base_url, "--insecure-storage", *flags],
                   input=key + "\n", env=subprocess_env(home))


def test_login_from_a_pipe_refuses_to_replace_the_saved_key_without_yes(
        server: RunningSandbox, second_key: str, isolated_home: Path) -> None:
    saved_in_file(server, server.bootstrap_key)
    refused = login(isolated_home, server, second_key)
    assert refused.returncode == 2, refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "--yes" in errors[0] and "replace the saved key" in errors[0]
    assert read_file_key("default") == server.bootstrap_key
    assert second_key not in refused.stdout + refused.stderr

    same = login(isolated_home, server, server.bootstrap_key)  # the same key: no question
    assert same.returncode == 0, same.stderr

    done = login(isolated_home, server, second_key, "--yes")
    assert done.returncode == 0, done.stderr
    assert read_file_key("default") == second_key


def test_login_on_a_terminal_asks_and_no_keeps_the_saved_key(
        server: RunningSandbox, second_key: str, isolated_home: Path, tmux: Tmux) -> None:
    saved_in_file(server, server.bootstrap_key)
    env = subprocess_env(isolated_home)
    assignments = " ".join(f"{name}={env[name]}" for name in
                           ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "PYTHON_KEYRING_BACKEND"))
    run = (f"env {assignments} {PROGRAM} login --api-url {server.base_url} "
           "--insecure-storage; echo EXITED=$?")
    for answer, kept in (("n", server.bootstrap_key), ("y", second_key)):
        tmux.send("clear", "Enter")
        tmux.wait_gone("EXITED=")  # else the last round's screen answers the waits below
        tmux.send(run, "Enter")
        tmux.wait_for("Paste your OpenRush key")
        tmux.send("-l", second_key)
        tmux.send("Enter")
        screen = tmux.wait_for("[y/N]")
        assert Secret(server.bootstrap_key).masked() in screen and "0600 file" in screen
        assert read_file_key("default") == server.bootstrap_key  # nothing written yet
        tmux.send(answer, "Enter")
        tmux.wait_for("EXITED=0")
        assert read_file_key("default") == kept


# ------------------------------------------------------------------ a key from OPENRUSH_KEY


async def test_a_rejected_key_from_openrush_key_says_the_variable_wins_again(
        server: RunningSandbox) -> None:
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        created = await client.create_key("revoked, in OPENRUSH_KEY")
        await client.revoke_key(created.api_credential.id)
    app = remote_app(server.base_url, created.key.get_secret_value(), page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = text_of(app.screen.query_one("#connection", Static))
        assert "did not accept the API key: it has been revoked" in line
        assert "OPENRUSH_KEY" in line and "wins again at every start" in line
        assert "sign in with another key" not in line  # it would not last


def test_a_rejected_saved_key_still_offers_signing_in() -> None:
    refused = Unauthorized("Refused", status_code=401, detail="API key revoked")
    saved = stored("or_" + "K" * 40, "file", SHOWN_FILE)
    _, line = connection.failed(connection.NOT_CHECKED, refused, "Refused.", key=saved)
    assert "Press s to sign in with another key" in line.text


def test_signing_out_with_openrush_key_set_says_this_terminal_stays_signed_in() -> None:
    said = SignOutReport(removed=["the OS keyring"], environment_still_set=True).summary()
    assert "this terminal stays signed in through it" in said
    assert "unset OPENRUSH_KEY" in said
