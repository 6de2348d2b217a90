"""Corrupt, racing and unwritable local files: a clear error naming the file and the fix, no
key lost, none resurrected, and `logout` never claiming "no saved key" while one remains."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from keyring.backends import fail

from openrush_tui.auth.credentials import credentials_path, forget, read_file_key, save_to_file
from openrush_tui.auth.profiles import profiles_path
from openrush_tui.auth.secret import Secret
from openrush_tui.cli import main
from openrush_tui.config import config_dir
from tests.support.accounts import UseKeyring
from tests.support.apps import settle, text_of

KEY = "or_" + "F" * 40


@pytest.fixture(autouse=True)
def no_keyring(isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())


def write(path: Path, text: str, mode: int = 0o600) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("content", ['{"profiles": null}', "[]", '{"profiles": {"default": "x"}}',
                                     '{"profiles": {"default": {"api_url": 5}}}', "{"])
@pytest.mark.parametrize("command", [["status"], ["credits"], ["login", "--insecure-storage"]])
def test_a_profiles_file_of_the_wrong_shape_is_named_with_the_fix(
        content: str, command: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(profiles_path(), content)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(KEY + "\n"))
    assert main(command) == 1
    err = one_line_error(capsys)
    assert "profiles.json" in err and f"rm {profiles_path()}" in err
    assert read_file_key("default") is None  # login saved nothing it could not bind


@pytest.mark.parametrize("content", ['{"profiles": null}', "[1]", '{"profiles": {"default": 7}}'])
def test_a_credentials_file_of_the_wrong_shape_is_named(content: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    write(credentials_path(), content)
    assert main(["status"]) == 1
    assert "credentials.json" in one_line_error(capsys)


def test_a_config_directory_that_is_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    config_dir().parent.mkdir(parents=True, exist_ok=True)
    config_dir().write_text("not a directory")
    assert main(["status"]) == 1
    assert "is not a directory" in one_line_error(capsys)
    assert main(["logout"]) == 1
    assert "Signing out did not finish" in capsys.readouterr().err


def test_a_symlinked_or_foreign_config_directory_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    config_dir().parent.mkdir(parents=True, exist_ok=True)
    config_dir().symlink_to(target)
    assert main(["status"]) == 1
    assert "symbolic link" in one_line_error(capsys)
    with pytest.raises(Exception, match="symbolic link"):
        save_to_file("default", Secret(KEY))
    assert stat.S_IMODE(target.stat().st_mode) == 0o755 and not list(target.iterdir())
    if os.getuid() != 0:
        return
    config_dir().unlink()
    config_dir().mkdir(mode=0o700)
    os.chown(config_dir(), 4242, 4242)
    assert main(["status"]) == 1
    assert "belongs to another user" in one_line_error(capsys)


def test_parents_are_created_0700_whatever_the_umask() -> None:
    old = os.umask(0)
    try:
        save_to_file("default", Secret(KEY))
    finally:
        os.umask(old)
    for folder in (config_dir(), config_dir().parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_logout_with_a_file_others_can_read_removes_the_key_and_says_so(
        capsys: pytest.CaptureFixture[str]) -> None:
    save_to_file("default", Secret(KEY))
    save_to_file("other", Secret(KEY.replace("F", "G")))
    credentials_path().chmod(0o644)
    assert main(["logout", "--yes"]) == 0  # a script says so: it is the only copy
    out = capsys.readouterr().out
    assert "removed from" in out and "mode 0644" in out and "revoke it" in out
    assert KEY not in credentials_path().read_text()
    assert stat.S_IMODE(credentials_path().stat().st_mode) == 0o600


def test_logout_with_a_corrupt_file_fails_instead_of_claiming_no_key(
        capsys: pytest.CaptureFixture[str]) -> None:
    write(credentials_path(), '{"profiles": {"default": {"key": "' + KEY)
    assert main(["logout"]) == 1
    err = capsys.readouterr().err
    assert "no saved key" not in err and "credentials.json" in err and "rm " in err


def test_logout_with_an_unwritable_directory_fails_and_keeps_its_word(
        capsys: pytest.CaptureFixture[str]) -> None:
    if os.getuid() == 0:
        pytest.skip("root writes anywhere")
    save_to_file("default", Secret(KEY))
    config_dir().chmod(0o500)
    try:
        assert main(["logout"]) == 1
        err = capsys.readouterr().err
        assert "no saved key" not in err and "Could not" in err
    finally:
        config_dir().chmod(0o700)


def test_logout_removes_a_temporary_copy_a_killed_write_left() -> None:
    save_to_file("default", Secret(KEY))
    leftover = credentials_path().with_name(".credentials.json.0123456789ab.tmp")
    write(leftover, json.dumps({"profiles": {"default": {"key": KEY}}}))
    report = forget("default")
    assert report.finished and not leftover.exists()
    assert any("temporary cop" in place for place in report.removed)


def test_concurrent_logins_never_lose_a_key_and_logout_never_resurrects_one() -> None:
    for attempt in range(20):
        names = [f"p{attempt}a", f"p{attempt}b"]
        threads = [threading.Thread(target=save_to_file, args=(name, Secret(KEY)))
                   for name in names]
        threads.append(threading.Thread(target=forget, args=(f"p{attempt - 1}a",)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name in names:
            assert read_file_key(name) == KEY, (attempt, name)
        assert attempt == 0 or read_file_key(f"p{attempt - 1}a") is None


async def test_the_dashboard_says_what_is_wrong_with_a_bad_profiles_file() -> None:
    """It used to hang on "looking for a saved key…" because the lookup died."""
    from functools import partial

    from openrush_tui.auth.credentials import find_key_for_server
    from openrush_tui.config import Settings
    from openrush_tui.session import Session
    from openrush_tui.tui import OpenRushApp

    write(profiles_path(), '{"profiles": null}')
    settings = Settings(api_url="https://api.openrush.io")
    session = Session(settings, None, lookup=partial(find_key_for_server, "default",
                                                     settings.api_url))
    app = OpenRushApp(settings, session, first_page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        from textual.widgets import Static

        for _ in range(30):  # the page redraws once the lookup is done
            await settle(pilot)
            text = text_of(app.screen.query_one("#terminal", Static))
            if not session.lookup_pending and "looking" not in text:
                break
            await pilot.pause(0.1)
        assert "not signed in" in text and "profiles.json" in " ".join(session.notes)
