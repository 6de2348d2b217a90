"""Where the key lives: ``OPENRUSH_KEY`` → the OS keyring → a 0600 file → this session only.

- The environment variable is read-only here; when set it wins, and the UI says so.
- Saving goes to the keyring first. When there is no usable keyring (no backend, a backend
  that discards, a plaintext backend, or one that does not answer in time), nothing falls
  back silently: `KeyringUnusable` says why and the caller lets the person choose between
  the 0600 file (plain text, as ``gh`` warns) and keeping the key for this session only.
- Sign-out removes the key from every place this tool writes one, and says when
  ``OPENRUSH_KEY`` will still sign the next start in.

Keyring calls are bounded by a timeout (see `keyring_store`); the functions here may block
for that long, so the UI calls them from a worker. No Textual imports.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from openrush_tui.auth import keyring_store
from openrush_tui.auth.keyring_store import (
    BackendInfo,
    KeyringTimeout,
    KeyringUnusable,
    resolve_timeout,
)
from openrush_tui.auth.profiles import key_is_for, remembered_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.config import config_dir
from openrush_tui.errors import OpenRushError
from openrush_tui.files.private import (
    PrivateFileError,
    entries,
    leftover_temporaries,
    locked,
    read_private_json,
    remove,
    update_private_json,
)
from openrush_tui.text.paths import display_path

__all__ = [
    "CredentialStoreError",
    "KeyringUnusable",
    "Lookup",
    "SignOutReport",
    "StoredKey",
    "credentials_path",
    "find_key",
    "find_key_for_server",
    "find_saved_key",
    "forget",
    "kept_elsewhere",
    "key_from_environment",
    "load_key",
    "save_to_file",
    "save_to_keyring",
    "session_only",
]

ENV_VAR = "OPENRUSH_KEY"
KeySource = Literal["environment", "keyring", "file", "session", "sandbox", "browser"]


class CredentialStoreError(OpenRushError):
    """The credentials file cannot be used safely; the message says how to fix it."""


@dataclass(frozen=True)
class StoredKey:
    """A key and where it came from. `where` names the keyring backend or the file."""

    secret: Secret
    source: KeySource
    where: str = ""
    plaintext: bool = False  # a keyring backend that keeps keys as plain text

    @property
    def source_label(self) -> str:
        if self.source == "environment":
            return f"the {ENV_VAR} environment variable"
        if self.source == "keyring":
            text = f"the OS keyring ({self.where})" if self.where else "the OS keyring"
            return text + (", which stores it as plain text" if self.plaintext else "")
        if self.source == "file":
            return f"the file {self.where} (plain text, readable only by you)"
        if self.source == "session":
            return "this session only (not saved; gone when the app closes)"
        if self.source == "browser":  # `where`: the browser sign-in's own place (auth.web)
            return f"a sign-in through the browser, kept in {self.where}" if self.where \
                else "a sign-in through the browser"
        return "the sandbox's demo session (in memory only)"

    def as_dict(self) -> dict[str, object]:
        """For ``status --json``: never the key itself, only its masked form."""
        return {"source": self.source, "where": self.where or None,
                "plaintext": self.plaintext or self.source == "file",
                "key": self.secret.masked()}


@dataclass(frozen=True)
class Lookup:
    key: StoredKey | None
    notes: tuple[str, ...] = ()  # things a person should know, e.g. a keyring that timed out


@dataclass
class SignOutReport:
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # a saved copy may remain
    warnings: list[str] = field(default_factory=list)  # removed, but worth knowing
    kept: list[str] = field(default_factory=list)  # another key, saved meanwhile, left alone
    environment_still_set: bool = False

    @property
    def finished(self) -> bool:
        """Nothing stood in the way: no saved copy may remain."""
        return not self.problems

    def summary(self) -> str:
        parts = []
        if self.removed:
            parts.append("Signed out; the key was removed from " + " and ".join(self.removed)
                         + ".")
        elif self.problems:  # "no saved key" would be a guess: a copy may remain
            parts.append("Signing out did not finish.")
        elif self.kept:
            parts.append("Signed out of this terminal.")
        else:
            parts.append("Signed out; no saved key was found.")
        parts.extend(self.problems)
        parts.extend(self.kept)
        parts.extend(self.warnings)
        if self.environment_still_set:
            parts.append(f"{ENV_VAR} is still set in this environment, so this terminal stays "
                         f"signed in through it: openrush-tui commands run here and the "
                         f"dashboard's next start use that key; unset {ENV_VAR} to stay "
                         "signed out.")
        return " ".join(parts)


# ------------------------------------------------------------------ the environment


def key_from_environment() -> StoredKey | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return StoredKey(Secret(value), "environment") if value else None


# ------------------------------------------------------------------ the 0600 file


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def read_file_key(profile: str, *, loose_mode_ok: bool = False) -> str | None:
    return read_profile_entry(credentials_path(), profile, "key", loose_mode_ok=loose_mode_ok)


def _write_file_key(profile: str, value: str | None, *, loose_mode_ok: bool = False) -> bool:
    """Set or (with None) remove `profile`'s key, under the lock; True if the file changed.

    `loose_mode_ok`: when removing, a file others can read is rewritten too (as 0600).
    """
    return write_profile_entry(credentials_path(), profile, "key", value,
                               loose_mode_ok=loose_mode_ok)


def read_profile_entry(path: Path, profile: str, name: str, *,
                       loose_mode_ok: bool = False) -> str | None:
    """`profile`'s `name` in a private file laid out as ``{"profiles": {profile: {name: …}}}``
    (the keys' file, the browser sign-ins' file), or None."""
    try:
        data = read_private_json(path, loose_mode_ok=loose_mode_ok) or {}
        entry = entries(data, path, name).get(profile, {})
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None
    value = entry.get(name, "")
    return value.strip() or None


def write_profile_entry(path: Path, profile: str, name: str, value: str | None, *,
                        loose_mode_ok: bool = False) -> bool:
    """Set or (with None) remove `profile`'s `name` in such a file, under its lock; True if the
    file changed. The last profile removed takes the file with it."""

    def change(data: dict[str, object]) -> bool:
        profiles = entries(data, path, name)
        if value is None:
            if profile not in profiles:
                return False
            del profiles[profile]
            if not profiles:
                data.pop("profiles", None)  # nothing left: the file goes
            return True
        data["profiles"] = {**profiles, profile: {name: value}}
        return True

    try:
        return update_private_json(path, change, loose_mode_ok=loose_mode_ok)
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None


def _remove_leftovers() -> int:
    """Delete temporary copies of the credentials file that a killed write left behind."""
    path = credentials_path()
    try:
        if not path.parent.is_dir():
            return 0
        with locked(path.parent):
            return sum(remove(leftover) for leftover in leftover_temporaries(path))
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None


def _loose_mode(path: Path) -> int | None:
    """The mode of a credentials file that others can read, else None."""
    try:
        info = path.lstat()
    except OSError:
        return None
    mode = info.st_mode & 0o777
    return mode if stat.S_ISREG(info.st_mode) and mode & 0o077 else None


# ------------------------------------------------------------------ finding the key


def find_key(profile: str = "default", *, keyring_timeout: float | None = None) -> Lookup:
    """The key for `profile` from the first place that has one, with notes on what failed."""
    env = key_from_environment()
    if env is not None:
        return Lookup(env)
    return find_saved_key(profile, keyring_timeout=keyring_timeout)


def find_saved_key(profile: str = "default", *, keyring_timeout: float | None = None) -> Lookup:
    """The key this tool saved for `profile` (keyring, then file), whatever the environment
    says: what signing out would delete."""
    wait = resolve_timeout(keyring_timeout)
    notes: list[str] = []
    try:
        value, info = keyring_store.read(profile, wait)
    except KeyringTimeout:
        notes.append(f"The OS keyring did not answer within {wait:g} s, so a key "
                     "saved there could not be read.")
    except Exception as exc:  # a broken third-party backend must not stop the app starting
        notes.append(f"The OS keyring could not be read ({type(exc).__name__}).")
    else:
        if value:
            return Lookup(_keyring_key(value, info), tuple(notes))
    value = read_file_key(profile)
    if value:
        return Lookup(StoredKey(Secret(value), "file", display_path(credentials_path())),
                      tuple(notes))
    return Lookup(None, tuple(notes))


def find_key_for_server(profile: str, api_url: str, *,
                        keyring_timeout: float | None = None) -> Lookup:
    """Like `find_key`, but a saved key is only used for the server its profile signed in to."""
    env = key_from_environment()
    if env is not None:
        return Lookup(env)
    try:
        same_server = key_is_for(profile, api_url)
        remembered = remembered_api_url(profile)
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None
    if same_server:
        return find_key(profile, keyring_timeout=keyring_timeout)
    if remembered is not None:
        return Lookup(None, (f"The key saved for profile “{profile}” is for {remembered}, not "
                             f"{api_url}, so it was not used. Sign in, or use --profile NAME to "
                             "keep one key per server.",))
    found = find_key(profile, keyring_timeout=keyring_timeout)
    if found.key is None:
        return found
    return Lookup(None, (*found.notes, f"The key saved for profile “{profile}” does not say "
                         f"which server it is for, so it was not sent to {api_url}. Sign in "
                         "again for that server (Sign in on Setup, or `openrush-tui login "
                         "--api-url URL`) to use it there."))


def load_key(profile: str = "default", *,
             keyring_timeout: float | None = None) -> StoredKey | None:
    """The key this terminal uses for `profile`, or None. CredentialStoreError if unsafe."""
    return find_key(profile, keyring_timeout=keyring_timeout).key


def kept_elsewhere(profile: str, secret: Secret) -> bool:
    """Whether `secret` lives somewhere this tool does not clear for `profile`: in
    ``OPENRUSH_KEY``, or saved in the credentials file for another profile. Deleting or
    replacing `profile`'s copy then loses nothing. (Other profiles' keyring entries are not
    read: that would be one more bounded keyring wait per profile; such a key is treated as
    the only copy, which asks once too often rather than once too few.)"""
    env = key_from_environment()
    if env is not None and same_key(secret, env.secret.reveal()):
        return True
    path = credentials_path()
    try:
        profiles = entries(read_private_json(path) or {}, path, "key")
    except PrivateFileError:  # unknown: treated as the only copy (the caller asks)
        return False
    return any(name != profile and isinstance(entry.get("key"), str)
               and same_key(secret, entry["key"].strip())
               for name, entry in profiles.items())


def _keyring_key(value: str, info: BackendInfo) -> StoredKey:
    return StoredKey(Secret(value), "keyring", info.name, plaintext=info.kind == "plaintext")


# ------------------------------------------------------------------ saving the key


def save_to_keyring(profile: str, secret: Secret, *,
                    timeout: float | None = None) -> StoredKey:
    """Store in the OS keyring (read back to be sure); KeyringUnusable says why it could not."""
    info = keyring_store.store(profile, secret.reveal(), timeout)
    # A copy in the file from an earlier sign-in would be a plain-text key nobody uses.
    # The key is safe in the keyring; a broken file is reported when it is next read.
    with contextlib.suppress(CredentialStoreError):
        _write_file_key(profile, None)
    return _keyring_key(secret.reveal(), info)


def save_to_file(profile: str, secret: Secret, *,
                 keyring_timeout: float | None = None) -> tuple[StoredKey, list[str]]:
    """Store in the 0600 file; also drop an older keyring copy, which would be read first."""
    _write_file_key(profile, secret.reveal())
    wait = resolve_timeout(keyring_timeout)
    notes: list[str] = []
    try:
        keyring_store.delete(profile, wait)
    except KeyringTimeout:
        notes.append("An older key in the OS keyring could not be checked (no answer in "
                     f"{wait:g} s); if one is there, it is used before the file.")
    except Exception:  # noqa: S110 (no keyring at all is the usual reason to be here)
        pass
    return StoredKey(secret, "file", display_path(credentials_path())), notes


def session_only(secret: Secret) -> StoredKey:
    return StoredKey(secret, "session")


# ------------------------------------------------------------------ signing out


def forget(profile: str = "default", *, only: Secret | None = None,
           keyring_timeout: float | None = None) -> SignOutReport:
    """Remove `profile`'s key from the keyring and the file; never touches the environment.

    With `only`, remove just that key: another terminal may have saved a different key for
    the profile since this one read it, and that key is reported (`kept`), never deleted.
    Everything happens under the config directory's lock, so the store read is the store
    changed.
    """
    report = SignOutReport(environment_still_set=key_from_environment() is not None)
    try:
        with locked(config_dir()):
            _forget_in_keyring(profile, only, resolve_timeout(keyring_timeout), report)
            _forget_in_file(profile, only, report)
    except PrivateFileError as exc:  # the lock: nothing was touched
        report.problems.append(str(exc))
    return report


def same_key(secret: Secret | None, value: str) -> bool:
    """Whether `value` is `secret` (None matches any), compared in constant time."""
    return secret is None or hmac.compare_digest(secret.reveal().encode(), value.encode())


def _kept(report: SignOutReport, value: str, where: str) -> None:
    report.kept.append(f"A different key ({Secret(value).masked()}) is saved in {where} now, "
                       "by another terminal or command: it was left there (sign out again to "
                       "remove it).")


def _forget_in_keyring(profile: str, only: Secret | None, wait: float,
                       report: SignOutReport) -> None:
    try:
        if only is not None:
            value, _ = keyring_store.read(profile, wait)
            if value and not same_key(only, value):
                _kept(report, value, "the OS keyring")
                return
        if keyring_store.delete(profile, wait):
            report.removed.append("the OS keyring")
    except KeyringTimeout:
        report.problems.append(
            f"The OS keyring did not answer within {wait:g} s; if a key is saved "
            f"there, remove it with your keyring tool (service {keyring_store.SERVICE}, "
            f"user {profile}).")
    except Exception as exc:
        report.problems.append(f"The OS keyring could not be cleared ({type(exc).__name__}).")


def _forget_in_file(profile: str, only: Secret | None, report: SignOutReport) -> None:
    path = credentials_path()
    try:
        loose = _loose_mode(path)
        if only is not None:
            value = read_file_key(profile, loose_mode_ok=True)
            if value and not same_key(only, value):
                _kept(report, value, display_path(path))
                return
        if _write_file_key(profile, None, loose_mode_ok=True):
            report.removed.append(display_path(path))
            if loose is not None:
                report.warnings.append(
                    f"The file was readable by other users (mode {loose:04o}), so the key may "
                    "have been copied: revoke it (openrush-tui keys revoke, or API access).")
        leftovers = _remove_leftovers()
        if leftovers:
            report.removed.append(f"{leftovers} temporary cop{'y' if leftovers == 1 else 'ies'} "
                                  "left by an interrupted write")
    except CredentialStoreError as exc:
        report.problems.append(str(exc))
