"""The floor of our stack for memory (issue 23): a one-file, three-page Textual + httpx + pydantic
app against ``openrush-tui sandbox serve``, for the peak memory after the three pages.

``OPENRUSH_API_URL=http://127.0.0.1:PORT OPENRUSH_KEY=or_… python bench/floor_pages.py``

The same pages as the dashboard's, at their plainest, each fetching what ours fetches first
and validating it with pydantic: API access (the balance and the key list in a DataTable),
Activity (a page of 50 events in a DataTable, and the credits spent per day in a Sparkline),
Setup ("This terminal": the server and the key, masked; the tools in a DataTable). 1, 2 and 3
switch pages, as in the dashboard; each page draws the marker bench/startup.py waits for
(" keys, ", "per day", "This terminal"). As in bench/floor_keys.py, Textual alone loads before
the first frame, and httpx and pydantic in thread workers after it. Not a test and not part of
the package.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

_models: dict[str, Any] = {}
_clients: list[Any] = []


def models() -> dict[str, Any]:
    """The pydantic models, made once (in a worker thread: pydantic loads there)."""
    if not _models:
        from datetime import datetime

        from pydantic import BaseModel, Field

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

        class Credits(BaseModel):
            balance: int

        class Event(BaseModel):
            id: str
            created_at: datetime
            source: str
            tool: str | None = None
            endpoint: str | None = None
            status: str
            status_code: int | None = None
            credits: int = 0
            credential_prefix: str | None = None
            duration_ms: int | None = None

        class UsagePage(BaseModel):
            items: list[Event]
            next_cursor: str | None = None

        class Tool(BaseModel):
            name: str
            credits: int = 0
            enabled: bool = True
            description: str = ""

        class ToolsData(BaseModel):
            tools: list[Tool] = Field(default_factory=list)

        class Capabilities(BaseModel):
            data: ToolsData

        _models.update(KeyList=KeyList, Credits=Credits, UsagePage=UsagePage,
                       Capabilities=Capabilities)
    return _models


def get(path: str, model: str, **params: Any) -> Any:
    """GET `path` with the key, validated as `model` (runs in a thread; one client for all)."""
    import httpx

    if not _clients:
        url = os.environ["OPENRUSH_API_URL"]
        _clients.append(httpx.Client(  # no CA bundle for plain http (as floor_keys.py)
            base_url=url, timeout=10, verify=url.startswith("https://"),
            headers={"Authorization": f"Bearer {os.environ['OPENRUSH_KEY']}"}))
    response = _clients[0].get(path, params=params)
    response.raise_for_status()
    return models()[model].model_validate_json(response.content)


class KeysPage(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading keys…", id="summary")
        yield DataTable(id="keys", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Name", "Prefix", "Status", "Created", "Last used")
        self.load()

    @work(thread=True, exit_on_error=True)
    def load(self) -> None:
        balance = get("/v1/me/credits", "Credits").balance
        keys = get("/v1/me/api-credentials", "KeyList").api_credentials
        rows = [(k.name, k.prefix, "active" if k.is_active else "revoked",
                 f"{k.created_at:%Y-%m-%d}",
                 f"{k.last_used_at:%Y-%m-%d}" if k.last_used_at else "never") for k in keys]
        active = sum(k.is_active for k in keys)
        self.app.call_from_thread(self.show, rows,
                                  f"{len(keys)} keys, {active} active · {balance} credits")

    def show(self, rows: list[Any], summary: str) -> None:
        self.query_one(DataTable).add_rows(rows)
        self.query_one("#summary", Static).update(summary)


class ActivityPage(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Sparkline([], id="chart")
        yield Static("Loading activity…", id="legend")
        yield DataTable(id="events", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Time", "Source", "Tool", "Status", "Credits",
                                              "Key", "Duration")
        self.load()

    @work(thread=True, exit_on_error=True)
    def load(self) -> None:
        events = get("/v1/me/usage", "UsagePage", limit=50).items
        per_day = Counter[str]()
        for event in events:
            per_day[f"{event.created_at:%Y-%m-%d}"] += event.credits
        rows = [(f"{e.created_at:%H:%M:%S}", e.source, e.tool or e.endpoint or "", e.status,
                 str(e.credits), e.credential_prefix or "", f"{e.duration_ms or 0} ms")
                for e in events]
        self.app.call_from_thread(self.show, rows, [per_day[day] for day in sorted(per_day)])

    def show(self, rows: list[Any], per_day: list[int]) -> None:
        self.query_one(DataTable).add_rows(rows)
        self.query_one(Sparkline).data = per_day
        self.query_one("#legend", Static).update("Credits spent per day")


class SetupPage(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        key = os.environ["OPENRUSH_KEY"]
        yield Static(f"Server: {os.environ['OPENRUSH_API_URL']}\nKey: {key[:9]}…{key[-4:]}",
                     id="terminal")
        yield DataTable(id="tools", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#terminal").border_title = "This terminal"
        self.query_one(DataTable).add_columns("Tool", "Credits", "Enabled", "What it does")
        self.load()

    @work(thread=True, exit_on_error=True)
    def load(self) -> None:
        tools = get("/v1/capabilities", "Capabilities").data.tools
        rows = [(t.name, str(t.credits), "yes" if t.enabled else "no", t.description)
                for t in tools]
        self.app.call_from_thread(self.query_one(DataTable).add_rows, rows)


class FloorPages(App[None]):
    TITLE = "OpenRush"
    CSS = "#terminal { border: round $primary; height: auto; }"
    MODES: ClassVar = {"setup": SetupPage, "keys": KeysPage, "activity": ActivityPage}
    DEFAULT_MODE = "keys"
    BINDINGS: ClassVar = [("1", "switch_mode('setup')", "Setup"),
                          ("2", "switch_mode('keys')", "API access"),
                          ("3", "switch_mode('activity')", "Activity"), ("q", "quit", "Quit")]


if __name__ == "__main__":
    FloorPages().run()
