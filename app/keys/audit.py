"""Which active keys need attention, and why: the rules behind `keys audit` and API access.

Every key the server still lists as active is checked against five rules:

- ``expired``: past its `expires_at` (the server lists it as active, but it no longer works);
- ``expiring``: expires within `expiring_days`, or within half its life for a key made to
  last less than twice that (a 7-day key chosen on purpose is not flagged the day it is made);
- ``never-used``: created more than `idle_days` ago and never used;
- ``idle``: last used more than `idle_days` ago;
- ``no-expiry``: never expires and is older than `no_expiry_days`.

An expired key gets only ``expired`` (nothing else about it matters). The result is a plain
model, so the command line prints it and the API access page shows it (a marker per row, a
one-line summary, a filter, "revoke all idle keys") from the same findings and words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Literal

from openrush_tui.clock import EARLIEST, LATEST, shifted
from openrush_tui.keys.ages import Ages
from openrush_tui.text.counts import plural
from openrush_tui.text.times import relative

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential

Kind = Literal["expired", "expiring", "never-used", "idle", "no-expiry"]
KINDS: tuple[Kind, ...] = ("expired", "expiring", "never-used", "idle", "no-expiry")
# What each kind asks of the user, for a legend or a tooltip.
ADVICE: dict[Kind, str] = {
    "expired": "it no longer works: revoke it to tidy up",
    "expiring": "rotate it before it stops working",
    "never-used": "nothing uses it: revoke it",
    "idle": "nothing has used it for a while: revoke it",
    "no-expiry": "an old key that never expires: rotate it and give the new one an expiry",
}


@dataclass(frozen=True)
class AuditRules:
    idle_days: int = 30
    expiring_days: int = 7
    no_expiry_days: int = 90


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    reason: str  # one short clause, e.g. "last used 41 days ago"


@dataclass(frozen=True, slots=True)
class KeyFindings:
    """One key that needs attention: the key (as the server sent it) and what is wrong."""

    key: ApiCredential
    findings: tuple[Finding, ...]

    @property
    def id(self) -> str:
        return self.key.id

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return tuple(finding.kind for finding in self.findings)

    @property
    def reason(self) -> str:
        """Every finding in one line: "last used 41 days ago; no expiry, created 120 days ago"."""
        return "; ".join(finding.reason for finding in self.findings)

    def has(self, kind: Kind) -> bool:
        return kind in self.kinds


@dataclass(frozen=True)
class AuditReport:
    keys: tuple[KeyFindings, ...]  # only keys with findings, in the order they were given
    rules: AuditRules = field(default_factory=AuditRules)

    def __bool__(self) -> bool:
        return bool(self.keys)

    def summary(self) -> str:
        """The one line API access shows: "3 keys need attention" (or that none do)."""
        return summary_of(len(self.keys))

    def counts(self) -> dict[Kind, int]:
        return {kind: len(self.of_kind(kind)) for kind in KINDS}

    def of_kind(self, kind: Kind) -> list[KeyFindings]:
        """Keys with this finding (for a filter, or "revoke all idle keys")."""
        return [item for item in self.keys if item.has(kind)]

    def for_key(self, key_id: str) -> KeyFindings | None:
        """The findings of one key, for its row's marker; None when it needs no attention."""
        return next((item for item in self.keys if item.id == key_id), None)

    def fails(self, kinds: Iterable[Kind]) -> bool:
        """Whether any finding is of one of `kinds` (`--fail-on`)."""
        wanted = set(kinds)
        return any(wanted.intersection(item.kinds) for item in self.keys)


def summary_of(count: int) -> str:
    """"3 keys need attention" (or that none do), for `count` keys with findings."""
    if not count:
        return "No key needs attention"
    return f"{plural(count, 'key')} need{'s' if count == 1 else ''} attention"


