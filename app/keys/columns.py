"""The key list's columns, without Textual: their titles and widths, which of them fit a
terminal of a given width, which one a click lands on, and what each cell says.

The table widget (`openrush_tui.widgets.key_table`) only draws what this decides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from openrush_tui.keys.view import SORT_COLUMNS, KeyRow, SortColumn
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
