"""Setup's account flows in plain terms: which save to run, what to ask, what each outcome says.

`auth.signin` decides where a checked key is saved (shared with ``openrush-tui login``); this
adds what the Setup page needs around it: the one call for "save, or save as the person
chose", the question its Storage button asks (with what the profile chose before), and the
sentences said afterwards. The functions that touch the store may block (a keyring waits up
to its timeout; files are written): the page runs them in a thread. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from openrush_tui.auth import signin
from openrush_tui.auth.credentials import StoredKey, credentials_path
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import (
    KEPT_IN,
    NO_CONSENT,
    Consent,
    NeedsChoice,
    NeedsConsent,
    SignedIn,
    StorageChoice,
)
from openrush_tui.text.paths import display_path

NOT_KEPT = "Not signed in: the key was not kept."
# The sandbox stores nothing: signing out of it only forgets the session. Its way back in is
# the sign-in dialog's Demo account (keys from the web are not the sandbox's).
SANDBOX_SIGNED_OUT = ("Signed out of the sandbox's demo account. Press s and choose Demo "
                      "account to sign in again.")


def keep_key(profile: str, api_url: str, secret: Secret, *, sandbox: bool,
             choice: StorageChoice | None = None, in_use: StoredKey | None = None,
             replaces: Consent = NO_CONSENT) -> SignedIn | NeedsChoice | NeedsConsent:
    """Save a checked key: the keyring first (`signin.save_key`), or, once the person has
    answered `NeedsChoice`, where they chose (`signin.save_as`); `NeedsConsent` when that
    would delete the only copy of the key in use or saved (`in_use`: the dashboard's key),
    unless the person agreed (`replaces`). May block."""
    if choice is None:
        return signin.save_key(profile, api_url, secret, sandbox=sandbox, in_use=in_use,
                               replaces=replaces)
    return signin.save_as(profile, api_url, secret, choice, in_use=in_use, replaces=replaces)


def replace_kept_message(ask: NeedsConsent) -> str:
    """After Cancel on the question: nothing changed, and where the old key still is."""
    kept = ", ".join(key.secret.masked() for key, _ in ask.lost)
    return (f"Not signed in with the new key: nothing was replaced, and the key {kept} is "
            "still where it was.")


def signed_in_message(key: StoredKey) -> str:
    return f"Signed in. The key comes from {key.source_label}."


@dataclass(frozen=True)
class StorageQuestion:
    """What the Storage button's dialog says: the profile's choice so far, and the file."""

    title: str
    reason: str
    file_path: str  # the 0600 file a key would be written to, as shown to people


def storage_question(profile: str) -> StorageQuestion:
    """The question, saying what `profile` chose before. Reads the profiles file: may block."""
    current = signin.storage_choice(profile)
    now = (f"Now the key is kept {KEPT_IN[current]}" if current
           else "Nothing is chosen yet (the next sign-in asks)")
    return StorageQuestion(
        title=f"Where profile “{profile}” keeps its key",
        reason=(f"{now}. This applies when there is no usable OS keyring (an OS keyring, when "
                "there is one, is always used first). The key in use moves too."),
        file_path=display_path(credentials_path()))


def storage_changed_message(choice: StorageChoice, moved: SignedIn | None) -> str:
    return (f"Keys of this profile are now kept {KEPT_IN[choice]}"
            + (" when there is no keyring; the key in use moved there." if moved
               else " when there is no keyring."))

