"""Is a widget where the user can read it? Geometry, as the user sees the screen.

A widget is in view when its region lies inside every scrolling container around it (not
scrolled away below the fold) and inside the terminal above the footer, and when the cells of
its first and last rows are drawn by it (no docked button row, frame or footer over it). A
button's label is cut when it is wider than the button's content.

A text (a label's, a choice's, a button's, a message's) shows whole when every character of it
is drawn where the user can see it: `cut_text` compares the widget's whole text with the cells
it draws inside its visible region (clipped by every container around it, a scrolled body
included). That catches an ellipsis ("Revoke it once unused for the minutes below (no…"), a
line that does not wrap and runs past its container ("…unless you type a fol"), and the last
lines of a wrapped text below the fold.
"""

from __future__ import annotations

import time
from typing import Any

from rich.cells import cell_len
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.errors import NoWidget
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Checkbox, RadioButton, Static

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


def full_text(widget: Widget) -> str | None:
    """The text `widget` holds (a button's or a choice's label, a Static's content), or None
    for one drawn from something else (a table, a Rich renderable: not compared)."""
    if isinstance(widget, Button | Checkbox | RadioButton):
        return str(widget.label)
    if isinstance(widget, Static) and isinstance(widget.visual, Content):
        return widget.visual.plain
    return None


def shown_text(widget: Widget, *, below_the_fold: bool = False) -> str:
    """The characters `widget` draws where they can be seen, row by row: the columns inside
    every container around it (a label running past its box is cut there), and the rows in
    view (with `below_the_fold`, every row: only what is cut sideways counts)."""
    try:
        clip = widget.screen.find_widget(widget).clip
    except NoWidget:  # not laid out (hidden)
        return ""
    region, content = widget.region, widget.content_region  # its text: inside any border
    left, right = max(content.x, clip.x), min(content.right, clip.right)
    top, bottom = (content.y, content.bottom) if below_the_fold else \
        (max(content.y, clip.y), min(content.bottom, clip.bottom))
    if right <= left or bottom <= top:
        return ""
    lines = widget.render_lines(Region(0, 0, region.width, region.height))
    return "\n".join(line.crop(left - region.x, right - region.x).text
                     for line in lines[top - region.y:bottom - region.y])


def _squeezed(text: str) -> str:
    return "".join(text.split())


def cut_text(widget: Widget, *, below_the_fold: bool = False) -> str | None:
    """Why `widget`'s text does not show whole (see the module's doc), or None when it does
    (or the widget holds no text to compare). Spaces do not count: wrapping moves them.
    `below_the_fold`: rows scrolled out of view count as shown (only a cut sideways counts)."""
    whole = full_text(widget)
    if whole is None or not whole.strip():
        return None
    shown = shown_text(widget, below_the_fold=below_the_fold)
    if _squeezed(whole) in _squeezed(shown):
        return None
    why = "an ellipsis" if "…" in shown and shown.count("…") > whole.count("…") else \
        "not all of it"
    where = "sideways" if below_the_fold else "in view"
    return f"{widget} shows {why} {where}: {shown!r} of {whole!r}"


async def assert_in_view(pilot: Pilot[Any], widget: Widget) -> None:
    """`widget` comes into view (a dialog scrolls after its next refresh, which a busy machine
    may draw late): waited for, up to the shared patience."""
    deadline = time.monotonic() + PATIENCE
    while (problem := not_in_view(widget)) is not None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert problem is None, problem
