"""What the Activity model answers the screen: a status line, what an answer changed, and what
the chart and summary strip show. Plain data, no Textual."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from openrush_tui.activity.totals import DayBar, Figures

if TYPE_CHECKING:
    from openrush_tui.api.models import UsageEvent

LineState = Literal["idle", "loading", "error", "empty", "info"]


class Line(NamedTuple):
    """One status line under or above the table: its state and its words (plain text)."""

    state: LineState
    text: str = ""


@dataclass(frozen=True)
class Update:
    """What an answer changed, for the screen to show."""

    rows: bool = False  # the events held changed: show them again
    at_top: bool = False  # ...and new ones on top stay in view if the table sits at its top
    reset: bool = False  # the rows shown were another filter's: the table starts at the top
    events: Sequence[UsageEvent] = ()  # events that arrived (their keys may want names)
    restart: str | None = None  # start again from the newest, first saying this (if not "")


@dataclass(frozen=True)
class ChartView:
    """What the chart and the summary strip show of the period."""

    bars: tuple[DayBar, ...]
    days_label: str  # the chart's "last 7 days"
    period: str  # the summary's "Last 7 days"
    note: str
    partial: bool  # the note warns that not everything is counted
    figures: Figures | None  # None: nothing has loaded, so nothing is claimed
