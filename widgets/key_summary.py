"""The key under the cursor of API access's list, under it: name, prefix, status and id, then
when it was created, last used and expires (exact times).

As many lines as the width needs (at 80 columns a used key that expires takes three: on two,
"expires …" was cut off). A line breaks only between two parts ("created …", "last used …"),
never inside one, so each time reads whole; a part wider than the line (a very long name)
wraps on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rich.measure import Measurement
from rich.text import Text
from textual.widgets import Static

from openrush_tui.keys.view import KeyRow
from openrush_tui.text.times import exact

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions


class Parts:
    """Groups of parts, each group from a new line, its parts joined by its separator and
    broken into lines between parts only (a Rich renderable: it lays out at any width)."""

    def __init__(self, *groups: tuple[str, Sequence[Text]]) -> None:
        self.groups = groups

    def lines(self, width: int) -> Iterator[Text]:
        for separator, parts in self.groups:
            line = Text()
            for part in parts:
                if line and line.cell_len + len(separator) + part.cell_len > width:
                    yield line
                    line = Text()
                if line:
                    line.append(separator)
                line.append_text(part)
            yield line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        yield from self.lines(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        parts = [part for _separator, group in self.groups for part in group]
        widest = max((line.cell_len for line in self.lines(10_000)), default=0)
        return Measurement(max((part.cell_len for part in parts), default=0), widest)

    @property
    def plain(self) -> str:
        """The text on one line a group (what a test or a screen reader reads)."""
        return "\n".join(line.plain for line in self.lines(10_000))


class KeySummary(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._height: int | None = None  # lines the last summary took, at `_width`
        self._width = 0

    def show(self, row: KeyRow | None) -> None:
        """Describe `row` (None: no row is under the cursor, the lines are empty)."""
        if row is None:
            self._height = None
            self.update("")
            return
        key = row.key
        parts = Parts(
            ("  ", [Text(row.name, style="bold"), Text(row.prefix), Text(row.status),
                    Text(f"({row.shown_id})")]),
            (" · ", [Text(f"created {exact(key.created_at)}"),
                     Text(f"last used {exact(key.last_used_at, missing='never')}"),
                     Text(f"expires {exact(key.expires_at, missing='never')}")]),
        )
        # Each move of the cursor shows another key: the screen is laid out again only when
        # the summary takes another number of lines (a layout is most of a move's cost).
        width = self.content_size.width
        height = self._lines(parts, width) if width > 0 else None
        same = height is not None and (height, width) == (self._height, self._width)
        self._height, self._width = height, width
        self.update(parts, layout=not same)

    def _lines(self, parts: Parts, width: int) -> int:
        """How many lines `parts` take at `width` (a part wider than a line wraps)."""
        console = self.app.console
        return sum(len(line.wrap(console, width)) for line in parts.lines(width))
