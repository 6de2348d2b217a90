"""Where a checked key is saved (`auth.signin`, shared by Setup and ``login``): the keyring
first; without a usable one, the person's choice of the 0600 file or this session only; a
saved key's profile remembers its server. Real keyring backends, a temporary home."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import credentials_path, find_key, read_file_key
from openrush_tui.auth.profiles import profiles_path, remembered_api_url, remembered_storage
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import (
    NeedsChoice,
    NeedsConsent,
    SignedIn,
    change_storage,
    save_as,
    save_key,
)
from tests.support.accounts import UseKeyring, stored
from tests.support.keyring_backends import BlockingKeyring, ForgetfulKeyring, MemoryKeyring

KEY = "or_" + "A1b2C3d4E5" * 4
SERVER = "http://127.0.0.1:8787"
SHOWN_FILE = "~/.config/openrush-tui/credentials.json"
pytestmark = pytest.mark.usefixtures("isolated_home")


def needs_choice(result: SignedIn | NeedsChoice | NeedsConsent) -> NeedsChoice:
    assert isinstance(result, NeedsChoice), result
    return result


def needs_consent(result: SignedIn | NeedsChoice | NeedsConsent) -> NeedsConsent:
    assert isinstance(result, NeedsConsent), result
    return result


def signed_in(result: SignedIn | NeedsChoice | NeedsConsent) -> SignedIn:
    assert isinstance(result, SignedIn), result
    return result


def nothing_written() -> bool:
    return not credentials_path().exists() and not profiles_path().exists()


# ------------------------------------------------------------------ the keyring first


def test_a_working_keyring_keeps_the_key_and_the_profile_its_server(
        memory_keyring: MemoryKeyring) -> None:
    done = signed_in(save_key("work", SERVER, Secret(KEY)))
    assert done.key.source == "keyring" and done.key.where == "MemoryKeyring (test)"
    assert done.key.secret.reveal() == KEY and done.notes == ()
    assert memory_keyring.store[(keyring_store.SERVICE, "work")] == KEY
    assert remembered_api_url("work") == SERVER
    assert not credentials_path().exists()


@pytest.mark.parametrize(("backend", "reason"), [
    (fail.Keyring(), "no OS keyring"),
    (null.Keyring(), "does not keep them"),
    (ForgetfulKeyring(), "does not keep them"),
])
def test_without_a_usable_keyring_the_person_is_asked_and_nothing_is_written(
        use_keyring: UseKeyring, backend: object, reason: str) -> None:
    use_keyring(backend)  # type: ignore[arg-type]
    choice = needs_choice(save_key("default", SERVER, Secret(KEY)))
    assert reason in choice.reason and KEY not in choice.reason
    assert choice.file_path == SHOWN_FILE
    assert nothing_written()


def test_a_plaintext_keyring_is_named_as_plain_text_and_not_used(
        use_keyring: UseKeyring, isolated_home: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(isolated_home / "plaintext-keyring.cfg")
    use_keyring(backend)
    choice = needs_choice(save_key("default", SERVER, Secret(KEY)))
    assert "PlaintextKeyring (keyrings.alt)" in choice.reason and "plain text" in choice.reason
    assert not Path(backend.file_path).exists() and nothing_written()


def test_a_hanging_keyring_is_a_choice_not_a_freeze(use_keyring: UseKeyring) -> None:
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        choice = needs_choice(save_key("default", SERVER, Secret(KEY)))
        assert "did not answer within 0.5 s" in choice.reason
        assert nothing_written()
    finally:
        backend.release()


def test_in_the_sandbox_the_key_is_kept_for_the_session_only(
        memory_keyring: MemoryKeyring) -> None:
    done = signed_in(save_key("default", SERVER, Secret(KEY), sandbox=True))
    assert done.key.source == "session"
    assert memory_keyring.store == {} and nothing_written()


# ------------------------------------------------------------------ after the choice


def test_the_file_when_chosen_is_0600_and_the_profile_remembers_its_server(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    done = save_as("default", SERVER, Secret(KEY), "file")
    assert done.key.source == "file" and done.key.where == SHOWN_FILE and done.notes == ()
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["profiles"]["default"]["key"] == KEY
    assert remembered_api_url("default") == SERVER
    assert find_key("default").key == done.key


def test_session_only_writes_no_key_only_the_choice(use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    done = save_as("default", SERVER, Secret(KEY), "session")
    assert done.key.source == "session" and done.notes == ()
    assert not credentials_path().exists()
    assert KEY not in profiles_path().read_text()
    assert remembered_storage("default") == "session"


@pytest.mark.parametrize("choice", ["file", "session"])
def test_the_choice_is_remembered_per_profile_and_not_asked_again(
        use_keyring: UseKeyring, choice: str) -> None:
    use_keyring(fail.Keyring())
    assert isinstance(save_key("work", SERVER, Secret(KEY)), NeedsChoice)
    save_as("work", SERVER, Secret(KEY), choice)  # type: ignore[arg-type]
    again = save_key("work", SERVER, Secret(KEY))
    assert isinstance(again, SignedIn) and again.key.source == choice
    assert "as chosen before" in " ".join(again.notes)
    assert isinstance(save_key("default", SERVER, Secret(KEY)), NeedsChoice)  # per profile
    # `login` cannot keep a key for "this session": it asks again rather than drop it.
    cli = save_key("work", SERVER, Secret(KEY), remembered=("file",))
    assert isinstance(cli, NeedsChoice) == (choice == "session")


def test_changing_the_choice_moves_the_key_in_use(use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    in_memory = save_as("default", SERVER, Secret(KEY), "session").key
    moved = change_storage("default", SERVER, in_memory, "file")
    assert moved is not None and moved.key.source == "file"
    assert KEY in credentials_path().read_text()
    back = change_storage("default", SERVER, moved.key, "session")
    assert back is not None and back.key.source == "session"
    assert not credentials_path().exists() and remembered_storage("default") == "session"
    assert change_storage("default", SERVER, None, "file") is None
    assert remembered_storage("default") == "file"


def test_the_file_choice_carries_the_note_on_an_older_keyring_copy(
        use_keyring: UseKeyring) -> None:
    # The keyring timed out when storing; clearing an older copy there times out as well.
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        done = save_as("default", SERVER, Secret(KEY), "file")
    finally:
        backend.release()
    assert done.key.source == "file"
    assert len(done.notes) == 1 and "could not be checked" in done.notes[0]


def test_a_server_that_cannot_be_remembered_is_a_note_not_a_failure(
        memory_keyring: MemoryKeyring) -> None:
    path = profiles_path()
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    path.chmod(0o644)  # others could read it: refused, so nothing is remembered
    done = signed_in(save_key("default", SERVER, Secret(KEY)))
    assert done.key.source == "keyring"
    assert len(done.notes) == 1
    assert done.notes[0].startswith("The server URL was not remembered (")
    assert "not sent anywhere" in done.notes[0]
    assert "chmod 600" in done.notes[0] and KEY not in done.notes[0]


# ------------------------------------------------------------------ over a saved key

OTHER = "or_" + "Z9y8X7w6V5" * 4


def test_over_the_only_copy_in_the_file_nothing_is_written_until_agreed(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    signed_in(save_as("default", SERVER, Secret(KEY), "file"))
    ask = needs_consent(save_key("default", SERVER, Secret(OTHER)))
    assert ask.choice == "file" and [key.secret.reveal() for key, _ in ask.lost] == [KEY]
    said = " ".join(ask.sentences())
    assert "or_A1b2C3…" in said and SHOWN_FILE in said and "0600 file" in said
    assert "only a hash" in said and KEY not in said
    assert read_file_key("default") == KEY  # kept
    done = signed_in(save_as("default", SERVER, Secret(OTHER), "file", replaces=ask.consent()))
    assert done.key.source == "file" and read_file_key("default") == OTHER


def test_over_the_only_copy_in_the_keyring_nothing_is_written_until_agreed(
        memory_keyring: MemoryKeyring) -> None:
    signed_in(save_key("default", SERVER, Secret(KEY)))
    ask = needs_consent(save_key("default", SERVER, Secret(OTHER)))
    assert ask.choice is None and "the OS keyring (MemoryKeyring (test))" in ask.sentences()[0]
    assert memory_keyring.store[(keyring_store.SERVICE, "default")] == KEY
    signed_in(save_key("default", SERVER, Secret(OTHER), replaces="any"))
    assert memory_keyring.store[(keyring_store.SERVICE, "default")] == OTHER


def test_the_same_key_or_a_copy_elsewhere_needs_no_question(
        use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(fail.Keyring())
    signed_in(save_as("default", SERVER, Secret(KEY), "file"))
    signed_in(save_key("default", SERVER, Secret(KEY)))  # the same key again
    monkeypatch.setenv("OPENRUSH_KEY", KEY)  # a copy the store does not hold
    signed_in(save_key("default", SERVER, Secret(OTHER)))
    monkeypatch.delenv("OPENRUSH_KEY")
    signed_in(save_as("work", SERVER, Secret(OTHER), "file"))  # another profile's copy
    signed_in(save_key("default", SERVER, Secret(KEY)))
    assert read_file_key("default") == KEY and read_file_key("work") == OTHER


def test_this_session_only_replaces_no_saved_key_but_the_key_in_memory_asks(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    signed_in(save_as("default", SERVER, Secret(KEY), "file"))
    assert change_storage("default", SERVER, None, "session") is None  # the choice only
    done = signed_in(save_key("default", SERVER, Secret(OTHER)))  # kept in memory, as chosen
    assert done.key.source == "session" and read_file_key("default") == KEY  # not replaced
    in_memory = stored(OTHER, "session")
    ask = needs_consent(save_key("default", SERVER, Secret("or_" + "Q" * 40), in_use=in_memory))
    assert ask.lost == ((in_memory, True),)
    assert "signed in with" in ask.sentences()[0] and "memory" in ask.sentences()[0]


def test_a_credentials_file_others_can_read_does_not_stop_a_keyring_sign_in(
        memory_keyring: MemoryKeyring) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": {"default": {"key": OTHER}}}))
    path.chmod(0o644)  # refused by the reader: it is neither read nor replaced
    done = signed_in(save_key("default", SERVER, Secret(KEY)))
    assert done.key.source == "keyring" and OTHER in path.read_text()
