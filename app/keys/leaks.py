"""What a key found in a file is to this account, and what to do about it (`keys scan`).

A hit is matched to the account's keys by the display prefix the API returns (``or_`` + 6
characters) and, where the API also returns a fingerprint, by that too. Then it is:

- ``active``: a working key of this account: "revoke or rotate it, and move it to a secret
  store";
- ``revoked`` or ``expired``: "harmless, remove it";
- ``unknown``: not a key of this account (another account's, or not a key at all);
- ``unchecked``: the account's keys could not be read (not signed in, or an API error), so it
  may be any of the above.

No Textual, no I/O: the command line (and later a screen) prints `Verdict.advice`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from openrush_tui.text.safe import visible
from openrush_tui.text.times import relative

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.keys.scan import Hit

Status = Literal["active", "revoked", "expired", "unknown", "unchecked"]
# A hit that may be a working key: what makes `keys scan` exit 3.
DANGEROUS: frozenset[Status] = frozenset({"active", "unchecked"})


@dataclass(frozen=True, slots=True)
class Verdict:
    hit: Hit
    status: Status
    key: ApiCredential | None  # the account's key it is, when known
    advice: str  # what it is and what to do, plain text with server strings made visible

    @property
    def dangerous(self) -> bool:
        return self.status in DANGEROUS


def _bare(prefix: str) -> str:
    return prefix.rstrip(".…")


def classify(hits: Iterable[Hit], keys: Iterable[ApiCredential] | None,
             now: datetime) -> list[Verdict]:
    """A verdict per hit; `keys` None when the account's keys could not be read."""
    if keys is None:
        return [Verdict(hit, "unchecked", None, "not checked against the account's keys: "
                        "treat it as active until you know") for hit in hits]
    by_prefix: dict[str, list[ApiCredential]] = {}
    for key in keys:
        by_prefix.setdefault(_bare(key.prefix), []).append(key)
    return [_verdict(hit, by_prefix.get(hit.prefix, []), now) for hit in hits]


def _verdict(hit: Hit, candidates: list[ApiCredential], now: datetime) -> Verdict:
    printed = [key for key in candidates if key.fingerprint is not None]
    confirmed = [key for key in printed if key.fingerprint == hit.fingerprint]
    if printed and not confirmed and len(printed) == len(candidates):
        # Every key with this prefix has a fingerprint, and none is this one's.
        names = ", ".join(f"“{visible(key.name)}”" for key in candidates)
        return Verdict(hit, "unknown", None, f"not a key of this account (same prefix as "
                                             f"{names}, another fingerprint)")
    if not candidates:
        return Verdict(hit, "unknown", None, "not a key of this account")
    # Several keys can share a prefix only by a 1-in-57-billion chance; the active one wins.
    key = (confirmed or sorted(candidates, key=lambda k: k.status(now) != "active"))[0]
    status = key.status(now)
    name = f"“{visible(key.name)}”"
    if status == "active":
        used = ("never used" if key.last_used_at is None
                else f"last used {relative(key.last_used_at, now)}")
        return Verdict(hit, "active", key, f"ACTIVE key {name} ({used}): revoke or rotate it, "
                                           "and move it to a secret store")
    return Verdict(hit, status, key, f"{status} key {name}: harmless, remove it")
