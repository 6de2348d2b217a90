"""Where the key lives: environment, keyring (working, missing, discarding, plaintext, hanging),
the 0600 file, sign-out everywhere, and profiles. Never the real home or keyring."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from openrush_tui.auth import credentials, keyring_store
from openrush_tui.auth.credentials import (
    CredentialStoreError,
    KeyringUnusable,
    credentials_path,
    find_key,
    find_key_for_server,
    forget,
    load_key,
    save_to_file,
    save_to_keyring,
)
from openrush_tui.auth.profiles import api_url_for, remember_api_url, remembered_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.files import writing
from tests.support.accounts import UseKeyring
from tests.support.keyring_backends import BlockingKeyring, ForgetfulKeyring, MemoryKeyring

KEY = "or_" + "A1b2C3d4E5" * 4
OTHER = "or_" + "Z9y8X7w6V5" * 4
pytestmark = pytest.mark.usefixtures("isolated_home")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ the environment


def test_the_environment_wins_over_every_stored_key(memory_keyring: MemoryKeyring,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    save_to_keyring("default", Secret(OTHER))
    monkeypatch.setenv("OPENRUSH_KEY", f"  {KEY}\n")
    key = load_key("default")
    assert key is not None and key.source == "environment" and key.secret.reveal() == KEY
    assert "OPENRUSH_KEY" in key.source_label


def test_nothing_anywhere_means_no_key(memory_keyring: MemoryKeyring) -> None:
    assert find_key("default") == credentials.Lookup(None)


# ------------------------------------------------------------------ a working keyring


def test_a_working_keyring_keeps_the_key_and_names_itself(memory_keyring: MemoryKeyring) -> None:
    saved = save_to_keyring("default", Secret(KEY))
    assert saved.source == "keyring" and "MemoryKeyring" in saved.source_label
    assert memory_keyring.store[(keyring_store.SERVICE, "default")] == KEY
    loaded = load_key("default")
    assert loaded is not None and loaded.source == "keyring" and loaded.secret.reveal() == KEY
    assert not loaded.plaintext
    assert not credentials_path().exists()  # nothing in plain text


def test_saving_to_the_keyring_removes_an_older_plain_text_copy(
        memory_keyring: MemoryKeyring) -> None:
    save_to_file("default", Secret(OTHER))
    assert credentials_path().exists()
    save_to_keyring("default", Secret(KEY))
    assert not credentials_path().exists()


# ------------------------------------------------------------------ keyrings that cannot keep it


def test_no_keyring_backend_is_said_in_plain_words(use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    with pytest.raises(KeyringUnusable) as raised:
        save_to_keyring("default", Secret(KEY))
    assert raised.value.problem == "none"
    assert "no OS keyring" in raised.value.describe()
    assert KEY not in str(raised.value)
    assert not credentials_path().exists()  # never a silent fallback to the file


def test_the_null_backend_that_discards_is_detected(use_keyring: UseKeyring) -> None:
    use_keyring(null.Keyring())
    with pytest.raises(KeyringUnusable) as raised:
        save_to_keyring("default", Secret(KEY))
    assert raised.value.problem == "discards"


def test_a_backend_that_silently_drops_the_key_is_caught_by_reading_back(
        use_keyring: UseKeyring) -> None:
    use_keyring(ForgetfulKeyring())
    with pytest.raises(KeyringUnusable) as raised:
        save_to_keyring("default", Secret(KEY))
    assert raised.value.problem == "discards"
    assert "does not keep them" in raised.value.describe()


def test_a_plaintext_keyring_is_called_plain_text(use_keyring: UseKeyring,
                                                   isolated_home: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(isolated_home / "keyring_pass.cfg")
    use_keyring(backend)
    with pytest.raises(KeyringUnusable) as raised:
        save_to_keyring("default", Secret(KEY))
    assert raised.value.problem == "plaintext"
    assert "plain text" in raised.value.describe()
    assert "keyrings.alt" in raised.value.describe()
    # A key someone put there is still found, and labelled for what it is.
    backend.set_password(keyring_store.SERVICE, "default", KEY)
    key = load_key("default")
    assert key is not None and key.plaintext and "plain text" in key.source_label


def test_a_hanging_keyring_times_out_and_the_caller_is_not_stuck(
        use_keyring: UseKeyring) -> None:
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        started = time.monotonic()
        with pytest.raises(KeyringUnusable) as raised:
            save_to_keyring("default", Secret(KEY), timeout=0.3)
        assert raised.value.problem == "timeout"
        assert "did not answer within 0.3 s" in raised.value.describe()
        assert time.monotonic() - started < 2
        assert keyring_store.stuck_calls() == 1
        # While that call is stuck, the next ones fail at once instead of piling up threads.
        started = time.monotonic()
        lookup = find_key("default")
        assert lookup.key is None and "did not answer" in lookup.notes[0]
        assert time.monotonic() - started < 0.2
        assert backend.calls == 1
    finally:
        backend.release()
    deadline = time.monotonic() + 5
    while keyring_store.stuck_calls() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert keyring_store.stuck_calls() == 0


def test_a_hanging_keyring_still_lets_the_file_key_be_found(use_keyring: UseKeyring) -> None:
    save_to_file("default", Secret(KEY))
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        lookup = find_key("default", keyring_timeout=0.2)
        assert lookup.key is not None and lookup.key.source == "file"
        assert "did not answer within 0.2 s" in lookup.notes[0]
    finally:
        backend.release()


def test_keyring_calls_run_in_daemon_threads_so_exit_never_waits_for_them() -> None:
    seen: list[bool] = []

    def work() -> int:
        import threading

        seen.append(threading.current_thread().daemon)
        return 7

    assert keyring_store.call_with_timeout(work, 1.0) == 7
    assert seen == [True]


# ------------------------------------------------------------------ the 0600 file


def test_the_file_is_0600_in_a_0700_directory_even_with_a_permissive_umask(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    old = os.umask(0)
    try:
        saved, notes = save_to_file("default", Secret(KEY))
    finally:
        os.umask(old)
    path = credentials_path()
    assert mode_of(path) == 0o600 and mode_of(path.parent) == 0o700
    assert json.loads(path.read_text())["profiles"]["default"]["key"] == KEY
    assert saved.source == "file" and saved.where == "~/.config/openrush-tui/credentials.json"
    assert notes == []
    # No temporary copy left; the lock file is empty and 0600.
    assert sorted(p.name for p in path.parent.iterdir()) == [".lock", "credentials.json"]
    assert mode_of(path.parent / ".lock") == 0o600
    key = load_key("default")
    assert key is not None and key.source == "file" and key.secret.reveal() == KEY


def test_the_file_is_created_0600_before_anything_is_written(
        use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(fail.Keyring())
    calls: list[tuple[str, int, int]] = []
    real_open = os.open

    def spying_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        calls.append((os.fspath(path), flags, mode))
        return real_open(path, flags, mode)

    monkeypatch.setattr(writing.os, "open", spying_open)
    save_to_file("default", Secret(KEY))
    (path, flags, mode), = [call for call in calls if call[0].endswith(".tmp")]
    assert Path(path).parent == credentials_path().parent and path.endswith(".tmp")
    assert flags & os.O_CREAT and flags & os.O_EXCL and flags & os.O_NOFOLLOW
    assert mode == 0o600


def test_a_file_others_can_read_is_refused_with_the_fix(use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    save_to_file("default", Secret(KEY))
    path = credentials_path()
    path.chmod(0o644)
    with pytest.raises(CredentialStoreError) as raised:
        load_key("default")
    message = str(raised.value)
    assert f"chmod 600 {path}" in message and "mode 0644" in message
    assert KEY not in message
    path.chmod(0o600)
    assert load_key("default") is not None


def test_a_config_directory_others_may_list_is_used_as_it_is(use_keyring: UseKeyring) -> None:
    # Made by hand with the usual umask: its files are 0600, so it is used, and it is not
    # chmodded (this tool changes the mode only of what it has just created).
    use_keyring(fail.Keyring())
    directory = credentials_path().parent
    directory.mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    save_to_file("default", Secret(KEY))
    assert mode_of(directory) == 0o755 and mode_of(credentials_path()) == 0o600


def test_a_config_directory_others_may_write_is_refused_untouched(
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    directory = credentials_path().parent
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    with pytest.raises(CredentialStoreError, match=f"chmod 700 {directory}"):
        save_to_file("default", Secret(KEY))
    with pytest.raises(CredentialStoreError, match="written by other users"):
        load_key("default")
    assert mode_of(directory) == 0o777 and not list(directory.iterdir())


def test_saving_to_the_file_removes_an_older_keyring_copy(
        memory_keyring: MemoryKeyring) -> None:
    save_to_keyring("default", Secret(OTHER))
    save_to_file("default", Secret(KEY))
    assert memory_keyring.store == {}
    key = load_key("default")
    assert key is not None and key.secret.reveal() == KEY


# ------------------------------------------------------------------ signing out


def test_sign_out_removes_the_key_from_every_place(memory_keyring: MemoryKeyring) -> None:
    save_to_file("default", Secret(KEY))
    memory_keyring.set_password(keyring_store.SERVICE, "default", OTHER)
    report = forget("default")
    assert report.removed == ["the OS keyring", "~/.config/openrush-tui/credentials.json"]
    assert memory_keyring.store == {} and not credentials_path().exists()
    assert load_key("default") is None
    assert "OPENRUSH_KEY" not in report.summary()


def test_sign_out_says_when_the_environment_will_still_sign_in(
        memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    save_to_keyring("default", Secret(KEY))
    monkeypatch.setenv("OPENRUSH_KEY", OTHER)
    report = forget("default")
    assert report.environment_still_set
    assert "unset OPENRUSH_KEY" in report.summary()
    assert OTHER not in report.summary() and KEY not in report.summary()


def test_sign_out_with_a_hanging_keyring_says_what_may_be_left(use_keyring: UseKeyring) -> None:
    save_to_file("default", Secret(KEY))
    backend = BlockingKeyring()
    use_keyring(backend)
    try:
        report = forget("default", keyring_timeout=0.2)
    finally:
        backend.release()
    assert report.removed == ["~/.config/openrush-tui/credentials.json"]
    assert "service openrush-tui, user default" in report.summary()


# ------------------------------------------------------------------ profiles


def test_profiles_keep_their_keys_and_servers_apart(memory_keyring: MemoryKeyring) -> None:
    save_to_keyring("default", Secret(KEY))
    save_to_keyring("work", Secret(OTHER))
    remember_api_url("default", "https://api.openrush.io")
    remember_api_url("work", "http://127.0.0.1:8787")
    assert load_key("work").secret.reveal() == OTHER  # type: ignore[union-attr]
    assert load_key("default").secret.reveal() == KEY  # type: ignore[union-attr]
    assert remembered_api_url("work") == "http://127.0.0.1:8787"
    assert api_url_for(None, "work") == "http://127.0.0.1:8787"
    assert api_url_for("https://elsewhere.example", "work") == "https://elsewhere.example"
    forget("work")
    assert load_key("work") is None and load_key("default") is not None


def test_a_saved_key_is_not_sent_to_another_server(memory_keyring: MemoryKeyring) -> None:
    save_to_keyring("default", Secret(KEY))
    remember_api_url("default", "https://api.openrush.io")
    same = find_key_for_server("default", "https://api.openrush.io/")
    assert same.key is not None
    other = find_key_for_server("default", "http://127.0.0.1:8787")
    assert other.key is None and "--profile" in other.notes[0]


def test_the_environment_api_url_wins_over_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    remember_api_url("default", "http://127.0.0.1:8787")
    monkeypatch.setenv("OPENRUSH_API_URL", "https://api.openrush.com/")
    assert api_url_for(None, "default") == "https://api.openrush.com"


def test_a_stored_key_never_shows_in_repr() -> None:
    saved = credentials.session_only(Secret(KEY))
    assert KEY not in repr(saved) and KEY not in str(saved.as_dict())
    assert saved.as_dict()["key"] == "or_A1b2C3…d4E5"


def test_a_saved_key_with_no_remembered_server_is_sent_nowhere(
        memory_keyring: MemoryKeyring) -> None:
    save_to_keyring("default", Secret(KEY))  # saved, but no server remembered for it
    lookup = find_key_for_server("default", "https://evil.example")
    assert lookup.key is None
    assert "https://evil.example" in lookup.notes[0] and "login --api-url" in lookup.notes[0]
    # Nothing saved: nothing to say.
    assert find_key_for_server("other", "https://api.openrush.io") == credentials.Lookup(None)
