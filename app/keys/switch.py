"""Moving this terminal's stored credential to a rotated key, in the place the old one was.

A rotation switches the credential before the old key is revoked, so the terminal is never
left holding a dead key. The key goes where the old one was kept: the OS keyring, or the 0600
file (through the sign-in flow's own saving, which also remembers the server). A key from
``OPENRUSH_KEY`` cannot be changed from here: the user is told what to do. A session key (the
dashboard's, in memory) is swapped by the dashboard itself with the `StoredKey` returned.

May block (a keyring waits up to its timeout): call it from a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openrush_tui.auth.credentials import ENV_VAR, StoredKey, session_only
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import NeedsChoice, save_as, save_key
from openrush_tui.errors import OpenRushError

SwitchStatus = Literal["switched", "manual", "failed"]


@dataclass(frozen=True)
class SwitchResult:
    status: SwitchStatus  # manual: the user must act; failed: the old key must stay
    text: str
    key: StoredKey | None = None  # where the new key now lives, when switched


def switch_stored_key(stored: StoredKey, profile: str, api_url: str,
                      new: Secret) -> SwitchResult:
    """Store `new` where `stored` (this terminal's old key) came from."""
    if stored.source == "environment":
        return SwitchResult(
            "manual", f"This terminal's key comes from {ENV_VAR}, which still holds the old "
                      f"key: set {ENV_VAR} to the new key (and update anything else that "
                      "reads it).")
    if stored.source in ("session", "sandbox"):
        return SwitchResult("switched", "This session now uses the new key (not saved).",
                            session_only(new))
    try:
        if stored.source == "file":
            signed_in = save_as(profile, api_url, new, "file")
        else:
            answer = save_key(profile, api_url, new)
            if isinstance(answer, NeedsChoice):
                return SwitchResult("failed", "The new key could not be saved in the OS "
                                              f"keyring ({answer.reason}), so this terminal "
                                              "still signs in with the old key.")
            signed_in = answer
    except (OpenRushError, OSError) as error:
        return SwitchResult("failed", f"The new key could not be saved ({error}), so this "
                                      "terminal still signs in with the old key.")
    return SwitchResult("switched", f"This terminal now signs in with the new key, kept in "
                                    f"{signed_in.key.source_label}.", signed_in.key)
