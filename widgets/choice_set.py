"""Radio sets whose arrows choose: `ArrowChoices`, and `ChoiceSet`, whose Enter goes on too.

Textual's `RadioSet` moves a highlight with the arrows and chooses with Enter or Space, so a
dialog that opens on it reads ↓ as doing nothing and Enter as choosing again, and a set laid
out in a row (Activity's export: `▐●▌ CSV ▐○▌ JSON`) read ← and → as doing nothing (the
trial). Here the arrows press the next (previous) button at once, as radio buttons do
elsewhere: → and ↓ the next, ← and ↑ the previous, whichever way the set is laid out; Space
presses the one highlighted. `ChoiceSet`'s Enter posts `Submitted`: the dialog goes on with
the choice shown, as Enter in a text field does.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import RadioSet


class ArrowChoices(RadioSet):
    """The arrows choose; Enter and Space as in Textual's set (the one highlighted, which the
    arrows have pressed already)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "choose(1)", "Next choice", show=False),
        Binding("up,left", "choose(-1)", "Previous choice", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
    ]

    def action_choose(self, step: int) -> None:
        """The next (previous) enabled button, pressed: the choice follows the arrows."""
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        self.action_toggle_button()


class ChoiceSet(ArrowChoices):
    """A dialog's first control: the arrows choose, and Enter goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
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

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))
