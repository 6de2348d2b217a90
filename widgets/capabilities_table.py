"""Capabilities: the tools the account can call, their credit cost, and whether they are on.

The screen sets `capabilities` (or `error`); names and descriptions come from the server and
are shown as plain text, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from openrush_tui.config import WEB_BILLING_URL
from openrush_tui.text.safe import visible
from openrush_tui.widgets.lists import MotionTable
from openrush_tui.widgets.literal import literal
from openrush_tui.widgets.load_state import LoadState

if TYPE_CHECKING:
    from openrush_tui.api.models import Capabilities


class CapabilitiesTable(Vertical):
    DEFAULT_CSS = """
    CapabilitiesTable { height: auto; }
    CapabilitiesTable > DataTable { height: auto; max-height: 20; margin: 0; }
    CapabilitiesTable > LoadState { margin: 0; }
    CapabilitiesTable > #billing { height: auto; color: $text-muted; margin-top: 1; }
    """

    capabilities: reactive[Capabilities | None] = reactive(None, init=False,
                                                            always_update=True)
    error: reactive[str] = reactive("", init=False)
    filter_text: reactive[str] = reactive("", init=False)  # the page's `/`: name or description

    def compose(self) -> ComposeResult:
        table: MotionTable[Text | str] = MotionTable(id="tools", cursor_type="row",
                                                     zebra_stripes=True)
        table.add_column("Tool", key="tool")
        table.add_column("Credits", key="credits")
        table.add_column("Enabled", key="enabled")
        table.add_column("What it does", key="description")
        yield table
        yield LoadState(id="tools-state")
        yield Static(Content.assemble(
            "Credits are bought on the web only (1 credit = $0.01): ",
            (WEB_BILLING_URL, "underline"),
        ), id="billing")

    def on_mount(self) -> None:
        self.query_one(DataTable).display = False  # an empty table would still take rows
        self.query_one(LoadState).show("loading", "Loading the tools…")

    def watch_filter_text(self) -> None:
        self.watch_capabilities(self.capabilities)

    def watch_capabilities(self, capabilities: Capabilities | None) -> None:
        if capabilities is None:
            return
        self.error = ""
        table = self.query_one(DataTable)
        table.clear()
        wanted = self.filter_text.strip().casefold()
        shown = [tool for tool in capabilities.tools
                 if wanted in tool.name.casefold()
                 or wanted in (tool.description or "").casefold()]
        for tool in shown:
            table.add_row(
                literal(tool.name),
                Text(str(tool.credits) if tool.credits else "free", justify="right"),
                Text("yes" if tool.enabled else "no (402 when called)"),
                literal(tool.description, overflow="ellipsis", no_wrap=True),
            )
        table.display = bool(shown)
        state = self.query_one(LoadState)
        if wanted:
            state.show("info", f"{len(shown)} of {len(capabilities.tools)} tools match "
                               f"“{visible(self.filter_text.strip())}” (Escape clears).")
        elif capabilities.tools:
            enabled = sum(1 for tool in capabilities.tools if tool.enabled)
            state.show("info", f"{enabled} of {len(capabilities.tools)} tools are enabled for "
                               "this account.")
        else:
            state.show("empty", "The server lists no tools.")

    def watch_error(self, error: str) -> None:
        if not error:
            return
        if self.capabilities is not None and self.capabilities.tools:
            # The last good table stays: a failed refresh says so above it.
            self.query_one(LoadState).show("error", f"Could not refresh the tools: {error} "
                                                    "The table shows the last list loaded.")
            return
        self.query_one(DataTable).display = False
        self.query_one(LoadState).show("error", f"Could not load the tools: {error}")
