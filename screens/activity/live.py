"""Activity's live refresh: the newest events joined on top, as often as the request budget
allows, and what the summary says about it (on, slowed, paused until…, waiting out a 429).

A mixin of `ActivityScreen` (kept apart to keep each module short). A tick every second
asks the budget (`RequestBudget.live_pace`) whether a refresh may go; the refresh's
requests are counted as live (`RequestBudget.live_refresh`), the balance it may need too,
so live refresh spends at most a tenth of the rate limit however often it ticks.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work

from openrush_tui.activity.answers import Update
from openrush_tui.activity.model import LIVE_PEEK, NEWEST_LIMIT, ActivityModel
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.widgets.usage_summary import UsageSummary

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsagePage
    from openrush_tui.tui import OpenRushApp

GROUP_LIVE = "activity-live"


class LiveRefresh:
    """What `ActivityScreen` adds to a page for live refresh (it provides the rest)."""

    model: ActivityModel
    live_interval: float
    dashboard: OpenRushApp
    is_active: bool
    loading_page: bool

    if TYPE_CHECKING:  # provided by ActivityScreen and Textual's Screen
        def busy(self, group: str) -> bool: ...
        def query_one(self, selector: type[UsageSummary]) -> UsageSummary: ...
        def _show_states(self) -> None: ...
        def _show_chart(self) -> None: ...
        def _apply(self, update: Update | None) -> None: ...
        def note_rate_limit(self) -> None: ...
        async def _page(self, limit: int, cursor: str | None = None) -> UsagePage: ...

    def note_fresh(self) -> None:
        """The newest events were just fetched: live waits a whole interval from now."""
        client = self.dashboard.session.client_if_ready
        if client is not None:
            client.budget.note_fresh()

    def _live_tick(self) -> None:
        client = self.dashboard.session.client_if_ready
        if client is None or not self.model.live:
            return
        pace = client.budget.live_pace(self.live_interval)
        # Only a countdown needs the seconds; otherwise the line redraws when the pace changes.
        shown = pace if pace.state == "blocked" else replace(pace, wait=0.0)
        self.query_one(UsageSummary).pace = shown
        # Not while a dialog (or another page) is on top, nor while a load is under way, nor
        # before the first load has shown something to join.
        if not (self.is_active and self.dashboard.session.signed_in) or pace.wait > 0:
            return
        if self.loading_page or self.busy(GROUP_LIVE) or not self.model.live_ready:
            return
        self._refresh_live(self.model.generation, self.model.newest)

    @work(group=GROUP_LIVE, exclusive=True, exit_on_error=False)
    async def _refresh_live(self, generation: int, known_newest: str | None,
                            live: bool = True) -> None:
        """The newest events joined on top: a live tick's (`live`), or r's on a page shown."""
        try:
            client = await self.dashboard.session.client()
            counted = client.budget.live_refresh() if live else contextlib.nullcontext()
            with counted:
                await self._join_newest(client, generation, known_newest, live)
        except OpenRushError as error:
            if self.model.live_failed(generation, describe_error(error)):
                self._show_states()
            return
        if not live:
            self.note_fresh()
            self.dashboard.refresh_credits()

    async def _join_newest(self, client: OpenRushClient, generation: int,
                           known_newest: str | None, live: bool) -> None:
        # Usually nothing or little is new: a small page first, the large one only if needed.
        page = await self._page(LIVE_PEEK)
        if self.model.live_needs_more(page, known_newest):
            page = await self._page(NEWEST_LIMIT)
        update = self.model.live_events(generation, known_newest, page.items)
        self.note_rate_limit()
        if update is not None and update.events:
            self._show_chart()  # the tally has them
        self._apply(update)
        if live and update is not None and any(event.credits for event in update.events):
            # Billed calls arrived: the balance moved. Asked here, so it counts as live; the
            # events are shown already, so a failure here only leaves the balance as it was.
            with contextlib.suppress(OpenRushError):
                self.dashboard.balance = (await client.credits()).balance
