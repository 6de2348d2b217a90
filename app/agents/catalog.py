"""Connecting an AI agent to OpenRush's MCP endpoint: each agent's steps and snippet.

Follows the contract's table (``docs/openrush-api.md``, "Connecting an AI agent"). The
default snippet signs in with OAuth and carries no key. Where an agent can send headers, a
variant makes the agent read the key from ``OPENRUSH_KEY`` (each agent has its own syntax
for that), so the raw key is never pasted into a config file. The MCP URL always comes from
the one setting (``--mcp-url`` / ``OPENRUSH_MCP_URL``), and only an https URL (or http on
literal loopback) with a plain host is used (`api.safety.check_mcp_url`: InsecureURLError
otherwise); in a shell command it is quoted. Writing config files is in `install`. No
Textual imports.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openrush_tui.api.safety import check_mcp_url
from openrush_tui.config import DEFAULT_MCP_URL, Settings

SERVER_NAME = "openrush"
ENV_VAR = "OPENRUSH_KEY"

Language = Literal["bash", "json", "toml", "text"]


@dataclass(frozen=True)
class ConfigTarget:
    """The file an agent reads its MCP servers from, and the key that holds them."""

    relative: str  # ".cursor/mcp.json"
    base: Literal["home", "cwd"]  # under the home directory, or the current project
    container: str  # "mcpServers", "servers", "mcp_servers"
    fmt: Literal["json", "toml"]

    def path(self, home: Path | None = None, cwd: Path | None = None) -> Path:
        root = (home or Path.home()) if self.base == "home" else (cwd or Path.cwd())
        return root / self.relative

    @property
    def shown(self) -> str:
        return f"~/{self.relative}" if self.base == "home" else self.relative


@dataclass(frozen=True)
class Instructions:
    """What a person does: the steps before the snippet, the snippet, the steps after."""

    before: tuple[str, ...]
    snippet: str
    language: Language
    after: tuple[str, ...] = ()

    def as_text(self) -> str:
        return "\n".join([*self.before, "", self.snippet, "", *self.after]).strip() + "\n"


EntryBuilder = Callable[[str, bool], dict[str, Any]]


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    target: ConfigTarget | None  # None: configured in the agent's own UI or command
    supports_key_header: bool
    _instructions: Callable[[Agent, str, bool], Instructions]
    _entry: EntryBuilder | None = None

    def instructions(self, mcp_url: str, *, key_header: bool = False) -> Instructions:
        """The steps for the OAuth sign-in, or (`key_header`) the OPENRUSH_KEY variant."""
        return self._instructions(self, check_mcp_url(mcp_url),
                                  key_header and self.supports_key_header)

    def entry(self, mcp_url: str, *, key_header: bool = False) -> dict[str, Any]:
        """The server entry written under `target.container` for file-configured agents."""
        if self._entry is None:
            raise ValueError(f"{self.name} is not configured through a file")
        return self._entry(check_mcp_url(mcp_url), key_header and self.supports_key_header)

    def file_snippet(self, mcp_url: str, key_header: bool) -> str:
        assert self.target is not None  # noqa: S101 (only called for file-configured agents)
        entry = self.entry(mcp_url, key_header=key_header)
        if self.target.fmt == "toml":
            return toml_table(f"{self.target.container}.{SERVER_NAME}", entry)
        return json.dumps({self.target.container: {SERVER_NAME: entry}}, indent=2) + "\n"


def toml_table(name: str, values: dict[str, Any]) -> str:
    """A tiny TOML table of strings, enough for a snippet (writing a file uses tomlkit)."""
    lines = [f"[{name}]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def public_server_note(mcp_url: str, api_url: str | None) -> str | None:
    """What to say when an agent would talk to the public OpenRush server while this
    dashboard or command uses another one (`api_url`; None: the in-process sandbox), else
    None.

    The sandbox serves no MCP endpoint (``sandbox/routes.py``), and neither need a local or
    other API server, so the default MCP URL stays the public one; an agent set up from a
    dashboard on a sandbox then calls the real service with the person's real account. That
    is said, never done silently. An MCP URL chosen (``--mcp-url``, ``OPENRUSH_MCP_URL``) is
    the person's choice: nothing to say.
    """
    if mcp_url.rstrip("/") != DEFAULT_MCP_URL:
        return None
    if api_url is None:
        this = "this dashboard's sandbox (it serves no MCP)"
    else:
        label = Settings(api_url=api_url).server_label  # "local server http://…", a URL
        if label == "OpenRush":
            return None
        this = f"{'the' if label.startswith('local server') else 'the server'} {label} " \
            "this tool uses"
    return (f"The agent will use the public OpenRush server ({DEFAULT_MCP_URL}), not {this}: "
            "its calls spend your real account's credits. Start with --mcp-url (or set "
            "OPENRUSH_MCP_URL) for another server.")


# ------------------------------------------------------------------ per agent


def _bearer(reference: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {reference}"}


def _claude_code(agent: Agent, url: str, header: bool) -> Instructions:
    if header:
        config = {"mcpServers": {SERVER_NAME: {"type": "http", "url": url,
                                               "headers": _bearer("${" + ENV_VAR + "}")}}}
        return Instructions(
            ("Put this in .mcp.json at the root of your project:",),
            json.dumps(config, indent=2) + "\n", "json",
            (f"Claude Code fills in ${{{ENV_VAR}}} from the environment it starts in: export "
             f"{ENV_VAR} in that shell. No key is written to the file.",))
    return Instructions(("Run this in a terminal:",),
                        f"claude mcp add --transport http {SERVER_NAME} {shlex.quote(url)}",
                        "bash",
                        ("Then type /mcp in Claude Code, choose openrush and sign in with your "
                         "OpenRush account.",))


def _claude_desktop(agent: Agent, url: str, header: bool) -> Instructions:
    return Instructions(
        ("In Claude Desktop or on claude.ai, open Settings → Connectors.",
         "Choose Add custom connector and paste this MCP URL:"),
        url, "text",
        ("Choose Connect and sign in with your OpenRush account. Connectors sign in this "
         "way only; no key is needed.",))


def _file_agent(where: str, oauth_after: str, header_after: str) -> Callable[
        [Agent, str, bool], Instructions]:
    def build(agent: Agent, url: str, header: bool) -> Instructions:
        assert agent.target is not None  # noqa: S101
        return Instructions((f"Add this to {where}:",), agent.file_snippet(url, header),
                            agent.target.fmt, (header_after if header else oauth_after,))
    return build


def _generic(agent: Agent, url: str, header: bool) -> Instructions:
    if header:
        return Instructions(
            ("If your client cannot sign in with OAuth but can send headers, send the key as a "
             "Bearer token:",),
            f"Authorization: Bearer ${ENV_VAR}", "text",
            (f"Let the client read the key from the {ENV_VAR} environment variable if it can "
             "(the syntax differs between clients) rather than pasting the key into its "
             "config.",))
    return Instructions(
        (f"Add a remote MCP server named {SERVER_NAME} that speaks streamable HTTP, at:",),
        url, "text",
        ("The client signs you in with your OpenRush account (OAuth 2.1 with PKCE) the first "
         "time it connects; no key is needed.",))


AGENTS: tuple[Agent, ...] = (
    Agent("claude-code", "Claude Code", None, True, _claude_code),
    Agent("claude-desktop", "Claude Desktop / claude.ai", None, False, _claude_desktop),
    Agent("cursor", "Cursor", ConfigTarget(".cursor/mcp.json", "home", "mcpServers", "json"),
          True,
          _file_agent("~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project)",
                      "Cursor asks you to sign in to OpenRush the first time it connects.",
                      f"Cursor fills in ${{env:{ENV_VAR}}} from the environment it starts in."),
          lambda url, header: {"url": url}
          | ({"headers": _bearer("${env:" + ENV_VAR + "}")} if header else {})),
    Agent("vscode", "VS Code", ConfigTarget(".vscode/mcp.json", "cwd", "servers", "json"), True,
          _file_agent(".vscode/mcp.json in your workspace",
                      "Choose Start above the server in that file; VS Code asks you to sign in.",
                      f"VS Code fills in ${{env:{ENV_VAR}}} from the environment it starts in."),
          lambda url, header: {"type": "http", "url": url}
          | ({"headers": _bearer("${env:" + ENV_VAR + "}")} if header else {})),
    Agent("codex", "Codex CLI", ConfigTarget(".codex/config.toml", "home", "mcp_servers", "toml"),
          True,
          _file_agent("~/.codex/config.toml",
                      f"Then run: codex mcp login {SERVER_NAME}",
                      f"Codex sends the value of {ENV_VAR} as a Bearer token; export it in the "
                      "shell that starts codex. No login step is needed."),
          lambda url, header: {"url": url}
          | ({"bearer_token_env_var": ENV_VAR} if header else {})),
    Agent("windsurf", "Windsurf",
          ConfigTarget(".codeium/windsurf/mcp_config.json", "home", "mcpServers", "json"), True,
          _file_agent("~/.codeium/windsurf/mcp_config.json",
                      "Refresh the MCP servers in Windsurf and sign in when it asks.",
                      f"Windsurf fills in ${{env:{ENV_VAR}}} from the environment it starts in."),
          lambda url, header: {"serverUrl": url}
          | ({"headers": _bearer("${env:" + ENV_VAR + "}")} if header else {})),
    Agent("gemini", "Gemini CLI", ConfigTarget(".gemini/settings.json", "home", "mcpServers",
                                               "json"), True,
          _file_agent("~/.gemini/settings.json",
                      f"Start gemini and run /mcp auth {SERVER_NAME} to sign in.",
                      f"Gemini CLI fills in ${{{ENV_VAR}}} from the environment it starts in."),
          lambda url, header: {"httpUrl": url}
          | ({"headers": _bearer("${" + ENV_VAR + "}")} if header else {})),
    Agent("generic", "Any MCP client", None, True, _generic),
)

AGENTS_BY_ID: dict[str, Agent] = {agent.id: agent for agent in AGENTS}


def removal_steps(agent: Agent) -> Instructions | None:
    """How to take OpenRush out of an agent this tool does not write the settings of (its
    own command), or None when there is no such step to show."""
    if agent.id != "claude-code":
        return None
    return Instructions(("Run this in a terminal:",), f"claude mcp remove {SERVER_NAME}", "bash",
                        ("Claude Code asks for the scope (-s local, -s project or -s user) "
                         "when it was added in more than one.",))


def find_agent(name: str) -> Agent | None:
    """By id (``cursor``) or display name, case-insensitively."""
    wanted = name.strip().lower()
    return AGENTS_BY_ID.get(wanted) or next(
        (agent for agent in AGENTS if agent.name.lower() == wanted), None)
