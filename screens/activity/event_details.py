"""The dialog behind Enter on an event: every field of it, as literal text: the call's method
with its endpoint, and for a failed call the message the server answered with (both OURS,
shown when the server sent them).

It can also narrow Activity to the event's key, tool or MCP client; it answers which one
("key", "tool", "client") or None, and the Activity screen does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from openrush_tui.activity.events import duration_label, error_label, is_own_read, status_label
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.money import dollars
from openrush_tui.text.times import exact, relative
from openrush_tui.widgets.literal import literal

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent

DetailsChoice = Literal["key", "tool", "client"]


def event_fields(event: UsageEvent, names: Mapping[str, str],
                 now: datetime) -> list[tuple[str, str]]:
    """(label, value) for every field; values are plain strings for `Text`, never markup."""
    key = "—"
    if event.credential_id:
        name = names.get(event.credential_id)
        prefix = (event.credential_prefix or "").rstrip(".…")
        key = " · ".join(part for part in (f"“{name}”" if name else "",
                                           f"{prefix}…" if prefix else "",
                                           event.credential_id) if part)
    endpoint = " ".join(part for part in (event.method, event.endpoint) if part)
    failed = event.status != "success"
    return [
        ("Event", event.id),
        ("Time", f"{exact(event.created_at)} ({relative(event.created_at, now)})"),
        ("Source", "MCP" if event.source == "mcp" else event.source.upper()),
        ("Tool", event.tool or "—"),
        ("Endpoint", endpoint or "—"),
        ("Status", status_label(event)),
        ("HTTP status", str(event.status_code) if event.status_code is not None else "—"),
        # Said once made safe (`error_label`: one line, secrets redacted, escapes visible).
        *([("Error", error_label(event) or "— (the server said no more)")] if failed else []),
        ("Credits", f"{event.credits:,} ({dollars(event.credits)})"),
        ("Key", key),
        ("MCP client", event.client or "—"),
        ("User agent", (event.user_agent or "—")
         + ("  (this tool's own read)" if is_own_read(event) else "")),
        ("Duration", duration_label(event)),
    ]


class EventDetails(Dialog[DetailsChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss(None)", "Close", id="event.close"),
        Binding("o", "narrow('key')", "Only this key", id="event.only-key"),
        Binding("t", "narrow('tool')", "Only this tool", id="event.only-tool"),
        Binding("c", "narrow('client')", "Only this client", id="event.only-client"),
    ]
    AUTO_FOCUS = "#close"  # Enter, pressed out of habit, closes

    def __init__(self, event: UsageEvent, names: Mapping[str, str], now: datetime) -> None:
        super().__init__()
        self.event = event
        self.names = dict(names)
        self.now = now

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in event_fields(self.event, self.names, self.now):
            grid.add_row(Text(label), literal(value))
        with Vertical(id="dialog"):
            yield Static(Text("Usage event"), id="event-title", classes="title")
            with VerticalScroll(classes="body"):
                yield Static(grid, id="event-fields")
            with Horizontal(classes="buttons"):
                if self.event.credential_id:
                    yield Button("Only this key (o)", id="only-key")
                if self.event.tool:
                    yield Button("Only this tool (t)", id="only-tool")
                if self.event.client:
                    yield Button("Only this client (c)", id="only-client")
                yield Button("Close", id="close", variant="primary")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "narrow":
            wanted = parameters[0] if parameters else None
            return bool({"key": self.event.credential_id, "tool": self.event.tool,
                         "client": self.event.client}.get(str(wanted)))
        return True

    def action_narrow(self, what: DetailsChoice) -> None:
        self.dismiss(what)

    @on(Button.Pressed, "#only-key")
    def _only_key(self) -> None:
        self.dismiss("key")

    @on(Button.Pressed, "#only-tool")
    def _only_tool(self) -> None:
        self.dismiss("tool")

    @on(Button.Pressed, "#only-client")
    def _only_client(self) -> None:
        self.dismiss("client")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
