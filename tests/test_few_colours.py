"""Sixteen colours (TERM=xterm or screen, no COLORTERM): the Activity chart's two series, API
and MCP, are drawn in two different colours under every theme. Rich turns each theme colour
into the nearest of the 16, and with nord both series were ANSI white (ESC[37m).

Run in-process: the App's console picks its colour system from TERM and COLORTERM as in a
real terminal, and each line of the chart is rendered to escape codes by that console, as
the driver writes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textual.constants
from rich.color import ColorSystem
from textual.geometry import Region
from textual.theme import BUILTIN_THEMES

from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.colours import DARK_PAIR, LIGHT_PAIR, apart, without_colour
from openrush_tui.widgets.usage_chart import EIGHTHS, UsageChart
from tests.support.activity import settle_activity
from tests.support.apps import sandbox_app

SGR = re.compile(r"\x1b\[([0-9;]*)m([^\x1b]*)")
BLOCKS = set(EIGHTHS.strip())


def foreground(params: str) -> str | None:
    """The foreground of an SGR's parameters in 16 colours (30-37, 90-97), else None."""
    for code in params.split(";"):
        if code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
            return code
    return None


def chart_ansi(app: OpenRushApp) -> list[str]:
    """The chart's lines as the terminal receives them."""
    chart = app.screen.query_one(UsageChart)
    width, height = chart.size
    return [strip.render(app.console) for strip in chart.render_lines(Region(0, 0, width,
                                                                              height))]


def series_colours(lines: list[str]) -> tuple[list[str | None], set[str | None]]:
    """The legend's two swatch colours (API, MCP), and every colour a bar is drawn in."""
    legend = [foreground(params) for params, text in SGR.findall(lines[0]) if "█" in text]
    bars = {foreground(params) for line in lines[1:-2] for params, text in SGR.findall(line)
            if BLOCKS & set(text)}
    return legend, bars


def test_the_fallback_pairs_stay_apart_in_sixteen_colours() -> None:
    for system in (ColorSystem.STANDARD, ColorSystem.WINDOWS):
        assert apart(*DARK_PAIR, None, system) and apart(*LIGHT_PAIR, None, system)
        assert [c.downgrade(ColorSystem.STANDARD).number for c in (*DARK_PAIR, *LIGHT_PAIR)] \
            == [12, 11, 4, 1]


@pytest.fixture
def xterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal of 16 colours, as TERM=xterm with no COLORTERM says."""
    monkeypatch.setenv("TERM", "xterm")
    for name in ("COLORTERM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "auto")


@pytest.mark.usefixtures("xterm")
async def test_api_and_mcp_differ_in_sixteen_colours_under_every_theme(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.console.color_system == "standard"
        await settle_activity(pilot)
        seen = {}
        for theme in BUILTIN_THEMES:
            app.theme = theme
            await pilot.pause()
            assert not without_colour(app)
            legend, bars = series_colours(chart_ansi(app))
            seen[theme] = legend
            assert len(legend) == 2 and None not in legend, (theme, legend)
            # Both sources have bars in the demo: each in its legend's colour, no third one.
            assert bars == set(legend), (theme, legend, bars)
        alike = {theme: pair for theme, pair in seen.items() if pair[0] == pair[1]}
        assert not alike, f"API and MCP in one colour: {alike}"
