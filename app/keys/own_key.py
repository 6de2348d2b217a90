"""The key this terminal is signed in with, among those listed: which one it is (warned about
before a revoke or a rotation), and signing out once it is revoked (no request works after).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from openrush_tui.errors import OpenRushError
from openrush_tui.keys.revoke import own_key_id

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.session import Session

SIGNED_OUT = ("This terminal was signed in with the key you revoked, so it is now signed out. "
              "Sign in with another key.")


def signed_in_key_id(stored: StoredKey | None, keys: Iterable[ApiCredential]) -> str | None:
    """Which of `keys` is `stored`, the key this terminal (a session, or a command's target)
    is signed in with, by its display prefix; None when it is none of them, or a session
    token (not a key)."""
    if stored is None or stored.secret.is_session_token:
        return None
    return own_key_id(keys, stored.secret.reveal())


async def sign_out_after_revoke(session: Session) -> str:
    """The session's own key was revoked: forget it (in memory, and where this tool saved it).
    Returns what to tell the user, including a saved copy that could not be removed."""
    message = SIGNED_OUT
    try:
        report = await session.sign_out()
    except OpenRushError as error:
        message += f" The saved copy could not be removed: {error}"
    else:
        if report is not None:
            message += " " + report.summary()
    return message
