"""Which listed keys need attention, as API access shows them: the audit (`keys.audit`) of the
list the page already has (no request of its own), and whether only the flagged keys are
shown (a). Also which of them D revokes: those nothing has used for the audit's idle days.

The audit runs again only when the list of keys changes (a load, a revoke), not on each
keystroke of the filter: `follow` compares the row list it was last given by identity (a
`KeyView` builds a new list whenever its keys change, never when only the filter does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openrush_tui.keys.audit import AuditReport, KeyFindings, Kind, audit
from openrush_tui.keys.view import KeyRow

UNUSED_KINDS: tuple[Kind, ...] = ("idle", "never-used")  # what "revoke unused keys" (D) revokes


def unused(report: AuditReport) -> list[KeyFindings]:
    """Keys nothing has used for the audit's idle days (or ever): D revokes them."""
    return [item for item in report.keys if any(item.has(kind) for kind in UNUSED_KINDS)]


class Attention:
    """The audit of the keys listed, and whether the list shows only the flagged ones."""

    def __init__(self) -> None:
        self.report: AuditReport | None = None  # None until a list has been audited
        self.only = False  # the list shows only the keys that need attention
        self._rows: object = None  # the row list the audit was run on (compared by identity)

    def follow(self, rows: Sequence[KeyRow], now: datetime) -> bool:
        """Audit `rows` if they are not the list audited last; True when it ran."""
        if rows is self._rows:
            return False
        self._rows = rows
        self.report = audit((row.key for row in rows), now)
        return True

    @property
    def flagged(self) -> frozenset[str]:
        """The ids of the keys that need attention (a glyph on their rows)."""
        report = self.report
        return frozenset(item.id for item in report.keys) if report is not None else frozenset()

    @property
    def shown_only(self) -> frozenset[str] | None:
        """The ids the list is narrowed to (`KeyView.only`), or None for every key."""
        return self.flagged if self.only else None

    def toggle(self) -> str | None:
        """a: only the flagged keys, or every key again. Returns what to say instead when
        there is nothing to narrow to (then nothing changes)."""
        if self.report is None:
            return None
        if not self.report and not self.only:
            return "No key needs attention."
        self.only = not self.only
        return None

    def for_key(self, row: KeyRow | None) -> KeyFindings | None:
        """What is wrong with the key of `row`, if anything."""
        report = self.report
        return report.for_key(row.id) if report is not None and row is not None else None

    def unused_ids(self) -> list[str]:
        """The keys D revokes, in the audit's order."""
        return [item.id for item in unused(self.report)] if self.report is not None else []

    def none_unused(self) -> str:
        """What D says when no key is unused."""
        days = self.report.rules.idle_days if self.report is not None else 30
        return f"No active key has gone unused for {days} days."

    def offers_narrowing(self) -> bool:
        """Whether a would change the list (the palette lists it only then)."""
        report = self.report
        return report is not None and (bool(report) or self.only)

    def offers_unused(self) -> bool:
        """Whether D would revoke something."""
        return self.report is not None and bool(unused(self.report))
