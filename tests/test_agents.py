"""Agent snippets follow the contract; config writers merge, back up, repeat safely, refuse
broken files. Every file lives in a temporary home directory."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from openrush_tui.agents.catalog import AGENTS, AGENTS_BY_ID, find_agent
from openrush_tui.agents.install import (
    ConfigFileError,
    NoConfigFile,
    apply_install,
    plan_install,
)
from tests.support.configs import dotfiles_cursor_config

MCP = "https://mcp.example.test/mcp"
pytestmark = pytest.mark.usefixtures("isolated_home")


def install(agent_id: str, *, key_header: bool = False, home: Path | None = None):
    plan = plan_install(AGENTS_BY_ID[agent_id], MCP, key_header=key_header, home=home)
    return plan, apply_install(plan)


# ------------------------------------------------------------------ the snippets


def test_every_agent_of_the_contract_is_offered() -> None:
    names = [agent.name for agent in AGENTS]
    assert names == ["Claude Code", "Claude Desktop / claude.ai", "Cursor", "VS Code",
                     "Codex CLI", "Windsurf", "Gemini CLI", "Any MCP client"]
    assert find_agent("CURSOR") is AGENTS_BY_ID["cursor"]
    assert find_agent("Codex CLI") is AGENTS_BY_ID["codex"]
    assert find_agent("nope") is None


@pytest.mark.parametrize("agent", AGENTS, ids=lambda agent: agent.id)
def test_the_default_snippet_uses_the_mcp_setting_and_carries_no_key(agent) -> None:
    steps = agent.instructions(MCP)
    assert MCP in steps.snippet
    assert "OPENRUSH_KEY" not in steps.as_text() and "Bearer" not in steps.as_text()
    assert "api.openrush.com" not in steps.as_text()  # the URL comes from the one setting


@pytest.mark.parametrize("agent", [a for a in AGENTS if a.supports_key_header],
                         ids=lambda agent: agent.id)
def test_the_header_variant_reads_the_key_from_the_environment(agent) -> None:
    snippet = agent.instructions(MCP, key_header=True).snippet
    assert "OPENRUSH_KEY" in snippet and "or_" not in snippet


def test_snippets_match_the_contract_exactly() -> None:
    def snippet(agent_id: str, header: bool = False) -> str:
        return AGENTS_BY_ID[agent_id].instructions(MCP, key_header=header).snippet

    assert snippet("claude-code") == f"claude mcp add --transport http openrush {MCP}"
    assert snippet("claude-desktop") == MCP
    assert json.loads(snippet("cursor")) == {"mcpServers": {"openrush": {"url": MCP}}}
    assert json.loads(snippet("vscode")) == {"servers": {"openrush": {"type": "http",
                                                                      "url": MCP}}}
    assert tomllib.loads(snippet("codex")) == {"mcp_servers": {"openrush": {"url": MCP}}}
    assert json.loads(snippet("windsurf")) == {"mcpServers": {"openrush": {"serverUrl": MCP}}}
    assert json.loads(snippet("gemini")) == {"mcpServers": {"openrush": {"httpUrl": MCP}}}
    assert "codex mcp login openrush" in AGENTS_BY_ID["codex"].instructions(MCP).as_text()
    assert tomllib.loads(snippet("codex", True))["mcp_servers"]["openrush"] == {
        "url": MCP, "bearer_token_env_var": "OPENRUSH_KEY"}
    assert json.loads(snippet("cursor", True))["mcpServers"]["openrush"]["headers"] == {
        "Authorization": "Bearer ${env:OPENRUSH_KEY}"}
    assert json.loads(snippet("gemini", True))["mcpServers"]["openrush"]["headers"] == {
        "Authorization": "Bearer ${OPENRUSH_KEY}"}


# ------------------------------------------------------------------ JSON config files


def test_a_fresh_file_is_created_with_only_our_entry(isolated_home: Path) -> None:
    plan, result = install("cursor")
    path = isolated_home / ".cursor" / "mcp.json"
    assert plan.creates and "+++ ~/.cursor/mcp.json (after)" in plan.diff()
    assert result.written and result.backup is None
    assert json.loads(path.read_text()) == {"mcpServers": {"openrush": {"url": MCP}}}
    assert "Created ~/.cursor/mcp.json" in result.summary()


def test_an_existing_file_keeps_its_other_servers_and_settings(isolated_home: Path) -> None:
    path = isolated_home / ".gemini" / "settings.json"
    path.parent.mkdir()
    original = {"theme": "Dracula", "mcpServers": {
        "git": {"command": "uvx", "args": ["mcp-server-git"]},
        "github": {"httpUrl": "https://api.githubcopilot.com/mcp/", "timeout": 5000}}}
    text = json.dumps(original, indent=4) + "\n"
    path.write_text(text)
    path.chmod(0o640)
    plan, result = install("gemini")
    after = json.loads(path.read_text())
    assert after["theme"] == "Dracula"
    assert after["mcpServers"]["git"] == original["mcpServers"]["git"]
    assert after["mcpServers"]["github"] == original["mcpServers"]["github"]
    assert after["mcpServers"]["openrush"] == {"httpUrl": MCP}
    assert path.read_text().startswith('{\n    "theme"')  # the file's own 4-space indent
    assert result.backup == path.with_name("settings.json.bak")
    assert result.backup.read_text() == text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    removed = [line for line in plan.diff().splitlines()
               if line.startswith("-") and not line.startswith("---")]
    assert removed == []  # nothing of theirs is taken away


def test_installing_twice_changes_nothing_the_second_time(isolated_home: Path) -> None:
    install("windsurf")
    path = isolated_home / ".codeium" / "windsurf" / "mcp_config.json"
    first = path.read_text()
    plan, result = install("windsurf")
    assert not plan.changed and plan.diff() == ""
    assert not result.written and result.backup is None
    assert result.summary().endswith("already has this OpenRush entry; nothing to change.")
    assert path.read_text() == first
    assert list(path.parent.iterdir()) == [path]  # no backup, no temporary file


def test_a_dry_run_writes_nothing_and_says_so(isolated_home: Path) -> None:
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    result = apply_install(plan, dry_run=True)
    assert plan.changed and not result.written and result.backup is None
    assert result.summary() == "(dry run: ~/.cursor/mcp.json was not changed)"
    assert not (isolated_home / ".cursor").exists()


def test_a_compact_file_with_our_entry_already_is_left_byte_for_byte(
        isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    text = json.dumps({"mcpServers": {"a": {"url": "x"}, "openrush": {"url": MCP}}})
    path.write_text(text)
    _plan, result = install("cursor")
    assert not result.written and path.read_text() == text


def test_a_broken_file_is_reported_and_never_overwritten(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    broken = '{\n  "mcpServers": {\n    "a": {"url": "x"},\n  }\n'  # trailing comma, no }
    path.write_text(broken)
    with pytest.raises(ConfigFileError) as raised:
        plan_install(AGENTS_BY_ID["cursor"], MCP)
    message = str(raised.value)
    assert "~/.cursor/mcp.json is not valid JSON" in message and "line" in message
    assert "left untouched" in message
    assert path.read_text() == broken
    assert list(path.parent.iterdir()) == [path]


def test_a_file_of_the_wrong_shape_is_refused(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": ["not", "an", "object"]}')
    with pytest.raises(ConfigFileError, match="is not an object"):
        plan_install(AGENTS_BY_ID["cursor"], MCP)


def test_switching_variants_updates_only_our_entry_and_keeps_its_extras(
        isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"mcpServers": {"openrush": {
        "url": "https://old.example/mcp", "disabled": False,
        "headers": {"X-Trace": "1", "Authorization": "Bearer or_pastedkey1234"}}}}))
    install("cursor", key_header=True)
    entry = json.loads(path.read_text())["mcpServers"]["openrush"]
    assert entry == {"url": MCP, "disabled": False,
                     "headers": {"X-Trace": "1", "Authorization": "Bearer ${env:OPENRUSH_KEY}"}}
    install("cursor")
    entry = json.loads(path.read_text())["mcpServers"]["openrush"]
    assert entry == {"url": MCP, "disabled": False, "headers": {"X-Trace": "1"}}


def test_backups_never_overwrite_an_older_backup(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text("{}\n")
    _, first = install("cursor")
    _, second = install("cursor", key_header=True)
    assert first.backup is not None and first.backup.name == "mcp.json.bak"
    assert second.backup is not None and second.backup.name == "mcp.json.bak.2"
    assert first.backup.read_text() == "{}\n"


def test_a_symlinked_config_file_is_written_through_the_link(isolated_home: Path) -> None:
    link, real = dotfiles_cursor_config(isolated_home)
    install("cursor")
    assert link.is_symlink()
    assert json.loads(real.read_text())["mcpServers"]["openrush"] == {"url": MCP}


def test_a_file_changed_after_the_preview_is_not_written(isolated_home: Path) -> None:
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": {"mine": {"url": "x"}}}')
    with pytest.raises(ConfigFileError, match="changed since the preview"):
        apply_install(plan)
    assert json.loads(path.read_text()) == {"mcpServers": {"mine": {"url": "x"}}}


def test_vs_code_writes_into_the_current_project(isolated_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    os.chdir(project)
    install("vscode", key_header=True)
    data = json.loads((project / ".vscode" / "mcp.json").read_text())
    assert data["servers"]["openrush"]["type"] == "http"
    assert not (isolated_home / ".vscode").exists()


def test_agents_set_up_in_their_own_app_have_no_file() -> None:
    with pytest.raises(NoConfigFile, match="not through a file"):
        plan_install(AGENTS_BY_ID["claude-desktop"], MCP)


# ------------------------------------------------------------------ Codex's TOML


CODEX = """# my Codex settings
model = "o3"  # the one I like

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]   # keep this comment
"""


def test_codex_toml_is_merged_without_reformatting(isolated_home: Path) -> None:
    path = isolated_home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text(CODEX)
    plan, result = install("codex")
    text = path.read_text()
    assert text.startswith(CODEX)  # every byte of theirs is still there, comments included
    assert tomllib.loads(text)["mcp_servers"]["openrush"] == {"url": MCP}
    assert result.backup is not None and result.backup.read_text() == CODEX
    plan, result = install("codex")
    assert not plan.changed and not result.written


def test_codex_variants_switch_in_place(isolated_home: Path) -> None:
    path = isolated_home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text(CODEX + '\n[mcp_servers.openrush]\nurl = "https://old/mcp"\n'
                            'startup_timeout_sec = 20\n')
    install("codex", key_header=True)
    entry = tomllib.loads(path.read_text())["mcp_servers"]["openrush"]
    assert entry == {"url": MCP, "startup_timeout_sec": 20,
                     "bearer_token_env_var": "OPENRUSH_KEY"}
    install("codex")
    entry = tomllib.loads(path.read_text())["mcp_servers"]["openrush"]
    assert entry == {"url": MCP, "startup_timeout_sec": 20}
    assert path.read_text().startswith(CODEX)


def test_a_fresh_codex_file(isolated_home: Path) -> None:
    install("codex")
    text = (isolated_home / ".codex" / "config.toml").read_text()
    assert text == f'[mcp_servers.openrush]\nurl = "{MCP}"\n'


def test_broken_toml_is_left_untouched(isolated_home: Path) -> None:
    path = isolated_home / ".codex" / "config.toml"
    path.parent.mkdir()
    broken = '[mcp_servers.docs\ncommand = "npx"\n'
    path.write_text(broken)
    with pytest.raises(ConfigFileError, match="is not valid TOML"):
        plan_install(AGENTS_BY_ID["codex"], MCP)
    assert path.read_text() == broken
    assert list(path.parent.iterdir()) == [path]