@dataclass
class AuditTally:
    """The audit of a list that arrives a page at a time (`keys audit --json` at 50,000 keys):
    each page's findings handed back to be written, and what `AuditReport` says of them all
    (`summary`, `counts`, `fails`) counted, so that no key is held after its page."""

    now: datetime
    rules: AuditRules = field(default_factory=AuditRules)
    found: int = 0  # keys with a finding
    listed: int = 0  # keys not revoked
    _kinds: Counter[Kind] = field(default_factory=Counter)
    # Equal findings are one tuple, made once: their reasons are counts of days, so a page of
    # 5,000 keys has a handful. Kept under their kinds and reasons, ``(kind, reason, …)``.
    _shared: dict[tuple[str, ...], tuple[Finding, ...]] = field(default_factory=dict)
    _ages: Ages = field(init=False)

    def __post_init__(self) -> None:
        self._ages = Ages(self.now)

    def check(self, keys: Iterable[ApiCredential]) -> list[KeyFindings]:
        """The keys of this page that need attention, in the order given."""
        return [KeyFindings(key, found) for key, found in self.found_in(keys)]

    def found_in(self, keys: Iterable[ApiCredential]
                 ) -> list[tuple[ApiCredential, tuple[Finding, ...]]]:
        """`check`'s keys and findings, no `KeyFindings` made (`keys audit --json` writes
        them), in a third of `findings_of`'s time (issue 23: 5,000 keys in 25 ms before).
        Each rule is a comparison with an instant worked out once (``now - created >=
        idle_for`` is ``created <= now - idle_for``, both to the microsecond), a key's age is
        said once for both findings that say it (`Ages`), and equal findings are one tuple,
        made once (a page has a handful), kept under ``(kind, reason, …)``."""
        now, rules = self.now, self.rules
        idle_for, old_for = timedelta(days=rules.idle_days), timedelta(days=rules.no_expiry_days)
        soon = timedelta(days=rules.expiring_days)  # no window is longer
        if now - EARLIEST < max(idle_for, old_for) or LATEST - now < soon:
            return self._counted(list(self._said_slowly(keys)))  # `shifted` would stop
        idle_cut, old_cut = shifted(now, -idle_for), shifted(now, -old_for)
        horizon = shifted(now, soon)
        said_of = self._ages.said
        checked: list[tuple[ApiCredential, tuple[str, ...]]] = []
        listed = 0
        for key in keys:
            if not key.is_active:
                continue
            listed += 1
            expires, used, created = key.expires_at, key.last_used_at, key.created_at
            if expires is not None and expires <= now:
                checked.append((key, ("expired", f"expired {said_of(expires)}")))
                continue
            said: tuple[str, ...] = ()
            if expires is not None and expires <= horizon and \
                    expires - now <= expiring_window(expires - created, rules):
                said = ("expiring", f"expires {said_of(expires)}")
            age = None
            if used is None:
                if created <= idle_cut:
                    age = said_of(created)
                    said = (*said, "never-used", f"never used, created {age}")
            elif used <= idle_cut:
                said = (*said, "idle", f"last used {said_of(used)}")
            if expires is None and created <= old_cut:
                said = (*said, "no-expiry", f"no expiry, created {age or said_of(created)}")
            if said:
                checked.append((key, said))
        self.listed += listed
        return self._counted(checked)

    def _counted(self, checked: list[tuple[ApiCredential, tuple[str, ...]]]
                 ) -> list[tuple[ApiCredential, tuple[Finding, ...]]]:
        """The keys with their findings, each kind counted: the findings made once a kind."""
        shared = self._shared
        seen: Counter[tuple[str, ...]] = Counter(said for _, said in checked)
        for said, count in seen.items():  # a key has at most one finding of a kind
            if said not in shared:
                shared[said] = tuple(
                    Finding(kind, reason)  # type: ignore[arg-type]  # a Kind: `found_in`
                    for kind, reason in zip(said[::2], said[1::2], strict=True))
            for kind in said[::2]:
                self._kinds[kind] += count  # type: ignore[index]  # a Kind: `found_in`
        self.found += len(checked)
        return [(key, shared[said]) for key, said in checked]

    def _said_slowly(self, keys: Iterable[ApiCredential]
                     ) -> Iterator[tuple[ApiCredential, tuple[str, ...]]]:
        """`found_in`'s keys by `findings_of` itself, for a clock near the calendar's ends."""
        for key in keys:
            self.listed += key.is_active
            if found := findings_of(key, self.now, self.rules):
                yield key, tuple(chain.from_iterable((one.kind, one.reason) for one in found))

    def summary(self) -> str:
        return summary_of(self.found)

    def counts(self) -> dict[Kind, int]:
        return {kind: self._kinds[kind] for kind in KINDS}

    def fails(self, kinds: Iterable[Kind]) -> bool:
        return any(self._kinds[kind] for kind in kinds)


def parse_kinds(text: str) -> frozenset[Kind]:
    """``--fail-on``: kinds separated by commas, or ``any`` for all of them."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("name at least one kind: " + ", ".join(KINDS) + " (or any)")
    if "any" in names:
        return frozenset(KINDS)
    unknown = [name for name in names if name not in KINDS]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0]!r}; the kinds are " + ", ".join(KINDS))
    return frozenset(kind for kind in KINDS if kind in names)  # each a Kind, to the checker


def expiring_window(lifetime: timedelta, rules: AuditRules) -> timedelta:
    """How long before its expiry a key is flagged: `expiring_days`, or half its lifetime when
    that is shorter (a server date may put the expiry before the creation: then no window)."""
    return min(timedelta(days=rules.expiring_days), max(lifetime, timedelta(0)) / 2)


def findings_of(key: ApiCredential, now: datetime, rules: AuditRules) -> tuple[Finding, ...]:
    """What is wrong with one key; nothing for a revoked one."""
    if not key.is_active:
        return ()
    expires, used, created = key.expires_at, key.last_used_at, key.created_at
    if expires is not None and expires <= now:
        return (Finding("expired", f"expired {relative(expires, now)}"),)
    found: list[Finding] = []
    if expires is not None and expires - now <= expiring_window(expires - created, rules):
        found.append(Finding("expiring", f"expires {relative(expires, now)}"))
    idle_for = timedelta(days=rules.idle_days)
    if used is None and now - created >= idle_for:
        found.append(Finding("never-used", f"never used, created {relative(created, now)}"))
    if used is not None and now - used >= idle_for:
        found.append(Finding("idle", f"last used {relative(used, now)}"))
    if expires is None and now - created >= timedelta(days=rules.no_expiry_days):
        found.append(Finding("no-expiry", f"no expiry, created {relative(created, now)}"))
    return tuple(found)


def audit(keys: Iterable[ApiCredential], now: datetime,
          rules: AuditRules | None = None) -> AuditReport:
    rules = rules or AuditRules()
    # Equal findings are one tuple: their reasons are counts of days, so a large account has
    # few different ones (24 at 50,000 keys, 9 MB less; issue 23). Frozen: none reads apart.
    shared: dict[tuple[Finding, ...], tuple[Finding, ...]] = {}
    checked = ((key, findings_of(key, now, rules)) for key in keys)
    return AuditReport(tuple(KeyFindings(key, shared.setdefault(found, found))
                             for key, found in checked if found), rules)
