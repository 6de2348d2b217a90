"""A checkbox and a radio button whose state shows in the glyph, not only in its colour.

Textual draws the same ``X`` (``●``) checked or not and tells them apart by colour, which
NO_COLOR and a monochrome theme take away. Here a checked box shows ``X`` and an empty one
nothing; a chosen radio button ``●`` and the others ``○``.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class GlyphCheckbox(Checkbox):
    # Textual's BUTTON_INNER is a class attribute: a property reads this button's state.
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # see above
        return "X" if self.value else " "


class GlyphRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # as GlyphCheckbox's
        return "●" if self.value else "○"
