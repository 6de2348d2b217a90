"""Which keys the list shows, in which order: filter, hide-inactive and sort, without Textual.

An account with thousands of keys is filtered here on each keystroke. Everything a keystroke
needs is computed once per key as it arrives (`rows_of`: lower-cased text to search, the
visible name), so a filter pass over 50,000 keys is a plain list comprehension over
precomputed strings. A large list arrives in pages and is shown as it comes: `replace` starts
a list, `extend` adds to it, each with a bounded number of rows, so the event loop handles key
presses between them (issue 23); `rows_of` is plain Python a thread can run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from openrush_tui.text.safe import visible

if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Set as AbstractSet

    from openrush_tui.api.models import ApiCredential, CredentialStatus

SortColumn = Literal["name", "prefix", "status", "created", "last_used", "expires"]
SORT_COLUMNS: tuple[SortColumn, ...] = ("name", "prefix", "status", "created", "last_used",
                                        "expires")
# How an order reads, for one a narrow terminal shows no header of: (by what, ascending,
# descending).
ORDER_WORDS: dict[SortColumn, tuple[str, str, str]] = {
    "name": ("name", "A to Z", "Z to A"), "prefix": ("prefix", "A to Z", "Z to A"),
    "status": ("status", "active first", "revoked first"),
    "created": ("creation", "oldest first", "newest first"),
    "last_used": ("last use", "longest unused first", "most recent first"),
    "expires": ("expiry", "soonest first", "latest first"),
}


def order_words(column: SortColumn, descending: bool) -> str:
    """E.g. "expiry, soonest first"."""
    what, up, down = ORDER_WORDS[column]
    return f"{what}, {down if descending else up}"


# The direction a column sorts in first: names A→Z, times newest (or soonest) first.
NATURAL_DESCENDING: dict[SortColumn, bool] = {
    "name": False, "prefix": False, "status": False, "created": True, "last_used": True,
    "expires": False,
}
_STATUS_ORDER = {"active": 0, "expired": 1, "revoked": 2}
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One key as the list shows it: server strings already made visible, status computed.

    Views show `name`, `prefix`, `shown_id` and `shown_account`, never `key`'s raw strings
    (which stay raw: the id goes back to the server in a URL).
    """

    key: ApiCredential
    status: CredentialStatus
    name: str
    haystack: str  # what the filter searches: name and prefix, case-folded

    @classmethod
    def of(cls, key: ApiCredential, now: datetime) -> KeyRow:
        return cls(key, key.status(now), visible(key.name),
                   f"{key.name.casefold()}\n{key.prefix.casefold()}")

    @property
    def prefix(self) -> str:
        """Worked out when drawn (a screen's rows), not kept for each of 50,000 keys."""
        return visible(self.key.display_prefix)

    @property
    def id(self) -> str:
        return self.key.id

    @property
    def shown_id(self) -> str:
        return visible(self.key.id)

    @property
    def shown_account(self) -> str:
        return visible(self.key.account_id)

    def sort_key(self, column: SortColumn) -> tuple[object, ...]:
        key = self.key
        if column == "name":
            return (key.name.casefold(), key.name)
        if column == "prefix":
            return (key.prefix.casefold(), key.prefix)  # as names: "A to Z" whatever the case
        if column == "status":
            return (_STATUS_ORDER[self.status],)
        if column == "created":
            return (key.created_at,)
        if column == "last_used":
            return (key.last_used_at or _EARLIEST,)  # "never" after every real time
        return (key.expires_at or _LATEST,)  # "never expires" after every date


# The most rows `KeyView.replace`/`extend` are given at once by a load (`keys.listing`): ~1 ms
# of the event loop in the list's own order, so key presses are handled between slices.
SLICE = 1000


def rows_of(keys: Iterable[ApiCredential], now: datetime) -> list[KeyRow]:
    """The rows of `keys` (a worker thread builds a large list's). What the keys of a list
    repeat is shared where they are decoded (`api.models.parse_key_page`)."""
    return [KeyRow.of(key, now) for key in keys]


def _created_order(row: KeyRow) -> tuple[datetime, str]:
    """The list's natural order, newest first when reversed, ties by id (the server's)."""
    return (row.key.created_at, row.id)


