"""The sign-in check: does the server take a pasted key? Asked before anything is saved.

The sign-in dialog runs it and shows `describe_check_error` under the input, so a refused key
(the usual case: a typo, a revoked key) can be fixed rather than pasted again. No Textual here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openrush_tui.api.errors import InvalidKeyFormat, SessionRefused, Unauthorized
from openrush_tui.errors import OpenRushError, key_refusal

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.auth.secret import Secret

API_PAGE = "https://openrush.io/dashboard/api"  # where keys are created, on the web


async def check_key(client: OpenRushClient, secret: Secret) -> None:
    """Ask the server whether it takes `secret` (the credits call, the smallest there is).

    Through a copy of the app's client that holds the candidate key: the same server and
    the same connection pool. Raises what the client raises (`Unauthorized` for a refusal;
    the copy renews no browser sign-in: `OpenRushClient.with_key`).
    """
    await client.with_key(secret.reveal()).credits()


def describe_check_error(error: BaseException, *, sandbox: bool = False) -> str:
    """The sentence under the input: a refused key is the usual case and says so plainly.
    `sandbox`: new keys come from its API access page, not from the web. A pasted session
    token's refusal is its own (`SessionRefused`: expired or revoked, sign in again)."""
    if isinstance(error, SessionRefused):
        return str(error)
    if isinstance(error, Unauthorized) and error.status_code is not None:
        where = "on API access" if sandbox else f"at {API_PAGE}"
        # The one wording of a refused key (`errors.key_refusal`), then what to do here.
        return (f"{key_refusal(error.detail).sentence} Check it (or create a new one {where}) "
                "and try again.")
    if isinstance(error, InvalidKeyFormat):
        return str(error)
    if isinstance(error, OpenRushError):
        return f"The key could not be checked. {error}"
    return f"The key could not be checked (unexpected {type(error).__name__})."
