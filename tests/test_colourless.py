"""Readable without colour: under NO_COLOR or the monochrome theme the chart tells API from MCP
by glyph (and its legend says which), statuses are words, and a checkbox or radio button shows
its state by glyph. Snapshots at 80x24 under NO_COLOR (open them: there is no colour in them
to tell anything apart, so the glyphs and words must)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.colours import MONOCHROME, without_colour
from openrush_tui.widgets.toggles import GlyphCheckbox, GlyphRadioButton
from openrush_tui.widgets.usage_chart import EIGHTHS, MCP_FULL, MCP_PART, UsageChart, glyph
from tests.support.accounts import sandbox_app_with
from tests.support.activity import settle_activity
from tests.support.apps import sandbox_app, settle

SMALL = (80, 24)


def chart_text(app: OpenRushApp) -> str:
    return app.screen.query_one(UsageChart).render().plain


def test_each_source_has_its_own_glyph_without_colour() -> None:
    assert glyph(8, "api", mono=True) == "█" and glyph(3, "api", mono=True) == EIGHTHS[3]
    assert glyph(8, "mcp", mono=True) == MCP_FULL and glyph(3, "mcp", mono=True) == MCP_PART
    assert glyph(6, "split", mono=True) == EIGHTHS[6]  # mostly API: API's block
    assert glyph(2, "split", mono=True) == MCP_FULL  # mostly MCP: MCP's shade
    # With colour, the blocks say it (in two colours), as before.
    assert glyph(8, "mcp", mono=False) == "█" and glyph(3, "mcp", mono=False) == EIGHTHS[3]


def test_toggles_show_their_state_by_glyph() -> None:
    box, radio = GlyphCheckbox("x"), GlyphRadioButton("y")
    assert box.BUTTON_INNER == " " and radio.BUTTON_INNER == "○"
    box.value, radio.value = True, True
    assert box.BUTTON_INNER == "X" and radio.BUTTON_INNER == "●"


@pytest.mark.parametrize("how", ["NO_COLOR", "monochrome theme", "colour"])
async def test_the_chart_s_legend_and_bars_by_glyph(tmp_path: Path, how: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(120, 36)) as pilot:
        if how == "monochrome theme":
            app.theme = MONOCHROME.name
        await settle_activity(pilot)
        text = chart_text(app)
        if how == "colour":
            assert not without_colour(app) and "█ API  █ MCP" in text
            assert MCP_FULL not in text
        else:
            assert without_colour(app) and f"█ API  {MCP_FULL} MCP" in text
            assert MCP_FULL in text.split("\n", 1)[1]  # the bars themselves, not only the legend


# ------------------------------------------------------------------ snapshots under NO_COLOR


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.usefixtures("no_color")
def test_activity_without_colour(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=SMALL, run_before=settle_activity)


@pytest.mark.usefixtures("no_color")
def test_key_statuses_without_colour(snap_compare, tmp_path: Path) -> None:
    async def mark_one(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "space")
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=mark_one)


@pytest.mark.usefixtures("no_color")
def test_a_checkbox_without_colour(snap_compare, tmp_path: Path) -> None:
    async def sign_in(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    assert snap_compare(app, terminal_size=SMALL, run_before=sign_in)


@pytest.mark.usefixtures("no_color")
def test_a_checked_checkbox_without_colour(snap_compare, tmp_path: Path) -> None:
    async def key_variant(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "v")  # Cursor, reading the key from OPENRUSH_KEY
        pilot.app.screen.query_one("#key-header").scroll_visible(animate=False, top=True)
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    assert snap_compare(app, terminal_size=SMALL, run_before=key_variant)


@pytest.mark.usefixtures("no_color")
def test_radio_buttons_without_colour(snap_compare, tmp_path: Path) -> None:
    async def new_key(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    assert snap_compare(app, terminal_size=SMALL, run_before=new_key)


def test_every_checkbox_and_radio_button_shows_its_state_in_the_glyph() -> None:
    # Textual's own draw the same glyph checked or not (colour tells them apart): the
    # rotation and export dialogs used them, and under NO_COLOR their choice was unreadable.
    import re

    root = Path(__file__).resolve().parents[1]
    plain = re.compile(r"(?<![\w.])(RadioButton|Checkbox)\(")
    offenders = [f"{path.relative_to(root)}:{number}"
                 for folder in ("screens", "widgets") for path in (root / folder).glob("*.py")
                 if path.name != "toggles.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if plain.search(line)]
    assert offenders == []
