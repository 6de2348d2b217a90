"""Revoking keys, the one flow behind the API access page and `keys revoke`, and which keys
the command's arguments name (`choose_keys`).

The key this terminal is signed in with goes last: once it is revoked, no further request
works. Each key gets exactly one request (a revoke is a POST: never retried), and one failure
stops none of the others. The report says, key by key, what was and was not revoked; each
side puts it in its own words (a toast on the page, one line per key in the terminal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openrush_tui.errors import OpenRushError
from openrush_tui.keys.rules import signed_in_with
from openrush_tui.text.safe import cut_names, is_cut, shown_as

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential, CredentialStatus


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one key: revoked (with the server's updated key, None when it answered
    with an empty body), or not, and why in words."""

    key_id: str
    answer: ApiCredential | None = None
    error: str | None = None  # an OpenRushError's sentence: sanitized, never a key
    # The request went out but no readable answer came back: the key may be revoked already.
    uncertain: bool = False

    @property
    def revoked(self) -> bool:
        return self.error is None


@dataclass
class RevokeReport:
    outcomes: list[Outcome] = field(default_factory=list)  # in the order they were revoked
    own_key_revoked: bool = False  # this terminal's key is dead: it must sign out

    @property
    def revoked(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.revoked]

    @property
    def failed(self) -> list[Outcome]:
        """Not revoked, or not known to be: every outcome with an error."""
        return [outcome for outcome in self.outcomes if not outcome.revoked]

    @property
    def uncertain(self) -> list[Outcome]:
        """Sent, but unanswered or answered unreadably: they may have been revoked."""
        return [outcome for outcome in self.outcomes if outcome.uncertain]


def own_key_id(keys: Iterable[ApiCredential], raw_key: str | None) -> str | None:
    """Which of `keys` is the key `raw_key` this terminal is signed in with (by its display
    prefix: the service never returns more of a key); None for a session token."""
    return next((key.id for key in keys if signed_in_with(key.prefix, raw_key)), None)


def own_key_last(ids: Sequence[str], own_id: str | None) -> list[str]:
    """`ids` in their order, but with the terminal's own key after every other one."""
    return sorted(ids, key=lambda key_id: key_id == own_id)  # sorted() is stable


async def revoke_all(client: OpenRushClient, ids: Sequence[str], *,
                     own_id: str | None = None,
                     each: Callable[[Outcome], object] | None = None) -> RevokeReport:
    """Revoke `ids` one by one, the terminal's own key (`own_id`) last.

    `each` hears of every key as soon as its answer arrives (the command line prints a line
    per key as it goes). Errors other than OpenRushError are bugs and propagate.
    """
    report = RevokeReport()
    for key_id in own_key_last(ids, own_id):
        try:
            outcome = Outcome(key_id, answer=await client.revoke_key(key_id))
        except OpenRushError as error:
            outcome = Outcome(key_id, error=str(error), uncertain=error.may_have_succeeded)
        else:
            report.own_key_revoked |= key_id == own_id
        report.outcomes.append(outcome)
        if each is not None:
            each(outcome)
    return report


def consequence(statuses: Sequence[CredentialStatus]) -> str:
    """What revoking keys of these statuses means, for the confirmation (the dialog and `keys
    revoke`). Only an active key has users to stop: of a key already expired (or revoked),
    "stops working at once" is untrue, since nothing using it works anyway."""
    count = len(statuses)
    live = sum(1 for status in statuses if status == "active")
    gone = " or ".join(sorted({status for status in statuses if status != "active"},
                              key=("expired", "revoked").index))
    if live == count:
        subject = "this key" if count == 1 else "these keys"
        return f"Anything using {subject} stops working at once. This cannot be undone."
    if live == 0:
        subject, them = ("This key is", "it") if count == 1 else ("These keys are", "them")
        return (f"{subject} already {gone}: nothing using {them} works anyway. "
                "This cannot be undone.")
    active = "the active key" if live == 1 else f"the {live} active keys"
    others = count - live
    rest, them = ("the other is", "it") if others == 1 else (f"the other {others} are", "them")
    return (f"Anything using {active} stops working at once; {rest} already {gone}, so "
            f"nothing using {them} works anyway. This cannot be undone.")


@dataclass
class Chosen:
    """What `keys revoke` arguments name: the keys (in order, each once), the arguments that
    name none, and those that name several (with the candidates to list)."""

    keys: list[ApiCredential] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[ApiCredential]] = field(default_factory=dict)


def choose_keys(wanted: Sequence[str], keys: Sequence[ApiCredential]) -> Chosen:
    """Each of `wanted` as an id, else an exact name, else a name as a narrow table cut it
    (one key only), else the start of an id or of a key's prefix (``or_abc``). Several
    matches: the one still active, if only one is; else it is ambiguous. Names are matched
    whole, never by their start: a script must not revoke "Production server" because it
    said "Prod" (though "Prod…", as a table shows it cut, names it if no other key reads so)."""
    chosen = Chosen()
    for text in wanted:
        matches = [key for key in keys if key.id == text]
        if not matches:
            matches = [key for key in keys if key.name == text] or [
                key for key in keys if shown_as(key.name, text)]  # as shown (`text.safe`)
        # A name as a narrow table cut it ("while do…2026-12-07") names one key only: among
        # several it could be, the one still active would be a guess.
        cut = not matches and is_cut(text)
        if cut:
            matches = [key for key in keys if cut_names(key.name, text)]
        if not matches and text:
            matches = [key for key in keys if key.id.startswith(text)
                       or key.prefix.rstrip(".…").startswith(text)]
        active = [key for key in matches if key.is_active]
        if len(matches) == 1 or (len(active) == 1 and not cut):
            key = matches[0] if len(matches) == 1 else active[0]
            if key not in chosen.keys:
                chosen.keys.append(key)
        elif matches:
            chosen.ambiguous[text] = matches
        else:
            chosen.unknown.append(text)
    return chosen
