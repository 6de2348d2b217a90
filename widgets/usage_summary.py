"""The summary strip above the chart: balance, the period's spend, errors, rate limit, live.

Every figure says where it comes from: the period's totals read "at least" while the chart's
events are only partly loaded, and the rate limit is what the last response's headers said.
Live says how often it refreshes now (the request budget's pace: slowed, paused until the
window resets, waiting out a 429: `activity.live.live_words`). Narrower than the full lines,
the words get shorter, twice; narrower still, the strip takes a third line: nothing is cut
(at 80 and 60 columns, a filtered period's spend included). The screen hands over what it
learns (the period's figures, the rate limit of the last response, the pace); this widget
draws them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.activity.live import live_words
from openrush_tui.activity.totals import Figures
from openrush_tui.text.counts import requests_left
from openrush_tui.text.money import credits_text, dollars
from openrush_tui.text.times import short as short_time

FULL, SHORT, SHORTEST = 0, 1, 2  # how many words each figure takes (`UsageSummary._lines`)

if TYPE_CHECKING:
    from openrush_tui.activity.answers import ChartView
    from openrush_tui.activity.runway import Runway
    from openrush_tui.api.budget import LivePace
    from openrush_tui.api.models import RateLimitInfo


class UsageSummary(Widget):
    DEFAULT_CSS = """
    UsageSummary {
        height: auto;
        margin: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    UsageSummary > .usage-summary--label { color: $text-muted; }
    UsageSummary > .usage-summary--value { text-style: bold; }
    UsageSummary > .usage-summary--bad { color: $text-error; text-style: bold; }
    UsageSummary > .usage-summary--live { color: $text-success; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"usage-summary--label", "usage-summary--value",
                                             "usage-summary--bad", "usage-summary--live"}

    # Each may change how many lines the strip needs (`_lines`): a new layout, not a repaint.
    balance: reactive[int | None] = reactive(None, layout=True)
    runway: reactive[Runway | None] = reactive(None, layout=True)  # how long the balance lasts
    figures: reactive[Figures | None] = reactive(None, layout=True)
    period: reactive[str] = reactive("", layout=True)
    rate_limit: reactive[RateLimitInfo | None] = reactive(None, layout=True)
    now: reactive[datetime | None] = reactive(None, layout=True)
    live: reactive[bool] = reactive(True, layout=True)
    live_interval: reactive[float] = reactive(10.0, layout=True)
    # None: not known yet (then `live_interval` is the pace).
    pace: reactive[LivePace | None] = reactive(None, layout=True)
    # With no figures: are they on the way? (Not `loading`: Widget's own shows a spinner.)
    pending: reactive[bool] = reactive(True, layout=True)

    # -- what the page hands over ---------------------------------------------------------------

    def show_balance(self, balance: int | None) -> None:
        self.balance = balance

    def show_runway(self, runway: Runway | None) -> None:
        self.runway = runway

    def show_period(self, view: ChartView) -> None:
        """The period's name and figures, as the chart shows them."""
        self.period, self.figures = view.period, view.figures

    def note_rate_limit(self, info: RateLimitInfo | None, now: datetime) -> None:
        """The rate-limit window as the last response's headers reported it. None (no
        response yet) keeps the figure shown; a new figure is read against `now`."""
        if info not in (None, self.rate_limit):
            self.now, self.rate_limit = now, info

    # -- drawing ---------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"usage-summary--{name}", partial=True)

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def _lines(self, width: int) -> list[Text]:
        """Two lines (money: balance, the period's spend; health: errors, rate limit, live) in
        the longest words that fit `width`. When even the shortest do not, their parts go on
        as many lines as they need: the strip grows a line rather than cut one."""
        for level in (FULL, SHORT, SHORTEST):
            gap = "   " if level == FULL else "  "
            lines = [Text(gap).join(self._first(level)), Text(gap).join(self._second(level))]
            if not width or all(line.cell_len <= width for line in lines):
                return lines
        # Money and health stay apart, each on as few lines as hold its parts.
        return [*_packed(self._first(SHORTEST), width, "  "),
                *_packed(self._second(SHORTEST), width, "  ")]

    def _first(self, level: int) -> list[Text]:
        label, value = self._style("label"), self._style("value")
        balance = Text()
        balance.append("Balance ", style=label)
        if self.balance is None:
            balance.append("…" if self.pending else "—", style=label)
        else:
            balance.append(credits_text(self.balance), style=value)
            if level == FULL:
                balance.append(f" ({dollars(self.balance)})", style=label)
            balance.append_text(self._runway(level))
        return [balance, self._spend(level)]

    def _second(self, level: int) -> list[Text]:
        label, value = self._style("label"), self._style("value")
        limit = Text("Rate limit " if level == FULL else "Limit ", style=label)
        info = self.rate_limit
        if info is None:
            limit.append("not reported yet" if level == FULL else "—", style=label)
        else:
            # The same words at every width (`requests_left`): the shortest once dropped
            # "left", so a filtered period's longer spend changed how the limit read.
            limit.append(requests_left(info.remaining, info.limit),
                         style=self._style("bad") if info.remaining == 0 else value)
            if info.reset is not None and self.now is not None and level == FULL:
                limit.append(f" until {short_time(info.reset, self.now)} UTC", style=label)
        live = Text("Live ", style=label)
        live.append_text(self._live(short=level > FULL))
        return [self._errors(level), limit, live]

    def _live(self, *, short: bool) -> Text:
        words = live_words(self.live, self.pace, self.live_interval, self.now, short=short)
        return Text.assemble(*((text, self._style(role)) for text, role in words))

    def _runway(self, level: int) -> Text:
        """", lasts ~12 days" (at the last 7 days' spend); a glyph and bold when low."""
        runway, text, short = self.runway, Text(), level > FULL
        left = None if runway is None else runway.days_left
        if runway is None or self.balance is None or (left is None and short):
            return text
        if left is None:
            text.append(", nothing spent in 7 days", style=self._style("label"))
            return text
        lasts = runway.lasts(short=short)  # "no credits left" at a balance of 0
        if level == SHORTEST:
            lasts = lasts.removeprefix("lasts ")
        if runway.low:
            text.append(" ! ", style=self._style("bad"))
            text.append(lasts, style=self._style("bad"))
        else:
            text.append(f" · {lasts}", style=self._style("label"))
        return text

    def _spend(self, level: int) -> Text:
        label, value = self._style("label"), self._style("value")
        period = self.period or "This period"
        text = Text()
        text.append(f"{period.removeprefix('Last ') if level == SHORTEST else period}: ",
                    style=label)
        figures = self.figures
        if figures is None:
            text.append("loading…" if self.pending else "not loaded", style=label)
            return text
        # While the period is only partly counted, every figure is a lower bound.
        if not figures.complete:
            text.append("≥ " if level == SHORTEST else "at least ", style=label)
        text.append(credits_text(figures.credits), style=value)
        text.append(f" ({dollars(figures.credits)}) spent in " if level == FULL else " in ",
                    style=label)
        text.append(f"{figures.calls:,}", style=value)
        text.append(" call" if figures.calls == 1 else " calls", style=label)
        return text

    def _errors(self, level: int) -> Text:
        label, value, bad = self._style("label"), self._style("value"), self._style("bad")
        text = Text()
        text.append("Errors ", style=label)
        figures = self.figures
        if figures is None:
            text.append("…" if self.pending else "—", style=label)
            return text
        at_least = "" if figures.complete else "≥ "
        text.append(f"{at_least}{figures.errors:,}", style=bad if figures.errors else value)
        text.append(" · rate-limited " if level == FULL else " · limited ", style=label)
        text.append(f"{at_least}{figures.rate_limited:,}",
                    style=bad if figures.rate_limited else value)
        return text


def _packed(parts: list[Text], width: int, gap: str) -> list[Text]:
    """`parts` in order on as few lines of `width` cells as hold them whole."""
    lines: list[Text] = []
    for part in parts:
        if lines and lines[-1].cell_len + len(gap) + part.cell_len <= width:
            lines[-1].append(gap)
            lines[-1].append_text(part)
        else:
            lines.append(Text.assemble(part))  # a line of its own, `part` left as it was
    return lines
