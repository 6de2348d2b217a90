"""Signing this terminal in: where a checked key is saved, shared by the Setup page and ``login``.

The keyring first. When there is no usable keyring (`KeyringUnusable`), nothing falls back
silently: `save_key` answers `NeedsChoice` with the reason, the UI asks the person (Setup's
dialog; ``login``'s y/N prompt or ``--insecure-storage``), and `save_as` stores the key as they
chose: in the 0600 file or for this session only. A key that was saved makes its profile
remember the server it was checked with, so it is only ever sent there.

Every function here may block (a keyring waits up to its timeout; files are written), so the
TUI calls them from a thread. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from openrush_tui.auth.credentials import (
    KeyringUnusable,
    StoredKey,
    credentials_path,
    save_to_file,
    save_to_keyring,
    session_only,
)
from openrush_tui.auth.private_files import PrivateFileError
from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.text.paths import display_path

StorageChoice = Literal["file", "session"]


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


def save_key(profile: str, api_url: str, secret: Secret, *,
             sandbox: bool = False) -> SignedIn | NeedsChoice:
    """Save a checked key in the OS keyring, or say why it cannot be kept there."""
    if sandbox:
        # A sandbox key must never land where the real service's key is kept.
        return SignedIn(session_only(secret))
    try:
        stored = save_to_keyring(profile, secret)
    except KeyringUnusable as exc:
        return NeedsChoice(exc.describe(), display_path(credentials_path()))
    return _remember_server(SignedIn(stored), profile, api_url)


def save_as(profile: str, api_url: str, secret: Secret, choice: StorageChoice) -> SignedIn:
    """After `NeedsChoice`: the 0600 file (plain text, as the person agreed) or memory only."""
    if choice == "session":
        return SignedIn(session_only(secret))
    stored, notes = save_to_file(profile, secret)
    return _remember_server(SignedIn(stored, tuple(notes)), profile, api_url)


def _remember_server(signed_in: SignedIn, profile: str, api_url: str) -> SignedIn:
    # The profile remembers its server, so the saved key is only ever sent there. The key is
    # saved already: a profiles file that cannot be written is a note, not a failed sign-in.
    try:
        remember_api_url(profile, api_url)
    except (PrivateFileError, OSError) as exc:
        return replace(signed_in, notes=(
            *signed_in.notes, f"The server URL was not remembered ({exc}); until it is, the "
            "saved key is not sent anywhere: fix that and sign in again."))
    return signed_in
