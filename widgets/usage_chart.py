"""A bar chart of usage per day, stacked by source (API below, MCP above), drawn in text.

Block characters in eighths (▁▂▃▄▅▆▇█) give each row eight steps of height; where API gives
way to MCP inside one cell, the cell's lower part is drawn in the API colour on an MCP
background. The chart redraws from its size on every render, so it fits any width, and its
colours are theme variables resolved through component classes, so every theme applies. In a
terminal of 16 colours, where a theme's two would become one (nord: both white), the series
take a pair that stays apart (`colours.apart_in_few_colours`).

Without colour (NO_COLOR, the monochrome theme: `colours.without_colour`) the sources differ
by glyph, as the legend says: API in solid blocks, MCP shaded (▒, ░ for a part of a cell).
Where the locale cannot show these (LANG=C: `text.glyphs`), the chart is drawn in ASCII:
``_=#`` for the heights, ``%`` and ``.`` for MCP without colour, ``+ | +`` for the axes.

The screen hands over the period's view (`show`) and says while it counts (`counting`); the
chart never fetches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.activity.answers import ChartView
from openrush_tui.activity.filters import Metric
from openrush_tui.activity.totals import DayBar
from openrush_tui.text.glyphs import ascii_only, plain
from openrush_tui.widgets.colours import apart_in_few_colours, without_colour

EIGHTHS = " ▁▂▃▄▅▆▇█"
MCP_FULL, MCP_PART = "▒", "░"  # MCP's glyphs without colour (API keeps the blocks)
# The same in ASCII (`text.glyphs.ascii_only`): a low part "_", a half "=", more "#".
ASCII_EIGHTHS = " ___===##"
ASCII_MCP_FULL, ASCII_MCP_PART = "%", "."
LEGEND_ROWS = 1
FOOT_ROWS = 2  # dates, then the note


NICE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ceiling(value: int) -> int:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above `value`,
    so the top of the axis reads cleanly without wasting much of the chart's height."""
    if value <= 0:
        return 1
    magnitude = int(10 ** math.floor(math.log10(value)))  # value >= 1: a whole power
    for step in NICE_STEPS:
        if step * magnitude >= value and float(step * magnitude).is_integer():
            return int(step * magnitude)
    return 10 * magnitude


def compact(value: int) -> str:
    """1234 → ``1.2k``: axis labels stay narrow."""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return str(value)


def value_label(bar: DayBar) -> str:
    """The total over a bar; a day only partly counted says "at least" with ≥."""
    return f"{plain('≥') if bar.partial else ''}{bar.total:,}"


