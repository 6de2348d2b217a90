"""`login`, `logout`, `status` and `agents` from the command line: the real program in a
subprocess (key piped on stdin, never in argv) against a sandbox served over HTTP."""

from __future__ import annotations

import asyncio
import json
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.auth.credentials import credentials_path, save_to_file, save_to_keyring
from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.commands import terminal
from openrush_tui.main import main  # the entry point: commands and the dashboard
from openrush_tui.tui import OpenRushApp
from tests.support.accounts import subprocess_env
from tests.support.cli_fork import run_cli
from tests.support.keyring_backends import MemoryKeyring
from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


def run(home: Path, *args: str, stdin: str = "", backend: str = "keyring.backends.fail.Keyring",
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(args, input=stdin, env={**subprocess_env(home, backend), **(env or {})})


def test_login_from_a_pipe_then_status_json_then_logout(server: RunningSandbox,
                                                        isolated_home: Path) -> None:
    key = server.bootstrap_key
    login = run(isolated_home, "login", "--api-url", server.base_url, "--insecure-storage",
                stdin=key + "\n")
    assert login.returncode == 0, login.stderr
    assert "no OS keyring" in login.stderr  # said plainly, before falling back as asked
    assert "Signed in to" in login.stdout and "acct_" in login.stdout
    assert key not in login.stdout + login.stderr
    path = isolated_home / ".config" / "openrush-tui" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # No --api-url: the profile remembers the server it signed in to.
    status = run(isolated_home, "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["signed_in"] is True and data["server"]["api_url"] == server.base_url
    assert data["key"]["source"] == "file" and data["key"]["plaintext"] is True
    assert data["key"]["where"] == "~/.config/openrush-tui/credentials.json"
    assert data["key"]["key"] == key[:9] + "…" + key[-4:]
    assert data["account_id"].startswith("acct_") and data["balance"] > 0
    assert data["connection"] == {"checked": True, "ok": True, "error": None}
    assert key not in status.stdout

    refused = run(isolated_home, "logout")  # no terminal to ask on: --yes is needed
    assert refused.returncode == 2 and "--yes" in refused.stderr and path.exists()
    logout = run(isolated_home, "logout", "--yes")
    assert logout.returncode == 0 and "removed from" in logout.stdout
    assert not path.exists()
    after = run(isolated_home, "status", "--json")
    assert after.returncode == 1 and json.loads(after.stdout)["signed_in"] is False


def test_login_refuses_to_write_plain_text_unless_asked(server: RunningSandbox,
                                                        isolated_home: Path) -> None:
    result = run(isolated_home, "login", "--api-url", server.base_url,
                 stdin=server.bootstrap_key)
    assert result.returncode == 1
    assert "--insecure-storage" in result.stderr and "not saved" in result.stderr
    assert not (isolated_home / ".config" / "openrush-tui" / "credentials.json").exists()


def test_login_reports_a_plaintext_keyring_as_plain_text(server: RunningSandbox,
                                                         isolated_home: Path) -> None:
    result = run(isolated_home, "login", "--api-url", server.base_url,
                 stdin=server.bootstrap_key, backend="keyrings.alt.file.PlaintextKeyring")
    assert result.returncode == 1
    assert "PlaintextKeyring (keyrings.alt)" in result.stderr and "plain text" in result.stderr


def test_login_with_a_wrong_key_saves_nothing(server: RunningSandbox,
                                              isolated_home: Path) -> None:
    wrong = "or_" + "0" * 40
    result = run(isolated_home, "login", "--api-url", server.base_url, "--insecure-storage",
                 stdin=wrong)
    assert result.returncode == 1
    assert "did not accept the API key" in result.stderr and wrong not in result.stderr
    assert not (isolated_home / ".config" / "openrush-tui").exists()


def test_the_key_is_never_taken_from_the_command_line(isolated_home: Path) -> None:
    result = run(isolated_home, "login", "or_" + "k" * 40)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_status_names_the_environment_when_openrush_key_is_set(
        server: RunningSandbox, isolated_home: Path) -> None:
    result = run(isolated_home, "status", "--api-url", server.base_url,
                 env={"OPENRUSH_KEY": server.bootstrap_key})
    assert result.returncode == 0, result.stderr
    assert "the OPENRUSH_KEY environment variable" in result.stdout
    assert server.bootstrap_key not in result.stdout


def test_status_refuses_a_credentials_file_others_can_read(isolated_home: Path) -> None:
    directory = isolated_home / ".config" / "openrush-tui"
    directory.mkdir(parents=True)
    path = directory / "credentials.json"
    path.write_text('{"profiles": {"default": {"key": "or_secret"}}}')
    path.chmod(0o644)
    result = run(isolated_home, "status")
    assert result.returncode == 1
    assert f"chmod 600 {path}" in result.stderr and "or_secret" not in result.stderr


# ------------------------------------------------------------------ agents (in-process)


def test_agents_list_and_show(capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    assert main(["agents", "list"]) == 0
    listing = capsys.readouterr().out
    assert "cursor" in listing and "~/.cursor/mcp.json" in listing and "generic" in listing
    assert main(["--mcp-url", "https://mcp.example.test/mcp", "agents", "show", "codex",
                 "--key-header"]) == 0
    shown = capsys.readouterr().out
    assert '[mcp_servers.openrush]\nurl = "https://mcp.example.test/mcp"' in shown
    assert 'bearer_token_env_var = "OPENRUSH_KEY"' in shown


def test_agents_install_dry_run_then_for_real(capsys: pytest.CaptureFixture[str],
                                              isolated_home: Path) -> None:
    path = isolated_home / ".gemini" / "settings.json"
    assert main(["agents", "install", "gemini", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '+    "openrush": {' in out and "+++ ~/.gemini/settings.json (after)" in out
    assert "dry run" in out and not path.exists()
    assert main(["agents", "install", "gemini"]) == 2  # stdin is no terminal to ask on
    assert "--yes" in capsys.readouterr().err and not path.exists()
    assert main(["agents", "install", "gemini", "--yes"]) == 0
    assert "Created ~/.gemini/settings.json" in capsys.readouterr().out
    assert main(["agents", "install", "gemini"]) == 0  # nothing to write: nothing to ask
    assert "nothing to change" in capsys.readouterr().out


def test_agents_install_reports_a_broken_file(capsys: pytest.CaptureFixture[str],
                                              isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text("{ not json")
    assert main(["agents", "install", "cursor"]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert path.read_text() == "{ not json"


def test_agents_install_refuses_agents_without_a_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "install", "claude-desktop"]) == 2
    assert "agents show claude-desktop" in capsys.readouterr().err
    assert main(["agents", "show", "nope"]) == 2


# ------------------------------------------------------------------ the dashboard's key


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[OpenRushApp]:
    """`openrush-tui` in-process with `App.run` replaced: the apps it would have shown."""
    apps: list[OpenRushApp] = []
    monkeypatch.setattr(OpenRushApp, "run", lambda self, *a, **k: apps.append(self))
    monkeypatch.setattr(terminal, "why_not", lambda *_: None)  # pytest's streams: no terminal
    return apps


def test_the_dashboard_finds_the_profile_server_and_its_saved_key(
        started: list[OpenRushApp], memory_keyring: MemoryKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    key, other = "or_" + "w" * 40, "or_" + "e" * 40
    save_to_keyring("work", Secret(key))
    remember_api_url("work", "http://127.0.0.1:8787")
    assert main(["--profile", "work"]) == 0
    app = started[-1]
    assert app.settings.api_url == "http://127.0.0.1:8787"
    # The saved key is looked for after the first frame, off the event loop.
    assert app.session.lookup_pending and app.session.key is None
    asyncio.run(app.session.finish_lookup())
    assert app.session.key is not None and app.session.key.source == "keyring"
    assert app.session.key.secret.reveal() == key

    # Pointed at another server, the saved key stays home and the Setup page says why.
    assert main(["--profile", "work", "--api-url", "https://api.openrush.com"]) == 0
    app = started[-1]
    asyncio.run(app.session.finish_lookup())
    assert app.session.key is None and "--profile" in app.session.notes[0]

    # OPENRUSH_KEY wins over everything saved.
    monkeypatch.setenv("OPENRUSH_KEY", other)
    assert main(["--profile", "work"]) == 0
    assert started[-1].session.key.source == "environment"  # type: ignore[union-attr]

    # The sandbox never reads a saved key.
    monkeypatch.delenv("OPENRUSH_KEY")
    assert main(["--profile", "work", "--sandbox", "--sandbox-db", "unused.sqlite3"]) == 0
    assert started[-1].session.key is None and started[-1].session.signed_in


def test_the_dashboard_refuses_a_readable_credentials_file(
        started: list[OpenRushApp], memory_keyring: MemoryKeyring) -> None:
    save_to_file("default", Secret("or_" + "f" * 40))
    credentials_path().chmod(0o644)
    assert main([]) == 0
    app = started[-1]
    asyncio.run(app.session.finish_lookup())
    # The key in the readable file is not used, and Setup shows how to fix the file.
    assert app.session.key is None and not app.session.signed_in
    assert any("chmod 600" in note for note in app.session.notes)


def test_status_says_when_the_server_rejects_the_key(server: RunningSandbox,
                                                     isolated_home: Path) -> None:
    async def revoked_key() -> str:
        from openrush_tui.api.client import OpenRushClient

        async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
            created = await client.create_key("revoked elsewhere")
            await client.revoke_key(created.api_credential.id)
        return created.key.get_secret_value()

    key = asyncio.run(revoked_key())
    env = {"OPENRUSH_KEY": key, "OPENRUSH_API_URL": server.base_url}
    status = run(isolated_home, "status", "--json", env=env)
    assert status.returncode == 1
    data = json.loads(status.stdout)
    assert data["key_state"] == "rejected" and data["rejected_because"] == "revoked"
    assert data["connection"]["ok"] is False
    text = run(isolated_home, "status", env=env)
    assert text.returncode == 1
    assert "signed in with a key the server rejects (revoked)" in text.stdout
    good = run(isolated_home, "status", "--json", env={**env, "OPENRUSH_KEY":
                                                       server.bootstrap_key})
    assert good.returncode == 0
    assert (json.loads(good.stdout)["key_state"], json.loads(good.stdout)["rejected_because"]) \
        == ("accepted", None)


@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) is not installed")
def test_logout_on_a_terminal_asks_before_deleting_the_only_copy(isolated_home: Path) -> None:
    save_to_file("default", Secret("or_" + "L" * 40))
    path = credentials_path()

    def logout_answering(answer: str) -> subprocess.CompletedProcess[str]:
        line = " ".join([*command(), "logout"])
        return subprocess.run(["script", "-qec", line, "/dev/null"], input=answer + "\n",
                              capture_output=True, text=True, timeout=60,
                              env=subprocess_env(isolated_home))

    kept = logout_answering("n")
    assert "the only copy this tool knows of" in kept.stdout and "cannot be shown again" in \
        kept.stdout.replace("\r\n", " ").replace("\n", " ")
    assert "Nothing was deleted" in kept.stdout and path.exists()
    gone = logout_answering("y")
    assert "removed from" in gone.stdout and not path.exists()
