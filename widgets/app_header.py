"""The one-line header: where you are, which server this terminal talks to, the balance, and
while the server's rate limit holds requests back, how long for (a countdown).

Narrower than all of it, the dollars go first, then the server's label (which says whether
this is the sandbox or the real account where keys are revoked: kept while it fits); during a
rate-limit hold, the countdown's long form, then the balance. The page's name stays `MIN_GAP`
cells apart from the rest, so the two never read as one phrase ("API access server: sandbox").
Under the low-balance threshold the balance is followed by a warning ("! Credits run out in
about 2 days", `activity.runway_gauge`).

The countdown is the header's own: given `blocked_for` (seconds the request budget holds
requests back), it reads it every second and posts `HoldEnded` when a hold is over, so that
the page whose load the hold stopped can load again. The balance and the warning are the
account's, which the page's screen keeps the header following (`show_runway`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.text.money import dollars as in_dollars

if TYPE_CHECKING:
    from openrush_tui.activity.runway import Runway

HOLD_TICK = 1.0  # seconds between two readings of the hold (the countdown's step)
# The least room between the page's name and what follows it: with one space, "API access
# server: sandbox" read as one phrase at 80 columns.
MIN_GAP = 3


class AppHeader(Widget):
    DEFAULT_CSS = """
    AppHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    page: reactive[str] = reactive("")
    server: reactive[str] = reactive("")
    balance: reactive[int | None] = reactive(None)
    hold: reactive[int] = reactive(0)  # seconds until requests go out again after a 429
    warning: reactive[str | None] = reactive(None)  # low balance: "Credits run out in 2 days"

    class HoldEnded(Message):
        """The rate limit's hold is over: requests go out again."""

    def __init__(self, blocked_for: Callable[[], float] | None = None) -> None:
        """`blocked_for`: seconds requests wait now (None: no countdown, as in tests)."""
        super().__init__()
        self._blocked_for = blocked_for

    def on_mount(self) -> None:
        if self._blocked_for is not None:
            self._count_down()
            self.set_interval(HOLD_TICK, self._count_down, name="rate-limit-hold")

    def _count_down(self) -> None:
        if self._blocked_for is None:
            return
        hold = math.ceil(self._blocked_for())
        if hold == self.hold:
            return
        ended = self.hold > 0 and hold == 0
        self.hold = hold
        if ended:
            self.post_message(self.HoldEnded())

    def show_balance(self, balance: int | None) -> None:
        self.balance = balance

    def show_runway(self, runway: Runway | None) -> None:
        """The low-balance warning of `runway`, if it is low."""
        self.warning = runway.warning if runway is not None else None

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" OpenRush ", style="bold")
        if self.page:
            line.append(f"› {self.page}")
        # The first that fits: the dollars go first, then the server's label; during a hold,
        # the countdown's long form, then the balance (the countdown says why nothing loads).
        for server, dollars, short, balance in ((True, True, False, True),
                                                (True, False, False, True),
                                                (False, True, False, True),
                                                (False, False, False, True),
                                                (False, False, True, True),
                                                (False, False, True, self.hold <= 0)):
            right = self._right(server=server, dollars=dollars, short=short, balance=balance)
            if line.cell_len + MIN_GAP + right.cell_len <= self.size.width:
                break
        if line.cell_len + MIN_GAP + right.cell_len > self.size.width:
            # The low-balance warning (or the balance) outranks the end of the page's name.
            line.truncate(max(10, self.size.width - right.cell_len - MIN_GAP),
                          overflow="ellipsis")
        gap = max(MIN_GAP, self.size.width - line.cell_len - right.cell_len)
        line.append(" " * gap)
        line.append_text(right)
        return line

    def _right(self, *, server: bool, dollars: bool, short: bool = False,
               balance: bool = True) -> Text:
        right = Text(no_wrap=True)
        if self.hold > 0:  # at 80 columns the long form left no room for the balance
            right.append(f"rate-limited {self.hold} s" if short else
                         f"rate-limited: requests wait {self.hold} s", style="bold reverse")
        if server:
            right.append("  │  server: " if right else "server: ", style="dim")
            right.append(self.server)
        if self.balance is not None and balance:
            right.append("  │  credits: " if right else "credits: ", style="dim")
            money = f" ({in_dollars(self.balance)})" if dollars else ""
            right.append(f"{self.balance:,}{money}", style="bold")
        if self.warning and self.balance is not None and balance:
            # Words and a glyph, in reverse: readable without colour.
            right.append(" ")
            right.append(f"! {self.warning}", style="bold reverse")
        right.append(" ")
        return right
