"""Two terminals on one profile: a sign-out deletes only the key it names.

Terminal A signed in with one key; terminal B then saved another for the same profile. A's
sign-out used to remove B's key while naming its own. Now the store is read again under the
config directory's lock and a key that changed underneath is reported, never removed.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import (
    credentials_path,
    forget,
    read_file_key,
    save_to_file,
)
from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.auth.secret import Secret
from tests.support.accounts import UseKeyring, stored, subprocess_env
from tests.support.apps import TERMINAL, notices, remote_app, settle
from tests.support.keyring_backends import MemoryKeyring
from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command

pytestmark = pytest.mark.usefixtures("isolated_home")
OURS = "or_live_" + "a" * 40
THEIRS = "or_live_" + "b" * 40


def test_a_key_saved_meanwhile_in_the_file_is_kept_and_named_masked(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    save_to_file("default", Secret(THEIRS))  # terminal B, after A read OURS
    report = forget("default", only=Secret(OURS))
    assert read_file_key("default") == THEIRS
    assert report.finished and not report.removed
    summary = report.summary()
    assert summary.startswith("Signed out of this terminal.")
    assert Secret(THEIRS).masked() in summary and "it was left there" in summary
    assert THEIRS not in summary


def test_a_key_saved_meanwhile_in_the_keyring_is_kept(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(keyring_store.SERVICE, "default", THEIRS)
    report = forget("default", only=Secret(OURS))
    assert memory_keyring.get_password(keyring_store.SERVICE, "default") == THEIRS
    assert "the OS keyring" in report.summary() and "it was left there" in report.summary()


def test_the_key_named_is_removed_as_before(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(keyring_store.SERVICE, "default", OURS)
    report = forget("default", only=Secret(OURS))
    assert memory_keyring.store == {} and report.removed == ["the OS keyring"]


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


async def test_dashboard_sign_out_leaves_the_key_another_terminal_saved(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    ours = server.bootstrap_key
    async with OpenRushClient(server.base_url, ours) as client:
        theirs = (await client.create_key("terminal B")).key.get_secret_value()
    save_to_file("default", Secret(ours))
    remember_api_url("default", server.base_url)
    app = remote_app(server.base_url, None, page="setup")
    app.session.key = stored(ours, "file", str(credentials_path()))
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        # Terminal B: the real program signs the same profile in with another key (--yes:
        # it replaces the only saved copy of A's key, which login asks about first).
        login = await asyncio.to_thread(
            subprocess.run, [*command(), "login", "--api-url", server.base_url,
                             "--insecure-storage", "--yes"], input=theirs + "\n",
            capture_output=True,
            text=True, timeout=60, env=subprocess_env(isolated_home), check=False)
        assert login.returncode == 0, login.stderr
        await pilot.press("x")  # sign out: the file holds the only copy, so asked first
        await settle(pilot)
        await pilot.click("#sign-out")
        await settle(pilot)
        assert not app.session.signed_in
        said = "\n".join(notices(app))
    assert read_file_key("default") == theirs  # B's key survives A's sign-out
    assert "it was left there" in said and Secret(theirs).masked() in said
    assert theirs not in said and ours not in said


def test_a_lock_held_by_a_stuck_command_makes_logout_fail_in_one_line(
        use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A planted or held `.lock` used to hang `logout` for ever (flock with no timeout).
    import fcntl
    import os

    from openrush_tui.cli import main
    from openrush_tui.files import locks

    use_keyring(fail.Keyring())
    save_to_file("default", Secret(OURS))
    monkeypatch.setattr(locks, "LOCK_TIMEOUT", 0.2)
    holder = os.open(credentials_path().parent / ".lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another openrush-tui, stuck at a prompt
    try:
        code = main(["logout", "--yes"])
    finally:
        os.close(holder)
    err = capsys.readouterr().err
    assert code == 1 and "locked by another process" in err and len(err.splitlines()) == 1
    assert read_file_key("default") == OURS  # nothing removed while it could not lock


def test_the_store_check_says_when_another_terminal_signed_in_or_out(
        use_keyring: UseKeyring) -> None:
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.auth.status import store_change

    def stored_key_change(profile: str, in_use: StoredKey) -> str | None:
        change = store_change(profile, in_use, "")  # "": no server's key is offered here
        return None if change is None else change.note

    use_keyring(fail.Keyring())
    in_use = StoredKey(Secret(OURS), "file", "~/.config/openrush-tui/credentials.json")
    save_to_file("default", Secret(OURS))
    assert stored_key_change("default", in_use) is None  # unchanged: nothing to say
    save_to_file("default", Secret(THEIRS))
    note = stored_key_change("default", in_use) or ""
    assert note.startswith("Another key (" + Secret(THEIRS).masked())
    assert "still uses " + Secret(OURS).masked() in note
    assert THEIRS not in note and OURS not in note
    forget("default")
    note = stored_key_change("default", in_use) or ""
    assert "is no longer saved" in note and "signed out" in note
    # Keys that were never saved here have no store to check.
    assert stored_key_change("default", StoredKey(Secret(OURS), "environment")) is None


async def test_setup_says_when_another_terminal_saved_another_key(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    from textual.widgets import Static

    from tests.support.apps import text_of

    use_keyring(fail.Keyring())
    ours = server.bootstrap_key
    save_to_file("default", Secret(ours))
    remember_api_url("default", server.base_url)
    app = remote_app(server.base_url, None, page="setup")
    app.session.key = stored(ours, "file", str(credentials_path()))
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        save_to_file("default", Secret(THEIRS))  # terminal B signs the profile in
        await pilot.press("2")  # API access, then back to Setup
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        shown = text_of(app.screen.query_one("#terminal-notes", Static))
        assert "Another key (" + Secret(THEIRS).masked() in shown
        assert THEIRS not in shown and ours not in shown
        assert app.session.key is not None and app.session.key.secret.reveal() == ours
