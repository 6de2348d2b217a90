"""Capabilities: the tools the account can call, their credit cost, and whether they are on.

The screen sets `capabilities` (or `error`); names and descriptions come from the server and
are shown as plain text, never markup.

The table always fits its width, so that no column header is cut: Tool, Credits and Enabled
take what their words need, and the description gets the rest (its cells end in "…"). Where
the rest would be too narrow for it (60 columns), the column goes and the description of the
tool under the cursor is shown whole below the table instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on
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
    from openrush_tui.api.models import Capabilities, Tool

MIN_DESCRIPTION = 20  # narrower than this, the description shows below the table
DESCRIPTION = "What it does"


class CapabilitiesTable(Vertical):
    DEFAULT_CSS = """
    CapabilitiesTable { height: auto; }
    CapabilitiesTable > DataTable { height: auto; max-height: 20; margin: 0; }
    CapabilitiesTable > LoadState { margin: 0; }
    CapabilitiesTable > #tool-about { height: auto; margin: 1 1 0 1; padding: 0 1; display: none; }
    CapabilitiesTable > #tool-about.-shown { display: block; }
    CapabilitiesTable > #billing { height: auto; color: $text-muted; margin-top: 1; }
    """

    capabilities: reactive[Capabilities | None] = reactive(None, init=False,
                                                            always_update=True)
    error: reactive[str] = reactive("", init=False)
    filter_text: reactive[str] = reactive("", init=False)  # the page's `/`: name or description

    def compose(self) -> ComposeResult:
        yield MotionTable[Text | str](id="tools", cursor_type="row", zebra_stripes=True)
        yield Static(id="tool-about", markup=False)
        yield LoadState(id="tools-state")
        yield Static(Content.assemble(
            "Credits are bought on the web only (1 credit = $0.01): ",
            (WEB_BILLING_URL, "underline"),
        ), id="billing")

    def on_mount(self) -> None:
        self.query_one(DataTable).display = False  # an empty table would still take rows
        self.query_one(LoadState).show("loading", "Loading the tools…")

    _shown: tuple[Tool, ...] = ()  # the tools the filter lets through, in the table
    _width = 0  # the width the columns were fitted to

    def watch_filter_text(self) -> None:
        self.watch_capabilities(self.capabilities)

    def on_resize(self) -> None:
        if self.capabilities is not None and self.size.width != self._width:
            self._fill_table()

    def watch_capabilities(self, capabilities: Capabilities | None) -> None:
        if capabilities is None:
            return
        self.error = ""
        wanted = self.filter_text.strip().casefold()
        self._shown = tuple(tool for tool in capabilities.tools
                            if wanted in tool.name.casefold()
                            or wanted in (tool.description or "").casefold())
        shown = self._shown
        self._fill_table()
        state = self.query_one(LoadState)
        if wanted:
            state.show("info", f"{len(shown)} of {len(capabilities.tools)} tools match "
                               f"“{visible(self.filter_text.strip())}” (Escape clears).")
        elif capabilities.tools:
            enabled = sum(1 for tool in capabilities.tools if tool.enabled)
            state.show("info", f"{enabled} of {len(capabilities.tools)} tools are enabled for "
                               "this account; the others answer 402 (payment required) when "
                               "called.")
        else:
            state.show("empty", "The server lists no tools.")

    def _fill_table(self) -> None:
        """The columns fitted to the width there is, then the rows (the cursor kept)."""
        table: DataTable[Text | str] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        self._width = self.size.width
        room = self._description_room(self._width)
        table.add_column("Tool", key="tool")
        table.add_column("Credits", key="credits")
        table.add_column("Enabled", key="enabled")
        if room:
            table.add_column(DESCRIPTION, key="description", width=room)
        for tool in self._shown:
            cells: list[Text | str] = [
                literal(tool.name),
                Text(str(tool.credits) if tool.credits else "free", justify="right"),
                Text("yes" if tool.enabled else "no"),
            ]
            if room:
                cells.append(literal(tool.description, overflow="ellipsis", no_wrap=True))
            table.add_row(*cells)
        table.display = bool(self._shown)
        if self._shown:
            table.move_cursor(row=min(row, len(self._shown) - 1))
        about = self.query_one("#tool-about", Static)
        about.set_class(not room and bool(self._shown), "-shown")
        self._describe(table.cursor_row)

    def _description_room(self, width: int) -> int:
        """The description column's width, or 0 when it would be too narrow to be of use
        (then it is shown below the table). Every other column takes what its words need."""
        if not width:  # not laid out yet: fitted again on the first resize
            return 0
        table = self.query_one(DataTable)
        padding = 2 * table.cell_padding
        tools = self.capabilities.tools if self.capabilities is not None else []
        needed = [
            max([cell_len("Tool"), *(literal(tool.name).cell_len for tool in tools)]),
            max([cell_len("Credits"), *(len(str(tool.credits)) for tool in tools), 4]),
            cell_len("Enabled"),
        ]
        # The table's margins (the app's stylesheet gives tables one each side) and its
        # scroll bar (at 24 rows it has one) are not the columns'.
        outside = table.styles.margin.width + table.styles.scrollbar_size_vertical
        room = width - outside - sum(needed) - padding * (len(needed) + 1)
        return room if room >= max(MIN_DESCRIPTION, cell_len(DESCRIPTION)) else 0

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    def _describe(self, row: int) -> None:
        """Below the table (when it has no description column): what the tool under the
        cursor does, whole."""
        about = self.query_one("#tool-about", Static)
        if not about.has_class("-shown") or not 0 <= row < len(self._shown):
            return
        tool = self._shown[row]
        about.update(Text.assemble((visible(tool.name), "bold"), ": ",
                                   visible(tool.description) or "(no description)"))

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
