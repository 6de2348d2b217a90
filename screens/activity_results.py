"""What Activity's workers hand back: small frozen results, and one message for the chart.

Workers never touch widgets; they return one of these (or post `ChartProgress` page by page)
and the screen's handlers show them. Each carries the generation of the fetch that made it,
so an answer to an old filter is recognised and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from openrush_tui.activity.counting import StopReason
    from openrush_tui.activity.window import NewerRequest
    from openrush_tui.api.models import UsageEvent, UsagePage


@dataclass(frozen=True)
class FirstPage:
    generation: int
    page: UsagePage


@dataclass(frozen=True)
class OlderPage:
    generation: int
    cursor: str
    page: UsagePage


@dataclass(frozen=True)
class NewerPage:
    generation: int
    request: NewerRequest
    items: list[UsageEvent]


@dataclass(frozen=True)
class LiveEvents:
    generation: int
    known_newest: str | None  # None: the list was empty, anything found is new
    items: list[UsageEvent]


@dataclass(frozen=True)
class Names:
    keys: list[tuple[str, str]]  # (credential id, name), as listed
    tools: list[str]


class ChartProgress(Message):
    """One page of the period counted (posted by the chart worker, handled on the screen)."""

    def __init__(self, generation: int, items: list[UsageEvent], next_cursor: str | None,
                 stop: StopReason | None, remaining: int | None) -> None:
        super().__init__()
        self.generation = generation
        self.items = items
        self.next_cursor = next_cursor
        self.stop_reason = stop  # not `stop`: Message.stop() is a method
        self.remaining = remaining
