"""Which agents are set up with OpenRush on this machine, and where (`agents list`).

An agent counts as set up where one of its config files has an ``openrush`` server entry
that connects to our MCP URL (the one setting, ``OPENRUSH_MCP_URL``): the file `agents
install` writes (`catalog.ConfigTarget`), and the other places the agent reads servers from:
Cursor's project file, and Claude Code's own files (``claude mcp add`` writes
``~/.claude.json``, for every project or for one; a project may have ``.mcp.json``). Agents
set up in their own app (Claude Desktop's connectors) cannot be seen from here.

An ``openrush`` entry that connects elsewhere (another URL: an old endpoint, a sandbox, or
someone else's server under our name) is not "set up": it is listed as "another server",
with the URL it uses (keys in it masked, unsafe characters as escapes), and an entry with no
URL at all (a local command) as such. A local bridge whose arguments carry our URL
(``npx mcp-remote <url>``) connects to us and counts as set up.

Files are only read, through `files.reading`: never blocking (a FIFO or a device at a
config path is a problem line, not a hang), bounded in size, following the person's own
symlinks. One that cannot be read or parsed is reported as such, never changed.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openrush_tui.agents.catalog import AGENTS, SERVER_NAME, Agent
from openrush_tui.config import mcp_url_from_env
from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.reading import read_text
from openrush_tui.text.paths import display_path
from openrush_tui.text.safe import redact_secrets, visible

MAX_BYTES = 8 * 1024 * 1024  # ~/.claude.json keeps history; a bigger file is not read
State = Literal["set up", "other server", "not set up", "unknown"]
# The state as one character (the Setup page's list, beside each agent's name; its legend
# says what each means). Distinct without colour.
MARKS: dict[State, str] = {"set up": "✓", "other server": "!", "not set up": "·",
                           "unknown": "?"}
# Where the agents of the catalogue keep the URL of a remote server, in the order we look.
URL_KEYS = ("url", "serverUrl", "httpUrl")


@dataclass(frozen=True)
class Place:
    """A file where an agent may keep the OpenRush server, and the keys down to its servers."""

    path: Path
    servers: tuple[str, ...]  # ("mcpServers",), ("projects", "/home/me/app", "mcpServers")
    fmt: Literal["json", "toml"] = "json"
    scope: str = ""  # "this project", "all projects"…

    @property
    def shown(self) -> str:
        return display_path(self.path) + (f" ({self.scope})" if self.scope else "")


@dataclass(frozen=True)
class Elsewhere:
    """An ``openrush`` entry that does not connect to our MCP URL."""

    where: str  # the file (and scope), as `Found.where`
    url: str | None  # the URL it connects to, as it may be shown; None: it names none

    def __str__(self) -> str:
        if self.url is None:
            return f"an entry with no URL in {self.where}"
        return f"another server: {visible(self.url)} in {self.where}"


@dataclass(frozen=True)
class Found:
    agent: Agent
    state: State
    where: tuple[str, ...] = ()  # the files (and scopes) whose entry connects to us
    problems: tuple[str, ...] = ()  # files that could not be read
    elsewhere: tuple[Elsewhere, ...] = ()  # entries named openrush that connect elsewhere

    def here(self) -> str:
        """Whether it is set up here, in a few words (`agents list`'s column)."""
        parts = [f"yes: {', '.join(self.where)}"] if self.where else []
        parts += [str(other) for other in self.elsewhere]
        if parts:
            return "; ".join(parts)
        return "no" if self.state == "not set up" else "cannot tell (set up in its app)"

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    def sentence(self) -> str:
        """Whether it is set up here, in a sentence (the Setup page, under the agent's name):
        where, which other server an entry of ours connects to, which files could not be
        read."""
        parts = [f"Set up here: {', '.join(self.where)}."] if self.where else []
        if self.elsewhere:
            others = "; ".join(str(other) for other in self.elsewhere)
            parts.append(f"{'Also' if self.where else 'Not set up for this MCP URL'}: "
                         f"{others}.")
        if not parts:
            parts.append("Not set up on this machine." if self.state == "not set up" else
                         "Cannot tell from here: it is set up in the agent's own app.")
        if self.problems:
            parts.append(f"Could not check {'; '.join(self.problems)}.")
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.agent.id, "name": self.agent.name, "state": self.state,
                "configured_in": list(self.where), "problems": list(self.problems),
                "other_servers": [{"file": other.where, "url": other.url}
                                  for other in self.elsewhere],
                "install_file": self.agent.target.shown if self.agent.target else None}


