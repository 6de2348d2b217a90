"""A radio set whose arrows choose and whose Enter goes on, as a dialog's first control.

Textual's `RadioSet` moves a highlight with the arrows and chooses with Enter or Space, so a
dialog that opens on it reads ↓ as doing nothing and Enter as choosing again. Here the arrows
press the next (previous) button at once, Space too, and Enter posts `Submitted`: the dialog
goes on with the choice shown, as Enter in a text field does.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import RadioSet


class ChoiceSet(RadioSet):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "choose(1)", "Next choice", show=False),
        Binding("up,left", "choose(-1)", "Previous choice", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
        Binding("enter", "submit", "Go on", show=False),
    ]

    class Submitted(Message):
        """Enter on the set: go on with the choice pressed."""

        def __init__(self, choices: ChoiceSet) -> None:
            super().__init__()
            self.choices = choices

        @property
        def control(self) -> ChoiceSet:
            return self.choices

    def action_choose(self, step: int) -> None:
        """The next (previous) enabled button, pressed: the choice follows the arrows."""
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        self.action_toggle_button()

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))
