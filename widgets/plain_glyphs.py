"""Under a locale that cannot show Unicode (LANG=C: `text.glyphs.ascii_only`), the line
filter that draws every glyph on the dashboard in ASCII, one character per cell: Textual's
borders, scrollbars and toggles, the pages' marks and arrows, "…" and quotes in messages. The
App installs it beside `TerminalSafe`; widgets that lay out their own text (the usage chart)
pick ASCII glyphs themselves first, so their labels read as well as they can."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from openrush_tui.text.glyphs import ascii_only, cell_table


class PlainGlyphs(LineFilter):
    """Each symbol with an ASCII look-alike drawn as that look-alike (`glyphs.cell_table`);
    letters (a key's name in another script) are left as they are. Enabled where the locale
    at start-up says ASCII."""

    def __init__(self) -> None:
        super().__init__(enabled=ascii_only())

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not self.enabled or all(segment.text.isascii() for segment in segments):
            return segments
        table = cell_table()
        return [segment if segment.control or segment.text.isascii()
                else Segment(segment.text.translate(table), segment.style)
                for segment in segments]
