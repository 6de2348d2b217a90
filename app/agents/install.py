"""Installing the OpenRush server into an agent's config file, safely.

`plan_install` reads the file and computes the new text and a unified diff; nothing is
written. `plan_uninstall` does the same for taking the OpenRush entry out again (only that
entry: the file's other servers and settings stay byte for byte); the rest is shared.
`apply_install` writes either plan: only if the file still holds what the plan read (and a
symlinked config still points where it did), after copying it to a backup that never
overwrites an older backup, atomically (temporary file + `os.replace`, through symlinks to
the real file, keeping its mode).

A config file may hold other servers' keys and tokens, so: the diff shows them masked, and
unsafe characters in it as escapes (`text.safe`); a backup is created 0600 with O_EXCL, so
it is never written through a symlink planted under a ``.bak`` name; directories created
for a config are 0700 whatever the umask; and a symlinked config names the real file it
writes to (`shown_path`), which is what the person confirms.

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
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from openrush_tui.agents.catalog import SERVER_NAME, Agent
from openrush_tui.agents.merge import (
    ConfigFileError,
    merge_json,
    merge_toml,
    remove_json,
    remove_toml,
)
from openrush_tui.text.paths import display_path
from openrush_tui.text.safe import redact_secrets, visible


class NoConfigFile(ConfigFileError):
    """The agent is set up in its own app or with a command, not through a config file."""


@dataclass(frozen=True)
class InstallPlan:
    agent: Agent
    path: Path
    old_text: str | None  # None: the file does not exist yet
    new_text: str
    key_header: bool
    real_path: Path  # the file written: `path`, or where `path` (a symlink) points
    removes: bool = False  # takes the OpenRush entry out (`plan_uninstall`)

    @property
    def shown_path(self) -> str:
        """The file as the agent names it, and the real file when that is a symlink."""
        shown = visible(_link_path(self.path))
        if self.real_path != self.path:
            shown += f" → {visible(display_path(self.real_path))} (a symlink)"
        return shown

    @property
    def changed(self) -> bool:
        return self.new_text != (self.old_text or "")  # no file, nothing to write: no change

    @property
    def creates(self) -> bool:
        return self.old_text is None

    def diff(self) -> str:
        """A unified diff of the change ("" when nothing changes), as it may be shown: other
        entries' keys and tokens masked, unsafe characters as escapes."""
        if not self.changed:
            return ""
        shown = display_path(self.real_path)
        before = "/dev/null" if self.old_text is None else f"{shown} (now)"
        lines = difflib.unified_diff((self.old_text or "").splitlines(),
                                     self.new_text.splitlines(),
                                     fromfile=before, tofile=f"{shown} (after)", lineterm="")
        return "".join(visible(redact_secrets(line)) + "\n" for line in lines)

    def backup_path(self) -> Path | None:
        """Where the current file will be copied before writing: the first free ``.bak``
        name (a name taken by anything, a symlink included, is never used)."""
        if self.old_text is None:
            return None
        return next(name for name in _backup_names(self.real_path) if not os.path.lexists(name))


@dataclass(frozen=True)
class InstallResult:
    plan: InstallPlan
    written: bool
    backup: Path | None
    dry_run: bool = False

    def summary(self) -> str:
        shown = self.plan.shown_path
        if not self.plan.changed:
            if self.plan.removes:
                return f"{shown} has no OpenRush entry; nothing to change."
            return f"{shown} already has this OpenRush entry; nothing to change."
        if self.dry_run:
            return f"(dry run: {shown} was not changed)"
        if self.backup is None:
            return f"Created {shown} with the OpenRush entry."
        done = "Removed the OpenRush entry from" if self.plan.removes else "Updated"
        return (f"{done} {shown}; the previous version is in "
                f"{visible(display_path(self.backup))}.")


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
    shown = visible(display_path(path))
    if agent.target.fmt == "toml":
        new = merge_toml(old, agent.target.container, entry, shown)
    else:
        new = merge_json(old, agent.target.container, entry, shown)
    return InstallPlan(agent, path, old, new, key_header and agent.supports_key_header,
                       _real(path))


def plan_uninstall(agent: Agent, *, home: Path | None = None,
                   cwd: Path | None = None) -> InstallPlan:
    """What taking the OpenRush entry out of `agent`'s config file would change (nothing,
    when the file or the entry is not there). ConfigFileError if the file must not be
    touched."""
    if agent.target is None:
        how = (f" (for {agent.name}: claude mcp remove {SERVER_NAME})"
               if agent.id == "claude-code" else "")
        raise NoConfigFile(f"{agent.name} is not set up through a file this tool writes; "
                           f"remove the OpenRush server where it was added{how}.")
    path = agent.target.path(home, cwd)
    old = _read(path)
    shown = visible(display_path(path))
    remove = remove_toml if agent.target.fmt == "toml" else remove_json
    new = remove(old, agent.target.container, shown)
    return InstallPlan(agent, path, old, (old or "") if new is None else new, False,
                       _real(path), removes=True)


def _read(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as handle:  # CRLF stays CRLF
            return handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{visible(display_path(path))} is not UTF-8 text; it was left "
                              "untouched.") from None
    except OSError as exc:
        raise ConfigFileError(f"Could not read {visible(display_path(path))} "
                              f"({exc.strerror}).") from None


# ------------------------------------------------------------------ writing


def _link_path(path: Path) -> str:
    """`path` as a person reads it, itself rather than where it points if it is a link."""
    return f"{display_path(path.parent).rstrip('/')}/{path.name}"


def _real(path: Path) -> Path:
    """Through symlinks (dotfile managers link config files): write the file, keep the link."""
    return path.resolve() if path.is_symlink() else path


def _backup_names(target: Path) -> Iterator[Path]:
    yield target.with_name(target.name + ".bak")
    for number in count(2):
        yield target.with_name(f"{target.name}.bak.{number}")


def _write_backup(target: Path) -> Path:
    """Copy `target` to the first free backup name, created 0600 and exclusively: O_EXCL
    fails on any existing name, a (dangling) symlink included, so nothing is written through
    a link. The copy may hold keys, so it is private whatever the original's mode."""
    content = target.read_bytes()
    for candidate in _backup_names(target):
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                 | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # a umask like 0o277 would narrow it further
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        return candidate
    raise AssertionError("unreachable: the backup names never run out")


def _make_private_dirs(directory: Path) -> None:
    """Create `directory` and its missing parents 0700, whatever the umask (an agent's
    config directory can hold keys); directories that exist are left as they are."""
    missing = []
    while not os.path.lexists(directory):
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        os.mkdir(created, 0o700)
        os.chmod(created, 0o700)


def apply_install(plan: InstallPlan, *, dry_run: bool = False) -> InstallResult:
    """Write the plan (unless nothing changes, or on a dry run); ConfigFileError if it cannot."""
    if not plan.changed or dry_run:
        return InstallResult(plan, written=False, backup=None, dry_run=dry_run)
    if _read(plan.path) != plan.old_text or _real(plan.path) != plan.real_path:
        raise ConfigFileError(f"{plan.shown_path} changed since the preview; nothing was "
                              "written. Look at the new preview and try again.")
    target = plan.real_path
    backup = None
    try:
        _make_private_dirs(target.parent)
        mode = stat.S_IMODE(target.stat().st_mode) if plan.old_text is not None else 0o600
        if plan.old_text is not None:
            backup = _write_backup(target)
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
