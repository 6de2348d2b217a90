"""`openrush-tui sandbox serve` that cannot start: one line saying why, exit 1 (2 for usage).

In-process (`cli.main`), since each case ends before anything is served: an exception that
escaped would fail the test as a traceback would show on the terminal.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from openrush_tui.cli import main

OTHER_USER = 65534


def serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main(["sandbox", "serve", *args])
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def unwritable_directory(tmp_path: Path) -> Path:
    """A directory this user cannot create files in (root writes anywhere but /sys)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    return folder


def test_a_directory_it_cannot_write_says_so(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = unwritable_directory(tmp_path) / "sandbox.sqlite3"
    code, err = serve(capsys, "--port", "0", "--db", str(db))
    line = one_line(err)
    assert code == 1 and str(db) in line and "--db" in line


def test_a_path_under_a_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("")
    db = tmp_path / "a-file" / "sandbox.sqlite3"
    code, err = serve(capsys, "--port", "0", "--db", str(db))
    assert code == 1 and "--db" in one_line(err)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="another user's file needs root to plant")
def test_another_users_database_says_so(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sandbox.sqlite3"
    db.write_bytes(b"")
    os.chown(db, OTHER_USER, OTHER_USER)
    code, err = serve(capsys, "--port", "0", "--db", str(db))
    line = one_line(err)
    assert code == 1 and str(db) in line and "another user" in line


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, err = serve(capsys, "--port", port, "--db", str(tmp_path / "s.sqlite3"))
    assert code == 2 and "--port" in err.strip().splitlines()[-1]
    assert not (tmp_path / "s.sqlite3").exists()


def test_a_port_in_use_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, err = serve(capsys, "--port", str(port), "--db", str(tmp_path / "s.sqlite3"))
    line = one_line(err)
    assert code == 1 and str(port) in line and "--port" in line
