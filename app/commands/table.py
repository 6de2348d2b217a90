"""A table for the terminal: aligned columns that fit its width, as `keys list` prints them.

When the table is too wide, it gives way one step at a time, in the order the caller lists
the steps: a column's cells in a shorter form (dates without seconds, then without the time)
or a column left out; last, the one column that may be cut is cut with "…". Piped into
another program (no width), nothing gives way.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from openrush_tui.commands import output
from openrush_tui.commands.common import say

GAP = "  "


@dataclass
class Column:
    title: str
    cells: list[str]
    shorter: list[list[str]] = field(default_factory=list)  # shorter forms, in turn

    def width(self) -> int:
        return max([len(self.title), *(len(cell) for cell in self.cells)])


Step = tuple[Literal["shorten", "drop"], Column]


def terminal_width() -> int | None:
    """The width of the terminal stdout writes to; None when it is not a terminal."""
    if not output.stdout_is_terminal():
        return None
    return shutil.get_terminal_size().columns


def fit(columns: list[Column], width: int | None, steps: Sequence[Step] = (),
        cut: Column | None = None, cut_to: int = 10) -> list[Column]:
    """The columns to print: as they are with no `width`, else given way step by step until
    they fit (then `cut` is cut down, to `cut_to` at the least)."""
    shown = list(columns)
    if width is None:
        return shown

    def total() -> int:
        return sum(column.width() for column in shown) + len(GAP) * (len(shown) - 1)

    for action, column in steps:
        if total() <= width:
            return shown
        if action == "drop":
            shown.remove(column)
        elif column.shorter:
            column.cells = column.shorter.pop(0)
    if cut is not None and cut in shown and total() > width:
        room = max(cut_to, cut.width() - (total() - width))
        cut.cells = [c if len(c) <= room else c[: room - 1] + "…" for c in cut.cells]
    return shown


def print_columns(columns: Sequence[Column]) -> None:
    widths = [column.width() for column in columns]
    for row in zip(*([column.title, *column.cells] for column in columns), strict=True):
        say(GAP.join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
