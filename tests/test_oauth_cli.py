"""`login --web`, and `status`, `keys list` and `logout` after it: the real program in a
subprocess against `sandbox serve` over HTTP, with no keyring (the file, as agreed), the
person approving on the sandbox's page through plain HTTP requests.

The sandbox asks for a poll every second (`--device-interval 1`): the waiting `login --web`
takes about that long; `--no-wait` then `--resume` waits for nothing.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import subprocess_env
from tests.support.cli_fork import run_cli
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command

pytestmark = pytest.mark.usefixtures("isolated_home")
USER_CODE = re.compile(r"enter the code ([A-Z]{4}-[A-Z]{4})")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> RunningSandbox:
    return sandbox_server(extra=("--device-interval", "1", "--token-seconds", "120"))


def env(home: Path) -> dict[str, str]:
    return {**subprocess_env(home), "COLUMNS": "80"}  # an SSH session's default terminal


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(args, input=None, env=env(home), timeout=PATIENCE)


def fits(*said: str, width: int = 80) -> None:
    """Every line printed is within `width` columns (the sandbox's addresses are short)."""
    wide = [line for text in said for line in text.splitlines() if len(line) > width]
    assert not wide, "\n".join(wide)


def approve(base_url: str, said: str) -> str:
    found = USER_CODE.search(said)
    assert found, said
    with httpx.Client(base_url=base_url) as browser:
        page = browser.get("/device", params={"user_code": found.group(1)})
        token = re.search(r"name='csrf' value='([^']+)'", page.text)
        assert token, page.text
        browser.post("/device", data={"user_code": found.group(1), "csrf": token.group(1),
                                      "decision": "approve"}).raise_for_status()
    return found.group(1)


def config(home: Path) -> Path:
    return home / ".config" / "openrush-tui"


def test_no_wait_then_resume_then_status_keys_and_logout(server: RunningSandbox,
                                                        isolated_home: Path) -> None:
    started = run(isolated_home, "login", "--web", "--no-wait", "--insecure-storage",
                  "--api-url", server.base_url)
    assert started.returncode == 0, started.stderr
    assert started.stdout == ""  # the address and the code go to stderr
    assert f"open {server.base_url}/device and enter the code" in started.stderr
    assert "login --web --resume --api-url" in started.stderr
    pending = config(isolated_home) / "web-pending.json"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    approve(server.base_url, started.stderr)

    finished = run(isolated_home, "login", "--web", "--resume", "--api-url", server.base_url)
    assert finished.returncode == 0, finished.stderr
    said = " ".join(finished.stdout.split())
    assert "through the browser as acct_" in said and "renews itself." in said, said
    fits(started.stdout, started.stderr, finished.stdout, finished.stderr)
    assert not pending.exists()
    kept = config(isolated_home) / "web-sessions.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    session = json.loads(json.loads(kept.read_text())["profiles"]["default"]["session"])
    tokens = (session["access_token"], session["refresh_token"])

    status = run(isolated_home, "status")  # the profile remembers the server
    assert status.returncode == 0, status.stderr
    assert re.search(r"signed in through the browser as acct_\w+,\s+session until ",
                     status.stdout), status.stdout
    assert all(len(line) <= 80 for line in status.stdout.splitlines()), status.stdout
    listed = run(isolated_home, "keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(item["name"] == "sandbox bootstrap" for item in json.loads(listed.stdout))

    out = run(isolated_home, "logout")
    assert out.returncode == 0, out.stderr
    assert "the server ended it" in out.stdout and not kept.exists()
    with httpx.Client(base_url=server.base_url) as http:
        refused = http.get("/v1/me/credits", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert refused.status_code == 401
    for said in (started, finished, status, listed, out):
        for token in tokens:
            assert token not in said.stdout + said.stderr


def test_login_web_waits_for_the_approval(server: RunningSandbox, isolated_home: Path) -> None:
    process = subprocess.Popen([*command(), "login", "--web", "--insecure-storage",
                                "--api-url", server.base_url], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env(isolated_home))
    try:
        assert process.stderr is not None
        said = ""
        while not USER_CODE.search(said):
            line = process.stderr.readline()
            assert line, said
            said += line
        approve(server.base_url, said)
        out, err = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Signed in to" in out and "through the browser" in " ".join(out.split()), out
    fits(said, out, err)


def test_nothing_starts_without_a_place_to_keep_it(server: RunningSandbox,
                                                  isolated_home: Path) -> None:
    refused = run(isolated_home, "login", "--web", "--no-wait", "--api-url", server.base_url)
    assert refused.returncode == 1
    assert "nothing was started" in refused.stderr and "--insecure-storage" in refused.stderr
    assert "enter the code" not in refused.stderr
    assert not (config(isolated_home) / "web-pending.json").exists()
    usage = run(isolated_home, "login", "--no-wait", "--api-url", server.base_url)
    assert usage.returncode == 2 and "--web" in usage.stderr
    nothing = run(isolated_home, "login", "--web", "--resume", "--insecure-storage",
                  "--api-url", server.base_url)
    assert nothing.returncode == 2 and "no browser sign-in to resume" in nothing.stderr


def test_a_server_without_metadata_says_so_in_one_line(isolated_home: Path) -> None:
    from tests.support.scripted_server import Reply, ScriptedServer

    with ScriptedServer() as plain:
        plain.route("GET", "/.*", Reply(404, {"detail": "Not Found"}))
        result = run(isolated_home, "login", "--web", "--insecure-storage",
                     "--api-url", plain.url)
    assert result.returncode == 1
    *note, line = result.stderr.strip().splitlines()  # the note fits 80 columns; the error
    assert " ".join(note) == ("openrush-tui: This system has no OS keyring (common on "
                              "servers reached over SSH).")
    assert line == ("openrush-tui: Sign-in with the browser is not offered here: the server "
                    "publishes no sign-in metadata. Sign in with a key instead: "
                    "openrush-tui login")


@pytest.mark.parametrize(("profile", "api_url"), [
    ("default", "http://127.0.0.1:8787"),
    ("work", "http://127.0.0.1:8787"),
    ("work", "https://api.openrush.example.com:8443"),
    ("a-profile-with-a-rather-long-name", "https://a-host.example.com/with/a/long/prefix/too"),
])
def test_the_resume_command_fits_and_is_pasted_whole(profile: str, api_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from openrush_tui.commands.web_login import _resume_command

    monkeypatch.setenv("COLUMNS", "80")
    said = _resume_command(profile, api_url)
    fits(said)
    words = said.replace(" \\\n", " ").split()
    assert words[:4] == ["openrush-tui", "login", "--web", "--resume"]
    assert ("--api-url" in words) == (api_url != "https://api.openrush.io")
    assert ("--profile" in words) == (profile != "default")
