"""Rows of a label and words, under headings: the words wrap beside their label (a hanging
indent) at whatever width the widget has. The help's keys, the recent messages."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

Row = tuple[str, str, str]  # (label, words, style); no label: a heading (no words: a gap)


class LabelledList(Widget):
    # Wrapped here (with the indent); Textual wrapping it again would drop the indent.
    DEFAULT_CSS = "LabelledList { height: auto; text-wrap: nowrap; }"

    def __init__(self, rows: list[Row], *, label_width: int = 14,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.label_width = label_width

    def lines(self, width: int) -> list[Text]:
        room = max(10, width - self.label_width - 2)
        lines = []
        for label, words, style in self.rows:
            if not label:
                lines.append(Text(words, style="bold underline" if words else ""))
                continue
            for index, part in enumerate(textwrap.wrap(words, room) or [""]):
                line = Text()
                line.append(f"{label if index == 0 else '':<{self.label_width}}  ",
                            style=f"bold {style}".strip())
                line.append(part, style=style)
                lines.append(line)
        return lines

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    @property
    def plain(self) -> str:
        """The text at 80 columns (for tests and tools)."""
        return "\n".join(line.plain for line in self.lines(80))