def places(agent: Agent, home: Path, cwd: Path) -> list[Place]:
    """Where `agent` may keep the OpenRush server on this machine."""
    found = []
    if agent.target is not None:
        found.append(Place(agent.target.path(home, cwd), (agent.target.container,),
                           agent.target.fmt))
    if agent.id == "cursor":
        found.append(Place(cwd / ".cursor" / "mcp.json", ("mcpServers",), scope="this project"))
    if agent.id == "claude-code":
        found += [Place(home / ".claude.json", ("mcpServers",), scope="all projects"),
                  Place(home / ".claude.json", ("projects", str(cwd), "mcpServers"),
                        scope="this project"),
                  Place(cwd / ".mcp.json", ("mcpServers",), scope="this project, shared")]
    # In the home directory, a project's file is the global one: listed once.
    unique: dict[tuple[Path, tuple[str, ...]], Place] = {}
    for place in found:
        unique.setdefault((place.path, place.servers), place)
    return list(unique.values())


def find_setups(home: Path | None = None, cwd: Path | None = None,
                mcp_url: str | None = None) -> list[Found]:
    """Every agent of the catalogue, and where it is set up with OpenRush (at `mcp_url`: by
    default the setting's, ``OPENRUSH_MCP_URL`` or the public endpoint)."""
    home, cwd = home or Path.home(), cwd or Path.cwd()
    ours = mcp_url_from_env(mcp_url)
    return [_found(agent, places(agent, home, cwd), ours) for agent in AGENTS]


def _found(agent: Agent, where: list[Place], ours: str) -> Found:
    if not where:
        return Found(agent, "unknown")
    hits, elsewhere, problems = [], [], []
    for place in where:
        try:
            entry = _entry(place)
        except _Unreadable as problem:
            problems.append(f"{display_path(place.path)}: {problem}")
            continue
        if entry is _NONE:
            continue
        url = _url_of(entry)
        if url is not None and _same_url(url, ours):
            hits.append(place.shown)
        else:
            elsewhere.append(Elsewhere(place.shown,
                                       None if url is None else redact_secrets(url)))
    state: State = "set up" if hits else "other server" if elsewhere else "not set up"
    return Found(agent, state, tuple(hits), tuple(dict.fromkeys(problems)), tuple(elsewhere))


class _Unreadable(Exception):
    """Why a file could not be checked, in a few words."""


_NONE = object()  # the file, or its servers, has no entry of ours


def _entry(place: Place) -> Any:
    """Our entry in the file (`_NONE` when there is none); _Unreadable says why it could not
    be read."""
    try:
        text, _stamp = read_text(place.path, limit=MAX_BYTES)
    except FileNotFoundError:
        return _NONE
    except LocalFileError as exc:
        raise _Unreadable(_reason(place.path, exc)) from None
    try:
        data: Any = tomllib.loads(text) if place.fmt == "toml" else json.loads(text)
    except (ValueError, RecursionError):
        raise _Unreadable(f"not valid {place.fmt.upper()}") from None
    for key in place.servers:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict) or SERVER_NAME not in data:
        return _NONE
    return data[SERVER_NAME]


def _reason(path: Path, exc: LocalFileError) -> str:
    """`files.reading`'s sentence about `path` as the few words after the path: "a named
    pipe (FIFO), not a file", "cannot be read (Permission denied)"."""
    reason = exc.message.rstrip(".")
    prefix = display_path(path) + " "
    if reason.startswith(prefix):
        reason = reason.removeprefix(prefix).removeprefix("is ")
    return visible(reason)


def _url_of(entry: Any) -> str | None:
    """The URL an entry connects to: its URL key, or a URL among a local bridge's arguments
    (``npx mcp-remote <url>``); None when it names none."""
    if not isinstance(entry, dict):
        return None
    for key in URL_KEYS:
        if isinstance(entry.get(key), str):
            return str(entry[key])
    arguments = entry.get("args")
    if isinstance(arguments, list):
        for argument in arguments:
            if isinstance(argument, str) and argument.startswith(("https://", "http://")):
                return argument
    return None


def _same_url(url: str, ours: str) -> bool:
    """The same endpoint: spelled alike, but for a final slash and the scheme's and host's
    case (which URLs ignore)."""
    def key(value: str) -> tuple[str, str]:
        scheme, _, rest = value.strip().rstrip("/").partition("://")
        host, slash, path = rest.partition("/")
        return scheme.lower() + "://" + host.lower(), slash + path

    return key(url) == key(ours)
