"""`keys scan` as a person reads it: what an incomplete scan says and its exit code, file names
shown safely (keys masked, bytes that are not UTF-8 escaped, valid JSON), virtual file
systems named, and the words ("1 file"). In-process through `cli.main`, not signed in: the
account is asked only when something was found, and then the keys are "unchecked"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from openrush_tui.cli import build_parser, main
from openrush_tui.commands.lifecycle import scan_command
from tests.support.accounts import UseKeyring
from tests.support.unprivileged import as_ordinary_user

KEY = "or_" + "Ab3" * 13 + "x"
NAME_KEY = "or_NameKey0123456789abcdefghijABCDEFGHIJ"


@pytest.fixture(autouse=True)
def not_signed_in(isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["keys", "scan", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in (key, *strings(value))]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return [data] if isinstance(data, str) else []


def test_one_file_is_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("nothing here\n")
    code, out, err = scan(capsys, str(tmp_path))
    assert code == 0 and out == ""
    assert err.startswith("Scanned 1 file (0.0 MB) in ") and err.endswith(". 0 keys found.\n")


def test_an_unreadable_folder_makes_the_scan_incomplete_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("nothing here\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "k.txt").write_text(KEY)
    locked.chmod(0)
    try:
        code, out, err = as_ordinary_user(lambda: scan(capsys, str(tmp_path)))
    finally:
        locked.chmod(0o700)
    assert code == 1 and out == ""
    summary, incomplete = err.splitlines()
    assert summary.startswith("Scanned 1 file ")
    assert summary.endswith("; skipped 1 unreadable file or folder. 0 keys found.")
    assert incomplete == (f"openrush-tui: keys scan: incomplete: 1 unreadable file or folder "
                          f"left out (first: {locked}: Permission denied) (scan as a user "
                          "who can read them)")


def test_a_scan_stopped_by_the_time_limit_says_so_even_when_it_found_a_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for number in range(20):
        files.append(tmp_path / f"f{number:02}.txt")
        files[-1].write_text(KEY if number == 0 else "nothing")
    ticks = iter(range(1000))  # one second a look at the clock: 4 files in 5 seconds
    argv = ["keys", "scan", "--max-seconds", "5", *map(str, files)]
    args = build_parser(argv).parse_args(argv)
    code = scan_command(args, lambda: float(next(ticks)))
    out, err = capsys.readouterr()
    assert code == 3  # the key found is what matters most
    assert out.startswith(f"{files[0]}:1:1  or_Ab3Ab3…Ab3x  not checked")
    assert err.splitlines()[0].startswith("Scanned 4 files ")
    assert ("openrush-tui: keys scan: incomplete: stopped at the time limit (5 s) before the "
            "end (raise --max-seconds or scan fewer folders)") in err.splitlines()
    args.json = True
    ticks = iter(range(1000))
    assert scan_command(args, lambda: float(next(ticks))) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["complete"] is False and data["files"] == 4
    assert data["incomplete"] == ["stopped at the time limit (5 s) before the end"]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc here")
def test_proc_is_left_out_and_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = scan(capsys, "/proc", "/sys")
    assert code == 0 and out == ""
    assert "; skipped 2 virtual file systems (/proc, /sys). 0 keys found." in err


def test_a_key_in_a_file_name_is_masked_in_text_and_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / f"backup-{NAME_KEY}"
    folder.mkdir()
    (folder / f"{NAME_KEY}.env").write_text(f"KEY={KEY}\n")
    masked = f"{NAME_KEY[:9]}…{NAME_KEY[-4:]}"
    code, out, err = scan(capsys, str(tmp_path))
    assert code == 3
    assert out.startswith(f"{tmp_path}/backup-{masked}/{masked}.env:1:5  or_Ab3Ab3…Ab3x  ")
    code, as_json, _ = scan(capsys, str(folder / f"{NAME_KEY}.env"), "--json")
    assert json.loads(as_json)["hits"][0]["path"] == f"{tmp_path}/backup-{masked}/{masked}.env"
    for shown in (out, err, as_json):
        assert NAME_KEY[9:-4] not in shown and KEY[9:-4] not in shown
    # Named on the command line and missing: the error masks it too.
    code, _, err = scan(capsys, str(tmp_path / NAME_KEY))
    assert code == 2 and NAME_KEY not in err and masked in err


def test_names_that_are_not_utf8_give_valid_json_with_documented_escapes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9\x1b[2J.txt"
    with open(raw, "wb") as handle:
        handle.write(KEY.encode())
    shown = f"{tmp_path}/caf\\xe9\\e[2J.txt"
    code, out, _ = scan(capsys, str(tmp_path), "--json")
    assert code == 3
    data = json.loads(out)
    for text in strings(data):
        text.encode("utf-8")  # strict: no lone surrogate, which strict parsers refuse
    assert data["hits"][0]["path"] == shown
    code, out, _ = scan(capsys, str(tmp_path))
    assert out.startswith(f"{shown}:1:1  ")
