"""A checkbox and a radio button whose state shows in the glyph, not only in its colour.

Textual draws the same ``X`` (``●``) checked or not and tells them apart by colour, which
NO_COLOR and a monochrome theme take away. Here a checked box shows ``X`` and an empty one
nothing; a chosen radio button ``●`` and the others ``○``.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class GlyphCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class GlyphRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else "○"
