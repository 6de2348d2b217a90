"""Re-trial 8 (tmux, the sandbox over HTTP, no keyring), the command line's part:

- `keys revoke` of the terminal's own key, when that key comes from OPENRUSH_KEY, says to set
  the variable to another key (it wins over any sign-in), not to sign in;
- no help text breaks an option name or a hyphenated word at a line's end (argparse wraps with
  textwrap, which breaks after hyphens: ``--idle-`` / ``minutes``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from openrush_tui.cli import build_parser, main
from openrush_tui.commands.help_topics import walk
from openrush_tui.errors import environment_key_advice
from tests.support.cli_fork import run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> RunningSandbox:
    return sandbox_server()


def keys(home: Path, server: RunningSandbox, *args: str,
         key: str) -> subprocess.CompletedProcess[str]:
    """`openrush-tui keys …` with its key in OPENRUSH_KEY and a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               OPENRUSH_API_URL=server.base_url, OPENRUSH_KEY=key)
    return run_cli(["keys", *args], input="", env=env)


def test_revoking_the_own_key_from_openrush_key_says_to_change_the_variable(
        tmp_path: Path, server: RunningSandbox) -> None:
    made = keys(tmp_path, server, "create", f"own {uuid.uuid4().hex[:6]}", "--json",
                key=server.bootstrap_key)
    own = json.loads(made.stdout)
    result = keys(tmp_path, server, "revoke", own["api_credential"]["id"], "--yes",
                  key=own["key"])
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "this terminal is signed in with" in said
    # Signing in would not help: OPENRUSH_KEY wins over it at the next command.
    assert "until you sign in with another key" not in said
    assert environment_key_advice("sign in with `openrush-tui login`") in said


# -- help: never broken inside a hyphenated word ----------------------------------------------

# A line ending in a hyphen that ends a word part ("--idle-", "read-"), whose next line goes
# on with a word: a break inside the word.
BROKEN = re.compile(r"\w-$")


def helps(columns: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    texts = {}
    for path, _ in walk(build_parser(["--help"])):
        out = StringIO()
        with redirect_stdout(out), redirect_stderr(StringIO()), pytest.raises(SystemExit):
            main([*path, "--help"])
        texts[" ".join(path) or "openrush-tui"] = out.getvalue()
    return texts


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("columns", [60, 80])
def test_no_help_breaks_a_word_at_its_hyphen(columns: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    texts = helps(columns, monkeypatch)
    assert "keys rotate" in texts and "keys" in texts  # the walk found them
    broken = []
    for name, text in texts.items():
        lines = text.splitlines()
        broken += [(name, line, after) for line, after in zip(lines, lines[1:], strict=False)
                   if BROKEN.search(line) and re.match(r"\s*\w", after)]
    assert broken == []
