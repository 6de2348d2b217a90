"""The main end-to-end path, as the people this is for use it: `sandbox serve` over HTTP in
one place, the real program in an 80x24 tmux pane in another, a keyring that does not work
(a headless server), starting signed out.

Sign in through the dialog (this session only), every page shows data without r, create a
key, reveal it and copy it (OSC 52 into tmux's buffer), revoke it, install into an agent's
config file, then leave Activity live for a while and count at the server the requests it
made against the request budget: at most a tenth of the per-minute limit.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.support.sandbox_process import FIXED_NOW, SandboxFactory
from tests.support.served import calls_from_us
from tests.support.tmux import KEY, PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PER_MINUTE = 120  # the account's limit: live may spend 12 a minute, one every 5 s
LIVE_SECONDS = 10.0


def start(tmux: Tmux, home: Path, api_url: str) -> None:
    env = {"HOME": home, "XDG_CONFIG_HOME": home / ".config",
           "XDG_DATA_HOME": home / ".local" / "share",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "OPENRUSH_API_URL": api_url}
    assignments = " ".join(f"{name}={value}" for name, value in env.items())
    # Live refresh asked for every second: the request budget, not this flag, sets the pace.
    tmux.send(f"env -u OPENRUSH_KEY {assignments} {PROGRAM} --fixed-now {FIXED_NOW}"
              " --live-interval 1; echo EXITED=$?", "Enter")


@pytest.mark.timeout(240)
def test_a_headless_server_at_80x24_from_sign_in_to_live_activity(
        small_tmux: Tmux, sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    tmux = small_tmux
    db = tmp_path / "served.sqlite3"
    server = sandbox_server(db_path=db, rate_per_minute=PER_MINUTE)
    home = tmp_path / "home"  # the tmux fixture's isolated home
    home.mkdir(exist_ok=True)
    start(tmux, home, server.base_url)

    # Signed out: Setup says how to sign in. Sign in through the dialog.
    tmux.wait_for("not signed in")
    tmux.send("s")
    tmux.wait_for("Sign this terminal in")
    tmux.send("-l", server.bootstrap_key)
    tmux.send("Enter")
    screen = tmux.wait_for("no safe place to keep it")  # the fail keyring: asked where
    assert "This session only" in screen and "Save to the file" in screen  # on screen
    tmux.send("s")  # this session only
    screen = tmux.wait_for("Connection OK")
    assert "signed in" in screen and server.bootstrap_key not in screen

    # Every page shows its data without r.
    tmux.send("2")
    screen = tmux.wait_for("8 keys, 6 active")
    assert "Loading keys" not in screen and "q Quit" in screen
    tmux.send("3")
    screen = tmux.wait_for("events of the period counted")
    assert "Status" in screen and "Credits" in screen  # on an 80-column screen

    # Create, reveal, copy (OSC 52 lands in tmux's buffer), close.
    tmux.send("2")
    tmux.wait_for("8 keys, 6 active")
    key = tmux.create_key("e2e key")
    tmux.send("c")
    tmux.wait_for("Sent the key to your terminal's clipboard")
    assert tmux.buffer() == key
    tmux.send("Escape")
    tmux.wait_gone("is ready")
    screen = tmux.wait_for("9 keys, 7 active")
    assert not KEY.search(screen)

    # Revoke it (Cancel has the focus; Tab reaches Revoke).
    tmux.send("d")
    tmux.wait_for("Revoke the key “e2e key”?")
    tmux.send("Tab", "Enter")
    tmux.wait_for("9 keys, 6 active")

    # Install into Cursor's config file, from Setup.
    tmux.send("1")
    tmux.wait_for("Connect an AI agent")
    tmux.send("Down", "Down")
    tmux.wait_for("~/.cursor/mcp.json")  # Cursor is chosen: its snippet names its file
    tmux.send("i")
    tmux.wait_for("Install OpenRush into Cursor")
    tmux.send("w")
    tmux.wait_for("Created ~/.cursor/mcp.json")
    config = json.loads((home / ".cursor" / "mcp.json").read_text())
    assert "openrush" in config["mcpServers"]

    # Activity, live for a while: the requests it makes, counted at the server, stay within
    # a tenth of the per-minute limit however often live refresh was asked to run.
    tmux.send("3")
    tmux.wait_for("events of the period counted")
    time.sleep(1)  # the page switch's own requests are done
    before = calls_from_us(db)
    time.sleep(LIVE_SECONDS)
    made = calls_from_us(db) - before
    allowed = PER_MINUTE * 0.10 * LIVE_SECONDS / 60  # 2: one every 5 s
    assert 1 <= made <= int(allowed) + 1, made
    screen = tmux.screen()
    # Its own reads are left out by the server (exclude_reads_by): none is listed or hidden.
    assert "Live every 5 s" in screen and "own reads" not in screen

    tmux.send("q")
    tmux.wait_for("EXITED=0")
