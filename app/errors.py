"""The root of every error this tool raises on purpose: a sentence saying what happened and a
hint saying what to do, never a key or a raw server body.

Errors of the API client (`api.errors`), the credential store (`auth`) and config files
(`agents`) derive from `OpenRushError`, so every command prints any of them as one line and
every screen shows it as it is. Imports nothing of this project: every layer may use it.
"""

from __future__ import annotations


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


def describe_error(error: BaseException) -> str:
    """One sentence a person can act on, for any failure a page or dialog meets: ours as they
    are, anything else named by its type only (its text may hold a key or a server body)."""
    if isinstance(error, OpenRushError):
        return str(error)
    return f"Unexpected {type(error).__name__}. The app is still running; press r to retry."
