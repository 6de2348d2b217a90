"""The summary strip above the chart: balance, the period's spend, errors, rate limit, live.

Every figure says where it comes from: the period's totals read "at least" while the chart's
events are only partly loaded, and the rate limit is what the last response's headers said.
The screen sets the attributes; this widget only draws them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.activity.totals import Figures
from openrush_tui.text.times import short

if TYPE_CHECKING:
    from openrush_tui.api.models import RateLimitInfo


def dollars(credits: int) -> str:
    """1 credit = $0.01."""
    return f"${credits / 100:,.2f}"


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
    figures: reactive[Figures | None] = reactive(None)
    period: reactive[str] = reactive("")
    rate_limit: reactive[RateLimitInfo | None] = reactive(None)
    now: reactive[datetime | None] = reactive(None)
    live: reactive[bool] = reactive(True)
    live_interval: reactive[float] = reactive(10.0)
    # With no figures: are they on the way? (Not `loading`: Widget's own shows a spinner.)
    pending: reactive[bool] = reactive(True)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"usage-summary--{name}", partial=True)

    def render(self) -> Text:
        # Two lines: money (balance, the period's spend), then health (errors, rate limit, live).
        label, value = self._style("label"), self._style("value")
        first = Text()
        first.append("Balance ", style=label)
        if self.balance is None:
            first.append("…" if self.pending else "—", style=label)
        else:
            first.append(f"{self.balance:,} credits", style=value)
            first.append(f" ({dollars(self.balance)})", style=label)
        first.append("   ")
        first.append_text(self._spend())

        second = self._errors()
        second.append("   Rate limit ", style=label)
        info = self.rate_limit
        if info is None:
            second.append("not reported yet", style=label)
        else:
            second.append(f"{info.remaining:,}/{info.limit:,} left",
                          style=self._style("bad") if info.remaining == 0 else value)
            if info.reset is not None and self.now is not None:
                second.append(f" until {short(info.reset, self.now)} UTC", style=label)
        second.append("   Live ", style=label)
        if self.live:
            second.append(f"on, every {self.live_interval:g} s", style=self._style("live"))
            second.append(" (l pauses)", style=label)
        else:
            second.append("paused", style=value)
            second.append(" (l resumes)", style=label)
        return Text("\n").join([first, second])

    def _spend(self) -> Text:
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
        text.append(f"{figures.credits:,} credits", style=value)
        text.append(f" ({dollars(figures.credits)}) spent in ", style=label)
        text.append(f"{figures.calls:,}", style=value)
        text.append(" calls", style=label)
        return text

    def _errors(self) -> Text:
        label, value, bad = self._style("label"), self._style("value"), self._style("bad")
        text = Text()
        text.append("Errors ", style=label)
        figures = self.figures
        if figures is None:
            text.append("…" if self.pending else "—", style=label)
            return text
        at_least = "" if figures.complete else "≥ "
        text.append(f"{at_least}{figures.errors:,}", style=bad if figures.errors else value)
        text.append(" · rate-limited ", style=label)
        text.append(f"{at_least}{figures.rate_limited:,}",
                    style=bad if figures.rate_limited else value)
        return text
