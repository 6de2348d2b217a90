"""Which agents are set up with OpenRush on this machine, and where (`agents list`).

An agent counts as set up where one of its config files has an ``openrush`` server entry:
the file `agents install` writes (`catalog.ConfigTarget`), and the other places the agent
reads servers from: Cursor's project file, and Claude Code's own files (``claude mcp add``
writes ``~/.claude.json``, for every project or for one; a project may have ``.mcp.json``).
Agents set up in their own app (Claude Desktop's connectors) cannot be seen from here.

Files are only read: one that cannot be read or parsed is reported as such, never changed.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openrush_tui.agents.catalog import AGENTS, SERVER_NAME, Agent
from openrush_tui.text.paths import display_path

MAX_BYTES = 8 * 1024 * 1024  # ~/.claude.json keeps history; a bigger file is not read
State = Literal["set up", "not set up", "unknown"]


@dataclass(frozen=True)
class Place:
    """A file where an agent may keep the OpenRush server, and the keys down to its servers."""

    path: Path
    servers: tuple[str, ...]  # ("mcpServers",), ("projects", "/home/me/app", "mcpServers")
    fmt: Literal["json", "toml"] = "json"
    scope: str = ""  # "this project", "all projects"…


@dataclass(frozen=True)
class Found:
    agent: Agent
    state: State
    where: tuple[str, ...] = ()  # the files (and scopes) that have the entry
    problems: tuple[str, ...] = ()  # files that could not be read

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.agent.id, "name": self.agent.name, "state": self.state,
                "configured_in": list(self.where), "problems": list(self.problems),
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


def find_setups(home: Path | None = None, cwd: Path | None = None) -> list[Found]:
    """Every agent of the catalogue, and where it is set up with OpenRush."""
    home, cwd = home or Path.home(), cwd or Path.cwd()
    return [_found(agent, places(agent, home, cwd)) for agent in AGENTS]


def _found(agent: Agent, where: list[Place]) -> Found:
    if not where:
        return Found(agent, "unknown")
    hits, problems = [], []
    for place, result in zip(where, map(_has_entry, where), strict=True):
        shown = display_path(place.path) + (f" ({place.scope})" if place.scope else "")
        if isinstance(result, str):
            problems.append(f"{display_path(place.path)}: {result}")
        elif result:
            hits.append(shown)
    return Found(agent, "set up" if hits else "not set up", tuple(hits),
                 tuple(dict.fromkeys(problems)))


def _has_entry(place: Place) -> bool | str:
    """Whether the file has our entry; a string says why it could not be read."""
    try:
        if place.path.stat().st_size > MAX_BYTES:
            return "too large to read"
        text = place.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        return getattr(exc, "strerror", None) or "not readable as UTF-8 text"
    try:
        data: Any = tomllib.loads(text) if place.fmt == "toml" else json.loads(text)
    except (ValueError, RecursionError):
        return f"not valid {place.fmt.upper()}"
    for key in place.servers:
        data = data.get(key) if isinstance(data, dict) else None
    return isinstance(data, dict) and SERVER_NAME in data
