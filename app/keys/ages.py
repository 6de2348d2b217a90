"""`relative` texts of many instants against one now, a third of its time (`keys audit
--json` says the age of 40,000 keys at 50,000; issue 23)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

from openrush_tui.clock import EARLIEST, LATEST, shifted
from openrush_tui.text.times import relative

_DAY = 86_400


class Ages:
    """``relative(instant, now)`` of any instant, as `said`. Its text depends only on the
    whole seconds between the two (``int((now - instant).total_seconds())``), and each text
    is one run of those seconds on its side of now (a unit's count grows with them; the
    units follow each other; "just now" and "in a moment" are each one run on a side). So
    each run is found once, its ends bisected with `relative` itself, and an instant's text
    is then looked up among the runs found: a few dozen at 50,000 keys."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._starts: list[int] = []  # the runs found, in order: their first and last seconds
        self._ends: list[int] = []
        self._texts: list[str] = []
        # Seconds a day inside the calendar's ends either way: the instants `_text` makes
        # are then exact (`shifted` never stops at an end); the rest are said one by one.
        self._least = int((now - LATEST).total_seconds()) + _DAY
        self._most = int((now - EARLIEST).total_seconds()) - _DAY

    def said(self, instant: datetime) -> str:
        seconds = int((self.now - instant).total_seconds())
        at = bisect_right(self._starts, seconds) - 1
        if at >= 0 and seconds <= self._ends[at]:
            return self._texts[at]
        if not self._least <= seconds <= self._most:
            return relative(instant, self.now)
        return self._learn(seconds, at + 1)

    def _text(self, seconds: int) -> str:
        """What `relative` says of an instant `seconds` before now."""
        return relative(shifted(self.now, timedelta(seconds=-seconds)), self.now)

    def _learn(self, seconds: int, at: int) -> str:
        """The run of `seconds`, put at `at` among those found: its ends bisected between the
        runs found on either side, never across now."""
        text = self._text(seconds)
        low = max(self._ends[at - 1] + 1 if at else self._least,
                  0 if seconds >= 0 else self._least)
        high = min(self._starts[at] - 1 if at < len(self._starts) else self._most,
                   self._most if seconds >= 0 else -1)
        first = last = seconds
        while low < first:  # the run's first second lies in low..first
            middle = (low + first) // 2
            if self._text(middle) == text:
                first = middle
            else:
                low = middle + 1
        while last < high:  # its last in last..high
            middle = (last + high + 1) // 2
            if self._text(middle) == text:
                last = middle
            else:
                high = middle - 1
        self._starts.insert(at, first)
        self._ends.insert(at, last)
        self._texts.insert(at, text)
        return text
