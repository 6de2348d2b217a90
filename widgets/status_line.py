"""A `LoadState` redrawn only when what it says changes: a new text re-lays out the screen,
and API access works its line out again on every keystroke of the filter."""

from __future__ import annotations

from openrush_tui.widgets.load_state import LoadState, State


class StatusLine(LoadState):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._said: tuple[State, str] = ("idle", "")

    def show(self, state: State, message: str = "") -> None:
        if (state, message) != self._said:
            self._said = (state, message)
            super().show(state, message)
