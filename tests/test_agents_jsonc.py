"""Agent configs with comments (JSONC): VS Code's mcp.json and Gemini CLI's settings.json
allow ``//`` and ``/* */`` comments and trailing commas. `agents install vscode|gemini` and
`agents uninstall` edit such files keeping every comment and the layout, with the same diff,
question, backup and lock as a strict JSON file; agents that read strict JSON still have
such a file refused. Property: for generated JSONC files, install then uninstall gives the
original text byte for byte, and the installed text parses with our entry in it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrush_tui.agents.catalog import AGENTS_BY_ID
from openrush_tui.agents.install import apply_install, plan_install, plan_uninstall
from openrush_tui.agents.jsonc import JsoncError, comments, kept, strict_twin
from openrush_tui.agents.merge import ConfigFileError, merge_json, remove_json
from openrush_tui.cli import main

MCP = "https://api.openrush.com/mcp"

# A workspace's .vscode/mcp.json as people write them: VS Code's own template comments,
# a server switched off by commenting it out, an input, trailing commas.
VSCODE_MCP_JSON = """\
{
\t// 💡 Inputs are prompted on first server start, then stored securely by VS Code.
\t"inputs": [
\t\t{
\t\t\t"type": "promptString",
\t\t\t"id": "perplexity-key",
\t\t\t"description": "Perplexity API Key", // shown in the prompt
\t\t\t"password": true,
\t\t},
\t],
\t"servers": {
\t\t// https://github.com/ppl-ai/modelcontextprotocol/
\t\t"Perplexity": {
\t\t\t"type": "stdio",
\t\t\t"command": "npx",
\t\t\t"args": ["-y", "server-perplexity-ask"],
\t\t\t"env": {
\t\t\t\t"PERPLEXITY_API_KEY": "${input:perplexity-key}",
\t\t\t},
\t\t},
\t\t/* switched off for now:
\t\t"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
\t\t*/
\t\t"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}, // the remote one
\t},
}
"""

GEMINI_SETTINGS = """\
// Gemini CLI settings (comments allowed: read with strip-json-comments)
{
  "theme": "GitHub", /* the dark one */
  "mcpServers": {
    "git": {"command": "uvx", "args": ["mcp-server-git"]} // local repos
  }
}
"""


def comments_of(text: str) -> list[str]:
    return comments(text)


def test_installing_into_a_commented_vs_code_mcp_json_keeps_every_comment(
        isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    (project / ".vscode").mkdir(parents=True)
    path = project / ".vscode" / "mcp.json"
    path.write_text(VSCODE_MCP_JSON)
    os.chdir(project)
    assert main(["agents", "install", "vscode", "--yes"]) == 0
    out = capsys.readouterr().out
    after = path.read_text()
    # Only lines were added, ours, under the last server (its line keeps its comment); the
    # diff shows a tab as \t (text.safe).
    added = [line[1:] for line in out.splitlines() if line.startswith("+") and "+++" not in line]
    assert not [line for line in out.splitlines() if line.startswith("-") and "---" not in line]
    assert added[0].startswith('\\t\\t"openrush": {') and after.count("\t\t\t\"url\": ") == 1
    assert comments_of(after) == comments_of(VSCODE_MCP_JSON)
    assert '"https://api.githubcopilot.com/mcp/"}, // the remote one\n\t\t"openrush"' in after
    data = json.loads(strict_twin(after))
    assert data["servers"]["openrush"] == {"type": "http", "url": MCP}
    assert data["inputs"][0]["id"] == "perplexity-key"
    backup = path.with_name("mcp.json.bak")
    assert backup.read_text() == VSCODE_MCP_JSON
    # A second install changes nothing; the uninstall gives the file back as it was.
    assert not plan_install(AGENTS_BY_ID["vscode"], MCP).changed
    backup.unlink()
    assert main(["agents", "uninstall", "vscode", "--yes"]) == 0
    assert path.read_text() == VSCODE_MCP_JSON


def test_gemini_settings_with_comments_install_and_uninstall(isolated_home: Path) -> None:
    path = isolated_home / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text(GEMINI_SETTINGS)
    plan = plan_install(AGENTS_BY_ID["gemini"], MCP)
    assert "// local repos" in plan.diff()
    apply_install(plan)
    after = path.read_text()
    assert comments_of(after) == comments_of(GEMINI_SETTINGS)
    assert json.loads(strict_twin(after))["mcpServers"]["openrush"] == {"httpUrl": MCP}
    assert '"args": ["mcp-server-git"]}, // local repos\n    "openrush": {' in after
    apply_install(plan_uninstall(AGENTS_BY_ID["gemini"]))
    assert path.read_text() == GEMINI_SETTINGS


def test_an_agent_that_reads_strict_json_still_has_comments_refused(isolated_home: Path) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{\n  // mine\n  "mcpServers": {}\n}\n')
    with pytest.raises(ConfigFileError, match=r"is not valid JSON \(line 2"):
        plan_install(AGENTS_BY_ID["cursor"], MCP)


@pytest.mark.parametrize(("text", "problem"), [
    ('{"servers": {} /* never closed\n}', "line 1, column 16: a /* comment is not closed"),
    ('{"servers": {},, }', "is not valid JSON with comments (line 1"),
    ('{"servers": {"a": 1 // ends the line, so the brace is in the comment }}', "line 1"),
])
def test_broken_jsonc_is_refused_with_where(text: str, problem: str) -> None:
    with pytest.raises(ConfigFileError, match="not valid JSON with comments") as caught:
        merge_json(text, "servers", {"url": MCP}, "mcp.json", comments=True)
    assert problem in str(caught.value)


def test_strings_that_look_like_comments_are_text() -> None:
    text = '{"servers": {"a": {"url": "https://x//y/*z*/"}},}\n'
    assert strict_twin(text) == text.replace("},}", "} }")
    merged = merge_json(text, "servers", {"url": MCP}, "f", comments=True)
    assert json.loads(strict_twin(merged))["servers"]["a"] == {"url": "https://x//y/*z*/"}
    assert remove_json(merged, "servers", "f", comments=True) == text


def test_the_twin_keeps_every_position() -> None:
    text = '/* a\r\n b */ {"k": [1, 2,], // c\n}'
    twin = strict_twin(text)
    assert len(twin) == len(text) and twin.count("\n") == text.count("\n")
    assert json.loads(twin) == {"k": [1, 2]}
    with pytest.raises(JsoncError):
        strict_twin("{} /* open")


# ------------------------------------------------------------------ the property

WORDS = st.text(st.sampled_from("ab /{}\",:*[]é"), max_size=8)
LINE_COMMENT = WORDS.map(lambda words: "// " + words)
BLOCK_COMMENT = WORDS.map(lambda words: "/* " + words.replace("*", "") + " */")
COMMENT = st.one_of(LINE_COMMENT, BLOCK_COMMENT)
SCALAR = st.one_of(st.integers(-5, 99), st.booleans(), st.none(),
                   st.text(st.sampled_from("ab/*é\\\" "), max_size=6))
VALUE = st.one_of(SCALAR, st.dictionaries(st.text("xyz", min_size=1, max_size=3), SCALAR,
                                          max_size=2))
KEY = st.text("abcdefg", min_size=1, max_size=4)


class Raw(str):
    """A member's value already written out (a nested object)."""


