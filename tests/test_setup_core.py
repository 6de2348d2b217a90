"""The Setup page's plain-Python parts (no Textual): the sign-in check (`auth.key_check`), what
the connection check found and says (`auth.connection`), and the storage flow's saving and
question (`auth.key_storage`); and the page itself is one screen class, with no mixin of ours,
whose dialogs load when first opened.

The check runs against the in-process sandbox; storage uses real keyring backends and a
temporary home, as test_signin.py does.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import (
    ApiTimeout,
    InvalidKeyFormat,
    RateLimited,
    ServerError,
    Unauthorized,
)
from openrush_tui.auth import connection, key_storage
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.key_check import API_PAGE, check_key, describe_check_error
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import NeedsChoice, SignedIn, save_as
from openrush_tui.auth.status import Account
from openrush_tui.config import Settings
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.session import Session
from tests.support.accounts import UseKeyring
from tests.support.apps import FIXED_NOW

KEY = "or_" + "A1b2C3d4E5" * 4
SERVER = "http://127.0.0.1:8787"
SHOWN_FILE = "~/.config/openrush-tui/credentials.json"


# ------------------------------------------------------------------ the sign-in check


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[tuple[OpenRushClient, Secret]]:
    """The app's client on the in-process sandbox, and the demo session's token."""
    settings = Settings(sandbox=SandboxOptions(db_path=tmp_path / "s.sqlite3", now=FIXED_NOW),
                        fixed_now=FIXED_NOW)
    session = Session(settings, None)
    try:
        client = await session.client()
        assert session.key is not None  # the demo session signed in as the client was built
        yield client, session.key.secret
    finally:
        await session.aclose()


async def test_the_check_passes_a_key_the_server_takes_and_raises_for_one_it_refuses(
        sandbox: tuple[OpenRushClient, Secret]) -> None:
    client, token = sandbox
    await check_key(client, token)
    with pytest.raises(Unauthorized) as refused:
        await check_key(client, Secret(KEY))
    assert "did not accept the API key" in describe_check_error(refused.value)
    await check_key(client, token)  # the app's client still holds its own key


@pytest.mark.parametrize(("error", "said"), [
    (Unauthorized("Refused", status_code=401),
     f"The server did not accept the API key: it is wrong, revoked or expired. Check it (or "
     f"create a new one at {API_PAGE}) and try again."),
    (InvalidKeyFormat("That is not an OpenRush key."), "That is not an OpenRush key."),
    (ApiTimeout("No answer in time.", "Try again."),
     "The key could not be checked. No answer in time. Try again."),
    (KeyError("x"), "The key could not be checked (unexpected KeyError)."),
])
def test_the_check_says_a_refused_key_plainly_and_other_failures_as_they_are(
        error: BaseException, said: str) -> None:
    assert describe_check_error(error) == said


# ------------------------------------------------------------------ the connection check

ACCOUNT = Account(1234, "acct_1")


def test_a_check_that_finds_the_account_says_connection_ok() -> None:
    checked, line = connection.connected(ACCOUNT)
    assert checked == connection.Checked(ACCOUNT)
    assert line.state == "-ok" and line.text.startswith("Connection OK")


def test_a_rate_limit_keeps_what_was_known_and_says_it_is_a_wait() -> None:
    before, _ = connection.connected(ACCOUNT)
    after, line = connection.failed(before, RateLimited("Slow down", status_code=429), "…")
    assert after is before  # the page keeps the account and does not draw it again
    assert line is connection.RATE_LIMITED and "key and the connection are fine" in line.text


def test_a_refused_key_says_why_in_a_word_and_what_to_do() -> None:
    before, _ = connection.connected(ACCOUNT)
    refused = Unauthorized("Refused", status_code=401, detail="API key revoked")
    after, line = connection.failed(before, refused, "The key was refused.")
    assert after == connection.Checked(error="The key was refused.", rejected="revoked")
    assert line == connection.ConnectionLine(
        "The server did not accept the API key: it has been revoked. Press s to sign in with "
        "another key, or x to sign out.", "-error")


@pytest.mark.parametrize("error", [ServerError("Down", status_code=503), None])
def test_any_other_failure_forgets_the_account_and_says_connection_failed(
        error: BaseException | None) -> None:
    before, _ = connection.connected(ACCOUNT)
    after, line = connection.failed(before, error, "The server is down.")
    assert after == connection.Checked(error="The server is down.")
    assert line == connection.ConnectionLine("Connection failed: The server is down.", "-error")


def test_the_notes_are_safe_for_a_terminal_and_say_what_the_keys_source_means() -> None:
    assert connection.terminal_notes(None, (), None) == []
    in_memory = StoredKey(Secret(KEY), "session")
    assert connection.terminal_notes(in_memory, ("lookup\x1b[2J",), "changed") == [
        "lookup\\e[2J", "changed",
        "The key is kept for this session only; you sign in again next time."]
    from_env = StoredKey(Secret(KEY), "environment")
    assert connection.terminal_notes(from_env, (), None) == [
        "OPENRUSH_KEY wins over any key saved with Sign in; unset it to use the saved one."]
    assert connection.terminal_notes(StoredKey(Secret(KEY), "keyring"), (), None) == []


# ------------------------------------------------------------------ where the key is kept


@pytest.mark.usefixtures("isolated_home")
def test_keeping_a_key_asks_without_a_keyring_then_keeps_it_as_chosen(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    asked = key_storage.keep_key("default", SERVER, Secret(KEY), sandbox=False)
    assert isinstance(asked, NeedsChoice) and asked.file_path == SHOWN_FILE
    kept = key_storage.keep_key("default", SERVER, Secret(KEY), sandbox=False, choice="session")
    assert isinstance(kept, SignedIn) and kept.key.source == "session"
    assert key_storage.signed_in_message(kept.key) == (
        "Signed in. The key comes from this session only (not saved; gone when the app "
        "closes).")
    sandboxed = key_storage.keep_key("other", SERVER, Secret(KEY), sandbox=True)
    assert isinstance(sandboxed, SignedIn) and sandboxed.key.source == "session"


@pytest.mark.usefixtures("isolated_home")
def test_the_storage_question_says_what_the_profile_chose_before(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    first = key_storage.storage_question("work")
    assert first.title == "Where profile “work” keeps its key"
    assert first.reason.startswith("Nothing is chosen yet (the next sign-in asks). ")
    assert first.file_path == SHOWN_FILE
    save_as("work", SERVER, Secret(KEY), "file")
    assert key_storage.storage_question("work").reason.startswith(
        "Now the key is kept in the credentials file. ")
    assert key_storage.storage_question("default").reason.startswith("Nothing is chosen")


def test_a_change_of_storage_says_whether_the_key_in_use_moved() -> None:
    moved = SignedIn(StoredKey(Secret(KEY), "file"))
    assert key_storage.storage_changed_message("file", moved) == (
        "Keys of this profile are now kept in the credentials file when there is no keyring; "
        "the key in use moved there.")
    assert key_storage.storage_changed_message("session", None) == (
        "Keys of this profile are now kept for this session only when there is no keyring.")


# ------------------------------------------------------------------ the page's shape


def test_the_setup_page_is_one_screen_class_with_no_mixin_of_ours() -> None:
    ours = [cls for cls in SetupScreen.__mro__ if cls.__module__.startswith("openrush_tui")]
    assert ours == [SetupScreen, DashboardScreen]
    assert SetupScreen.__bases__ == (DashboardScreen,)
    assert SetupScreen.__module__ == "openrush_tui.screens.setup.page"


def test_the_pages_dialogs_and_the_installer_load_when_first_used_not_with_the_page() -> None:
    # What the page's imports inside functions are for: the first frame does not wait on them.
    later = ("openrush_tui.screens.setup.sign_in", "openrush_tui.screens.setup.storage_choice",
             "openrush_tui.screens.setup.sign_out", "openrush_tui.screens.setup.agent_install",
             "openrush_tui.agents.install", "tomllib")
    code = ("import sys, openrush_tui.screens.setup.page; "
            f"print(' '.join(m for m in {later!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == ""
