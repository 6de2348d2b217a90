"""A create whose answer never arrived (or could not be read): finding the key it may have made.

The rule (docs/reliability.md): such a key is identified only by what marks it as this
request's — a key of that name that was not in the list before the request was sent, created
no earlier than the request (less `CLOCK_SLACK`, for a server clock that runs a little
behind) — never by its name alone: an old key of the same name is somebody's working key.
Shared by the API access page and `keys create`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from openrush_tui.clock import shifted
from openrush_tui.errors import OpenRushError
from openrush_tui.text.counts import plural
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact, relative

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential

CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class UnseenCreate:
    """A create request that went out and may have made a key nobody saw."""

    name: str
    sent_at: datetime  # this machine's clock when the request left
    known_ids: frozenset[str] = field(default_factory=frozenset)  # keys listed before it
    certain: bool = False  # the server answered 2xx: the key exists
    problem: str = ""  # what went wrong, in words

    def candidates(self, keys: Iterable[ApiCredential]) -> list[ApiCredential]:
        """The keys that can be this request's, newest first."""
        earliest = shifted(self.sent_at, -CLOCK_SLACK)
        found = [key for key in keys if key.name == self.name and key.id not in self.known_ids
                 and key.created_at >= earliest]
        return sorted(found, key=lambda key: key.created_at, reverse=True)

    def look_in(self, keys: Iterable[ApiCredential],
                now: datetime) -> tuple[ApiCredential | None, str]:
        """The key to select in a fresh list (None when there is none) and what to say."""
        found = self.candidates(keys)
        shown = visible(self.name)
        made = self.made()
        if found:
            key = found[0]
            message = (f"{self.problem} {made}: “{shown}” ({visible(key.display_prefix)}, "
                       f"created {relative(key.created_at, now)}, after the request was sent) "
                       "is selected. If you did not receive it, press d to revoke it and "
                       "create another.")
            if len(found) > 1:
                message += f" {plural(len(found), 'key')} of that name are that new."
            return key, message
        if self.certain:
            return None, (f"{self.problem} {made}, and no new key named “{shown}” is listed "
                          "yet. Press r to refresh, and revoke it when it appears.")
        return None, (f"{self.problem} No key named “{shown}” was created since the request "
                      "was sent, so it was probably not created; try again.")

    def made(self) -> str:
        """Whether the key exists, as the start of a sentence."""
        return ("The key was created but cannot be shown" if self.certain
                else "The key may have been created without being shown")

    def where_to_look(self) -> str:
        """What to look for in `keys list --all` (for the command line)."""
        return (f"a key named “{visible(self.name)}” created at or after "
                f"{exact(shifted(self.sent_at, -CLOCK_SLACK))}")


def unseen_create(name: str, sent_at: datetime, error: object,
                  known: Collection[str] = ()) -> UnseenCreate | None:
    """The UnseenCreate for a failed create, or None when the server surely made nothing."""
    if not isinstance(error, OpenRushError) or not error.may_have_succeeded:
        return None
    code = error.status_code
    return UnseenCreate(name, sent_at, frozenset(known),
                        certain=code is not None and 200 <= code <= 299,
                        problem=error.message)