@dataclass(frozen=True)
class Layout:
    """Where each day's bar goes: computed from the width alone (pure, tested).

    Days share the width evenly in fractional columns, so the chart fills any width; gaps
    between thin bars then differ by at most one column.
    """

    axis_width: int
    days: int
    slot: float  # columns per day
    bar: int  # bar width

    @classmethod
    def fit(cls, width: int, days: int, top_label: str) -> Layout:
        axis_width = len(top_label) + 2  # the label, a space and the axis line
        days = max(1, days)
        slot = max(1.0, (width - axis_width - 1) / days)
        whole = int(slot)
        bar = max(1, min(whole - 1 if whole <= 4 else (2 * whole) // 3, 12))
        return cls(axis_width, days, slot, bar)

    def slot_start(self, index: int) -> int:
        return self.axis_width + 1 + int(index * self.slot)

    def bar_start(self, index: int) -> int:
        return self.slot_start(index) + max(0, (int(self.slot) - self.bar) // 2)


def cell_fill(api_eighths: int, top_eighths: int, row: int) -> tuple[int, str]:
    """(eighths filled, series) of one cell: "api", "mcp", "split" (API under MCP) or ""."""
    base = row * 8
    api = min(8, max(0, api_eighths - base))
    top = min(8, max(0, top_eighths - base))
    if top == 0:
        return 0, ""
    if api >= top:
        return top, "api"
    if api == 0:
        return top, "mcp"
    if top == 8:
        return api, "split"
    # Three layers in one cell cannot be drawn; the larger part wins (the very top only).
    return top, "api" if api >= top - api else "mcp"


def glyph(filled: int, series: str, *, mono: bool, ascii: bool = False) -> str:
    """The character of a cell `cell_fill` described. Without colour a split cell shows the
    larger of its two parts, and an MCP cell its shade; `ascii`: their ASCII stand-ins."""
    eighths, full, part = ((ASCII_EIGHTHS, ASCII_MCP_FULL, ASCII_MCP_PART) if ascii
                           else (EIGHTHS, MCP_FULL, MCP_PART))
    if not mono or series == "api" or (series == "split" and filled >= 4):
        return eighths[filled]
    if series == "split":
        return full
    return full if filled == 8 else part


class UsageChart(Widget):
    DEFAULT_CSS = """
    UsageChart {
        height: 10;
        margin: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    UsageChart > .usage-chart--api { color: $primary; }
    UsageChart > .usage-chart--mcp { color: $accent; }
    UsageChart > .usage-chart--axis { color: $text-muted; }
    UsageChart > .usage-chart--title { text-style: bold; }
    UsageChart > .usage-chart--note { color: $text-warning; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"usage-chart--api", "usage-chart--mcp",
                                             "usage-chart--axis", "usage-chart--title",
                                             "usage-chart--note"}

    bars: reactive[tuple[DayBar, ...]] = reactive(tuple, always_update=True)
    metric: reactive[Metric] = reactive("credits")
    days_label: reactive[str] = reactive("")
    note: reactive[str] = reactive("")  # coverage or error, in words
    partial: reactive[bool] = reactive(False)  # the note is a warning: not all is counted
    # Not `loading`: that is Widget's own, which covers the widget with a spinner.
    counting: reactive[bool] = reactive(False)

    def show(self, view: ChartView, metric: Metric) -> None:
        """The period as the page's model counts it, in `metric`."""
        self.metric = metric
        self.days_label, self.bars = view.days_label, view.bars
        self.partial, self.note = view.partial, view.note

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        if width < 10 or height < LEGEND_ROWS + FOOT_ROWS + 1:
            return Text()
        rows = height - LEGEND_ROWS - FOOT_ROWS
        scale = self._scale(width, rows)
        lines = [self._legend(width)]
        lines += self._plot(width, rows, scale)
        lines.append(self._dates(width, scale))
        note_style = self._style("note" if self.partial else "axis")
        lines.append(Text(self.note, style=note_style, no_wrap=True, overflow="ellipsis"))
        return Text("\n").join(lines)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"usage-chart--{name}", partial=True)

    def _series_styles(self) -> tuple[Style, Style]:
        """API's and MCP's styles: the theme's, unless a terminal of 16 colours would draw
        both in one colour (`colours.apart_in_few_colours`)."""
        api, mcp = self._style("api"), self._style("mcp")
        api_colour, mcp_colour = apart_in_few_colours(self.app, api.color, mcp.color,
                                                      self.background_colors[1].rich_color)
        return api + Style(color=api_colour), mcp + Style(color=mcp_colour)

    def _legend(self, width: int) -> Text:
        """The title on the left, the series' key on the right. The key is never cut (cut,
        "█ API…" lost MCP's colour: trial 5 at 60 columns, counting a 30-day period): the
        title takes shorter words first, and only then is it cut with "…"."""
        mcp = plain(MCP_FULL if without_colour(self.app) else "█")
        api_style, mcp_style = self._series_styles()
        legend = Text.assemble((plain("█"), api_style), " API  ", (mcp, mcp_style), " MCP")
        room = max(0, width - legend.cell_len - 1)
        titles = self._titles()
        line = next((title for title in titles if title.cell_len <= room), titles[-1])
        if line.cell_len > room:  # the shortest words do not fit: cut (one cell a character)
            line = line[:max(0, room - 1)] + Text(plain("…"), style=self._style("title"))
        line.append(" " * max(1, width - line.cell_len - legend.cell_len))
        line.append_text(legend)
        line.no_wrap = True
        return line

    def _titles(self) -> list[Text]:
        """The chart's title, in ever shorter words: "Credits spent per day · last 30 days
        (UTC) · counting…" down to "Credits/day"."""
        what, short = (("Credits spent", "Credits") if self.metric == "credits"
                       else ("Calls", "Calls"))
        period = self.days_label
        counting = " · counting…" if self.counting else ""
        wordings = [(f"{what} per day", f" · {period} (UTC){counting}" if period else counting),
                    (f"{short}/day", f" · {period}{counting}" if period else counting),
                    (f"{short}/day", f" · {period.removeprefix('last ')}" if period else ""),
                    (f"{short}/day", "")]
        return [Text.assemble((head, self._style("title")), (plain(tail), self._style("axis")))
                for head, tail in wordings]

    def _scale(self, width: int, rows: int) -> int:
        """The axis' top: the tallest bar's total rounded up, and, where bars carry their
        totals above them, high enough to leave the tallest a row for its own."""
        tallest = max((bar.total for bar in self.bars if bar.known), default=0)
        scale = nice_ceiling(tallest)
        if rows >= 2 and Layout.fit(width, max(1, len(self.bars)), compact(scale)).slot >= 6:
            scale = nice_ceiling(math.ceil(tallest * rows / (rows - 1)))
        return scale

    def _plot(self, width: int, rows: int, scale: int) -> list[Text]:
        bars: Sequence[DayBar] = self.bars
        layout = Layout.fit(width, max(1, len(bars)), compact(scale))
        (api_style, mcp_style), axis = self._series_styles(), self._style("axis")
        mono, ascii = without_colour(self.app), ascii_only()
        tick, axis_line = plain(" ┤", ascii), plain("│", ascii)
        # Without colour a split cell is drawn as one of its parts (`glyph`), in its style.
        split = Style(color=api_style.color, bgcolor=mcp_style.color) if not mono else None
        eighths = rows * 8

        def height(value: int) -> int:
            return 0 if value <= 0 else max(1, round(value / scale * eighths))

        lines = []
        for row in reversed(range(rows)):
            label = compact(scale) if row == rows - 1 else ("0" if row == 0 else "")
            line = Text(no_wrap=True)
            line.append(label.rjust(layout.axis_width - 2) + tick if label else
                        " " * (layout.axis_width - 1) + axis_line, style=axis)
            for index, bar in enumerate(bars):
                start = layout.bar_start(index)
                line.append(" " * (start - line.cell_len))
                if not bar.known:
                    mark = "?" if row == 0 else " "
                    line.append(mark.center(layout.bar), style=axis)
                    continue
                top, api = height(bar.total), height(bar.api) if bar.api else 0
                filled, series = cell_fill(api, top, row)
                if series:
                    if series == "split":  # without colour: the larger part's style
                        series_style = split if split is not None else (
                            api_style if filled >= 4 else mcp_style)
                    else:
                        series_style = api_style if series == "api" else mcp_style
                    line.append(glyph(filled, series, mono=mono, ascii=ascii) * layout.bar,
                                style=series_style)
                elif (layout.slot >= 6 and self._value_row(top, rows) == row
                      and layout.bar >= len(value_label(bar))):
                    line.append(value_label(bar).center(layout.bar), style=axis)
                else:
                    line.append(" " * layout.bar)
            lines.append(line)
        return lines

    @staticmethod
    def _value_row(top_eighths: int, rows: int) -> int | None:
        """The row just above a bar, where its total fits (7-day bars are wide enough)."""
        row = math.ceil(top_eighths / 8) if top_eighths else 0
        return row if row < rows else None

    def _dates(self, width: int, scale: int) -> Text:
        bars: Sequence[DayBar] = self.bars
        if not bars:
            return Text()
        layout = Layout.fit(width, len(bars), compact(scale))
        axis = self._style("axis")
        line = Text(" " * (layout.axis_width - 1) + plain("└"), style=axis, no_wrap=True)
        fmt = "%a %b %d" if layout.slot >= 11 else "%b %d"
        size = len(bars[0].day.strftime(fmt))
        # Every k-th day from today backwards, k as small as lets the labels breathe.
        every = max(1, math.ceil((size + 2) / layout.slot))
        for index in range(len(bars) - 1 - ((len(bars) - 1) // every) * every, len(bars),
                           every):
            label = bars[index].day.strftime(fmt)
            start = layout.bar_start(index) + (layout.bar - len(label)) // 2
            start = min(max(start, line.cell_len), width - len(label))
            if start < line.cell_len:
                continue
            line.append(" " * (start - line.cell_len))
            line.append(label, style=axis)
        return line
