"""Moving this terminal's stored credential to a rotated key, in the place the old one was:
the one home of that flow, for `keys rotate` and API access's rotation (`switcher`).

A rotation switches the credential before the old key is revoked, so the terminal is never
left holding a dead key. The key goes where the old one was kept: the OS keyring, or the 0600
file (through the sign-in flow's own saving, which also remembers the server). A key from
``OPENRUSH_KEY`` cannot be changed from here: the user is told what to do. A program that goes
on running (the dashboard) also adopts the new key for its own requests (`switcher`'s
`adopt`), even one from ``OPENRUSH_KEY``, in memory.

`switch_stored_key` may block (a keyring waits up to its timeout); `switcher`'s function runs
it in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from openrush_tui.auth.credentials import ENV_VAR, StoredKey, session_only
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import NeedsChoice, NeedsConsent, SignedIn, save_as, save_key
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
    # Replacing the old key is the rotation's point; another key saved meanwhile is not.
    rotated = frozenset({stored.secret})
    answer: SignedIn | NeedsChoice | NeedsConsent
    try:
        if stored.source == "file":
            answer = save_as(profile, api_url, new, "file", replaces=rotated)
        else:
            answer = save_key(profile, api_url, new, replaces=rotated)
        if isinstance(answer, NeedsConsent):
            other = ", ".join(key.secret.masked() for key, _ in answer.lost)
            return SwitchResult("failed", f"Another key ({other}) is saved for this profile "
                                          "now (by another terminal or command), so the new "
                                          "key was not saved over it; this terminal still "
                                          "signs in with the old key.")
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


Switcher = Callable[[Secret], Awaitable[SwitchResult]]  # what a `Rotation` calls
Adopt = Callable[[StoredKey], Awaitable[object]]  # e.g. `Session.use_key`


def switcher(stored: StoredKey | None, profile: str, api_url: str, *,
             adopt: Adopt | None = None) -> Switcher:
    """The switch a rotation of this terminal's own key calls once the replacement exists,
    for both faces: `stored` (the key the terminal signs in with; None: none is known) moves
    to the new key where it was kept, in a thread. With `adopt`, the running program then
    signs in with the new key: where it was stored, or in memory when it comes from
    OPENRUSH_KEY (the program goes on working once the old key is revoked)."""

    async def switch(new: Secret) -> SwitchResult:
        if stored is None:
            return SwitchResult("manual", "Sign this terminal in with the new key.")
        result = await asyncio.to_thread(switch_stored_key, stored, profile, api_url, new)
        if adopt is None:
            return result
        if result.status == "switched" and result.key is not None:
            await adopt(result.key)
        elif result.status == "manual" and stored.source == "environment":
            await adopt(session_only(new))
            result = SwitchResult("manual", f"{result.text} Until it closes, this dashboard "
                                            "uses the new key (in memory only).")
        return result

    return switch
