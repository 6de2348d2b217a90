"""Lines of fixed-width cells for Line API widgets (the key table), built straight from
pre-styled segments rather than Rich `Text`, which is much slower per line."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis (wide characters too)."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""


def line(segments: list[Segment], width: int, fill: Style) -> Strip:
    """`segments` as a strip exactly `width` cells wide: padded with `fill`, or cropped."""
    used = sum(cell_len(segment.text) for segment in segments)
    if used < width:
        segments.append(Segment(" " * (width - used), fill))
        return Strip(segments, width)
    return Strip(segments, used).crop(0, width)