@st.composite
def jsonc_object(draw: st.DrawFn, members: list[tuple[str, Any]], indent: str, unit: str,
                 newline: str) -> str:
    """An object one member a line, with comments above, after and inside members, maybe a
    trailing comma; `Raw` values are written as they are."""
    inner = indent + unit
    lines: list[str] = []
    if not members:
        if draw(st.booleans()):
            return "{}"
        comments = draw(st.lists(COMMENT, min_size=1, max_size=2))
        return "{" + newline + "".join(inner + c + newline for c in comments) + indent + "}"
    for index, (key, value) in enumerate(members):
        if draw(st.booleans()):
            lines.append(inner + draw(COMMENT))
        text = value if isinstance(value, Raw) else json.dumps(value, ensure_ascii=False)
        before_value = draw(st.one_of(st.just(""), BLOCK_COMMENT.map(lambda c: c + " ")))
        last = index == len(members) - 1
        comma = "" if last and not draw(st.booleans()) else ","
        after = draw(st.one_of(st.just(""), COMMENT.map(lambda c: " " + c)))
        lines.append(f"{inner}{json.dumps(key)}: {before_value}{text}{comma}{after}")
    if draw(st.booleans()):
        lines.append(inner + draw(COMMENT))
    return "{" + newline + newline.join(lines) + newline + indent + "}"


@st.composite
def jsonc_file(draw: st.DrawFn, *, with_container: bool) -> str:
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    others = draw(st.lists(st.tuples(KEY, VALUE), max_size=3, unique_by=lambda m: m[0]))
    members: list[tuple[str, Any]] = list(others)
    if with_container:
        servers = draw(st.lists(st.tuples(KEY, VALUE), max_size=3, unique_by=lambda m: m[0]))
        body = draw(jsonc_object(servers, unit, unit, newline))
        members.insert(draw(st.integers(0, len(members))), ("servers", Raw(body)))
    head = draw(st.one_of(st.just(""), COMMENT.map(lambda c: c + newline)))
    return head + draw(jsonc_object(members, "", unit, newline)) + newline


PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
ENTRY = {"type": "http", "url": MCP}


@PROPERTY
@given(jsonc_file(with_container=True))
def test_install_then_uninstall_gives_the_file_back_byte_for_byte(text: str) -> None:
    before = json.loads(strict_twin(text))
    merged = merge_json(text, "servers", ENTRY, "mcp.json", comments=True)
    after = json.loads(strict_twin(merged))
    assert after["servers"]["openrush"] == ENTRY
    assert {k: v for k, v in after["servers"].items() if k != "openrush"} == before["servers"]
    assert {k: v for k, v in after.items() if k != "servers"} == \
        {k: v for k, v in before.items() if k != "servers"}
    assert kept(comments_of(text), comments_of(merged))
    if "\r\n" in text:
        assert "\n" not in merged.replace("\r\n", "")
    assert merge_json(merged, "servers", ENTRY, "mcp.json", comments=True) == merged
    assert remove_json(merged, "servers", "mcp.json", comments=True) == text


@PROPERTY
@given(jsonc_file(with_container=False))
def test_a_file_without_servers_gets_them_and_keeps_its_comments(text: str) -> None:
    merged = merge_json(text, "servers", ENTRY, "mcp.json", comments=True)
    assert json.loads(strict_twin(merged)) == {**json.loads(strict_twin(text)),
                                               "servers": {"openrush": ENTRY}}
    assert kept(comments_of(text), comments_of(merged))
    removed = remove_json(merged, "servers", "mcp.json", comments=True)
    assert removed is not None
    assert json.loads(strict_twin(removed)) == {**json.loads(strict_twin(text)), "servers": {}}
    assert comments_of(removed) == comments_of(text)
