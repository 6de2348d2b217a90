"""Which agents are set up here (`agents list`, `--json`) and `agents uninstall`: only the
OpenRush entry goes, through install's own flow (diff, question, backup). Every file lives in
a temporary home directory."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from openrush_tui.agents.catalog import AGENTS_BY_ID
from openrush_tui.agents.found import find_setups
from openrush_tui.agents.install import (
    ConfigFileError,
    NoConfigFile,
    apply_install,
    plan_install,
    plan_uninstall,
)
from openrush_tui.agents.merge import remove_json
from openrush_tui.cli import main

MCP = "https://mcp.example.test/mcp"
pytestmark = pytest.mark.usefixtures("isolated_home")
CURSOR_WITH_OTHERS = (
    '{\r\n  "theme": "dark",\r\n  "mcpServers": {\r\n    "github": {"url": "https://gh",'
    ' "n": 1e400},\r\n    "openrush": {"url": "https://old"},\r\n    "linear": {"url": '
    '"https://linear"}\r\n  },\r\n  "z": [1, 2]\r\n}\r\n')


@pytest.fixture(autouse=True)
def our_mcp_url(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENRUSH_MCP_URL", MCP)  # what `agents list` compares entries with


def setups() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {found.agent.id: (found.state, found.where) for found in find_setups()}


def test_nothing_set_up_on_a_fresh_machine() -> None:
    states = setups()
    assert states["cursor"] == ("not set up", ()) and states["codex"] == ("not set up", ())
    assert states["claude-code"] == ("not set up", ())
    assert states["claude-desktop"][0] == "unknown"  # set up in its own app: not visible


def test_an_install_shows_up_where_it_was_written(isolated_home: Path) -> None:
    for agent_id in ("cursor", "codex"):
        apply_install(plan_install(AGENTS_BY_ID[agent_id], MCP))
    states = setups()
    assert states["cursor"] == ("set up", ("~/.cursor/mcp.json",))
    assert states["codex"] == ("set up", ("~/.codex/config.toml",))
    assert states["gemini"] == ("not set up", ())


def test_claude_code_is_found_in_its_own_files_for_every_scope(isolated_home: Path) -> None:
    (isolated_home / ".claude.json").write_text(json.dumps({
        "mcpServers": {"openrush": {"type": "http", "url": MCP}},
        "projects": {str(isolated_home): {"mcpServers": {"openrush": {"url": MCP}}}}}))
    (isolated_home / ".mcp.json").write_text(json.dumps({"mcpServers": {"openrush": {
        "type": "http", "url": MCP + "/"}}}))
    state, where = setups()["claude-code"]
    assert state == "set up"
    assert where == ("~/.claude.json (all projects)", "~/.claude.json (this project)",
                     "~/.mcp.json (this project, shared)")


def test_a_file_that_cannot_be_read_is_said_and_left_alone(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text("{ broken")
    found = next(item for item in find_setups() if item.agent.id == "cursor")
    assert found.state == "not set up" and found.problems == ("~/.cursor/mcp.json: not valid JSON",)
    assert path.read_text() == "{ broken"


def test_uninstall_removes_only_our_entry_byte_for_byte(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_bytes(CURSOR_WITH_OTHERS.encode())
    plan = plan_uninstall(AGENTS_BY_ID["cursor"])
    assert plan.changed and '-    "openrush": {"url": "https://old"},' in plan.diff()
    result = apply_install(plan)
    assert path.read_bytes() == CURSOR_WITH_OTHERS.replace(
        '    "openrush": {"url": "https://old"},\r\n', "").encode()
    assert result.backup is not None and result.backup.read_bytes() == CURSOR_WITH_OTHERS.encode()
    assert result.summary().startswith("Removed the OpenRush entry from ~/.cursor/mcp.json")
    again = plan_uninstall(AGENTS_BY_ID["cursor"])
    assert not again.changed and "has no OpenRush entry" in apply_install(again).summary()


@pytest.mark.parametrize(("before", "after"), [
    ('{"mcpServers": {"openrush": {"url": "x"}}}', '{"mcpServers": {}}'),
    ('{"mcpServers": {"a": 1, "openrush": {"url": "x"}}}', '{"mcpServers": {"a": 1}}'),
    ('{"mcpServers": {"openrush": {"url": "x"}, "b": 2}}', '{"mcpServers": {"b": 2}}'),
    ('{"mcpServers": {"a": 1}}', None),
    ('{"other": {"openrush": 1}}', None),
])
def test_removing_the_entry_from_json_keeps_every_other_member(before: str,
                                                                after: str | None) -> None:
    assert remove_json(before, "mcpServers", "f.json") == after


def test_a_codex_table_is_removed_and_the_rest_kept(isolated_home: Path) -> None:
    path = isolated_home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text('model = "o4"  # mine\n\n[mcp_servers.other]\nurl = "https://x"\n\n'
                    '[mcp_servers.openrush]\nurl = "https://old"\n')
    apply_install(plan_uninstall(AGENTS_BY_ID["codex"]))
    text = path.read_text()
    assert 'model = "o4"  # mine' in text
    assert tomllib.loads(text) == {"model": "o4", "mcp_servers": {"other": {"url": "https://x"}}}


def test_uninstall_never_touches_a_broken_file_or_an_agent_without_one(
        isolated_home: Path) -> None:
    path = isolated_home / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": {"openrush": ')
    with pytest.raises(ConfigFileError, match="not valid JSON"):
        plan_uninstall(AGENTS_BY_ID["gemini"])
    with pytest.raises(NoConfigFile, match="claude mcp remove openrush"):
        plan_uninstall(AGENTS_BY_ID["claude-code"])
    assert not plan_uninstall(AGENTS_BY_ID["windsurf"]).changed  # no file: nothing to do


def test_the_cli_lists_where_and_uninstalls_like_it_installs(
        capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    assert main(["agents", "install", "cursor", "--yes"]) == 0
    capsys.readouterr()
    assert main(["agents", "list"]) == 0
    listing = capsys.readouterr().out
    assert any(line.startswith("cursor") and "yes: ~/.cursor/mcp.json" in line
               for line in listing.splitlines())
    assert main(["agents", "list", "--json"]) == 0
    listed = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed["cursor"]["state"] == "set up"
    assert listed["cursor"]["configured_in"] == ["~/.cursor/mcp.json"]
    assert listed["vscode"]["state"] == "not set up" and listed["generic"]["state"] == "unknown"
    assert main(["agents", "uninstall", "cursor"]) == 2  # stdin is no terminal to ask on
    assert "--yes" in capsys.readouterr().err
    assert main(["agents", "uninstall", "cursor", "--dry-run"]) == 0
    assert '-    "openrush": {' in capsys.readouterr().out
    assert main(["agents", "uninstall", "cursor", "--yes"]) == 0
    assert "previous version is in ~/.cursor/mcp.json.bak" in capsys.readouterr().out
    assert json.loads((isolated_home / ".cursor" / "mcp.json").read_text()) == {
        "mcpServers": {}}
    assert main(["agents", "uninstall", "claude-code"]) == 2
    assert "claude mcp remove openrush" in capsys.readouterr().err
