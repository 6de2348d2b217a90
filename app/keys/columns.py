"""The key list's columns, without Textual: their titles and widths, which of them fit a
terminal of a given width, which one a click lands on, and what each cell says.

A name too long for its column is cut so that it reads like no other name of the list
(`NameCuts`, through `text.cells.Apart`): after a rotation, "Trial d…06-26" beside "Trial
deploy", never "Trial deploy…" beside it. The table widget (`openrush_tui.widgets.key_table`)
only draws what this decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from openrush_tui.keys.view import SORT_COLUMNS, KeyRow, SortColumn
from openrush_tui.text.cells import Apart, cell_width
from openrush_tui.text.times import relative

# Which style a cell is drawn in: plain text, muted ("never"), or its status colour.
CellKind = Literal["text", "dim", "active", "expired", "revoked"]
Layout = list[tuple[SortColumn, int]]  # the columns shown, left to right, with their widths

TITLES: dict[SortColumn, str] = {"name": "Name", "prefix": "Prefix", "status": "Status",
                                 "created": "Created", "last_used": "Last used",
                                 "expires": "Expires"}
FIXED_WIDTHS: dict[SortColumn, int] = {"prefix": 11, "status": 8, "created": 14,
                                       "last_used": 14, "expires": 14}
# On a narrow terminal these columns go first (the details line still shows them).
DROP_ORDER: tuple[SortColumn, ...] = ("created", "expires", "prefix", "last_used")
MIN_NAME_WIDTH = 16
GAP = 2  # blank cells after every column


def fit_columns(width: int) -> Layout:
    """The columns that fit in `width` cells, with their widths; the name takes what the
    others leave, and never less than MIN_NAME_WIDTH."""
    shown: list[SortColumn] = [column for column in SORT_COLUMNS if column != "name"]
    for drop in DROP_ORDER:
        used = GAP + sum(FIXED_WIDTHS[c] + GAP for c in shown)
        if width - used >= MIN_NAME_WIDTH:
            break
        shown.remove(drop)
    name_width = max(MIN_NAME_WIDTH,
                     width - GAP - sum(FIXED_WIDTHS[c] + GAP for c in shown))
    return [("name", name_width), *((c, FIXED_WIDTHS[c]) for c in shown)]


def column_at(layout: Layout, x: int) -> SortColumn | None:
    """The column under `x`, counted from the first column's left edge (a gap belongs to the
    column before it)."""
    position = 0
    for column, width in layout:
        if position <= x < position + width + GAP:
            return column
        position += width + GAP
    return None


def cell_text(row: KeyRow, column: SortColumn, now: datetime) -> tuple[str, CellKind]:
    """A cell's text (server strings already made visible) and its kind of style."""
    key = row.key
    if column == "name":
        return row.name, "text"
    if column == "prefix":
        return row.prefix, "text"
    if column == "status":
        return row.status, row.status
    if column == "created":
        return relative(key.created_at, now), "text"
    if column == "last_used":
        return relative(key.last_used_at, now), "dim" if key.last_used_at is None else "text"
    return (relative(key.expires_at, now, missing="never"),
            "dim" if key.expires_at is None else "text")


class NameCuts:
    """Names cut to their column's width, each reading like no other name of the list. The
    list's names are gathered when a name first needs a cut, and again for a new list; rows
    added to the same list (a list arriving in slices) are added to them."""

    def __init__(self) -> None:
        self._rows: Sequence[KeyRow] | None = None
        self._count = 0
        self._apart = Apart()

    def cut(self, rows: Sequence[KeyRow], name: str, width: int) -> str:
        """`name` in at most `width` cells; `rows`: every row of the list (filtered out too,
        so a name reads the same whatever the filter)."""
        if cell_width(name) <= width:
            return name
        if rows is not self._rows:
            if not self._begins_alike(rows):
                self._count, self._apart = 0, Apart()
            self._rows = rows
        if len(rows) > self._count:
            self._apart.add(row.name for row in rows[self._count:])
            self._count = len(rows)
        return self._apart.cut(name, width)

    def _begins_alike(self, rows: Sequence[KeyRow]) -> bool:
        """Whether `rows` begins with the names gathered: a list made again with a row
        replaced (a key revoked) keeps them; any other list starts again."""
        old = self._rows
        return (old is not None and min(len(rows), len(old)) >= self._count
                and all(rows[at].name == old[at].name for at in range(self._count)))
