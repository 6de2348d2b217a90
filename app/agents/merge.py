"""Merging the OpenRush server entry into an agent's JSON or TOML config text.

Merging touches only our entry (``openrush``) under the agent's container key. Inside it,
the keys that say how to connect are ours and set exactly (a stale ``headers.Authorization``
or ``command`` goes); anything else the person added there stays. If the merged result
equals what the file already says, the original text is kept byte for byte, so a second
install changes nothing. A text that cannot be parsed, or whose shape is not what the agent
expects, raises `ConfigFileError` and is never rewritten. Pure functions: no file I/O.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from openrush_tui.agents.catalog import SERVER_NAME
from openrush_tui.errors import OpenRushError

# The keys of a server entry that decide how to connect; we own them in our entry.
_CONNECTION_KEYS = frozenset({"type", "url", "serverUrl", "httpUrl", "command", "args",
                              "transport", "bearer_token_env_var"})


class ConfigFileError(OpenRushError):
    """The config file was left untouched; the message says why and what to do."""


def _merged_entry(current: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """Our entry, keeping whatever else the person put in an existing one."""
    if not isinstance(current, dict):
        return dict(entry)
    merged = {k: v for k, v in current.items() if k not in _CONNECTION_KEYS or k in entry}
    merged.update({k: v for k, v in entry.items() if k != "headers"})
    headers = {k: v for k, v in (merged.get("headers") or {}).items()
               if k.lower() != "authorization"} if isinstance(merged.get("headers"), dict) \
        else {}
    headers.update(entry.get("headers", {}))
    if headers:
        merged["headers"] = headers
    else:
        merged.pop("headers", None)
    return merged


def merge_json(text: str | None, container: str, entry: dict[str, Any], shown: str) -> str:
    if text is None or not text.strip():
        doc: Any = {}
    else:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ConfigFileError(
                f"{shown} is not valid JSON ({_json_problem(exc)}); it was left untouched. "
                "Fix it, or add the snippet by hand.") from None
    if not isinstance(doc, dict):
        raise ConfigFileError(f"{shown} does not hold a JSON object; it was left untouched.")
    servers = doc.get(container, {})
    if not isinstance(servers, dict):
        raise ConfigFileError(f"“{container}” in {shown} is not an object; it was left "
                              "untouched.")
    merged = _merged_entry(servers.get(SERVER_NAME), entry)
    if servers.get(SERVER_NAME) == merged and text is not None and container in doc:
        return text  # already there: keep the file byte for byte
    servers = {**servers, SERVER_NAME: merged}
    doc[container] = servers
    indent = _indent_of(text)
    ending = "\n" if text is None or text.endswith("\n") or not text.strip() else ""
    return json.dumps(doc, indent=indent, ensure_ascii=False) + ending


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return "unreadable"


def _indent_of(text: str | None) -> int | str:
    """The file's own indentation, so re-written lines look like their neighbours."""
    for line in (text or "").splitlines()[1:]:
        match = re.match(r"^([ \t]+)\S", line)
        if match:
            return "\t" if match.group(1).startswith("\t") else len(match.group(1))
    return 2


def merge_toml(text: str | None, container: str, entry: dict[str, Any], shown: str) -> str:
    import tomlkit  # only when a TOML file is written
    from tomlkit.items import InlineTable, Table

    source = text or ""
    try:
        before = tomllib.loads(source)  # the strict parser decides validity
        doc = tomlkit.parse(source)
    except Exception as exc:  # tomllib.TOMLDecodeError, or tomlkit's own parse errors
        raise ConfigFileError(f"{shown} is not valid TOML ({exc}); it was left untouched. "
                              "Fix it, or add the snippet by hand.") from None
    servers_now = before.get(container, {})
    if not isinstance(servers_now, dict):
        raise ConfigFileError(f"“{container}” in {shown} is not a table; it was left untouched.")
    merged = _merged_entry(servers_now.get(SERVER_NAME), entry)
    if servers_now.get(SERVER_NAME) == merged and text is not None:
        return text

    if container not in doc:
        doc[container] = tomlkit.table(is_super_table=True)
    servers = doc[container]
    current = servers.get(SERVER_NAME)
    if isinstance(current, Table | InlineTable):
        for key in [k for k in current if k not in merged]:
            del current[key]
        for key, value in merged.items():
            if current.get(key) != value:
                current[key] = value
    else:
        table = tomlkit.inline_table() if isinstance(servers, InlineTable) else tomlkit.table()
        table.update(merged)
        servers[SERVER_NAME] = table
    result = tomlkit.dumps(doc)
    if tomllib.loads(result).get(container, {}).get(SERVER_NAME) != merged:
        raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was left "
                              "untouched. Add the snippet by hand.")
    return result
