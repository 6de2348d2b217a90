"""When colour says nothing: under NO_COLOR, or with the monochrome theme (registered by the
app), widgets tell things apart by glyphs and words instead (`without_colour`)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.theme import Theme

# A theme with no colour at all, for terminals and people that do without.
MONOCHROME = Theme(name="monochrome", primary="#e0e0e0", secondary="#c0c0c0",
                   accent="#a0a0a0", warning="#ffffff", error="#ffffff", success="#ffffff",
                   foreground="#e0e0e0", background="#000000", surface="#111111",
                   panel="#262626", dark=True)


def without_colour(app: App[Any]) -> bool:
    """Colour says nothing here (NO_COLOR, or the monochrome theme): use glyphs and words."""
    return bool(app.no_color or app.theme == MONOCHROME.name)
