"""The marked count under API access's list, on its own line for as long as keys are marked
(whatever the line above says: loading, an error), with what to do with the marks.

The screen sets `count`. Escape (clear the marks) is offered only while there are marks, so
the screen's keys are looked at again when the first mark comes or the last one goes.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class MarksLine(Static):
    count: reactive[int] = reactive(0, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.display = False

    def watch_count(self, old: int, count: int) -> None:
        self.display = count > 0
        if count:
            self.update(f"✓ {count:,} marked · d revokes {'it' if count == 1 else 'them'} · "
                        "space unmarks · Escape clears the marks")
        if (old > 0) != (count > 0):
            self.screen.refresh_bindings()
