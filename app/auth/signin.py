"""Signing this terminal in: where a checked key is saved, shared by the Setup page and ``login``.

The keyring first. When there is no usable keyring (`KeyringUnusable`), nothing falls back
silently: `save_key` answers `NeedsChoice` with the reason, the UI asks the person (Setup's
dialog; ``login``'s y/N prompt or ``--insecure-storage``), and `save_as` stores the key as they
chose: in the 0600 file or for this session only. The profile remembers that choice, so the
next sign-in does not ask again (`change_storage`, on Setup, changes it), and a key that was
saved makes it remember the server it was checked with, so it is only ever sent there.

Every function here may block (a keyring waits up to its timeout; files are written), so the
TUI calls them from a thread. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from openrush_tui.auth.credentials import (
    KeyringUnusable,
    StoredKey,
    credentials_path,
    find_saved_key,
    forget,
    save_to_file,
    save_to_keyring,
    session_only,
)
from openrush_tui.auth.profiles import remember_api_url, remember_storage, remembered_storage
from openrush_tui.auth.secret import Secret
from openrush_tui.files.private import PrivateFileError
from openrush_tui.text.paths import display_path

StorageChoice = Literal["file", "session"]
KEPT_IN = {"file": "in the credentials file", "session": "for this session only"}


@dataclass(frozen=True)
class NeedsChoice:
    """The keyring cannot keep the key: the person chooses where it goes (`save_as`)."""

    reason: str  # why, in one plain sentence (`KeyringUnusable.describe`)
    file_path: str  # the 0600 file the key would be written to, as shown to people


@dataclass(frozen=True)
class SignedIn:
    """Where the key now lives, and what the person should know about it."""

    key: StoredKey
    notes: tuple[str, ...] = ()


def save_key(profile: str, api_url: str, secret: Secret, *, sandbox: bool = False,
             remembered: tuple[StorageChoice, ...] = ("file", "session"),
             ) -> SignedIn | NeedsChoice:
    """Save a checked key in the OS keyring; without one, where the profile's earlier choice
    says (if it is one of `remembered`), else say why it cannot be kept (`NeedsChoice`)."""
    if sandbox:
        # A sandbox key must never land where the real service's key is kept.
        return SignedIn(session_only(secret))
    try:
        stored = save_to_keyring(profile, secret)
    except KeyringUnusable as exc:
        choice = storage_choice(profile)
        if choice is None or choice not in remembered:
            return NeedsChoice(exc.describe(), display_path(credentials_path()))
        signed_in = save_as(profile, api_url, secret, choice)
        return replace(signed_in, notes=(
            *signed_in.notes, f"No usable keyring: the key is kept {KEPT_IN[choice]}, as "
            "chosen before for this profile (Setup's Storage button changes that)."))
    return _remember_server(SignedIn(stored), profile, api_url)


def save_as(profile: str, api_url: str, secret: Secret, choice: StorageChoice) -> SignedIn:
    """After `NeedsChoice`: the 0600 file (plain text, as the person agreed) or memory only.
    The profile remembers the choice for the next sign-in."""
    if choice == "session":
        signed_in = SignedIn(session_only(secret))
    else:
        stored, notes = save_to_file(profile, secret)
        signed_in = _remember_server(SignedIn(stored, tuple(notes)), profile, api_url)
    return _remember_choice(signed_in, profile, choice)


def storage_choice(profile: str) -> StorageChoice | None:
    """What the profile chose before (None: never asked, or the profiles file is unusable)."""
    try:
        choice = remembered_storage(profile)
    except (PrivateFileError, OSError):
        return None
    return "file" if choice == "file" else "session" if choice == "session" else None


def change_storage(profile: str, api_url: str, in_use: StoredKey | None,
                   choice: StorageChoice) -> SignedIn | None:
    """Setup's Storage button: remember `choice`, and move the key in use there (from memory
    to the file, or out of the file into memory). None when no key had to move."""
    moved: SignedIn | None = None
    if in_use is not None and in_use.source == "session" and choice == "file":
        moved = save_as(profile, api_url, in_use.secret, "file")
    elif in_use is not None and in_use.source == "file" and choice == "session":
        report = forget(profile, only=in_use.secret)
        moved = SignedIn(session_only(in_use.secret), (*report.problems, *report.kept))
    remember_storage(profile, choice)
    return moved


def _remember_choice(signed_in: SignedIn, profile: str, choice: StorageChoice) -> SignedIn:
    return _noted(signed_in, "The choice", lambda: remember_storage(profile, choice))


def _remember_server(signed_in: SignedIn, profile: str, api_url: str) -> SignedIn:
    # The profile remembers its server, so the saved key is only ever sent there.
    return _noted(signed_in, "The server URL", lambda: remember_api_url(profile, api_url),
                  then="; until it is, the saved key is not sent anywhere: fix that and sign "
                       "in again")


def _noted(signed_in: SignedIn, what: str, remember: Callable[[], None], *,
           then: str = "") -> SignedIn:
    # The key is saved already: a profiles file that cannot be written is a note, not a
    # failed sign-in.
    try:
        remember()
    except (PrivateFileError, OSError) as exc:
        return replace(signed_in, notes=(*signed_in.notes,
                                         f"{what} was not remembered ({exc}){then}."))
    return signed_in


def lost_by_signing_out(profile: str, in_use: StoredKey | None) -> tuple[StoredKey, bool] | None:
    """The key signing out deletes for good, and whether it is the one in use; None when
    nothing would be lost (nothing saved, and a key from OPENRUSH_KEY or none in use).

    Signing out removes the key in use (keyring, file or this session's memory) and any
    key saved for the profile. May block on the keyring (bounded): call it from a thread.
    """
    if in_use is not None and in_use.source in ("keyring", "file", "session"):
        return in_use, True
    saved = find_saved_key(profile).key
    return None if saved is None else (saved, False)


def what_is_lost(key: StoredKey, *, in_use: bool) -> str:
    """The sentence about the copy that signing out deletes."""
    where = {"keyring": "the OS keyring", "file": f"the file {key.where}",
             "session": "this session's memory"}.get(key.source, key.source_label)
    which = "The key this terminal is signed in with" if in_use else "The key saved here"
    return (f"{which} ({key.secret.masked()}) is deleted from {where}, the only copy this "
            "tool knows of. OpenRush keeps only a hash of it: it cannot be shown again.")
