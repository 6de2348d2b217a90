"""Setup's focus (issue 20): the focused action shows plainly, by more than a shade of colour,
in sixteen colours and under LANG=C; j/k (and the arrows) on an action move to the next or
previous thing to focus, as they move the cursor of a list, and never scroll away from it.

In-process, at 80x24 (an SSH session), on the in-process sandbox signed in. Sixteen colours
as TERM=xterm gives them (the App's console picks its colour system from TERM, as in a real
terminal); the comparisons leave colour out altogether, so they hold in monochrome too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import textual.constants
from rich.segment import Segment
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Checkbox, OptionList

from openrush_tui.tui import OpenRushApp
from tests.support.apps import sandbox_app, settle
from tests.support.in_view import not_in_view

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZE = (80, 24)
TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


@pytest.fixture
def xterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal of 16 colours, as TERM=xterm with no COLORTERM says."""
    monkeypatch.setenv("TERM", "xterm")
    for name in ("COLORTERM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "auto")


def actions(app: OpenRushApp) -> list[Widget]:
    """Setup's buttons and checkbox a user can reach with Tab."""
    return [widget for widget in app.screen.focus_chain
            if isinstance(widget, Button | Checkbox)]


def look(widget: Widget) -> list[tuple[str, bool, bool, bool, bool]]:
    """How `widget` is drawn without its colours: each cell's character and attributes."""
    width, height = widget.size
    cells = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        for segment in Segment.split_and_crop_lines(list(strip), width, pad=False):
            for text, style, _ in segment:
                cells.extend((char, bool(style and style.bold), bool(style and style.reverse),
                              bool(style and style.underline), bool(style and style.italic))
                             for char in text)
    return cells


@pytest.mark.usefixtures("xterm")
async def test_the_focused_action_differs_by_more_than_colour(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.console.color_system == "standard"
        reachable = actions(app)
        assert {"sign-in", "sign-out", "test-connection", "key-header", "copy-snippet",
                "install"} <= {widget.id for widget in reachable}
        app.screen.query_one("#agents").focus()
        await pilot.pause()
        resting = {widget.id: look(widget) for widget in reachable}
        for widget in reachable:
            widget.focus()
            await pilot.pause()
            focused = look(widget)
            # Not only a colour: characters or attributes change, and it looks like no action
            # at rest (a primary button's fill, in colour, must not read as the focus).
            assert focused != resting[widget.id], widget
            attributes = {cell[1:] for cell in focused} - {
                cell[1:] for cells in resting.values() for cell in cells}
            assert attributes, f"{widget.id}: focused with the attributes of one at rest"
            if isinstance(widget, Button):  # a mark each side, drawn only on the focus
                chars = "".join(cell[0] for cell in focused)
                assert chars[0] == "▐" and chars[-1] == "▌", chars
                assert "▐" not in "".join(cell[0] for cell in resting[widget.id])


def screen_rows(app: OpenRushApp) -> str:
    text = html.unescape("".join(TEXT.findall(app.export_screenshot())))
    return text.replace("\xa0", " ")


async def test_under_lang_c_the_focused_button_reads_in_brackets(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "C")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in ("Sign out", "Test connection"):
            button = next(b for b in app.screen.query(Button) if str(b.label) == name)
            button.focus()
            await pilot.pause()
            drawn = screen_rows(app)
            assert drawn.isascii()
            assert re.search(rf"\[ *{name} *\]", drawn), drawn
            assert len(re.findall(r"\[ *[A-Z][a-z]+[a-z …]*\]", drawn)) == 1, drawn


async def test_j_and_k_move_between_setups_actions(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one("#sign-in").focus()
        await pilot.pause()

        async def press(key: str, expected: str) -> None:
            await pilot.press(key)
            await pilot.pause()
            focused = app.focused
            assert focused is not None and focused.id == expected, (key, focused)
            assert not_in_view(focused) is None, not_in_view(focused)

        await press("j", "sign-out")
        await press("j", "test-connection")
        await press("k", "sign-out")
        await press("down", "test-connection")
        await press("j", "agents")
        agents = screen.query_one("#agents", OptionList)
        highlighted = agents.highlighted
        await press("j", "agents")  # in the list, j moves its cursor
        assert agents.highlighted == (highlighted or 0) + 1
        await press("k", "agents")  # back to Claude Code, whose snippet has the checkbox
        await press("tab", "key-header")
        await press("j", "copy-snippet")
        await press("j", "install")
        await press("j", "tools")  # on to the capabilities, scrolled into view
        await press("shift+tab", "install")
        await press("k", "copy-snippet")
        await press("up", "key-header")
        await press("k", "agents")
