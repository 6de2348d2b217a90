"""Activity's table of events, without Textual: which columns fit a width, how wide the cells
that may be cut are, and how a time is written when room is short.

Every title is shown whole (a narrow column takes its short title) and every column fits:
as the table narrows, Duration goes first, then the time shortens ("11:56", "Jun 25"), then
Source goes (the key or client says it: a key's name or an MCP client's); the tool and the
caller are cut with "…" last, never below their least width. Status and Credits always stay.
A caller too long for its room is cut so that a key's name reads like no other key's name
of the account (`CallerCuts`, through `text.cells.Apart`): after a rotation, "Trial d…06-26"
beside "Trial deploy", never "Trial deploy…" beside it.
The table widget (`openrush_tui.widgets.event_table`) only draws what this decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from openrush_tui.text.cells import Apart, cell_width
from openrush_tui.text.safe import visible

EventColumn = Literal["time", "source", "tool", "who", "status", "credits", "duration"]

TITLES: dict[EventColumn, str] = {"time": "Time", "source": "Source", "tool": "Tool",
                                  "who": "Key or client", "status": "Status",
                                  "credits": "Credits", "duration": "Duration"}
SHORT_TITLES: dict[EventColumn, str] = {"who": "Key/client"}
# The widest cell of each column that is never cut: a time ("Jun 25 22:35"), a source,
# "limited 429", credits, "12,345 ms". A status wider than this (another server's word) is cut.
FIXED: dict[EventColumn, int] = {"time": 12, "source": 6, "status": 11, "credits": 7,
                                 "duration": 10}
SHORT_TIME = 6  # "11:56", "Jun 25"
LEAST: dict[EventColumn, int] = {"tool": 11, "who": 10}  # "POST …/api…", "Key/client"
MOST: dict[EventColumn, int] = {"tool": 34, "who": 24}  # beyond: cut, even on a wide screen
PADDING = 2  # cells around each cell (a DataTable's padding, one on each side)
SCROLLBAR = 2  # the vertical scrollbar's cells, kept free whether or not it shows


@dataclass(frozen=True)
class EventLayout:
    """The columns shown, left to right, and the most cells a cell of each may take."""

    columns: tuple[EventColumn, ...]
    room: dict[EventColumn, int]
    short_time: bool = False

    def title(self, column: EventColumn) -> str:
        title = TITLES[column]
        return title if len(title) <= self.room[column] else SHORT_TITLES.get(column, title)


# What gives way, in turn, before the tool and the caller are cut below their least.
_STEPS: tuple[Literal["duration", "time", "source"], ...] = ("duration", "time", "source")


def fit_columns(width: int) -> EventLayout:
    """The layout for a table `width` cells wide (its scrollbar included)."""
    shown: list[EventColumn] = list(TITLES)
    short_time = False
    for step in (None, *_STEPS):
        if step == "time":
            short_time = True
        elif step is not None:
            shown = [column for column in shown if column != step]
        fixed = {c: SHORT_TIME if c == "time" and short_time else FIXED[c]
                 for c in shown if c in FIXED}
        room = width - SCROLLBAR - sum(fixed.values()) - PADDING * len(shown)
        if room >= LEAST["tool"] + LEAST["who"]:
            break
    who = max(LEAST["who"], min(MOST["who"], room // 2 - 1))
    tool = max(LEAST["tool"], min(MOST["tool"], room - who))
    return EventLayout(tuple(shown), {**fixed, "tool": tool, "who": who}, short_time)


def short_time(instant: datetime, now: datetime) -> str:
    """In SHORT_TIME cells: the clock time to the minute today, else month and day; an
    earlier year's month and year ("Nov'25")."""
    moment = instant.astimezone(UTC)
    if moment.date() == now.astimezone(UTC).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%b %d" if moment.year == now.year else "%b'%y")


class CallerCuts:
    """A caller (`activity.events.who`: a key's name, else a prefix or a client) in at most
    its room, cut so that it reads like no key's name of the account but its own."""

    def __init__(self) -> None:
        self._names: Mapping[str, str] | None = None
        self._apart = Apart()

    def cut(self, names: Mapping[str, str], caller: str, room: int) -> str:
        """`names`: the account's key names by id (a new mapping when they change)."""
        if cell_width(caller) <= room:
            return caller
        if names is not self._names:
            self._names, self._apart = names, Apart(visible(name) for name in names.values())
        return self._apart.cut(caller, room)
