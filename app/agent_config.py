"""Installing the OpenRush server into an agent's config file, safely.

`plan_install` reads the file and computes the new text and a unified diff; nothing is
written. `apply_install` writes it: only if the file still holds what the plan read, after
copying it to a backup that never overwrites an older backup, atomically (temporary file +
`os.replace`, through symlinks to the real file, keeping its mode).

Merging touches only our entry (``openrush``) under the agent's container key. Inside it,
the keys that say how to connect are ours and set exactly (a stale ``headers.Authorization``
or ``command`` goes); anything else the person added there stays. If the merged result
equals what the file already says, the original text is kept byte for byte, so a second
install changes nothing. A file that cannot be parsed, or whose shape is not what the agent
expects, is never written: `ConfigFileError` says what is wrong.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import secrets
import shutil
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openrush_tui.agents import SERVER_NAME, Agent
from openrush_tui.private_files import display_path

# The keys of a server entry that decide how to connect; we own them in our entry.
_CONNECTION_KEYS = frozenset({"type", "url", "serverUrl", "httpUrl", "command", "args",
                              "transport", "bearer_token_env_var"})


class ConfigFileError(Exception):
    """The config file was left untouched; the message says why and what to do."""


@dataclass(frozen=True)
class InstallPlan:
    agent: Agent
    path: Path
    old_text: str | None  # None: the file does not exist yet
    new_text: str
    key_header: bool

    @property
    def shown_path(self) -> str:
        return display_path(self.path)

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text

    @property
    def creates(self) -> bool:
        return self.old_text is None

    def diff(self) -> str:
        """A unified diff of the change ("" when nothing changes)."""
        if not self.changed:
            return ""
        before = "/dev/null" if self.old_text is None else f"{self.shown_path} (now)"
        lines = difflib.unified_diff((self.old_text or "").splitlines(keepends=True),
                                     self.new_text.splitlines(keepends=True),
                                     fromfile=before, tofile=f"{self.shown_path} (after)")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def backup_path(self) -> Path | None:
        """Where the current file is copied before writing (the first free ``.bak`` name)."""
        if self.old_text is None:
            return None
        target = _real(self.path)
        candidate = target.with_name(target.name + ".bak")
        number = 1
        while candidate.exists():
            number += 1
            candidate = target.with_name(f"{target.name}.bak.{number}")
        return candidate


@dataclass(frozen=True)
class InstallResult:
    plan: InstallPlan
    written: bool
    backup: Path | None

    def summary(self) -> str:
        shown = self.plan.shown_path
        if not self.written:
            return f"{shown} already has this OpenRush entry; nothing was changed."
        if self.backup is None:
            return f"Created {shown} with the OpenRush entry."
        return f"Updated {shown}; the previous version is in {display_path(self.backup)}."


# ------------------------------------------------------------------ planning


def plan_install(agent: Agent, mcp_url: str, *, key_header: bool = False,
                 home: Path | None = None, cwd: Path | None = None) -> InstallPlan:
    """What installing `agent` would change. ConfigFileError if the file must not be touched."""
    if agent.target is None:
        raise ConfigFileError(f"{agent.name} is set up in its own app, not through a file; "
                              "follow the steps shown instead.")
    path = agent.target.path(home, cwd)
    old = _read(path)
    entry = agent.entry(mcp_url, key_header=key_header)
    if agent.target.fmt == "toml":
        new = merge_toml(old, agent.target.container, entry, display_path(path))
    else:
        new = merge_json(old, agent.target.container, entry, display_path(path))
    return InstallPlan(agent, path, old, new, key_header and agent.supports_key_header)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{display_path(path)} is not UTF-8 text; it was left untouched."
                              ) from None
    except OSError as exc:
        raise ConfigFileError(f"Could not read {display_path(path)} ({exc.strerror}).") from None


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


# ------------------------------------------------------------------ writing


def _real(path: Path) -> Path:
    """Through symlinks (dotfile managers link config files): write the file, keep the link."""
    return path.resolve() if path.is_symlink() else path


def apply_install(plan: InstallPlan) -> InstallResult:
    if not plan.changed:
        return InstallResult(plan, written=False, backup=None)
    if _read(plan.path) != plan.old_text:
        raise ConfigFileError(f"{plan.shown_path} changed since the preview; nothing was "
                              "written. Look at the new preview and try again.")
    target = _real(plan.path)
    backup = plan.backup_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if plan.old_text is not None else 0o600
        if backup is not None:
            shutil.copy2(target, backup)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(plan.new_text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)  # the umask may have narrowed it; match the original
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigFileError(f"Could not write {plan.shown_path} ({exc.strerror}); the file "
                              "is unchanged.") from None
    return InstallResult(plan, written=True, backup=backup)
