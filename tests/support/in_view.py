"""Is a widget where the user can read it? Geometry, as the user sees the screen.

A widget is in view when its region lies inside every scrolling container around it (not
scrolled away below the fold) and inside the terminal above the footer, and when the cells of
its first and last rows are drawn by it (no docked button row, frame or footer over it). A
button's label is cut when it is wider than the button's content.
"""

from __future__ import annotations

import time
from typing import Any

from rich.cells import cell_len
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from tests.support.patience import PATIENCE


def not_in_view(widget: Widget) -> str | None:
    """Why `widget` is not in view, or None when it is."""
    region = widget.region
    if region.height <= 0 or region.width <= 0:
        return f"{widget} has no place on screen"
    for ancestor in widget.ancestors:
        if isinstance(ancestor, ScrollableContainer):
            seen = ancestor.scrollable_content_region
            if not seen.contains_region(region):
                return (f"{widget} at {region} is outside {ancestor}'s view {seen} "
                        f"(scrolled {ancestor.scroll_y} of {ancestor.max_scroll_y})")
    width, height = widget.app.size
    if region.x < 0 or region.y < 0 or region.right > width or region.bottom > height - 1:
        return f"{widget} at {region} is off the {width}x{height} terminal or on its footer"
    for row in (region.y, region.bottom - 1):
        drawn, _ = widget.screen.get_widget_at(region.x, row)
        if drawn is not widget and widget not in drawn.ancestors:
            return f"{drawn} is drawn over {widget} at row {row}"
    return None


def cut_label(button: Button) -> str | None:
    """Why the button's label does not show whole, or None when it does."""
    label = str(button.label)
    if cell_len(label) > button.content_region.width:
        return f"{button}'s label {label!r} is cut to {button.content_region.width} cells"
    return None


async def assert_in_view(pilot: Pilot[Any], widget: Widget) -> None:
    """`widget` comes into view (a dialog scrolls after its next refresh, which a busy machine
    may draw late): waited for, up to the shared patience."""
    deadline = time.monotonic() + PATIENCE
    while (problem := not_in_view(widget)) is not None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert problem is None, problem
