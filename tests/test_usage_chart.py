"""The text bar chart: its arithmetic, and that it fills its size, redraws on resize and takes
its colours from the theme."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from rich.color import Color
from textual.app import App, ComposeResult

from openrush_tui.activity.totals import DayBar
from openrush_tui.widgets.usage_chart import (
    Layout,
    UsageChart,
    cell_fill,
    compact,
    nice_ceiling,
    value_label,
)


@pytest.mark.parametrize(("value", "ceiling"), [
    (0, 1), (1, 1), (7, 8), (11, 15), (43, 50), (61, 80), (101, 150), (8463, 10_000)])
def test_the_axis_top_is_a_round_number(value: int, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


def test_compact_numbers_and_value_labels() -> None:
    assert [compact(n) for n in (0, 999, 1000, 1500, 10_000, 123_456)] == [
        "0", "999", "1k", "1.5k", "10k", "123k"]
    day = date(2026, 6, 26)
    assert value_label(DayBar(day, 1000, 234)) == "1,234"
    assert value_label(DayBar(day, 5, 0, partial=True)) == "≥5"


def test_days_share_the_width() -> None:
    week = Layout.fit(118, 7, "50")
    assert week.bar == 10 and week.bar_start(6) + week.bar <= 118
    month = Layout.fit(118, 30, "1.5k")
    starts = [month.bar_start(i) for i in range(30)]
    gaps = {b - a for a, b in pairwise(starts)}
    assert gaps <= {3, 4} and starts[-1] + month.bar <= 118  # even to within a column
    assert Layout.fit(20, 30, "5").bar == 1  # too narrow: one column a day, still drawn


def test_a_cell_holds_api_below_mcp() -> None:
    # (API eighths, total eighths, row) -> (filled eighths, what)
    assert cell_fill(16, 16, 0) == (8, "api")
    assert cell_fill(0, 12, 1) == (4, "mcp")
    assert cell_fill(3, 16, 0) == (3, "split")  # API's top three eighths, MCP above
    assert cell_fill(4, 20, 2) == (4, "mcp")
    assert cell_fill(8, 8, 1) == (0, "")


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield UsageChart()


def week(values: list[tuple[int, int]]) -> tuple[DayBar, ...]:
    first = date(2026, 6, 20)
    return tuple(DayBar(first + timedelta(days=i), api, mcp) for i, (api, mcp) in
                 enumerate(values))


async def test_the_chart_redraws_for_its_size_with_theme_colours() -> None:
    app = ChartApp()
    async with app.run_test(size=(120, 12)) as pilot:
        chart = app.query_one(UsageChart)
        chart.bars = week([(10, 5), (0, 0), (3, 30), (20, 0), (1, 1), (0, 7), (12, 12)])
        chart.days_label = "last 7 days"
        chart.note = "All 114 events of the period counted."
        await pilot.pause()
        wide = chart.render()
        lines = wide.plain.splitlines()
        assert len(lines) == chart.size.height == 10
        assert lines[0].startswith("Credits spent per day · last 7 days (UTC)")
        assert lines[0].rstrip().endswith("█ API  █ MCP")
        assert "Sat Jun 20" in lines[-2] and "Fri Jun 26" in lines[-2]
        assert "33" in wide.plain and "24" in wide.plain  # totals over the bars
        assert max(len(line) for line in lines) <= chart.size.width

        # Colours come from the theme, through the chart's component classes.
        theme = app.current_theme
        api = next(span.style for span in wide.spans if "█" in wide.plain[span.start:span.end]
                   and span.style.color is not None)
        assert api.color == Color.parse(theme.primary)
        app.theme = "nord" if app.theme != "nord" else "gruvbox"
        await pilot.pause()
        themed = chart.render()
        colours = {span.style.color for span in themed.spans if span.style.color is not None}
        assert Color.parse(app.current_theme.primary) in colours

        await pilot.resize_terminal(60, 12)
        await pilot.pause()
        narrow = chart.render().plain.splitlines()
        assert max(len(line) for line in narrow) <= 58
        assert narrow != lines


async def test_unknown_days_are_marked_not_drawn_as_zero() -> None:
    app = ChartApp()
    async with app.run_test(size=(120, 12)) as pilot:
        chart = app.query_one(UsageChart)
        first = date(2026, 6, 20)
        chart.bars = tuple([DayBar(first + timedelta(days=i), 0, 0, known=False)
                            for i in range(5)]
                           + [DayBar(first + timedelta(days=5), 40, 2, partial=True),
                              DayBar(first + timedelta(days=6), 9, 9)])
        await pilot.pause()
        lines = chart.render().plain.split("\n")  # the last line (the note) is empty here
        assert lines[-3].count("?") == 5  # the bottom row of the plot
        assert "≥42" in chart.render().plain
