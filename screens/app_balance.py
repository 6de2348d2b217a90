"""The App's part of the header: the balance, and the countdown while the rate limit holds
requests back (after which the page whose load it stopped loads again).

A mixin of `OpenRushApp` (kept apart to keep tui.py short); `balance` and `hold` are the
App's reactives, and these are their watchers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from textual import work

if TYPE_CHECKING:
    from textual.screen import Screen

    from openrush_tui.session import Session


class BalanceHeader:
    """The header's balance and rate-limit countdown, for `OpenRushApp`."""

    session: Session
    runway_warning: str | None  # `app_runway.RunwayWarning`
    balance: int | None
    hold: int

    if TYPE_CHECKING:  # provided by Textual's App
        screen: Screen[Any]
        screen_stack: list[Screen[Any]]

    def _count_down_hold(self) -> None:
        """After a 429 the request budget holds requests: the header counts down, and the
        page whose load it stopped loads again when the hold ends."""
        client = self.session.client_if_ready
        hold = 0 if client is None else math.ceil(client.budget.blocked_for())
        if hold == self.hold:
            return
        ended = self.hold > 0 and hold == 0
        self.hold = hold
        from openrush_tui.screens.base import DashboardScreen

        if ended and isinstance(self.screen, DashboardScreen) and self.screen.load_failed:
            self.screen.action_reload()

    def watch_balance(self) -> None:
        self.headers_changed()

    def watch_hold(self) -> None:
        self.headers_changed()

    def headers_changed(self) -> None:
        from openrush_tui.widgets.app_header import AppHeader

        if not self.screen_stack:  # not running (yet): nothing is drawn
            return
        for header in self.screen.query(AppHeader):
            header.balance = self.balance
            header.hold = self.hold
            header.warning = self.runway_warning  # low balance (`app_runway`)

    def refresh_credits(self) -> None:
        if self.session.signed_in:
            self._fetch_balance()

    @work(group="credits", exclusive=True, exit_on_error=False)
    async def _fetch_balance(self) -> None:
        client = await self.session.client()
        self.balance = (await client.credits()).balance
