"""The key lifecycle end to end, in the users' conditions: `sandbox serve` over HTTP, the real
program in an 80x24 tmux pane, the key from OPENRUSH_KEY, a keyring that does not work.

Rotate a key from API access (R, Rotate: the old key has been idle for days, so it is revoked
at once), copy the replacement through OSC 52, check both keys at the server, then export
Activity (w) to a CSV file in the current directory and read it back.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import httpx
import pytest

from tests.support.sandbox_process import FIXED_NOW, SandboxFactory
from tests.support.tmux import KEY, PROGRAM, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def works(api_url: str, key: str) -> bool:
    """Whether the server takes `key` (a list of keys answered 200)."""
    answer = httpx.get(f"{api_url}/v1/me/api-credentials",
                       headers={"Authorization": f"Bearer {key}"}, timeout=10)
    return answer.status_code == 200


@pytest.mark.timeout(240)
def test_rotating_a_key_and_exporting_activity_at_80x24_over_http(
        small_tmux: Tmux, sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    tmux = small_tmux
    server = sandbox_server()
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    work = tmp_path / "work"  # the shell's current directory: where the export lands
    work.mkdir()
    env = {"HOME": home, "XDG_CONFIG_HOME": home / ".config",
           "XDG_DATA_HOME": home / ".local" / "share",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "OPENRUSH_API_URL": server.base_url, "OPENRUSH_KEY": server.bootstrap_key}
    assignments = " ".join(f"{name}={value}" for name, value in env.items())
    tmux.send(f"cd {work} && env {assignments} {PROGRAM} --fixed-now {FIXED_NOW};"
              " echo EXITED=$?", "Enter")

    # The key to rotate, found with the filter; R shows the plan, Enter is Rotate.
    tmux.wait_for("8 keys, 6 active")
    tmux.send("/")
    tmux.send("-l", "notebook")
    tmux.send("Enter")
    tmux.wait_for("showing 1 matching")
    tmux.send("R")
    screen = tmux.wait_for("Rotate the key “Data notebook”")
    assert "once nothing has used it for 10 minutes" in screen
    tmux.send("Enter")

    # The replacement, shown once and copied (OSC 52 into tmux's buffer).
    screen = tmux.wait_for("is ready")
    (new_key,) = KEY.findall(screen)
    tmux.send("c")
    tmux.wait_for("Sent the key to your terminal's clipboard")
    assert tmux.buffer() == new_key
    tmux.send("Escape")

    # Unused for days: revoked at once. The server agrees, and the page lists both.
    screen = tmux.wait_for("Revoked the old key “Data notebook”")
    assert not KEY.search(screen)  # the new key left the screen with the reveal dialog
    tmux.send("Escape")
    tmux.wait_gone("esc Close")  # the page behind says "9 keys" while the dialog is open too
    screen = tmux.wait_for("9 keys, 6 active")
    assert "Data notebook 2" in screen and "revoked" in screen
    assert works(server.base_url, new_key)

    # Activity, exported as CSV into the current directory.
    tmux.send("Escape")  # clears the filter (alone: Escape then 3 at once reads as Alt+3)
    tmux.wait_gone("matching")
    tmux.send("3")
    tmux.wait_for("events of the period counted")
    tmux.send("w")
    tmux.wait_for("Export Activity")
    tmux.send("Enter")
    screen = tmux.wait_for("Exported ")
    (exported,) = work.glob("openrush-activity-7d-*.csv")
    with exported.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert f"Exported {len(rows)} events to {exported.name}" in " ".join(screen.split())
    assert rows and not KEY.search(exported.read_text())  # names and prefixes, never a key

    tmux.send("Escape")
    tmux.wait_gone("Export Activity")
    tmux.send("q")
    tmux.wait_for("EXITED=0")
