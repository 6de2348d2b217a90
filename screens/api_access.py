"""API access: the account's keys. Create, reveal-once and revoke build on this page."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer

from openrush_tui.display import visible
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.timefmt import relative
from openrush_tui.widgets.load_state import LoadState

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential

STATUS_STYLES = {"active": "green", "revoked": "dim", "expired": "yellow"}


class ApiAccessScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "API access"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield LoadState(id="keys-state")
        table: DataTable[Text] = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Prefix", "Status", "Created", "Last used", "Expires")
        yield table
        yield Footer()

    async def fetch(self) -> list[ApiCredential]:
        client = await self.dashboard.session.client()
        return await client.list_keys()

    def show_loading(self) -> None:
        table = self.query_one("#keys", DataTable)
        if table.row_count == 0:
            self.query_one("#keys-state", LoadState).show("loading", "Loading keys…")

    def show(self, keys: list[ApiCredential]) -> None:
        now = self.dashboard.now()
        table = self.query_one("#keys", DataTable)
        table.clear()
        for key in keys:
            status = key.status(now)
            table.add_row(
                Text(visible(key.name)),
                Text(visible(key.display_prefix)),
                Text(status, style=STATUS_STYLES[status]),
                Text(relative(key.created_at, now)),
                Text(relative(key.last_used_at, now)),
                Text(relative(key.expires_at, now, missing="never")),
                key=key.id,
            )
        state = self.query_one("#keys-state", LoadState)
        if keys:
            active = sum(1 for key in keys if key.status(now) == "active")
            state.show("info", f"{len(keys)} keys, {active} active")
        else:
            state.show("empty", "No API keys yet. Create one to call the API from your own code.")

    def show_error(self, message: str) -> None:
        # The last good list stays on screen; the error says what happened above it.
        self.query_one("#keys-state", LoadState).show("error", message)

    def show_signed_out(self) -> None:
        self.query_one("#keys-state", LoadState).show(
            "info", "This terminal is not signed in. Press 1 for Setup to see how to sign in."
        )
