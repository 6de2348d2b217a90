"""The root of every error this tool raises on purpose: a sentence saying what happened and a
hint saying what to do, never a key or a raw server body.

Errors of the API client (`api.errors`), the credential store (`auth`) and config files
(`agents`) derive from `OpenRushError`, so every command prints any of them as one line and
every screen shows it as it is. Imports nothing of this project: every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


def sentence(text: str) -> str:
    """`text` trimmed and ended with a full stop (unless it already ends a sentence)."""
    text = text.strip()
    if text and text[-1] not in ".!?…":
        text += "."
    return text


class OpenRushError(Exception):
    """What happened (`message`) and what to do (`hint`); ``str()`` joins the two.

    `may_have_succeeded` is True when the failure came after a write request (a create, a
    revoke) was sent and no readable answer said it was refused: the write may have happened,
    and no message may then claim that it did not.
    """

    may_have_succeeded: bool = False

    def __init__(self, message: str, hint: str = "", status_code: int | None = None) -> None:
        self.message = sentence(message)
        self.hint = sentence(hint)
        self.status_code = status_code
        super().__init__(str(self))

    def __str__(self) -> str:
        return " ".join(part for part in (self.message, self.hint) if part)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})"


# A refused key (a 401), as precisely as the server's answer allows: the one wording for every
# page, dialog and command. `api.errors` builds `Unauthorized` with it (API access and the
# command line say it as it is); Setup's connection line and sign-in dialog start with the same
# sentence, and its Status row says the word.
KEY_REFUSED = "The server did not accept the API key"


@dataclass(frozen=True)
class KeyRefusal:
    word: str  # "revoked", "expired", "invalid", or "refused" (the server said no more)
    reason: str  # the same as a clause: "it has been revoked"

    @property
    def sentence(self) -> str:
        return f"{KEY_REFUSED}: {self.reason}."


# What to do about a refused key, wherever it is said (a 401's hint: API access, the command
# line). A key from OPENRUSH_KEY gets `environment_key_advice` instead: signing in would not
# last, as the variable wins again at the next start.
SIGN_IN_AGAIN = "Sign in again with a working key."
ENV_VAR = "OPENRUSH_KEY"  # `auth.credentials.ENV_VAR` (this module imports nothing of ours)


def environment_key_advice(sign_in: str) -> str:
    """What to do when the refused key comes from OPENRUSH_KEY, the one wording of Setup's
    line, API access's and the command line's; `sign_in`: how to sign in there ("press s to
    sign in")."""
    return (f"It comes from {ENV_VAR}, which wins again at every start: set {ENV_VAR} to a "
            f"working key, or unset it and {sign_in}.")


def key_refusal(detail: str) -> KeyRefusal:
    """Why a key was refused, from the server's own explanation (`detail`, possibly empty):
    its word when it gives one, else all that a 401 can mean."""
    said = detail.lower()
    if "revoked" in said or "inactive" in said:
        return KeyRefusal("revoked", "it has been revoked")
    if "expired" in said:
        return KeyRefusal("expired", "it has expired")
    if "invalid" in said or "unknown" in said:
        return KeyRefusal("invalid", "it is invalid (mistyped, or not a key of this server)")
    return KeyRefusal("refused", "it is wrong, revoked or expired")


def describe_error(error: BaseException) -> str:
    """One sentence a person can act on, for any failure a page or dialog meets: ours as they
    are, anything else named by its type only (its text may hold a key or a server body)."""
    if isinstance(error, OpenRushError):
        return str(error)
    return f"Unexpected {type(error).__name__}. The app is still running; press r to retry."
