"""The summary strip above the chart: balance, the period's spend, errors, rate limit, live.

Every figure says where it comes from: the period's totals read "at least" while the chart's
events are only partly loaded, and the rate limit is what the last response's headers said.
Live says how often it refreshes now (the request budget's pace: slowed, paused until the
window resets, waiting out a 429: `activity.live.live_words`). Narrower than the full lines,
the words get shorter before anything is cut. The screen hands over what it learns (the
period's figures, the rate limit of the last response, the pace); this widget draws them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.activity.live import live_words
from openrush_tui.activity.totals import Figures
from openrush_tui.text.money import credits_text, dollars
from openrush_tui.text.times import short as short_time

if TYPE_CHECKING:
    from openrush_tui.activity.answers import ChartView
    from openrush_tui.activity.runway import Runway
    from openrush_tui.api.budget import LivePace
    from openrush_tui.api.models import RateLimitInfo


class UsageSummary(Widget):
    DEFAULT_CSS = """
    UsageSummary {
        height: 2;
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

    balance: reactive[int | None] = reactive(None)
    runway: reactive[Runway | None] = reactive(None)  # how long the balance lasts
    figures: reactive[Figures | None] = reactive(None)
    period: reactive[str] = reactive("")
    rate_limit: reactive[RateLimitInfo | None] = reactive(None)
    now: reactive[datetime | None] = reactive(None)
    live: reactive[bool] = reactive(True)
    live_interval: reactive[float] = reactive(10.0)
    pace: reactive[LivePace | None] = reactive(None)  # None: not known yet (live_interval)
    # With no figures: are they on the way? (Not `loading`: Widget's own shows a spinner.)
    pending: reactive[bool] = reactive(True)

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
        # Two lines: money (balance, the period's spend), then health (errors, rate limit, live).
        lines = [self._first(short=False), self._second(short=False)]
        width = self.size.width
        if width and any(line.cell_len > width for line in lines):
            lines = [self._first(short=True), self._second(short=True)]
        return Text("\n").join(lines)

    def _first(self, *, short: bool) -> Text:
        label, value = self._style("label"), self._style("value")
        first = Text()
        first.append("Balance ", style=label)
        if self.balance is None:
            first.append("…" if self.pending else "—", style=label)
        else:
            first.append(credits_text(self.balance), style=value)
            if not short:
                first.append(f" ({dollars(self.balance)})", style=label)
            first.append_text(self._runway(short=short))
        first.append("   " if not short else "  ")
        first.append_text(self._spend(short=short))
        return first

    def _second(self, *, short: bool) -> Text:
        label, value = self._style("label"), self._style("value")
        second = self._errors(short=short)
        second.append("   Rate limit " if not short else "  Limit ", style=label)
        info = self.rate_limit
        if info is None:
            second.append("not reported yet" if not short else "—", style=label)
        else:
            second.append(f"{info.remaining:,}/{info.limit:,} left",
                          style=self._style("bad") if info.remaining == 0 else value)
            if info.reset is not None and self.now is not None and not short:
                second.append(f" until {short_time(info.reset, self.now)} UTC", style=label)
        second.append("   Live " if not short else "  Live ", style=label)
        second.append_text(self._live(short=short))
        return second

    def _live(self, *, short: bool) -> Text:
        words = live_words(self.live, self.pace, self.live_interval, self.now, short=short)
        return Text.assemble(*((text, self._style(role)) for text, role in words))

    def _runway(self, *, short: bool) -> Text:
        """", lasts ~12 days" (at the last 7 days' spend); a glyph and bold when low."""
        runway, text = self.runway, Text()
        left = None if runway is None else runway.days_left
        if runway is None or self.balance is None or (left is None and short):
            return text
        if left is None:
            text.append(", nothing spent in 7 days", style=self._style("label"))
            return text
        words = f" · {runway.lasts(short=short)}"  # "no credits left" at a balance of 0
        if runway.low:
            text.append(" ! ", style=self._style("bad"))
            text.append(words.removeprefix(" · "), style=self._style("bad"))
        else:
            text.append(words, style=self._style("label"))
        return text

    def _spend(self, *, short: bool = False) -> Text:
        label, value = self._style("label"), self._style("value")
        text = Text()
        text.append(f"{self.period or 'This period'}: ", style=label)
        figures = self.figures
        if figures is None:
            text.append("loading…" if self.pending else "not loaded", style=label)
            return text
        # While the period is only partly counted, every figure is a lower bound.
        if not figures.complete:
            text.append("at least ", style=label)
        text.append(credits_text(figures.credits), style=value)
        text.append(" in " if short else f" ({dollars(figures.credits)}) spent in ", style=label)
        text.append(f"{figures.calls:,}", style=value)
        text.append(" calls", style=label)
        return text

    def _errors(self, *, short: bool = False) -> Text:
        label, value, bad = self._style("label"), self._style("value"), self._style("bad")
        text = Text()
        text.append("Errors ", style=label)
        figures = self.figures
        if figures is None:
            text.append("…" if self.pending else "—", style=label)
            return text
        at_least = "" if figures.complete else "≥ "
        text.append(f"{at_least}{figures.errors:,}", style=bad if figures.errors else value)
        text.append(" · limited " if short else " · rate-limited ", style=label)
        text.append(f"{at_least}{figures.rate_limited:,}",
                    style=bad if figures.rate_limited else value)
        return text
