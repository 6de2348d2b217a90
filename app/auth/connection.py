"""What Setup's connection check found, and the sentences "This terminal" says about it.

A check (a page load of Setup: the credits call) ends with the account, or fails: the server
refused the key (a 401: "rejected"), the connection failed, or the account's requests are used
up for now (a 429, which is a wait, not a failure: what was read of the account stays). The
notes under the status are said here too. Plain data and words: no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Literal

from openrush_tui.api.errors import RateLimited, Unauthorized
from openrush_tui.auth.credentials import ENV_VAR, StoredKey
from openrush_tui.auth.status import Account, refusal
from openrush_tui.errors import environment_key_advice
from openrush_tui.text.safe import visible

LineState = Literal["", "-ok", "-error", "-busy"]  # the connection line's CSS class


@dataclass(frozen=True)
class ConnectionLine:
    """The line under the status: what the last check said, and how it looks."""

    text: str = ""
    state: LineState = ""


NO_LINE = ConnectionLine()
CHECKING = ConnectionLine("Checking the connection…", "-busy")
CONNECTED = ConnectionLine("Connection OK. Press r to test it again.", "-ok")
# Not a failed connection: the account is as last read, and the header counts down to when
# requests go out again.
RATE_LIMITED = ConnectionLine(
    "Rate-limited: the account's requests are used up for now (the header counts down). The "
    "key and the connection are fine; press r once the wait is over.", "-error")


@dataclass(frozen=True)
class Checked:
    """The outcome of the last check: the account, or why there is none."""

    account: Account | None = None
    error: str | None = None  # why the check failed, as said on the page
    rejected: str | None = None  # the server refused the key: why, in a word (`rejection`)


NOT_CHECKED = Checked()


def connected(account: Account) -> tuple[Checked, ConnectionLine]:
    if account.retested_at is not None:  # r again: the same line would not show it ran
        at = account.retested_at.astimezone(UTC).strftime("%H:%M:%S UTC")
        return Checked(account), ConnectionLine(
            f"Connection OK (tested again at {at}). Press r to test it again.", "-ok")
    return Checked(account), CONNECTED


def failed(before: Checked, error: BaseException | None, message: str, *,
           key: StoredKey | None = None) -> tuple[Checked, ConnectionLine]:
    """After a failed check (`message` says `error`) of `key`: what is known, and the line.

    A rate limit keeps what was known before (`before`): the key and the connection work.
    """
    if isinstance(error, RateLimited):
        return before, RATE_LIMITED
    refused = refusal(error) if error is not None else None
    after = Checked(error=message, rejected=refused.word if refused else None)
    if refused is not None and key is not None and key.source == "environment":
        # Signing in here would not last: the variable wins again at the next start.
        return after, ConnectionLine(
            f"{refused.sentence} {environment_key_advice('press s to sign in')}", "-error")
    if refused is not None:
        # The sentence API access says too; then what to do here.
        return after, ConnectionLine(f"{refused.sentence} Press s to sign in with another "
                                     "key, or x to sign out.", "-error")
    return after, ConnectionLine(f"Connection failed: {message}", "-error")


def refused_from_environment(error: BaseException | None, key: StoredKey | None,
                             sign_in: str) -> Unauthorized | None:
    """`error` told for a key from OPENRUSH_KEY, when it is the server's refusal of that key:
    its sentence, then what to do about the variable (`errors.environment_key_advice`; the
    401's own "sign in again" would not last). None for any other error or key. API access
    and the command line say it so; Setup's line (`failed`) too."""
    refused = refusal(error) if error is not None else None
    if refused is None or key is None or key.source != "environment":
        return None
    assert isinstance(error, Unauthorized)  # noqa: S101 (`refusal` answers only for those)
    return Unauthorized(refused.sentence, environment_key_advice(sign_in), error.status_code,
                        detail=error.detail)


def terminal_notes(key: StoredKey | None, notes: tuple[str, ...],
                   store_note: str | None) -> list[str]:
    """The notes under "This terminal", safe for a terminal (they name files, URLs and
    profiles): the key lookup's, another terminal's change to the store, and what the key's
    source means for the next start."""
    shown = [visible(note) for note in (*notes, store_note) if note]
    if key is not None and key.source == "session":
        shown.append("The key is kept for this session only; you sign in again next time.")
    if key is not None and key.source == "environment":
        shown.append(f"{ENV_VAR} wins over any key saved with Sign in; unset it to use the "
                     "saved one.")
    return shown
