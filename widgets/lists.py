"""Textual's list widgets with the app's motion keys (`keymap.motion_bindings`): j/k, g/G,
ctrl+d/ctrl+u, Home/End, PageUp/PageDown, the same on every list."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import BindingType
from textual.geometry import Size
from textual.widgets import DataTable, OptionList

from openrush_tui.widgets.keymap import motion_bindings
from openrush_tui.widgets.textual_private import drop_stale_renders

CellType = TypeVar("CellType")


class MotionTable(DataTable[CellType]):
    """A DataTable (row cursor) with the motion keys."""

    BINDINGS: ClassVar[list[BindingType]] = [*motion_bindings(
        "table", up="cursor_up", down="cursor_down", first="scroll_top", last="scroll_bottom",
        half_up="half_page(-1)", half_down="half_page(1)", page_up="page_up",
        page_down="page_down")]

    def action_half_page(self, direction: int) -> None:
        rows = max(1, (self.scrollable_content_region.height - self.header_height) // 2)
        target = max(0, min(self.row_count - 1, self.cursor_row + direction * rows))
        self.move_cursor(row=target)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        # DataTable widens its columns in an idle pass after cells change, but keys the rows it
        # rendered by a change counter, not by column widths: a frame drawn in between kept
        # its rows, names cut to the old width, until the next change (seen under load).
        if old.width != new.width:
            drop_stale_renders(self)
            self.refresh()


class MotionOptionList(OptionList):
    """An OptionList with the motion keys."""

    BINDINGS: ClassVar[list[BindingType]] = [*motion_bindings(
        "options", up="cursor_up", down="cursor_down", first="first", last="last",
        half_up="half_page(-1)", half_down="half_page(1)", page_up="page_up",
        page_down="page_down")]

    def action_half_page(self, direction: int) -> None:
        if self.option_count == 0:
            return
        rows = max(1, self.scrollable_content_region.height // 2)
        current = self.highlighted if self.highlighted is not None else 0
        self.highlighted = max(0, min(self.option_count - 1, current + direction * rows))
