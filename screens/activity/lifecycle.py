"""Activity's part of the key lifecycle: export the view (w) and the credit runway.

- Export: `screens.activity.export.ActivityExportScreen` (imported when first opened) with the view
  the page shows: its filters, its period, whether own reads are shown, the keys' names.
- Runway: how many days the balance lasts at the last 7 days' spend, in the summary. With
  no filter but the period, the page has already counted those days for its chart, so the
  runway costs no request (`activity.runway.runway_of_bars`) and the header's warning uses it
  too (`app_runway`); with a filter, the summary shows the app's runway (one request every
  10 minutes at most, see `screens.app_runway`).

A `Screen` class rather than a plain mixin so that Textual merges its bindings into the
page's (it does so only for DOM classes); `ActivityScreen` provides the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from openrush_tui.widgets.keymap import ACT
from openrush_tui.widgets.usage_summary import UsageSummary

if TYPE_CHECKING:
    from openrush_tui.activity.model import ActivityModel
    from openrush_tui.activity.runway import Runway
    from openrush_tui.tui import OpenRushApp


class ActivityLifecycle(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "export", "Export", id="activity.export", group=ACT,
                tooltip="Write this view to a CSV or JSON file"),
    ]

    if TYPE_CHECKING:  # provided by ActivityScreen
        model: ActivityModel
        dashboard: OpenRushApp

    def on_mount(self) -> None:
        # The page's own on_mount runs as well; these watch what it already keeps up to date.
        summary = self.query_one(UsageSummary)
        self.watch(summary, "figures", lambda _figures: self._count_runway(), init=False)
        self.watch(self.app, "balance", lambda _balance: self._count_runway(), init=False)
        self.watch(self.app, "runway", self._show_runway)

    # -- export ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return self.dashboard.session.signed_in
        return super().check_action(action, parameters)  # ActivityKeys'

    def action_export(self) -> None:
        if not self.dashboard.session.signed_in:
            self.notify("Sign in first: press 1 for Setup.", severity="warning")
            return
        from openrush_tui.screens.activity.export import ActivityExportScreen

        model = self.model
        self.app.push_screen(ActivityExportScreen(model.showing, model.names,
                                                  hide_own=not model.show_own),
                             self._export_closed)

    def _export_closed(self, message: str | None) -> None:
        if message:
            self.notify(message, title="Export", timeout=12, markup=False)

    # -- runway ---------------------------------------------------------------------------

    @property
    def counts_runway(self) -> bool:
        """No filter but the period: the chart counts the runway's days (no request)."""
        return not (self.model.filter.active or self.model.showing.active)

    def _count_runway(self) -> None:
        """The chart's figures changed: with no filter, the runway from its counted days."""
        from openrush_tui.activity.runway import runway_of_bars

        model, balance = self.model, self.dashboard.balance
        if balance is None or not self.counts_runway:
            return
        runway = runway_of_bars(balance, model.tally.bars("credits"), self.dashboard.now())
        if runway is not None:
            self.dashboard.runway_counted(runway)

    def _show_runway(self, runway: Runway | None) -> None:
        self.query_one(UsageSummary).runway = runway
