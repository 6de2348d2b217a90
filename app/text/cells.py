"""Text measured in terminal cells, and names cut so that they still read apart.

Widths are display widths: a CJK character or an emoji takes two cells, a combining mark
none. A cut keeps whole characters and shows "…" where text was left out.

`Apart` cuts the names of one column (key names, callers) so that no cut name reads like
another name of the column: a cut is read as "starts with what is before the ellipsis and
ends with what is after it", so "Trial deploy…" beside "Trial deploy" reads the same. Such a
name is cut in the middle instead, keeping the end that tells it apart: whole words where
they fit ("Trial…2026-06-26", "Production se…(old)"), else the last parts of a word
("Trial d…06-26"), else as few cells of the end as tell it apart. The CLI's tables
(`commands.table`), Activity's table and the key list (through `keys.columns` and
`activity.columns`) all cut names this way. No Textual here.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate

from openrush_tui.text.safe import ESCAPE

ELLIPSIS = "…"
# Wide since Unicode 16 (terminals and Rich count two cells; Python's tables may say one).
_NEWLY_WIDE = ((0x2630, 0x2637), (0x268A, 0x268F), (0x4DC0, 0x4DFF), (0x1D300, 0x1D376))
# What comes before a part of a word ("2026-06-26", "ci_deploy", "a/b"): an end may start there.
_PART_START = frozenset("-_/:,.+")
_SCAN = 64  # names compared at most per look (beyond: taken as reading alike, see `_alike`)
_LAST = chr(0x10FFFF)  # after every character: `start + _LAST` is after all that begin so
# A rotation's date at the end of a name ("Trial deploy 2026-12-07 12:52", `keys.rotate`):
# what tells a key from the one it replaced, so a cut keeps it where it can (the whole stamp,
# else its time: "Trial d…12:52"), whatever else would have read apart.
_STAMP = re.compile(r" (\d{4}-\d{2}-\d{2}(?: (\d{2}:\d{2}(?::\d{2})?))?)$")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
# Skin tones change the emoji before them, in its two cells (as rich, thus Textual, counts:
# "👩🏽💻", an emoji ZWJ sequence `text.safe.visible` shows without its joiner, is 4 cells).
_SKIN_TONES = frozenset(map(chr, range(0x1F3FB, 0x1F400)))


# Remembered: a table's lines hold few different characters, each measured again per line
# ("…" in every prefix of 50,000 keys; issue 23). A character is at most 4,096 entries.
@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """The cells one character takes: 0 for a combining mark, 2 for a wide one, else 1.
    Errs wide where tables disagree: a line a cell short beats one a cell too long."""
    if unicodedata.category(char) in ("Mn", "Me") or char in _SKIN_TONES:
        return 0
    if unicodedata.east_asian_width(char) in "WF":
        return 2
    code = ord(char)
    return 2 if any(low <= code <= high for low, high in _NEWLY_WIDE) else 1


def cell_width(text: str) -> int:
    if text.isascii():
        return len(text)
    # An ASCII character takes one cell: only the others are measured (found by `re`, in C).
    return len(text) + sum(char_width(char) - 1 for char in _NOT_ASCII.findall(text))


def _whole(text: str, at: int, forward: bool) -> int:
    """`at`, or where the escape (`text.safe.visible`'s "\\u200d") it falls inside starts
    (or, `forward`, ends): a cut keeps or leaves out a whole escape."""
    if "\\" not in text:  # the usual case, checked at C speed
        return at
    for match in ESCAPE.finditer(text, max(0, at - 9), at + 9):
        if match.start() < at < match.end():
            return match.end() if forward else match.start()
    return at


def _head_at(text: str, room: int) -> int:
    """How many characters of `text` take at most `room` cells."""
    if text.isascii():
        return min(len(text), max(0, room))
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > room:
            return index
    return len(text)


def head(text: str, room: int) -> str:
    """The longest start of `text` that takes at most `room` cells (and ends on no part of
    an escape)."""
    return text[:_whole(text, _head_at(text, room), forward=False)]


def tail(text: str, room: int) -> str:
    """The longest end of `text` that takes at most `room` cells (no leading combining mark,
    which would sit on the ellipsis, nor part of an escape)."""
    at = _whole(text, len(text) - _head_at(text[::-1], room), forward=True)
    while at < len(text) and char_width(text[at]) == 0:
        at += 1
    return text[at:]


def cut(text: str, room: int, keep_end: int = 0, mark: str = ELLIPSIS) -> str:
    """`text` in at most `room` cells: as it is when it fits, else its start, `mark` and its
    last `keep_end` cells."""
    if cell_width(text) <= room:
        return text
    if room < len(mark):
        return head(text, room) if len(mark) > 1 else ""
    end = tail(text, min(keep_end, room - len(mark)))
    return head(text, room - len(mark) - cell_width(end)) + mark + end


class Apart:
    """The names of one column, each cut to a room so that it reads like no other of them
    (see the module's docstring). A look is two binary searches and a scan of at most _SCAN
    names, so tens of thousands of names cost little; each cut is remembered until names are
    added. Names added (a list that arrives in pages) are merged in when next needed."""

    def __init__(self, names: Iterable[str] = (), mark: str = ELLIPSIS) -> None:
        self.mark = mark
        self._names: list[str] = []
        self._reversed: list[str] = []
        self._adding: list[str] = list(names)
        self._cuts: dict[tuple[str, int], str] = {}

    def add(self, names: Iterable[str]) -> None:
        self._adding.extend(names)

    def cut(self, name: str, room: int) -> str:
        """`name` in at most `room` cells, reading like no other name where that can be."""
        if cell_width(name) <= room:
            return name
        if self._adding:
            # Sorting a sorted list with a sorted run after it merges the two (timsort).
            self._names = sorted([*self._names, *sorted(self._adding)])
            self._reversed = sorted([*self._reversed,
                                     *sorted(name[::-1] for name in self._adding)])
            self._adding, self._cuts = [], {}
        known = self._cuts.get((name, room))
        if known is None:
            known = self._cuts[(name, room)] = self._cut(name, room)
        return known

    def cuts(self, names: Iterable[str], room: int) -> list[str]:
        return [self.cut(name, room) for name in names]

    def _cut(self, name: str, room: int) -> str:
        room_left = room - len(self.mark)  # for the start and the end
        if room_left <= 0:
            return cut(name, room, 0, self.mark)
        measured = _Measured(name)
        least_start = min(max(4, room // 3), room_left - 1)
        for keep in _stamp_ends(name):
            if keep <= room_left - least_start:
                pieces = measured.pieces(room_left, keep)
                if not self._alike(name, *pieces):
                    return self.mark.join(pieces)
        plain = measured.pieces(room_left, 0)
        if not self._alike(name, *plain):
            return self.mark.join(plain)
        for keep in measured.ends(room_left - max(1, least_start)):
            pieces = measured.pieces(room_left, keep)
            if not self._alike(name, *pieces):
                return self.mark.join(pieces)
        for keep in range(1, room_left):  # a start of one cell, at least
            pieces = measured.pieces(room_left, keep)
            if not self._alike(name, *pieces):
                return self.mark.join(pieces)
        return self.mark.join(plain)

    def _alike(self, name: str, start: str, end: str) -> bool:
        """Whether a cut of `name` keeping `start` and `end` could be another name: one that
        starts with `start` and ends with `end`."""
        first, first_end = _span(self._names, start)
        last, last_end = _span(self._reversed, end[::-1])
        if min(first_end - first, last_end - last) > _SCAN:
            return True  # too many to look through: reading alike is the safe guess
        if first_end - first <= last_end - last:
            names = self._names
            return any(names[at] != name and names[at].endswith(end)
                       for at in range(first, first_end))
        ends = self._reversed
        return any(ends[at][::-1] != name and ends[at].endswith(start[::-1])
                   for at in range(last, last_end))


def _stamp_ends(name: str) -> list[int]:
    """The widths of the ends of a dated name worth keeping: its whole stamp, then its time."""
    found = _STAMP.search(name)
    if found is None:
        return []
    return [len(found[1]), *([len(found[2])] if found[2] else [])]


def _span(ordered: list[str], start: str) -> tuple[int, int]:
    """Where the names of `ordered` that begin with `start` are: from, to (not included)."""
    return bisect_left(ordered, start), bisect_left(ordered, start + _LAST)


class _Measured:
    """A name's characters measured once, for the many cuts tried on it: `sums[i]` is the
    cells its first i characters take."""

    def __init__(self, text: str) -> None:
        self.text = text
        widths = [1] * len(text) if text.isascii() else [char_width(char) for char in text]
        self.sums = [0, *accumulate(widths)]

    def head(self, room: int) -> str:
        """As `head`: the longest start in at most `room` cells."""
        at = bisect_right(self.sums, max(0, room)) - 1
        return self.text[:_whole(self.text, at, forward=False)]

    def tail_at(self, room: int) -> int:
        """Where the longest end in at most `room` cells begins (as `tail`: never on a
        combining mark)."""
        at = _whole(self.text, bisect_left(self.sums, self.sums[-1] - max(0, room)),
                    forward=True)
        while at < len(self.text) and self.sums[at + 1] == self.sums[at]:
            at += 1
        return at

    def pieces(self, room: int, keep_end: int) -> tuple[str, str]:
        """What a cut keeps of the start and of the end, in `room` cells in all (the mark
        apart), the end in at most `keep_end` cells."""
        at = self.tail_at(min(keep_end, room))
        start = self.head(room - (self.sums[-1] - self.sums[at]))
        # "Trial deploy…", not "Trial deploy …": a space before the mark reads as nothing.
        return start.rstrip(" ") or start, self.text[at:]

    def ends(self, most: int) -> list[int]:
        """The widths of the ends worth keeping, in the order tried: whole words (shortest
        first), then the parts of the last word ("06-26" of "2026-06-26"; longest first);
        each in at most `most` cells."""
        if most <= 0:
            return []
        text, total = self.text, self.sums[-1]
        starts = range(max(1, self.tail_at(most)), len(text))
        words = [total - self.sums[at] for at in starts
                 if text[at - 1] == " " and text[at] != " "]
        parts = [total - self.sums[at] for at in starts
                 if text[at - 1] in _PART_START and text[at] != " "]
        return [*sorted(words), *sorted(parts, reverse=True)]
