"""Usage errors: one line on stderr, exit code 2, for the top level and every subcommand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = str(Path(sys.executable).with_name("openrush-tui"))


@pytest.mark.parametrize(("argv", "says"), [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--sandbox-db", "x.sqlite3"], "--sandbox-db only makes sense with --sandbox"),
    (["--sandbox", "--api-url", "https://example.com"], "exclude each other"),
    (["keys", "create", "x", "--expires-in", "3d", "--expires-at", "2027-01-01"],
     "not allowed with argument"),
    (["activity", "--source", "ftp"], "invalid choice"),
])
def test_a_usage_error_is_one_line_and_exit_2(argv: list[str], says: str,
                                               tmp_path: Path) -> None:
    result = subprocess.run([PROGRAM, *argv], capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and lines[0].startswith("openrush-tui")
