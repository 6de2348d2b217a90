"""What "This terminal" shows, for the Setup screen and `openrush-tui status` alike.

One model and one check, so the screen and the command line can never disagree about
whether this terminal is signed in, to which server, with a key from where.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from openrush_tui.api.errors import SESSION_REFUSED, SessionRefused, Unauthorized
from openrush_tui.auth.credentials import StoredKey, find_saved_key, same_key
from openrush_tui.auth.profiles import key_is_for
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import shifted, system_clock
from openrush_tui.errors import KeyRefusal, OpenRushError, key_refusal
from openrush_tui.files import strict_json
from openrush_tui.files.private import PrivateFileError
from openrush_tui.text.money import credits_and_dollars
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential

NO_KEYS = "unknown (the account has no keys)"
NOT_LISTED = "shown once API access has listed the keys"


@dataclass(frozen=True)
class Account:
    balance: int
    account_id: str | None
    # False when the id was not looked for: the dashboard never lists every key to learn it.
    looked_up: bool = True
    # When a check that found the same account again ran (Setup's r): said on its line, so
    # that a test that changed nothing still shows it ran.
    retested_at: datetime | None = None


@dataclass(frozen=True)
class TerminalStatus:
    server: str  # "OpenRush", "sandbox (in-process)", "local server http://…"
    api_url: str
    mcp_url: str
    profile: str
    key: StoredKey | None
    account: Account | None = None
    error: str | None = None  # why the connection check failed
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Set when the server refused the key (401): "revoked", "expired", "invalid", "refused".
    rejected: str | None = None
    # The instant "expired" is judged at (a pasted session token's end); None: the system's.
    now: datetime | None = None

    @property
    def signed_in(self) -> bool:
        """A key is configured (it may still be one the server rejects: see `rejected`)."""
        return self.key is not None

    @property
    def key_state(self) -> str:
        """``none``, ``unchecked`` (no answer yet, or a network error), ``accepted`` or
        ``rejected``: what the server made of the key."""
        if self.key is None:
            return "none"
        if self.rejected is not None:
            return "rejected"
        return "accepted" if self.account is not None else "unchecked"

    def status_line(self) -> str:
        """The "Status" row: signed in or not, and whether the server takes the key."""
        if self.key is None:
            return "not signed in"
        if self.rejected is not None:
            what = "a session token" if self.key.secret.is_session_token else "a key"
            return f"signed in with {what} the server rejects ({self.rejected})"
        return "signed in"

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs as people read them; the key only ever masked. Values are
        made safe for a terminal (an account id is the server's, a URL or path the user's)."""
        # "local server http://…" already names its URL; other labels get it added.
        server = self.server if self.api_url in self.server else f"{self.server}   {self.api_url}"
        rows = [("Server", server)]
        if self.profile != "default":
            rows.append(("Profile", self.profile))
        if self.key is not None:
            rows.append(("Key from", self.key.source_label))
            rows.append(("Key", self.key.secret.masked()))
            ends = pasted_session_end(self.key)
            if ends is not None:
                rows.append(("Session", session_end_text(ends, self.now or system_clock())))
        if self.account is not None:
            unknown = NO_KEYS if self.account.looked_up else NOT_LISTED
            rows.append(("Account", self.account.account_id or unknown))
            rows.append(("Balance", balance_text(self.account.balance)))
        return [(label, visible(value)) for label, value in rows]

    def shown_notes(self) -> list[str]:
        """The notes, safe for a terminal (they name files, URLs and profiles)."""
        return [visible(note) for note in self.notes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "signed_in": self.signed_in,
            "profile": self.profile,
            "server": {"label": self.server, "api_url": self.api_url},
            "mcp_url": self.mcp_url,
            "key": self.key.as_dict() if self.key else None,
            "key_state": self.key_state,
            "rejected_because": self.rejected,
            "account_id": self.account.account_id if self.account else None,
            "balance": self.account.balance if self.account else None,
            "connection": {"checked": self.account is not None or self.error is not None,
                           "ok": self.account is not None, "error": self.error},
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SessionTokenRefusal(KeyRefusal):
    """A refused session token: it cannot be renewed, so the sentence says to sign in again
    (`api.errors.SESSION_REFUSED`) rather than to check a key."""

    @property
    def sentence(self) -> str:
        return f"{SESSION_REFUSED}."


def refusal(error: BaseException) -> KeyRefusal | None:
    """Why the server refused the key, when `error` is that refusal (a 401): the one wording
    (`errors.key_refusal`), which API access and the command line say too; a session token's
    own sentence when it was one (`api.errors.SessionRefused`)."""
    if not isinstance(error, Unauthorized) or error.status_code is None:
        return None
    refused = key_refusal(error.detail)
    if isinstance(error, SessionRefused):
        return SessionTokenRefusal(refused.word, refused.reason)
    return refused


def rejection(error: BaseException) -> str | None:
    """Why the server refused the key, in a word, when `error` is that refusal (a 401)."""
    refused = refusal(error)
    return None if refused is None else refused.word


def balance_text(balance: int) -> str:
    return credits_and_dollars(balance)


def _claims(secret: Secret) -> dict[str, Any]:
    """The claims of a Dashboard session token (a JWT), read, not verified; {} for a key or
    anything unreadable."""
    if not secret.is_session_token:
        return {}
    parts = secret.reveal().split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = strict_json.loads(base64.urlsafe_b64decode(padded))  # NotStrictJson: ValueError
    except (ValueError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def account_from_token(secret: Secret) -> str | None:
    """The account id inside a Dashboard session token (a JWT's ``sub``), read, not verified.

    Only for display: the server has verified the token by answering the credits call.
    """
    sub = _claims(secret).get("sub")
    return sub if isinstance(sub, str) and sub else None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EXP = 2**40  # seconds after 1970 past which an `exp` is no date (year 36,812)


def session_token_end(secret: Secret) -> datetime | None:
    """When a Dashboard session token ends: its ``exp`` claim (RFC 7519 §4.1.4, seconds
    since 1970), read, not verified, as the server wrote it into the token (the API says
    nothing else about a session's end, docs/oauth.md); None without a usable one."""
    exp = _claims(secret).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not 0 < exp < LATEST_EXP:
        return None
    return shifted(EPOCH, timedelta(seconds=int(exp)))


def pasted_session_end(key: StoredKey) -> datetime | None:
    """The end of a session token a person pasted (or set in OPENRUSH_KEY), which nothing here
    can renew; None for a key, the sandbox's demo session or a browser sign-in's token (that
    one renews itself and says so on its own)."""
    if key.source in ("sandbox", "browser"):
        return None
    return session_token_end(key.secret)


def session_end_text(ends: datetime, now: datetime) -> str:
    """The "Session" row's value: when it ends, or that it has."""
    if ends <= now:
        return f"expired {exact(ends)}: sign in again"
    return f"until {exact(ends)}; it cannot be renewed"


def account_id_in(keys: Iterable[ApiCredential], secret: Secret) -> str | None:
    """The account id a key list gives: the entry of `secret` itself (found by its prefix),
    else any key's (a list holds one account's keys); None for a list with no id."""
    prefix = secret.reveal()[:9]
    found = None
    for key in keys:
        if key.account_id and key.prefix.rstrip(".…") == prefix:
            return key.account_id
        found = found or key.account_id
    return found


async def check_account(client: OpenRushClient, secret: Secret, *, known_id: str | None = None,
                        list_keys: bool = False) -> Account:
    """The balance (one small request: it decides whether the key works) and the account id.

    The id comes from a session token's claims, else from `known_id` (what the caller already
    learned, e.g. from the key list API access shows), else, only with `list_keys`, from the
    account's key list: one more request, whose size grows with the number of keys.
    """
    credits = await client.credits()  # first: when the key is refused, there is no account
    account_id = account_from_token(secret) or known_id
    if account_id is not None or not list_keys:
        return Account(credits.balance, account_id, looked_up=account_id is not None)
    try:
        keys = await client.list_keys()
    except OpenRushError:  # the balance is known; only the id stays unknown
        return Account(credits.balance, None)
    return Account(credits.balance, account_id_in(keys, secret))


USE_SAVED_KEY = "y"  # Setup's key that switches to the key saved meanwhile (`StoreChange`)


@dataclass(frozen=True)
class StoreChange:
    """What changed in the store since the key in use was read from it: the sentence Setup
    shows, and the key saved for the profile now (None: none, or another server's), which
    Setup offers to use (`Session.use_saved_key`)."""

    note: str
    saved: StoredKey | None = None


def store_change(profile: str, in_use: StoredKey | None, api_url: str) -> StoreChange | None:
    """What changed in the store since `in_use` was read from it (None: signed out here);
    None when nothing worth saying did (the store still holds that key, or cannot tell: a
    keyring that does not answer).

    Another terminal or command may sign the same profile in with another key (``keys
    rotate`` saves its new key), or out; this dashboard goes on with the key it holds, says
    so, and offers the saved one, which it uses without a restart. A saved key is offered
    only for the server its profile signed in to, as at start-up. May block (the keyring,
    bounded; files).
    """
    if in_use is not None and in_use.source not in ("keyring", "file"):
        return None
    found = find_saved_key(profile)
    saved = found.key
    if saved is not None and not _for_server(profile, api_url):
        saved = None  # another server's key: never offered here
    if in_use is None:
        if saved is None:
            return None
        return StoreChange(f"A key ({saved.secret.masked()}) is saved for profile “{profile}”"
                           f" (another terminal or command signed in, or kept it when this "
                           f"one signed out): press {USE_SAVED_KEY} to use it.", saved)
    if found.key is None:
        if found.notes:  # the keyring did not answer: no claim either way
            return None
        return StoreChange(
            f"The key this dashboard uses ({in_use.secret.masked()}) is no longer saved for "
            f"profile “{profile}”: another terminal or command signed out. It is used here "
            "until you sign out or close the dashboard.")
    if same_key(in_use.secret, found.key.secret.reveal()):
        return None
    use = (f"press {USE_SAVED_KEY} to use the saved one" if saved is not None else
           "sign out and start it again to use the new one")
    return StoreChange(
        f"Another key ({found.key.secret.masked()}) is saved for profile “{profile}” now: "
        f"another terminal or command signed in. This dashboard still uses "
        f"{in_use.secret.masked()}; {use}.", saved)


def _for_server(profile: str, api_url: str) -> bool:
    try:
        return key_is_for(profile, api_url)
    except (PrivateFileError, OSError):  # an unreadable profiles file: offered nowhere
        return False
