"""The filter dialog of Activity: source, status, key or MCP client, tool and period, then
Apply.

It is given the current filter and the choices (keys by name, MCP clients, tools from the
catalogue) and answers the new filter, or None when cancelled. Names, clients and tools are
server strings: they are offered as `Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select
from textual.widgets._select import SelectOverlay

from openrush_tui.activity.filters import PERIODS, ActivityFilter
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.cells import cut
from openrush_tui.text.safe import visible

SOURCE_CHOICES = (("API", "api"), ("MCP", "mcp"))
STATUS_CHOICES = (("Success", "success"), ("Error", "error"), ("Rate-limited", "rate_limited"))
CLIENT = "client:"  # the "Key or client" menu's values: a credential id, or this + a client
# Cells of a menu's width its list's option does not get: the list's border and padding (4),
# a scrollbar (2) and an option's padding (2), so that a cut label never wraps in the list
# (measured: a 59-cell menu's options have 51 cells).
LIST_CHROME = 8
LEAST_ROOM = 8  # cells: a name cut shorter reads as nothing


ValueT = TypeVar("ValueT")


def _value(select: Select[str]) -> str | None:
    value = select.value
    return value if isinstance(value, str) else None


class FilterMenu(Select[ValueT]):
    """A menu of the dialog: Enter, space, ↓ or ↑ open it (a new user presses Enter to open
    a menu: applying there closed the dialog under them); the buttons and Ctrl+S apply.
    Its list stays inside the dialog's box: at 60x20 (and 80x24) Textual's twelve rows ran
    past the border and over the footer.

    Each choice is one line: its words (a server's: shown literally) cut to the menu's width
    by the project's one rule (`text.cells.cut`, "…"), then its mark kept whole (a key's
    "(revoked)"). Wrapped, a long key name's second line read as another choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,down,space,up", "show_overlay", "Show menu", show=False),
    ]

    def __init__(self, choices: Sequence[tuple[str, ValueT]], *,
                 marks: Mapping[ValueT, str] | None = None, **options: Any) -> None:
        self._choices = [(visible(words), value) for words, value in choices]  # escaped once
        self._marks = dict(marks or {})
        self._room = 0  # the width the labels are cut to (0: not laid out yet)
        super().__init__(self._labels(None), **options)

    def _labels(self, room: int | None) -> list[tuple[Any, ValueT]]:
        labels: list[tuple[Any, ValueT]] = []
        for words, value in self._choices:
            mark = f" ({self._marks[value]})" if value in self._marks else ""
            if room is not None:
                words = cut(words, max(LEAST_ROOM, room - len(mark)))
            labels.append((Text(words + mark), value))  # escaped already: no markup
        return labels

    def on_mount(self) -> None:
        self.watch(self, "expanded", self._fit_list, init=False)

    def on_resize(self) -> None:
        room = self.size.width - LIST_CHROME
        if room == self._room or self.expanded:
            return
        self._room = room
        chosen = self.value
        with self.prevent(Select.Changed):
            self.set_options(self._labels(room))  # resets the value: put it back
            self.value = chosen

    def _fit_list(self, expanded: bool) -> None:
        if not expanded:
            return
        box = self.screen.query_one("#dialog").content_region
        overlay = self.query_one(SelectOverlay)
        # The list drops below the menu, down to the box's last row inside its border.
        overlay.styles.max_height = max(3, box.bottom - self.region.bottom)

class ActivityFilters(Dialog[ActivityFilter | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
    ]
    AUTO_FOCUS = "#filter-source"  # the first menu: Enter or ↓ opens it

    def __init__(self, current: ActivityFilter, keys: Sequence[tuple[str, str]],
                 tools: Sequence[str], clients: Sequence[str] = (), *,
                 ended: Mapping[str, str] | None = None) -> None:
        """`keys`: (credential id, name) pairs; `tools`: tool names; `clients`: MCP clients;
        `ended`: the keys that no longer work, by id, with their status ("revoked")."""
        super().__init__()
        self.ended = dict(ended or {})
        self.current = current
        self.keys = list(keys)
        self.tools = list(tools)
        self.clients = list(clients)
        if current.client and current.client not in self.clients:
            self.clients.insert(0, current.client)
        if current.credential_id and current.credential_id not in dict(self.keys):
            self.keys.insert(0, (current.credential_id,
                                 current.key_label or current.credential_id))
        if current.tool and current.tool not in self.tools:
            self.tools.insert(0, current.tool)

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(id="dialog"):
            yield Label("Show only…", id="filters-title", classes="title")
            with VerticalScroll(classes="body"):
                with Horizontal(classes="filter-row"):
                    yield Label("Source")
                    yield FilterMenu(SOURCE_CHOICES, prompt="Any source", id="filter-source",
                                 value=current.source or Select.NULL)
                with Horizontal(classes="filter-row"):
                    yield Label("Status")
                    yield FilterMenu(STATUS_CHOICES, prompt="Any status", id="filter-status",
                                 value=current.status or Select.NULL)
                with Horizontal(classes="filter-row"):
                    yield Label("Key")
                    chosen = (CLIENT + current.client if current.client
                              else current.credential_id)
                    yield FilterMenu([*((name, cred) for cred, name in self.keys),
                                      *((client, CLIENT + client) for client in self.clients)],
                                     marks={**self.ended, **{CLIENT + client: "MCP client"
                                                             for client in self.clients}},
                                     prompt="Any key or client", id="filter-key",
                                     value=chosen or Select.NULL)
                with Horizontal(classes="filter-row"):
                    yield Label("Tool")
                    yield FilterMenu([(tool, tool) for tool in self.tools],
                                 prompt="Any tool", id="filter-tool",
                                 value=current.tool or Select.NULL)
                with Horizontal(classes="filter-row"):
                    yield Label("Period")
                    yield FilterMenu([(f"Last {days} days", days) for days in PERIODS],
                                 allow_blank=False, id="filter-period", value=current.days)
            with Horizontal(id="filter-buttons", classes="buttons"):
                yield Button("Apply", variant="primary", id="filter-apply")
                yield Button("Clear", id="filter-clear")
                yield Button("Cancel", id="filter-cancel")

    def chosen(self) -> ActivityFilter:
        key = _value(self.query_one("#filter-key", Select))
        client = key.removeprefix(CLIENT) if key and key.startswith(CLIENT) else None
        key = None if client else key
        period = self.query_one("#filter-period", Select).value
        return ActivityFilter(
            source=_value(self.query_one("#filter-source", Select)),
            status=_value(self.query_one("#filter-status", Select)),
            credential_id=key,
            key_label=dict(self.keys).get(key) if key else None,
            tool=_value(self.query_one("#filter-tool", Select)),
            days=period if isinstance(period, int) else self.current.days,
            client=client,
        )

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "filter-apply":
            self.dismiss(self.chosen())
        elif event.button.id == "filter-clear":
            self.dismiss(self.current.cleared())
        else:
            self.dismiss(None)