class KeyView:
    """All keys of the account, and the ordered subset the table shows."""

    def __init__(self) -> None:
        self.rows: list[KeyRow] = []
        self.shown: list[KeyRow] = []
        self.sort_column: SortColumn = "created"
        self.descending = True
        self.filter_text = ""
        self.hide_inactive = False
        self.only: AbstractSet[str] | None = None  # ids to show, e.g. keys needing attention
        self._sorted: list[KeyRow] = []

    # -- inputs ---------------------------------------------------------------------------

    def load(self, keys: list[ApiCredential], now: datetime) -> None:
        self.replace(rows_of(keys, now))

    def replace(self, rows: list[KeyRow]) -> None:
        """Start the list again with `rows` (the first of a load's slices). The list is a new
        object, never one handed out before (the audit reads those from a thread)."""
        self.rows = list(rows)
        self._resort()

    def extend(self, rows: list[KeyRow]) -> int:
        """Add the next slice of a load. In the newest-first order (the server's, and the
        usual case) the slice is merged in at the end: a slice's cost, whatever the list's
        length (only keys created in the same second as the last ones move). In any other
        order the list is sorted again (~50–90 ms at 50,000 keys). Returns how many of the
        rows shown before are still shown first, unchanged (the table need not redraw
        them)."""
        if not rows:
            return len(self.shown)
        self.rows.extend(rows)
        if not (self.sort_column == "created" and self.descending):
            self._resort()
            return 0
        fresh = sorted(rows, key=_created_order, reverse=True)
        # The last rows shown that sort after the slice's first (a tie in the second of
        # creation, ordered by id) are taken off and merged with it.
        ordered, start = self._sorted, len(self._sorted)
        head = _created_order(fresh[0])
        while start > 0 and _created_order(ordered[start - 1]) < head:
            start -= 1
        if start < len(ordered) - len(fresh):  # not a page's newest-first tail: sort again
            self._resort()
            return 0
        moved = ordered[start:]
        del ordered[start:]
        if moved:
            fresh = sorted(moved + fresh, key=_created_order, reverse=True)
            gone = len(self._passing(moved))
            if gone:
                del self.shown[-gone:]
        ordered.extend(fresh)
        unchanged = len(self.shown)
        self.shown.extend(self._passing(fresh))
        return unchanged
    def update(self, key: ApiCredential, now: datetime) -> None:
        """Replace one key (a revoke's answer) without reloading the list."""
        fresh = KeyRow.of(key, now)
        self.rows = [fresh if row.id == key.id else row for row in self.rows]
        self._resort()

    def mark_revoked(self, key_id: str, now: datetime) -> None:
        """For a revoke that answered with an empty body: the key is revoked all the same."""
        for row in self.rows:
            if row.id == key_id:
                self.update(row.key.model_copy(update={"is_active": False}), now)
                return

    def sort_by(self, column: SortColumn, descending: bool | None = None) -> None:
        self.sort_column = column
        self.descending = NATURAL_DESCENDING[column] if descending is None else descending
        self._resort()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._refilter()

    def set_hide_inactive(self, hide: bool) -> None:
        self.hide_inactive = hide
        self._refilter()

    def set_only(self, ids: AbstractSet[str] | None) -> None:
        self.only = ids
        self._refilter()

    # -- outputs --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def active(self) -> int:
        return sum(1 for row in self.rows if row.status == "active")

    @property
    def ordered(self) -> list[KeyRow]:
        """Every key in the current sort order, filtered or not."""
        return self._sorted

    def index_of(self, key_id: str) -> int | None:
        for index, row in enumerate(self.shown):
            if row.id == key_id:
                return index
        return None

    def row(self, key_id: str) -> KeyRow | None:
        return next((row for row in self.rows if row.id == key_id), None)

    # -- internals ------------------------------------------------------------------------

    def _resort(self) -> None:
        column = self.sort_column
        # Ties (same name, same "never") fall back to newest first, then the id: stable order.
        by_created = sorted(self.rows, key=_created_order, reverse=True)
        self._sorted = sorted(by_created, key=lambda row: row.sort_key(column),
                              reverse=self.descending)
        self._refilter()

    def _refilter(self) -> None:
        self.shown = self._passing(self._sorted)

    def _passing(self, rows: list[KeyRow]) -> list[KeyRow]:
        """Those of `rows` the filter, hide-inactive and `only` let through, in their order
        (a new list: `shown` is never `_sorted` itself, which `extend` appends to)."""
        needle = self.filter_text.strip().casefold()
        if self.hide_inactive:
            rows = [row for row in rows if row.status == "active"]
        if self.only is not None:
            rows = [row for row in rows if row.id in self.only]
        if needle:
            rows = [row for row in rows if needle in row.haystack]
        return rows if rows is not self._sorted else list(rows)

