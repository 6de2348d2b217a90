"""Signing this terminal in: where a checked key is saved, shared by the Setup page and ``login``.

The keyring first. When there is no usable keyring (`KeyringUnusable`), nothing falls back
silently: `save_key` answers `NeedsChoice` with the reason, the UI asks the person (Setup's
dialog; ``login``'s y/N prompt or ``--insecure-storage``), and `save_as` stores the key as they
chose: in the 0600 file or for this session only. The profile remembers that choice, so the
next sign-in does not ask again (`change_storage`, on Setup, changes it), and a key that was
saved makes it remember the server it was checked with, so it is only ever sent there.

Saving replaces the key saved for the profile (and, in the dashboard, the key in use). When
that is the only copy of another key (`lost_by_signing_in`, modelled on signing out's
`lost_by_signing_out`), nothing is written: `NeedsConsent` names the key and where it is
kept, the UI asks (Setup's yes/no dialog; ``login``'s y/N prompt or ``--yes``), and the save
runs again with the person's consent (`replaces`).

Every function here may block (a keyring waits up to its timeout; files are written), so the
TUI calls them from a thread. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import (
    CredentialStoreError,
    KeyringUnusable,
    StoredKey,
    credentials_path,
    find_saved_key,
    forget,
    kept_elsewhere,
    same_key,
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


# What the person agreed to replace: these keys (each asked about), or any (``login --yes``).
Consent = frozenset[Secret] | Literal["any"]
NO_CONSENT: Consent = frozenset()


@dataclass(frozen=True)
class NeedsConsent:
    """Saving would delete the only copy of another key: nothing was written. Ask, then save
    again with `replaces=consent()` and `choice` (where the new key goes; None: the keyring
    first, as `save_key` does)."""

    lost: tuple[tuple[StoredKey, bool], ...]  # each key, and whether it is the one in use
    choice: StorageChoice | None

    def consent(self, given: Consent = NO_CONSENT) -> Consent:
        """`given` and the keys asked about now: a second question never repeats the first."""
        if given == "any":
            return given
        return given | frozenset(key.secret for key, _ in self.lost)

    def sentences(self) -> list[str]:
        return [what_is_replaced(key, in_use=in_use) for key, in_use in self.lost]


@dataclass(frozen=True)
class SignedIn:
    """Where the key now lives, and what the person should know about it."""

    key: StoredKey
    notes: tuple[str, ...] = ()


def save_key(profile: str, api_url: str, secret: Secret, *, sandbox: bool = False,
             remembered: tuple[StorageChoice, ...] = ("file", "session"),
             in_use: StoredKey | None = None, replaces: Consent = NO_CONSENT,
             ) -> SignedIn | NeedsChoice | NeedsConsent:
    """Save a checked key in the OS keyring; without one, where the profile's earlier choice
    says (if it is one of `remembered`), else say why it cannot be kept (`NeedsChoice`).
    Nothing is written when that would delete the only copy of a key the person has not
    agreed to replace (`NeedsConsent`). `in_use`: the key the dashboard is signed in with."""
    if sandbox:
        # A sandbox key must never land where the real service's key is kept.
        return SignedIn(session_only(secret))
    ask = needs_consent(profile, secret, in_use, replaces, choice=None)
    # Where the key goes decides what it replaces: with no keyring to take it, the path
    # below (the file, or this session only) asks for its own destination.
    if ask is not None and not _keyring_refuses():
        return ask
    try:
        stored = save_to_keyring(profile, secret)
    except KeyringUnusable as exc:
        choice = storage_choice(profile)
        if choice is None or choice not in remembered:
            return NeedsChoice(exc.describe(), display_path(credentials_path()))
        signed_in = save_as(profile, api_url, secret, choice, in_use=in_use, replaces=replaces)
        if isinstance(signed_in, NeedsConsent):
            return signed_in
        return replace(signed_in, notes=(
            *signed_in.notes, f"No usable keyring: the key is kept {KEPT_IN[choice]}, as "
            "chosen before for this profile (Setup's Storage button changes that)."))
    return _remember_server(SignedIn(stored), profile, api_url)


def save_as(profile: str, api_url: str, secret: Secret, choice: StorageChoice, *,
            in_use: StoredKey | None = None, replaces: Consent = NO_CONSENT,
            ) -> SignedIn | NeedsConsent:
    """After `NeedsChoice`: the 0600 file (plain text, as the person agreed) or memory only.
    The profile remembers the choice for the next sign-in. `NeedsConsent` (nothing written)
    when that deletes the only copy of a key not agreed in `replaces`."""
    ask = needs_consent(profile, secret, in_use, replaces, choice=choice)
    if ask is not None:
        return ask
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
        # Moving the key in use is what the person asked for with the Storage button.
        saved = save_as(profile, api_url, in_use.secret, "file", replaces="any")
        assert isinstance(saved, SignedIn)  # noqa: S101 (consent to any: never a question)
        moved = saved
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


def _keyring_refuses() -> bool:
    """Whether the keyring surely takes no key (so a save goes elsewhere); when that cannot
    be told, False: the caller asks rather than risk deleting a key unasked."""
    try:
        return not keyring_store.backend_info().usable
    except Exception:  # a timeout, or a broken backend
        return False


def _only_copy(key: StoredKey, profile: str, secret: Secret) -> bool:
    """Whether replacing or deleting `key` loses it: it is not `secret` (the key being
    saved) and lives nowhere else this tool knows of (`kept_elsewhere`)."""
    return (not same_key(secret, key.secret.reveal())
            and not kept_elsewhere(profile, key.secret))


def lost_by_signing_in(profile: str, secret: Secret, in_use: StoredKey | None = None, *,
                       overwrites_store: bool = True) -> tuple[tuple[StoredKey, bool], ...]:
    """The keys that saving `secret` for `profile` deletes for good, each with whether it is
    the one in use: the key saved for the profile (when the save writes the keyring or the
    file: `overwrites_store`), and a key the dashboard holds for this session only, unless
    it is `secret` itself or is kept elsewhere (``OPENRUSH_KEY``, another profile's entry).

    Signing out's rule (`lost_by_signing_out`), for a save. May block on the keyring
    (bounded): call it from a thread.
    """
    lost: list[tuple[StoredKey, bool]] = []
    if overwrites_store:
        try:
            saved = find_saved_key(profile).key
        except CredentialStoreError:
            # A file that cannot be read safely cannot be written either: the save leaves
            # it as it is (the keyring save skips it; the file save fails and says why).
            saved = None
        if saved is not None and _only_copy(saved, profile, secret):
            lost.append((saved, in_use is not None
                         and same_key(in_use.secret, saved.secret.reveal())))
    if (in_use is not None and in_use.source == "session"
            and _only_copy(in_use, profile, secret)
            and not any(key.secret == in_use.secret for key, _ in lost)):
        lost.append((in_use, True))
    return tuple(lost)


def needs_consent(profile: str, secret: Secret, in_use: StoredKey | None, replaces: Consent,
                  *, choice: StorageChoice | None) -> NeedsConsent | None:
    """The question to ask before saving `secret` where `choice` says (None: the keyring),
    or None when it loses no key the person has not agreed to replace. May block."""
    lost = lost_by_signing_in(profile, secret, in_use, overwrites_store=choice != "session")
    if replaces == "any" or all(key.secret in replaces for key, _ in lost):
        return None
    return NeedsConsent(lost, choice)


def what_is_replaced(key: StoredKey, *, in_use: bool) -> str:
    """The sentence about a key that signing in with another one deletes."""
    which = "The key this terminal is signed in with" if in_use else "The key saved here"
    return (f"{which} ({key.secret.masked()}) is kept in {_kept_in(key)}, the only copy this "
            "tool knows of; signing in with the new key replaces it. OpenRush keeps only a "
            "hash of a key: it cannot be shown again.")


def _kept_in(key: StoredKey) -> str:
    if key.source == "keyring":
        return f"the OS keyring ({key.where})" if key.where else "the OS keyring"
    if key.source == "file":
        return f"the 0600 file {key.where}"
    if key.source == "session":
        return "this session's memory only"
    return key.source_label


def lost_by_signing_out(profile: str, in_use: StoredKey | None) -> tuple[StoredKey, bool] | None:
    """The key signing out deletes for good, and whether it is the one in use; None when
    nothing would be lost (nothing saved, and a key from OPENRUSH_KEY or none in use).

    Signing out removes the key in use (keyring, file or this session's memory) and any
    key saved for the profile. May block on the keyring (bounded): call it from a thread.
    (Unlike `lost_by_signing_in`, a copy in ``OPENRUSH_KEY`` does not spare the question:
    ``logout`` off a terminal needs --yes whenever a key is saved, as its help says.)
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


# Words of a refused key (`errors.KeyRefusal.word`) that mean it can never work again: losing
# its only copy loses nothing, so signing out does not warn about it.
DEAD = ("revoked", "expired")


@dataclass(frozen=True)
class SignOutQuestion:
    """What to ask before the dashboard signs out (Setup's dialog): its title, what is lost,
    and its yes button."""

    title: str
    lost: str
    yes: str


def sign_out_question(profile: str, in_use: StoredKey | None, *,
                      refused: str | None = None) -> SignOutQuestion | None:
    """What the dashboard's sign-out loses, when it loses a key that may still work; None
    when nothing of value is lost, so nothing is asked. `refused`: why the server refused
    the key in use, in a word (``revoked``…), when it did.

    `lost_by_signing_out`'s rule, told as it is now: the key in use may no longer be the one
    saved (another terminal or ``keys rotate`` saved another, which signing out leaves
    there: `credentials.forget(only=…)`), and then only this dashboard's memory holds it.
    A revoked or expired key works nowhere: losing it loses nothing. May block (the keyring,
    bounded): call it from a thread.
    """
    dead = refused in DEAD
    if in_use is None or in_use.source not in ("keyring", "file", "session"):
        lost = lost_by_signing_out(profile, in_use)
        return None if lost is None else deleting_question(lost[0], in_use=lost[1])
    if dead:
        return None
    if in_use.source == "session":
        return deleting_question(in_use, in_use=True)
    found = find_saved_key(profile)
    if found.key is None and found.notes:  # the keyring did not answer: as if it held it
        return deleting_question(in_use, in_use=True)
    if found.key is not None and same_key(in_use.secret, found.key.secret.reveal()):
        return deleting_question(in_use, in_use=True)
    where = "the OS keyring" if in_use.source == "keyring" else f"the file {in_use.where}"
    stays = "" if found.key is None else (
        f" (it holds another key now, {found.key.secret.masked()}, which stays)")
    return SignOutQuestion(
        "Sign out and forget the key?",
        f"The key this terminal is signed in with ({in_use.secret.masked()}) is no longer "
        f"saved in {where}{stays}: this dashboard's memory holds the only copy this tool "
        "knows of, and signing out forgets it. OpenRush keeps only a hash of it: it cannot "
        "be shown again.", "Sign out and forget")


def deleting_question(key: StoredKey, *, in_use: bool = True) -> SignOutQuestion:
    """The question when signing out deletes `key`'s only copy (`what_is_lost`)."""
    return SignOutQuestion("Sign out and delete the key?", what_is_lost(key, in_use=in_use),
                           "Sign out and delete")
