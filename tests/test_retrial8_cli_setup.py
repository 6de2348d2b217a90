"""Re-trial 8 (tmux, the sandbox over HTTP, no keyring), the command line's part:

- `keys revoke` of the terminal's own key, when that key comes from OPENRUSH_KEY, says to set
  the variable to another key (it wins over any sign-in), not to sign in;
- no help text breaks an option name or a hyphenated word at a line's end (argparse wraps with
  textwrap, which breaks after hyphens: ``--idle-`` / ``minutes``).

And the dashboard's:

- a failed `r` on Setup (the server stopped) says when it ran, as a working one does: the same
  "Connection failed" line again could not be told from the old one;
- what cannot work is not offered: Setup signed out has no Sign out button; API access with a
  refused key offers neither n New key nor r Refresh (the table says loading cannot help).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import uuid
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from textual.widgets import Button, Static

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth.credentials import KeySource
from openrush_tui.cli import build_parser, main
from openrush_tui.commands.help_topics import walk
from openrush_tui.errors import environment_key_advice
from openrush_tui.widgets.key_hints import KeyHints
from tests.support.accounts import stored
from tests.support.apps import FIXED_NOW, remote_app, settle, text_of
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
        broken += [(name, line, after) for line, after in pairwise(lines)
                   if BROKEN.search(line) and re.match(r"\s*\w", after)]
    assert broken == []


# -- the dashboard ----------------------------------------------------------------------------


def closed_port() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on (a server stopped)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SteppedClock:
    """The app's wall clock, moved on by the test only."""

    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


async def test_a_failed_retest_on_setup_says_when_it_ran() -> None:
    clock = SteppedClock()
    app = remote_app(closed_port(), "or_" + "S" * 40, page="setup", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = text_of(app.screen.query_one("#connection", Static))
        assert first.startswith("Connection failed"), first
        assert "Tested again" not in first  # the first check is no retest
        clock.now = FIXED_NOW + timedelta(seconds=75)
        await pilot.press("r")
        await settle(pilot)
        again = text_of(app.screen.query_one("#connection", Static))
        clock.now = FIXED_NOW + timedelta(minutes=5)
        await pilot.press("r")
        await settle(pilot)
        third = text_of(app.screen.query_one("#connection", Static))
    assert again.startswith("Connection failed"), again
    assert "Tested again at 12:01:15 UTC." in again, again
    assert "Tested again at 12:05:00 UTC." in third, third


async def test_setup_signed_out_offers_no_sign_out() -> None:
    app = remote_app(closed_port(), None, page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sign_out = app.screen.query_one("#sign-out", Button)
        footer = app.screen.query_one(KeyHints).render().plain
        assert not sign_out.display, "a Sign out button while signed out"
        assert "Sign out" not in footer, footer


@pytest.mark.parametrize("source", ["environment", "keyring"])
async def test_api_access_with_a_refused_key_offers_no_new_key_nor_refresh(
        server: RunningSandbox, source: KeySource) -> None:
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        created = await client.create_key(f"refused {uuid.uuid4().hex[:6]}")
        await client.revoke_key(created.api_credential.id)
    key = created.key.get_secret_value()
    app = remote_app(server.base_url, key, page="api-access")
    app.session.key = stored(key, source, "MemoryKeyring (test)")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyHints).render().plain
        offered = {action: app.screen.check_action(action, ()) for action in ("create",
                                                                               "reload")}
        said = " ".join(text_of(static) for static in app.screen.query(Static))
    assert "did not accept the API key" in said, said
    assert "New key" not in footer and "Refresh" not in footer, footer
    assert offered == {"create": False, "reload": False}
