"""A QR code drawn in the terminal with half blocks, for a phone to scan (the browser
sign-in's `verification_uri_complete`, issue 22).

Each character cell holds two modules, one above the other: "█" both dark, "▀" the upper,
"▄" the lower, " " neither. The modules are drawn black on white whatever the theme, with a
quiet zone of `QUIET` light modules around them, since a scanner needs dark on light and a
terminal's own background may be dark. The matrix comes from `segno` (pure Python, the
smallest version that holds the text at error level L or better).

Where that cannot be drawn, `QrCode.drawable` says why not in a line to show instead: the
locale shows only ASCII (no half blocks; `text.glyphs.ascii_only`), or colours are off
(NO_COLOR, the monochrome theme: a code drawn in the terminal's own colours may come out
light on dark, which many scanners do not read). `qr_size` tells a screen how much room the
code takes, so it can leave it out when the terminal is too small.
"""

from __future__ import annotations

from functools import cache

from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from openrush_tui.text.glyphs import ascii_only
from openrush_tui.widgets.colours import without_colour

QUIET = 2  # light modules around the code (the standard's 4 cost rows a terminal lacks)
INK = Style(color="#000000", bgcolor="#ffffff")
HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


@cache
def qr_rows(text: str) -> tuple[str, ...]:
    """The code of `text` as lines of half blocks (quiet zone included)."""
    # lazy: start-up (segno loads with the first code drawn, not with the dashboard)
    import segno

    matrix = [[bool(module) for module in row]
              for row in segno.make(text, error="l", micro=False).matrix_iter(border=QUIET)]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return tuple("".join(HALVES[upper, lower] for upper, lower in zip(top, bottom, strict=True))
                 for top, bottom in zip(matrix[::2], matrix[1::2], strict=True))


def qr_size(text: str) -> Size:
    """Columns and rows the code of `text` takes."""
    rows = qr_rows(text)
    return Size(len(rows[0]), len(rows))


def why_not_drawn(app: App[object]) -> str | None:
    """Why no code can be drawn here, as the end of a sentence; None when one can."""
    if ascii_only():
        return "this terminal's locale shows only ASCII"
    if without_colour(app):
        return "colours are off"
    return None


class QrCode(Widget):
    """The QR code of `text`, black on white, its own size."""

    DEFAULT_CSS = "QrCode { width: auto; height: auto; }"

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return qr_size(self.text).width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return qr_size(self.text).height

    def render_line(self, y: int) -> Strip:
        rows = qr_rows(self.text)
        if not 0 <= y < len(rows):
            return Strip.blank(self.size.width)
        return Strip([Segment(rows[y], INK)], len(rows[y]))
