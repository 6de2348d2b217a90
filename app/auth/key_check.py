"""The sign-in check: does the server take a pasted key? Asked before anything is saved.

The sign-in dialog runs it and shows `describe_check_error` under the input, so a refused key
(the usual case: a typo, a revoked key) can be fixed rather than pasted again. No Textual here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from openrush_tui.api.errors import InvalidKeyFormat, SessionRefused, Unauthorized
from openrush_tui.api.safety import is_loopback
from openrush_tui.errors import OpenRushError, key_refusal

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.auth.secret import Secret

API_PAGE = "https://openrush.io/dashboard/api"  # where keys are created, on the web
# Where a key of a sandbox served on this machine comes from: the web page's keys are not its.
SERVED_SANDBOX_KEYS = ("the sandbox's bootstrap key, which `openrush-tui sandbox serve` prints "
                       "as it starts, or a key created on its API access page")


def is_local(api_url: str) -> bool:
    """Whether `api_url` is on this machine (a loopback address, or localhost): a sandbox
    (`sandbox serve`), whose keys come from it rather than from the web page."""
    try:
        host = urlsplit(api_url).hostname or ""
    except ValueError:
        return False
    return is_loopback(host)


async def check_key(client: OpenRushClient, secret: Secret) -> None:
    """Ask the server whether it takes `secret` (the credits call, the smallest there is).

    Through a copy of the app's client that holds the candidate key: the same server and
    the same connection pool. Raises what the client raises (`Unauthorized` for a refusal;
    the copy renews no browser sign-in: `OpenRushClient.with_key`).
    """
    await client.with_key(secret.reveal()).credits()


def describe_check_error(error: BaseException, *, sandbox: bool = False,
                         local: bool = False) -> str:
    """The sentence under the input: a refused key is the usual case and says so plainly.
    `sandbox`: new keys come from its API access page, not from the web; `local`: the server
    is on this machine (`is_local`: `sandbox serve`), whose keys are its own too. A pasted
    session token's refusal is its own (`SessionRefused`: expired or revoked, sign in again)."""
    if isinstance(error, SessionRefused):
        return str(error)
    if isinstance(error, Unauthorized) and error.status_code is not None:
        # The one wording of a refused key (`errors.key_refusal`), then what to do here.
        said = key_refusal(error.detail).sentence
        if local and not sandbox:
            return f"{said} Check it, or use {SERVED_SANDBOX_KEYS}; then try again."
        where = "on API access" if sandbox else f"at {API_PAGE}"
        return f"{said} Check it (or create a new one {where}) and try again."
    if isinstance(error, InvalidKeyFormat):
        return str(error)
    if isinstance(error, OpenRushError):
        return f"The key could not be checked. {error}"
    return f"The key could not be checked (unexpected {type(error).__name__})."
