"""The sandbox is an extra (`pip install 'openrush-tui[sandbox]'`): without FastAPI, uvicorn and
PyJWT, `--sandbox` and `sandbox serve` say in one line how to install it and exit 2 (they used
to show "Unexpected ModuleNotFoundError" on screen, or a traceback), and the commands against
a real server work as before.

Nothing is uninstalled: the program runs with a sitecustomize on PYTHONPATH that makes the
extra's modules unimportable (None in sys.modules is what Python says "no module named" for).
The sandbox it talks to runs in the normal environment.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from openrush_tui.sandbox import extra
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import SandboxFactory
from tests.support.tmux import PROGRAM

WITHOUT_EXTRA = f"""
import sys
for name in {extra.MODULES!r}:
    sys.modules[name] = None  # as if not installed: "import of {{name}} halted"
"""
INSTALL = "pip install 'openrush-tui[sandbox]'"


@pytest.fixture
def without_extra(tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    """The environment of a process in which FastAPI, uvicorn and PyJWT cannot be imported."""
    folder = tmp_path / "without-extra"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(WITHOUT_EXTRA)
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROGRAM, *argv], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=PATIENCE, check=False)


def assert_hint(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr  # no traceback
    assert lines[0].startswith(f"openrush-tui: {what} needs the sandbox extra")
    assert INSTALL in lines[0] and "(no module named '" in lines[0]


def test_the_environment_really_lacks_the_extra(without_extra: dict[str, str]) -> None:
    done = subprocess.run([Path(PROGRAM).with_name("python"), "-c", "import fastapi"],
                          env=without_extra, capture_output=True, text=True,
                          timeout=PATIENCE, check=False)
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr


def test_the_dashboard_on_the_sandbox_says_how_to_install_it(
        without_extra: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    # Before the terminal's check: said even where the dashboard could not open anyway.
    assert_hint(run(["--sandbox", "--sandbox-db", str(db)], without_extra), "--sandbox")
    assert not db.exists()


def test_sandbox_serve_says_how_to_install_it(without_extra: dict[str, str],
                                              tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    assert_hint(run(["sandbox", "serve", "--port", "0", "--db", str(db)], without_extra),
                "sandbox serve")
    assert not db.exists()


def test_the_command_line_works_without_the_extra(without_extra: dict[str, str],
                                                  sandbox_server: SandboxFactory) -> None:
    """`keys list` against a real server (the sandbox, served from the normal environment),
    `--help`, `sandbox serve --help`."""
    served = sandbox_server()
    env = {**without_extra, "OPENRUSH_API_URL": served.base_url,
           "OPENRUSH_KEY": served.bootstrap_key}
    done = run(["keys", "list", "--json"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)
    for argv in (["--help"], ["sandbox", "serve", "--help"]):
        done = run(argv, without_extra)
        assert done.returncode == 0 and "usage:" in done.stdout, done.stderr


def test_with_the_extra_nothing_is_missing() -> None:
    assert extra.missing_module() is None
    assert extra.missing_hint("--sandbox") is None
