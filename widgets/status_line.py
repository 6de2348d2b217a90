"""A `LoadState` redrawn only when what it says changes: a new text re-lays out the screen,
and API access works its line out again on every keystroke of the filter.

A new text of the same kind that fits on the line as the old one did is drawn without laying
the screen out again: the count of keys loaded so far changes with each slice of a large list
(issue 23), and a layout of the whole screen for each would cost the event loop more than the
slice itself.

`Freshness` says what a page's status line cannot: that r, pressed again within
`REUSE_FOR` of the last answer, asked the server nothing (the request budget answered from that
answer: the rate limit is spent like money, and a burst of presses costs one request every
2 s). The line showed no "Refreshing…" then, and the page looked as if r did nothing (trial 8).
"""

from __future__ import annotations

from collections.abc import Callable
from math import floor

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from openrush_tui.api.budget import REUSE_FOR
from openrush_tui.widgets.load_state import LoadState, State
from openrush_tui.widgets.textual_private import dismiss_toasts

UP_TO_DATE = "Up to date"  # the toast's title


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


def up_to_date(what: str, age: float) -> str:
    """The toast's words for r answered from an answer `age` s old: "The keys were loaded
    1 s ago; r asks the server again 2 s after a load." (`what`: keys)."""
    seconds = floor(min(max(age, 0.0), REUSE_FOR))
    when = "just now" if seconds < 1 else f"{seconds} s ago"
    return (f"The {what} were loaded {when}; r asks the server again {REUSE_FOR:g} s after "
            "a load.")


class Freshness:
    """When a page last asked the server, on the request budget's clock (`clock`), and what to
    say when a load of its (r's) asked nothing. A load calls `starting` with the budget's count
    of requests sent (`RequestBudget.sent`), then `ended` with the count once shown."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._asked_at: float | None = None  # when a load last sent a request
        self._sent: int | None = None  # the count as the load under way started
        self._by_hand = False  # ...and whether r started it

    def starting(self, sent: int, *, by_hand: bool) -> None:
        self._sent, self._by_hand = sent, by_hand

    def ended(self, node: Widget, sent: int, what: str) -> None:
        """Said in a toast when r's load sent nothing (the budget's last answer, at most
        `REUSE_FOR` old, is the one shown); the one said before goes (a burst of r, one toast).
        A load that asked the server says nothing here: its line said "Refreshing…"."""
        started, by_hand = self._sent, self._by_hand
        self._sent, self._by_hand = None, False
        if started is None:
            return
        now = self._clock()
        if sent != started:
            self._asked_at = now
            return
        if not by_hand:
            return
        age = 0.0 if self._asked_at is None else now - self._asked_at
        dismiss_toasts(node.app, lambda note: note.title == UP_TO_DATE)
        node.notify(up_to_date(what, age), title=UP_TO_DATE, markup=False)
