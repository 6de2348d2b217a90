"""Installing the OpenRush server into an agent's config file, safely.

`plan_install` reads the file and computes the new text and a unified diff; nothing is
written. `apply_install` writes it: only if the file still holds what the plan read, after
copying it to a backup that never overwrites an older backup, atomically (temporary file +
`os.replace`, through symlinks to the real file, keeping its mode).

How the entry is merged into the file's text is `merge`'s business; a file that cannot be
parsed, or whose shape is not what the agent expects, is never written: `ConfigFileError`
says what is wrong. The Setup page and ``agents install`` both run this plan → diff →
confirm → apply sequence, and its decisions are made here, once: an agent set up in its own
app has no plan (`NoConfigFile`), the diff and the question only when the plan `changed`,
nothing written when it did not or on a dry run, and the closing sentence
(`InstallResult.summary`). Each side keeps only its way of showing and asking.
"""

from __future__ import annotations

import difflib
import os
import secrets
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from openrush_tui.agents.catalog import Agent
from openrush_tui.agents.merge import ConfigFileError, merge_json, merge_toml
from openrush_tui.text.paths import display_path


class NoConfigFile(ConfigFileError):
    """The agent is set up in its own app or with a command, not through a config file."""


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
    dry_run: bool = False

    def summary(self) -> str:
        shown = self.plan.shown_path
        if not self.plan.changed:
            return f"{shown} already has this OpenRush entry; nothing to change."
        if self.dry_run:
            return f"(dry run: {shown} was not changed)"
        if self.backup is None:
            return f"Created {shown} with the OpenRush entry."
        return f"Updated {shown}; the previous version is in {display_path(self.backup)}."


# ------------------------------------------------------------------ planning


def plan_install(agent: Agent, mcp_url: str, *, key_header: bool = False,
                 home: Path | None = None, cwd: Path | None = None) -> InstallPlan:
    """What installing `agent` would change. ConfigFileError if the file must not be touched."""
    if agent.target is None:
        raise NoConfigFile(f"{agent.name} is set up in its own app, not through a file; "
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
        with path.open(encoding="utf-8", newline="") as handle:  # CRLF stays CRLF
            return handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{display_path(path)} is not UTF-8 text; it was left untouched."
                              ) from None
    except OSError as exc:
        raise ConfigFileError(f"Could not read {display_path(path)} ({exc.strerror}).") from None


# ------------------------------------------------------------------ writing


def _real(path: Path) -> Path:
    """Through symlinks (dotfile managers link config files): write the file, keep the link."""
    return path.resolve() if path.is_symlink() else path


def apply_install(plan: InstallPlan, *, dry_run: bool = False) -> InstallResult:
    """Write the plan (unless nothing changes, or on a dry run); ConfigFileError if it cannot."""
    if not plan.changed or dry_run:
        return InstallResult(plan, written=False, backup=None, dry_run=dry_run)
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
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
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
