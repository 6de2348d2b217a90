"""What Activity's keys do: the filters (`/` over the rows loaded, `f` the filter dialog,
Escape clears), the period, the metric, this tool's own reads, live refresh, counting more,
and Enter on an event.

A mixin of `ActivityScreen` (kept apart to keep each module short); the page provides the
model, the table and the loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import DataTable

from openrush_tui.activity.answers import Update
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.usage_summary import UsageSummary

if TYPE_CHECKING:
    from openrush_tui.activity.filters import ActivityFilter
    from openrush_tui.activity.model import ActivityModel
    from openrush_tui.tui import OpenRushApp
    from openrush_tui.widgets.event_table import EventTable

GROUP_CHART = "activity-chart"


class ActivityKeys:
    """The actions of `ActivityScreen` (it provides the rest)."""

    model: ActivityModel
    dashboard: OpenRushApp

    if TYPE_CHECKING:  # provided by ActivityScreen and Textual's Screen
        table: EventTable
        filter: ActivityFilter
        def busy(self, group: str) -> bool: ...
        def query_one(self, selector: type[FilterBar]) -> FilterBar: ...
        def set_filter(self, new: ActivityFilter | None) -> None: ...
        def _show_states(self) -> None: ...
        def _show_chart(self) -> None: ...
        def _apply(self, update: Update | None) -> None: ...
        def _count_more(self) -> None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def refresh_bindings(self) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # Escape is offered while there is a filter to clear
            return bool(self.model.text) or self.query_one(FilterBar).is_open \
                or self.filter.active
        if action == "more_chart":
            return self.model.can_count_more and not self.busy(GROUP_CHART)
        return super().check_action(action, parameters)  # type: ignore[misc] (the page's)

    # -- filters ---------------------------------------------------------------------------

    async def action_filter(self) -> None:
        await self.query_one(FilterBar).open()

    def on_filter_bar_changed(self, event: FilterBar.Changed) -> None:
        self.model.text = event.text
        self._apply(Update(rows=True))
        self.refresh_bindings()

    def on_filter_bar_submitted(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Escape: the `/` filter first (the rows come back at once), then the others."""
        bar = self.query_one(FilterBar)
        if self.model.text or bar.is_open:
            bar.clear()
            self.model.text = ""
            self._apply(Update(rows=True))
            self.refresh_bindings()
        else:
            self.set_filter(self.filter.cleared())
        self.table.focus()

    def action_filters(self) -> None:
        from openrush_tui.screens.activity.filters import ActivityFilters

        dialog = ActivityFilters(self.filter, self.model.keys, self.model.tool_choices(),
                                 self.model.client_choices())
        self.dashboard.push_screen(dialog, self.set_filter)

    def action_period(self) -> None:
        self.set_filter(self.filter.next_period())

    # -- what is shown ---------------------------------------------------------------------

    def action_metric(self) -> None:
        self.model.switch_metric()
        self._show_chart()

    def action_toggle_hidden(self) -> None:
        """h: this tool's own reads of the account, hidden or shown (API access's h is the
        same idea: the rows a page hides)."""
        shown = self.model.switch_own()
        self._apply(Update(rows=True))
        self._show_chart()
        self.notify("This dashboard's and the CLI's own reads of the account are shown." if shown
                    else "Own reads hidden again.", timeout=4, markup=False)

    def action_live(self) -> None:
        self.query_one(UsageSummary).live = self.model.switch_live()
        self.dashboard.remember(activity_live=self.model.live)
        self._show_states()

    def action_more_chart(self) -> None:
        if not self.busy(GROUP_CHART):
            self._count_more()
            self._show_chart()

    def palette_titles(self) -> dict[str, str]:
        """What the command palette calls these keys now (their state in words)."""
        later = self.filter.next_period().days
        return {"activity.live": "Live refresh: turn off" if self.model.live
                else "Live refresh: turn on",
                "activity.period": f"Show the last {later} days",
                "activity.own": "Hide this tool's own reads" if self.model.show_own
                else "Show this tool's own reads",
                "activity.metric": "Chart calls" if self.model.metric == "credits"
                else "Chart credits"}

    # -- an event --------------------------------------------------------------------------

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        from openrush_tui.screens.activity.event_details import EventDetails

        chosen = self.model.event(message.row_key.value)
        if chosen is not None:
            self.dashboard.push_screen(
                EventDetails(chosen, self.model.names, self.dashboard.now()),
                lambda what: self.set_filter(self.model.narrowed(chosen, what)))
