"""The table of usage events: one row per event, kept in step with the screen's window.

Which columns fit the table's width, and how wide a cell may be, is
`openrush_tui.activity.columns`'s decision: every title whole, Status and Credits always on
screen (at 60 columns too), long cells (tools, calls, key names) cut with "…". A call that is
not a tool reads as its method and endpoint (`activity.events.call_label`); the event's
dialog shows every field in full.

`show_events` replaces the rows with a new ordered list while the selected event keeps its
selection and the view stays where the user left it: rows added on top or dropped from the
top shift the scroll by the same amount, unless the table sits at its very top, where new
events are meant to be seen. The table tells the screen when the user reaches either end
(messages up); it never fetches anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import StyleType
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message

from openrush_tui.activity.columns import CallerCuts, EventColumn, fit_columns, short_time
from openrush_tui.activity.events import (
    call_label,
    duration_label,
    source_label,
    status_label,
    who,
)
from openrush_tui.text.times import short
from openrush_tui.widgets.keymap import ACT, motion_bindings
from openrush_tui.widgets.lists import MotionTable
from openrush_tui.widgets.textual_private import drop_stale_renders

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent

# Status colours come from the theme through these Rich style names (see DEFAULT_CSS).
STATUS_CLASSES = {"success": "event-table--success", "error": "event-table--error",
                  "rate_limited": "event-table--limited"}
EDGE = 3  # within this many rows of an end counts as reaching it
RIGHT: frozenset[EventColumn] = frozenset({"credits", "duration"})  # numbers line up right


class EventTable(MotionTable[Text]):
    DEFAULT_CSS = """
    EventTable > .event-table--success { color: $text-success; }
    EventTable > .event-table--error { color: $text-error; }
    EventTable > .event-table--limited { color: $text-warning; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {*STATUS_CLASSES.values()}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="activity.details", group=ACT,
                tooltip="Open the event under the cursor"),
        # Not n: that is "New key" on API access (one meaning per key across pages).
        Binding("plus", "load_more", "Load older events", show=False, id="activity.load-more",
                group=ACT),
        # A list of events is read top to bottom: Home and End (g and G) go to its first and
        # last row (DataTable's default for Home and End is the first and last column).
        *motion_bindings("activity", up="cursor_up", down="cursor_down", first="scroll_top",
                         last="scroll_bottom", half_up="half_page(-1)",
                         half_down="half_page(1)", page_up="page_up", page_down="page_down",
                         first_name="Newest", last_name="Oldest loaded"),
    ]

    class EndReached(Message):
        """The user is at the bottom of the rows held: time to fetch older events."""

        def __init__(self, *, asked: bool = False) -> None:
            super().__init__()
            self.asked = asked  # pressed "load more", rather than scrolled there

    class TopReached(Message):
        """The user is at the top of the rows held: newer events may wait above them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._order: list[str] = []
        self._restoring = False  # moves made by show_events are not the user reaching an end
        self._layout = fit_columns(200)  # until the table knows its width
        self._shown: tuple[Sequence[UsageEvent], Mapping[str, str], datetime] | None = None
        self._callers = CallerCuts()  # a key's name cut so that it reads like no other

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key in self._layout.columns:
            self.add_column(self._layout.title(key), key=key)

    def on_resize(self) -> None:
        if not self.size.width:
            return  # not laid out yet
        layout = fit_columns(self.size.width)
        if layout == self._layout:
            return
        self._layout = layout
        self.clear(columns=True)
        self._order = []
        self._add_columns()
        if self._shown is not None:
            self.show_events(*self._shown)

    def _cell(self, column: EventColumn, text: str, style: StyleType = "") -> Text:
        """A cell in at most its column's room (in cells: wide characters count two)."""
        cell = Text(text, style=style, justify="right" if column in RIGHT else "left")
        cell.truncate(self._layout.room[column], overflow="ellipsis")
        return cell

    def _caller(self, event: UsageEvent, names: Mapping[str, str]) -> str:
        return self._callers.cut(names, who(event, names), self._layout.room["who"])

    # -- the rows ------------------------------------------------------------------------------

    def cells(self, event: UsageEvent, names: Mapping[str, str], now: datetime) -> list[Text]:
        status_class = STATUS_CLASSES.get(event.status)
        status_style = (self.get_component_rich_style(status_class, partial=True)
                        if status_class else "")
        layout = self._layout
        texts: dict[EventColumn, str] = {
            "time": (short_time if layout.short_time else short)(event.created_at, now),
            "source": source_label(event),
            "tool": call_label(event, layout.room["tool"]),
            "who": self._caller(event, names),
            "status": status_label(event),
            "credits": str(event.credits),
            "duration": duration_label(event),
        }
        return [self._cell(column, texts[column], status_style if column == "status" else "")
                for column in layout.columns]

    def show_events(self, events: Sequence[UsageEvent], names: Mapping[str, str],
                    now: datetime, *, follow_top: bool = False) -> None:
        """Make the rows exactly `events`, in order, keeping selection and view in place.

        `follow_top`: live events arriving while the table sits at its very top stay in view
        (the selection keeps its event); otherwise the rows in view stay where they were.
        """
        earlier = self._shown
        self._shown = (events, names, now)
        wanted = [event.id for event in events]
        if wanted == self._order:
            if earlier is None or earlier[1] is not names:
                self._name_rows(events, names)  # the same rows, named anew
            return
        selected = self._selected_key()
        anchor, anchor_at = self._anchor()
        at_top = follow_top and self.scroll_y == 0
        # Adding and removing rows moves the cursor's coordinate: those are not the user
        # reaching an end, so the edge checks wait until the rows are in place.
        self._restoring = True
        try:
            self._replace_rows(events, wanted, names, now)
            self._restore(selected, anchor, anchor_at, at_top)
        finally:
            self._restoring = False
        drop_stale_renders(self)  # every render before this change is stale

    def _replace_rows(self, events: Sequence[UsageEvent], wanted: list[str],
                      names: Mapping[str, str], now: datetime) -> None:
        keep = set(wanted)
        for key in self._order:
            if key not in keep:
                self.remove_row(key)
        have = set(self._order)
        for event in events:
            if event.id not in have:
                self.add_row(*self.cells(event, names, now), key=event.id)
        self._order = wanted
        rank = {key: index for index, key in enumerate(wanted)}
        # DataTable has no "insert at": sorting on the row's first cell object (unique per
        # row) by the wanted rank puts new rows where they belong through public API only.
        first_cells = {id(self.get_cell(key, "time")): rank[key] for key in wanted}
        self.sort(key=lambda cells: first_cells[id(cells[0])])

    def rename(self, events: Sequence[UsageEvent], names: Mapping[str, str]) -> None:
        """Key names arrived after the rows: update that one column. The names are kept
        with the rows shown, for the rows made again at another width (which read prefixes
        in place of names when they kept the names of before they arrived, issue 20)."""
        if self._shown is not None:
            self._shown = (self._shown[0], names, self._shown[2])
        self._name_rows(events, names)

    def _name_rows(self, events: Sequence[UsageEvent], names: Mapping[str, str]) -> None:
        for event in events:
            if event.id in self.rows:
                self.update_cell(event.id, "who", self._cell("who", self._caller(event, names)),
                                 update_width=True)

    def reset(self) -> None:
        self.clear()
        self._order = []
        self._shown = None

    # -- keeping the user's place --------------------------------------------------------------

    def _selected_key(self) -> str | None:
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    def _anchor(self) -> tuple[str | None, int]:
        """The first row in view and its line on screen, so the view can stay put."""
        top = int(self.scroll_y)
        if not self._order or top >= len(self._order):
            return None, 0
        return self._order[top], top

    def _restore(self, selected: str | None, anchor: str | None, anchor_at: int,
                 at_top: bool) -> None:
        index = {key: i for i, key in enumerate(self._order)}
        # Rows are one line high, so the virtual height is known now; setting it lets the
        # scroll move in this same frame instead of after the next idle pass (no jump).
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(self.virtual_size.width, len(self._order) + header)
        if not at_top and anchor is not None and anchor in index:
            self.scroll_to(y=self.scroll_y + index[anchor] - anchor_at, animate=False,
                           immediate=True)
        elif at_top:
            self.scroll_to(y=0, animate=False, immediate=True)
        if selected is not None and selected in index:
            self.move_cursor(row=index[selected], scroll=False)
        elif self._order:
            self.move_cursor(row=min(self.cursor_row, len(self._order) - 1), scroll=False)

    # -- reaching an end -----------------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_edges()

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        self._check_edges()

    def near_end(self) -> bool:
        """The last rows are in reach: the cursor is close to them or the view shows them.

        Checked again when the message arrives, as rows may have been added meanwhile.
        """
        if not self._order:
            return False
        near_last_row = self.cursor_row >= len(self._order) - 1 - EDGE
        return near_last_row or (self.max_scroll_y > 0 and self.scroll_y >= self.max_scroll_y)

    def near_top(self) -> bool:
        return bool(self._order) and self.scroll_y == 0 and self.cursor_row <= EDGE

    def _check_edges(self) -> None:
        if self._restoring:
            return
        if self.near_end():
            self.post_message(self.EndReached())
        if self.near_top():
            self.post_message(self.TopReached())

    def action_details(self) -> None:
        """Enter: the event under the cursor, in its dialog (the screen opens it)."""
        self.action_select_cursor()

    def action_load_more(self) -> None:
        # Go to the last row first: the rows loaded appear where the user is, and the rows
        # that make room for them (at the top) are out of sight.
        self.action_scroll_bottom()
        self.post_message(self.EndReached(asked=True))
