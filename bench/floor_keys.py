"""The floor of our stack for start-up (issue 23): a one-file Textual + httpx + pydantic app that
fetches the key list from ``openrush-tui sandbox serve`` over loopback HTTP with an ``or_`` key,
parses it with a pydantic model and shows it in a DataTable.

``OPENRUSH_API_URL=http://127.0.0.1:PORT OPENRUSH_KEY=or_… python bench/floor_keys.py``

Written as a careful author would write it with the same libraries, and no more: the first
frame imports Textual only; httpx and pydantic load in a thread worker started with it
(Textual's pattern for blocking work), which fetches with httpx's plain client (no event-loop
plumbing, no CA bundle for a plain-http URL), validates with pydantic and hands the rows to the
event loop. It draws the same marker as the
dashboard once the names are on screen (" keys, " in a summary line), so bench/startup.py
times both the same way. Not a test and not part of the package.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

COLUMNS = ("Name", "Prefix", "Status", "Created", "Last used")


def fetch_keys(base_url: str, key: str) -> list[tuple[str, ...]]:
    """GET the key list and validate it with pydantic: the rows to show (runs in a thread)."""
    from datetime import datetime

    import httpx
    from pydantic import BaseModel

    class ApiCredential(BaseModel):
        id: str
        name: str
        prefix: str
        is_active: bool = True
        created_at: datetime
        last_used_at: datetime | None = None
        expires_at: datetime | None = None

    class KeyList(BaseModel):
        api_credentials: list[ApiCredential]

    # verify: no CA bundle for plain http, which never uses one (~30 ms): the floor, not a
    # straw man (the dashboard skips it too).
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"},
                      timeout=10, verify=base_url.startswith("https://")) as client:
        response = client.get("/v1/me/api-credentials")
        response.raise_for_status()
    keys = KeyList.model_validate_json(response.content).api_credentials
    return [(k.name, k.prefix, "active" if k.is_active else "revoked",
             f"{k.created_at:%Y-%m-%d}",
             f"{k.last_used_at:%Y-%m-%d}" if k.last_used_at else "never") for k in keys]


class FloorKeys(App[None]):
    TITLE = "OpenRush"
    BINDINGS: ClassVar = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading keys…", id="summary")
        yield DataTable(id="keys", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.load()

    @work(thread=True, exit_on_error=True)
    def load(self) -> None:
        rows = fetch_keys(os.environ["OPENRUSH_API_URL"], os.environ["OPENRUSH_KEY"])
        self.call_from_thread(self.show, rows)

    def show(self, rows: list[Any]) -> None:
        self.query_one(DataTable).add_rows(rows)
        active = sum(row[2] == "active" for row in rows)
        self.query_one("#summary", Static).update(f"{len(rows)} keys, {active} active")


if __name__ == "__main__":
    FloorKeys().run()
