"""A `LoadState` redrawn only when what it says changes: a new text re-lays out the screen,
and API access works its line out again on every keystroke of the filter.

A new text of the same kind that fits on the line as the old one did is drawn without laying
the screen out again: the count of keys loaded so far changes with each slice of a large list
(issue 23), and a layout of the whole screen for each would cost the event loop more than the
slice itself.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from openrush_tui.widgets.load_state import LoadState, State


class StatusLine(LoadState):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._said: tuple[State, str] = ("idle", "")

    def show(self, state: State, message: str = "") -> None:
        if (state, message) == self._said:
            return
        old_state, old_message = self._said
        self._said = (state, message)
        width = self.content_size.width
        if state == old_state and width > 0 and message and old_message and \
                "\n" not in message + old_message and \
                max(cell_len(message), cell_len(old_message)) <= width:
            self.update(Text(message), layout=False)  # one line before and after
            return
        super().show(state, message)
