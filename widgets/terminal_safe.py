"""The last-resort line filter under the whole dashboard (the App installs it)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from openrush_tui.text.safe import strip_unsafe


class TerminalSafe(LineFilter):
    """Removes controls, format characters and separators from every segment drawn.

    The views show server strings through `openrush_tui.text.safe` (as visible escapes);
    this is the net under all of them. Each character removed leaves the cells it took (as
    U+FFFD; usually none), so nothing moves. Textual's line filters are the one place every
    drawn line passes through.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        return [segment if segment.control or segment.text.isprintable()
                else Segment(strip_unsafe(segment.text, cell_len), segment.style)
                for segment in segments]
