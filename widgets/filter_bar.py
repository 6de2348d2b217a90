"""The `/` filter of a page's list: a one-line bar with a text field, hidden until asked for.

The same on every page: `/` opens it (`open`), typing narrows the list as you type
(`Changed`), Enter keeps the filter and goes back to the list (`Submitted`), Escape clears
it and closes (the page's Escape binding calls `clear`). The field itself is mounted on the
first `/`: one widget less before the first frame, for a bar most visits never open.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; margin: 0 1; display: none; }
    FilterBar.-open { display: block; }
    FilterBar > Label { width: auto; padding: 0 1; color: $text-muted; }
    FilterBar > Input { width: 1fr; }
    """

    @dataclass
    class Changed(Message):
        """The filter's text changed (as it is typed)."""

        bar: FilterBar
        text: str

    @dataclass
    class Submitted(Message):
        """Enter: the filter is kept and the list takes the keyboard again."""

        bar: FilterBar

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = label

    def compose(self) -> ComposeResult:
        yield Label(self._label)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def text(self) -> str:
        fields = self.query(Input)
        return fields.first().value if fields else ""

    async def open(self) -> None:
        """Show the bar and put the cursor in its field."""
        if not self.query(Input):
            await self.mount(Input(placeholder="type to narrow; Enter keeps, Escape clears",
                                   compact=True, id="filter"))
        self._set_open(True)
        # At once, not `focus()` (which waits its turn in the app's queue): what is typed
        # right after `/`, already queued, must land in the field, not on the page ("n…"
        # would open New key).
        field = self.query_one(Input)
        self.screen.set_focus(field)
        # Into view, at the top, once laid out (just shown, it has no place yet): on Setup
        # at 80x24 the bar and what it narrows sit in the capabilities box, below the fold.
        self.call_after_refresh(self.scroll_visible, top=True, animate=False)

    def clear(self) -> None:
        """Empty the field (the list shows everything again) and close the bar."""
        for field in self.query(Input):
            field.value = ""
        self._set_open(False)

    def _set_open(self, shown: bool) -> None:
        self.set_class(shown, "-open")
        # Hiding the field itself keeps it out of the focus chain.
        for field in self.query(Input):
            field.display = shown
        self.screen.refresh_bindings()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self._set_open(False)
        self.post_message(self.Submitted(self))
