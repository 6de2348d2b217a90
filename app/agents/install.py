"""Installing the OpenRush server into an agent's config file, safely.

`plan_install` reads the file and computes the new text and a unified diff; nothing is
written. `plan_uninstall` does the same for taking the OpenRush entry out again (only that
entry: the file's other servers and settings stay byte for byte); the rest is shared.
`apply_install` writes either plan. Every file access goes through `openrush_tui.files`:

- Reading never blocks: a FIFO, a device or a folder at the config path is a
  `ConfigFileError` saying so (`files.reading`), never a hang of `agents install` or of the
  dashboard's Setup page (whose exit would wait for the stuck read).
- Read-modify-write holds a lock (`files.locks`, with a timeout), so two installs at once
  (two terminals, the dashboard and a command) never lose an update. The lock file is ours:
  in this tool's config directory, named after a hash of the config's real path
  (`lock_path`), never beside the person's config (a project's ``.vscode/`` would show it to
  git, and a folder others can write to would let them plant it). Under the lock the file is
  read again: it must still hold what the preview showed, and its symlink still point where
  it did, else "changed since the preview; nothing was written". The rename checks once
  more that the file is the version read under the lock (`files.writing.rewrite`), which
  catches an editor that takes no lock of ours.
- The backup is the first free ``.bak`` name, created exclusively and 0600
  (`files.writing.create_exclusive`): never over an older backup, never through a symlink
  planted under a ``.bak`` name. When the write then fails, that backup (ours, made a moment
  ago) is removed, so "nothing was written" stays true.
- The new content goes into our own new temporary file (O_EXCL | O_NOFOLLOW, an
  unpredictable name), which gets the config's mode (`fchmod` of that file only; the
  config itself is never chmodded), and is renamed over the config. A symlinked config
  (dotfile managers link them) is written through to its real file, which is the person's
  own link and is named in the confirmation (`shown_path`); the temporary file and the
  backup sit beside that real file and never follow a link. Folders created for a config
  are 0700 whatever the umask.

A config file may hold other servers' keys and tokens, so the diff shows them masked, and
unsafe characters in it as escapes (`text.safe`).

How the entry is merged into the file's text is `merge`'s business; a file that cannot be
parsed, or whose shape is not what the agent expects, is never written: `ConfigFileError`
says what is wrong. The Setup page and ``agents install`` both run this plan → diff →
confirm → apply sequence, and its decisions are made here, once: an agent set up in its own
app has no plan (`NoConfigFile`), the diff and the question only when the plan `changed`,
nothing written when it did not or on a dry run, and the closing sentence
(`InstallResult.summary`). Each side keeps only its way of showing and asking.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from openrush_tui.agents.catalog import Agent, removal_steps
from openrush_tui.agents.merge import (
    ConfigFileError,
    merge_json,
    merge_toml,
    remove_json,
    remove_toml,
)
from openrush_tui.config import config_dir
from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.locks import LOCK_TIMEOUT, locked
from openrush_tui.files.reading import NotRegularFile, Stamp, read_bytes, read_text
from openrush_tui.files.writing import (
    FileChanged,
    FileExists,
    create_exclusive,
    ensure_private_dir,
    make_dirs,
    remove,
    rewrite,
    write_file,
)
from openrush_tui.text.paths import display_path
from openrush_tui.text.safe import redact_secrets, visible

LOCKS_FOLDER = "agent-config-locks"  # in this tool's config directory (`lock_path`)
# Agents that read their JSON with comments and trailing commas (JSONC): VS Code's mcp.json,
# Gemini CLI's settings.json. Their files are edited keeping the comments; the others' files
# must be strict JSON, as those agents read them.
COMMENTED_JSON = frozenset({"vscode", "gemini"})


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
        new = merge_json(old, agent.target.container, entry, shown,
                         comments=agent.id in COMMENTED_JSON)
    return InstallPlan(agent, path, old, new, key_header and agent.supports_key_header,
                       _real(path))


def plan_uninstall(agent: Agent, *, home: Path | None = None,
                   cwd: Path | None = None) -> InstallPlan:
    """What taking the OpenRush entry out of `agent`'s config file would change (nothing,
    when the file or the entry is not there). ConfigFileError if the file must not be
    touched."""
    if agent.target is None:
        steps = removal_steps(agent)
        how = f" (for {agent.name}: {steps.snippet})" if steps else ""
        raise NoConfigFile(f"{agent.name} is not set up through a file this tool writes; "
                           f"remove the OpenRush server where it was added{how}.")
    path = agent.target.path(home, cwd)
    old = _read(path)
    shown = visible(display_path(path))
    if agent.target.fmt == "toml":
        new = remove_toml(old, agent.target.container, shown)
    else:
        new = remove_json(old, agent.target.container, shown,
                          comments=agent.id in COMMENTED_JSON)
    return InstallPlan(agent, path, old, (old or "") if new is None else new, False,
                       _real(path), removes=True)


def _read(path: Path) -> str | None:
    """The text of the config at `path` (through the person's symlink), None when absent;
    a FIFO, a device, a folder, text that is not UTF-8 or an unreadable file is a
    ConfigFileError that says so (never a read that waits)."""
    try:
        return read_text(path)[0]  # CRLF stays CRLF
    except FileNotFoundError:
        return None
    except LocalFileError as exc:
        raise ConfigFileError(visible(str(exc))) from None


# ------------------------------------------------------------------ writing


def _link_path(path: Path) -> str:
    """`path` as a person reads it, itself rather than where it points if it is a link."""
    return f"{display_path(path.parent).rstrip('/')}/{path.name}"


def _real(path: Path) -> Path:
    """Through symlinks (dotfile managers link config files): write the file, keep the link.
    ConfigFileError for a link that cannot be followed (a loop)."""
    try:
        return path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        raise ConfigFileError(f"{visible(_link_path(path))} is a symbolic link that cannot be "
                              "followed (a loop?); it was left untouched.") from None


def _backup_names(target: Path) -> Iterator[Path]:
    yield target.with_name(target.name + ".bak")
    for number in count(2):
        yield target.with_name(f"{target.name}.bak.{number}")


def _write_backup(target: Path, content: bytes) -> Path:
    """Copy `content` (the file as read under the lock) to the first free backup name,
    created exclusively: a name taken by anything, a (dangling) symlink included, is skipped,
    so nothing is written through a link and no older backup is overwritten. 0600: the copy
    may hold keys, whatever the original's mode."""
    for candidate in _backup_names(target):
        if not os.path.lexists(candidate) and create_exclusive(candidate, content):
            return candidate
    raise AssertionError("unreachable: the backup names never run out")


def lock_path(real_path: Path) -> Path:
    """The lock for read-modify-write of the config at `real_path`: a file of ours, in this
    tool's config directory (0700), named after a hash of the real path, so every way of
    reaching the file (its symlinks) shares one lock, and the person's folder gets no file
    of ours (see the module's docstring)."""
    digest = hashlib.sha256(os.fsencode(real_path)).hexdigest()[:32]
    return config_dir() / LOCKS_FOLDER / f"{digest}.lock"


def _changed(plan: InstallPlan) -> ConfigFileError:
    return ConfigFileError(f"{plan.shown_path} changed since the preview; nothing was "
                           "written. Look at the new preview and try again.")


def apply_install(plan: InstallPlan, *, dry_run: bool = False) -> InstallResult:
    """Write the plan (unless nothing changes, or on a dry run); ConfigFileError if it cannot,
    the file then as it was."""
    if not plan.changed or dry_run:
        return InstallResult(plan, written=False, backup=None, dry_run=dry_run)
    try:
        lock = lock_path(plan.real_path)
        ensure_private_dir(lock.parent.parent)
        ensure_private_dir(lock.parent)
        with locked(lock, timeout=LOCK_TIMEOUT):
            return _apply_locked(plan)
    except FileChanged:
        raise _changed(plan) from None
    except LocalFileError as exc:
        raise ConfigFileError(f"{plan.shown_path} was not written: {visible(str(exc))}") \
            from None


def _read_under_lock(target: Path) -> tuple[bytes | None, Stamp | None]:
    """The real file as it is now (not following a link: the plan resolved them)."""
    try:
        return read_bytes(target, follow_symlinks=False)
    except FileNotFoundError:
        return None, None


def _apply_locked(plan: InstallPlan) -> InstallResult:
    target = plan.real_path
    try:
        content, stamp = _read_under_lock(target)
    except NotRegularFile:  # a symlink, a FIFO… where the preview read a file
        raise _changed(plan) from None
    expected = None if plan.old_text is None else plan.old_text.encode("utf-8")
    try:
        moved = _real(plan.path) != target
    except ConfigFileError:
        moved = True
    if moved or content != expected:
        raise _changed(plan)
    make_dirs(target.parent)  # 0700 for any folder it creates; existing ones untouched
    if content is None or stamp is None:
        try:  # never over a file that appeared meanwhile: decided at the rename
            write_file(target, plan.new_text, overwrite=False)
        except FileExists:
            raise _changed(plan) from None
        return InstallResult(plan, written=True, backup=None)
    backup = _write_backup(target, content)
    try:
        rewrite(target, plan.new_text, expect=stamp)
    except BaseException:
        with contextlib.suppress(LocalFileError):
            remove(backup)  # ours, made a moment ago, of a version that stays
        raise
    return InstallResult(plan, written=True, backup=backup)
