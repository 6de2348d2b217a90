"""Activity: the latest API and MCP usage of the account, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer

from openrush_tui.display import visible
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.timefmt import short
from openrush_tui.widgets.load_state import LoadState

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent, UsagePage

PAGE_SIZE = 50
STATUS_STYLES = {"success": "green", "error": "red", "rate_limited": "yellow"}


def who(event: UsageEvent) -> str:
    """The key's prefix for API calls, the client's name for MCP calls."""
    if event.credential_prefix:
        return event.credential_prefix.rstrip(".…") + "…"
    return event.client or ("session" if event.source == "api" else "—")


def status_cell(event: UsageEvent) -> Text:
    label = event.status.replace("_", " ")
    if event.status != "success" and event.status_code:
        label = f"{label} {event.status_code}"
    return Text(label, style=STATUS_STYLES.get(event.status, ""))


class ActivityScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Activity"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield LoadState(id="events-state")
        table: DataTable[Text] = DataTable(id="events", cursor_type="row", zebra_stripes=True)
        table.add_columns("Time", "Source", "Tool", "Key or client", "Status", "Credits",
                          "Duration")
        yield table
        yield Footer()

    async def fetch(self) -> UsagePage:
        client = await self.dashboard.session.client()
        return await client.usage(limit=PAGE_SIZE)

    def show_loading(self) -> None:
        if self.query_one("#events", DataTable).row_count == 0:
            self.query_one("#events-state", LoadState).show("loading", "Loading activity…")

    def show(self, page: UsagePage) -> None:
        now = self.dashboard.now()
        table = self.query_one("#events", DataTable)
        table.clear()
        for event in page.items:
            table.add_row(
                Text(short(event.created_at, now)),
                Text(event.source.upper()),
                Text(visible(event.tool or event.endpoint or "—")),
                Text(visible(who(event))),
                status_cell(event),
                Text(str(event.credits), justify="right"),
                Text(f"{event.duration_ms:,} ms" if event.duration_ms is not None else "—",
                     justify="right"),
                key=event.id,
            )
        state = self.query_one("#events-state", LoadState)
        if page.items:
            more = " (more available)" if page.next_cursor else ""
            state.show("info", f"Latest {len(page.items)} events{more}")
        else:
            state.show("empty", "No API or MCP calls yet. Calls made with your keys or agents "
                                "show up here.")

    def show_error(self, message: str) -> None:
        self.query_one("#events-state", LoadState).show("error", message)

    def show_signed_out(self) -> None:
        self.query_one("#events-state", LoadState).show(
            "info", "This terminal is not signed in. Press 1 for Setup to see how to sign in."
        )
