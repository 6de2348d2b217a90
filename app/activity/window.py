"""The slice of a long history that Activity holds: a few pages, never the whole account.

The server pages newest-first with an opaque keyset cursor, which stays valid while new
events arrive. The window keeps at most `max_rows` events in whole pages. Paging on past the
bottom drops pages from the top and remembers the cursor each was fetched with, so scrolling
back up fetches exactly the same page again; the newest page was fetched without a cursor,
so it is fetched again from the newest and cut where the held events begin.

Pure data, no Textual and no I/O: the screen does the fetching and shows `events()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class _HasId(Protocol):
    id: str


E = TypeVar("E", bound=_HasId)


@dataclass
class Page(Generic[E]):
    cursor: str | None  # the cursor it was fetched with; None: fetched from the newest
    items: list[E]
    next_cursor: str | None  # where the next older page starts; None: the end of history
    limit: int = 0  # the page size asked for, so the same page can be fetched again


@dataclass(frozen=True)
class NewerRequest:
    """How to fetch what lies above the window: a cursor and a limit, or from the newest."""

    cursor: str | None
    limit: int
    from_newest: bool


@dataclass
class EventWindow(Generic[E]):
    max_rows: int
    pages: list[Page[E]] = field(default_factory=list)
    # (cursor, limit, rows) of each page dropped above the window, the nearest last. A None
    # cursor stands for the newest page (fetched without one); only the first entry has it.
    above: list[tuple[str | None, int, int]] = field(default_factory=list)

    # -- reading -------------------------------------------------------------------------

    def events(self) -> list[E]:
        return [event for page in self.pages for event in page.items]

    def __len__(self) -> int:
        return sum(len(page.items) for page in self.pages)

    @property
    def rows_above(self) -> int:
        """How many events lie above the window (as of when they were dropped)."""
        return sum(rows for _, _, rows in self.above)

    @property
    def at_newest(self) -> bool:
        """Nothing held above the window: new events can go straight on top."""
        return not self.above

    @property
    def older_cursor(self) -> str | None:
        """Where the next older page starts; None at the end of history (or when empty)."""
        return self.pages[-1].next_cursor if self.pages else None

    @property
    def at_end(self) -> bool:
        return bool(self.pages) and self.pages[-1].next_cursor is None

    def newer_request(self, newest_limit: int) -> NewerRequest | None:
        """What to fetch to go back up one page; None when the window starts at the newest."""
        if not self.above:
            return None
        cursor, limit, _ = self.above[-1]
        if cursor is None:
            return NewerRequest(None, newest_limit, from_newest=True)
        # A dropped page is fetched again with the cursor and limit it was fetched with.
        return NewerRequest(cursor, limit, from_newest=False)

    # -- changing ------------------------------------------------------------------------

    def reset(self, page: Page[E]) -> None:
        self.pages = [page]
        self.above = []

    def append_older(self, page: Page[E]) -> int:
        """Add the next older page at the bottom; returns how many rows fell off the top."""
        self.pages.append(page)
        dropped = 0
        while len(self) > self.max_rows and len(self.pages) > 1:
            top = self.pages.pop(0)
            self.above.append((top.cursor, top.limit, len(top.items)))
            dropped += len(top.items)
        return dropped

    def prepend_newer(self, request: NewerRequest, items: Sequence[E]) -> int | None:
        """Put back the page above the window, fetched as `request` said.

        Returns how many rows fell off the bottom, or None when the fetched events do not
        join up with the window (more new events arrived than one fetch holds): then the
        caller starts again from the newest.
        """
        first = self.pages[0]
        if request.from_newest:
            join = _index_of(items, first.items[0].id) if first.items else None
            if join is None:
                return None
            fetched = list(items[:join])
            self.above.clear()
        else:
            fetched = list(items)
            self.above.pop()
        # The page below was fetched with the cursor that continues after this one.
        self.pages.insert(0, Page(request.cursor, fetched, first.cursor, request.limit))
        return self._drop_bottom()

    def add_newest(self, items: Sequence[E], known_newest_id: str) -> list[E] | None:
        """The events above `known_newest_id` in a fetch from the newest, or None on a gap.

        When the window starts at the newest they join its first page (whose next cursor
        stays right); pages fall off the bottom to keep the bound.
        """
        join = _index_of(items, known_newest_id)
        if join is None:
            return None
        fresh = list(items[:join])
        if fresh and self.at_newest and self.pages:
            self.pages[0].items[:0] = fresh
            self._drop_bottom()
        return fresh

    @property
    def overflowing(self) -> bool:
        """One page alone is over the bound (a long stay at the top with heavy traffic)."""
        return len(self) > self.max_rows

    def _drop_bottom(self) -> int:
        dropped = 0
        while len(self) > self.max_rows and len(self.pages) > 1:
            dropped += len(self.pages.pop().items)
        return dropped


def _index_of(items: Sequence[_HasId], event_id: str) -> int | None:
    return next((index for index, item in enumerate(items) if item.id == event_id), None)
