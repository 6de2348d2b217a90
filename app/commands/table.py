"""A table for the terminal: aligned columns that fit its width, as `keys list` prints them.

Widths are display widths (cells): a CJK character or an emoji takes two, a combining mark
none, so columns stay in line whatever the names hold. When the table is too wide, it gives
way one step at a time, in the order the caller lists the steps: a column's cells in a
shorter form (dates without seconds, then without the time; an id as its shortest unique
start) or a column left out; last, the columns that may be cut are cut with "…" ("..."
where the locale cannot show it: `text.glyphs`), the widest first, never below their least
width. A cut keeps rows apart: two cells that would read the same are cut in the middle
instead, keeping as much of their ends as tells them apart. A wide character is never split.
Only a terminal too narrow for even that has its lines cut.

The width is the terminal's (`COLUMNS` when set, as `shutil.get_terminal_size` reads it).
Piped into another program, nothing gives way: scripts get every cell whole.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from openrush_tui.commands import output
from openrush_tui.commands.common import say
from openrush_tui.text.glyphs import plain
from openrush_tui.text.safe import visible

GAP = "  "
ELLIPSIS = "…"  # as `plain` shows it: "..." under LANG=C
# Wide since Unicode 16 (terminals and Rich count two cells; Python's tables may say one).
_NEWLY_WIDE = ((0x2630, 0x2637), (0x268A, 0x268F), (0x4DC0, 0x4DFF), (0x1D300, 0x1D376))


def char_width(char: str) -> int:
    """The cells one character takes: 0 for a combining mark, 2 for a wide one, else 1.
    Errs wide where tables disagree: a line a cell short beats one a cell too long."""
    if unicodedata.category(char) in ("Mn", "Me"):
        return 0
    if unicodedata.east_asian_width(char) in "WF":
        return 2
    code = ord(char)
    return 2 if any(low <= code <= high for low, high in _NEWLY_WIDE) else 1


def cell_width(text: str) -> int:
    return sum(char_width(char) for char in text) if not text.isascii() else len(text)


def head(text: str, room: int) -> str:
    """The longest start of `text` that takes at most `room` cells."""
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > room:
            return text[:index]
    return text


def tail(text: str, room: int) -> str:
    """The longest end of `text` that takes at most `room` cells (no leading combining mark,
    which would sit on the ellipsis)."""
    kept = head(text[::-1], room)[::-1]
    while kept and char_width(kept[0]) == 0:
        kept = kept[1:]
    return kept


def cut(text: str, room: int, keep_end: int = 0) -> str:
    """`text` in at most `room` cells: as it is when it fits, else its start, "…" and its last
    `keep_end` cells."""
    if cell_width(text) <= room:
        return text
    mark = plain(ELLIPSIS)
    if room < len(mark):
        return head(text, room) if len(mark) > 1 else ""
    end = tail(text, min(keep_end, room - len(mark)))
    return head(text, room - len(mark) - cell_width(end)) + mark + end


def cut_apart(cells: Sequence[str], room: int) -> list[str]:
    """Each cell in at most `room` cells, cells that differ still differing where that can be
    done: each cut that reads like another cell's is cut again, keeping one more cell of its
    end, until they differ (or only the ellipsis is left of the start)."""
    keep = {index: 0 for index, text in enumerate(cells) if cell_width(text) > room}
    shown = [cut(text, room) for text in cells]
    while True:
        readers: defaultdict[str, list[int]] = defaultdict(list)
        for index, text in enumerate(shown):
            readers[text].append(index)
        again = [index for rows in readers.values() if len({cells[i] for i in rows}) > 1
                 for index in rows if index in keep and keep[index] < room - 1]
        if not again:
            return shown
        for index in again:
            keep[index] += 1
            shown[index] = cut(cells[index], room, to_word(cells[index], keep[index], room))


WORD_START = frozenset(" -_/:,.")  # what comes before a word (a bracket is in it)


def to_word(text: str, keep: int, room: int) -> int:
    """`keep` end cells widened to the start of their word ("…(new)", not "…w)"), while the
    end takes at most half of `room`."""
    end = tail(text, keep)
    rest = text[: len(text) - len(end)]
    while (rest and rest[-1] not in WORD_START
           and cell_width(end) + char_width(rest[-1]) <= room // 2):
        end, rest = rest[-1] + end, rest[:-1]
    return max(keep, cell_width(end))


def unique_starts(cells: Sequence[str], among: Sequence[str] = (), least: int = 8) -> list[str]:
    """Each cell as its shortest start (of `least` characters at the least) that no other of
    `cells` and `among` begins with: an id as `keys revoke` takes it."""
    others = sorted(set(cells) | set(among))
    starts = []
    for text in cells:
        length = min(len(text), least)
        while length < len(text) and any(other != text and other.startswith(text[:length])
                                         for other in others):
            length += 1
        starts.append(text[:length])
    return starts


@dataclass
class Column:
    title: str
    cells: list[str]
    shorter: list[list[str]] = field(default_factory=list)  # shorter forms, in turn
    right: bool = False  # numbers line up on the right
    least: int = 10  # a cut column keeps at least this many cells
    short_title: str = ""  # the title when the column is cut narrower than its title

    def __post_init__(self) -> None:
        # Measured as printed: anything unsafe is shown as an escape (`text.safe`).
        self.title = visible(self.title)
        self.cells = [visible(cell) for cell in self.cells]
        self.shorter = [[visible(cell) for cell in form] for form in self.shorter]

    def width(self) -> int:
        return max([cell_width(self.title), *(cell_width(cell) for cell in self.cells)])


Step = tuple[Literal["shorten", "drop"], Column]


def terminal_width() -> int | None:
    """The width of the terminal stdout writes to (`COLUMNS` first); None when it is not a
    terminal."""
    if not output.stdout_is_terminal():
        return None
    return shutil.get_terminal_size().columns


def total_width(columns: Sequence[Column]) -> int:
    return sum(column.width() for column in columns) + len(GAP) * (len(columns) - 1)


def fit(columns: list[Column], width: int | None, steps: Sequence[Step] = (),
        cut: Column | Sequence[Column] | None = None, cut_to: int | None = None,
        then: Sequence[Column] = ()) -> list[Column]:
    """The columns to print: as they are with no `width`, else given way step by step until
    they fit, then the `cut` columns cut down (to `cut_to` cells, or each one's `least`), the
    widest first; only then the `then` columns."""
    shown = list(columns)
    if width is None:
        return shown
    for action, column in steps:
        if total_width(shown) <= width:
            return shown
        if action == "drop":
            if column in shown and len(shown) > 1:
                shown.remove(column)
        elif column.shorter:
            column.cells = [visible(cell) for cell in column.shorter.pop(0)]
    first = [cut] if isinstance(cut, Column) else list(cut or ())
    excess = total_width(shown) - width
    for turn in (first, list(then)):
        excess = _cut_down([column for column in turn if column in shown], excess, cut_to)
    return shown


def _cut_down(cuts: list[Column], excess: int, cut_to: int | None) -> int:
    """Cut `cuts` by `excess` cells in all, a cell at a time off the widest still above its
    least; the excess left."""
    room = {id(column): column.width() for column in cuts}
    least = {id(column): max(1, cut_to if cut_to is not None else column.least)
             for column in cuts}
    while excess > 0:
        can = [column for column in cuts if room[id(column)] > least[id(column)]]
        if not can:
            break
        widest = max(can, key=lambda column: room[id(column)])
        room[id(widest)] -= 1
        excess -= 1
    for column in cuts:
        if room[id(column)] < column.width():
            column.cells = cut_apart(column.cells, room[id(column)])
            if cell_width(column.title) > room[id(column)]:
                column.title = head(column.short_title or column.title, room[id(column)])
    return excess


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - cell_width(text))
    return space + text if right else text + space


def table_lines(columns: Sequence[Column], width: int | None = None) -> list[str]:
    """The rows as lines, padded by display width; a line still wider than `width` (a
    terminal narrower than the least of the table) is cut, so no line ever wraps."""
    widths = [column.width() for column in columns]
    lines = []
    for row in zip(*([column.title, *column.cells] for column in columns), strict=True):
        line = GAP.join(pad(cell, w, column.right)
                        for cell, w, column in zip(row, widths, columns, strict=True)).rstrip()
        lines.append(line if width is None else cut(line, width))
    return lines


def print_columns(columns: Sequence[Column], width: int | None = None) -> None:
    for line in table_lines(columns, width):
        say(line)


def wrap(text: str, width: int | None, indent: str = "") -> str:
    """Prose (a heading, a finding) broken between words to fit `width` display cells, its
    later lines after `indent`; a word wider than a line is broken between characters.
    Whole when piped (`width` None)."""
    if width is None:
        return text
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and cell_width(f"{line} {word}") <= width:
            line = f"{line} {word}"
            continue
        if line:
            lines.append(line.rstrip())
        line = (indent if lines else "") + word
        while cell_width(line) > width:  # a word longer than a line
            piece = head(line, width)
            if len(piece) <= len(indent if lines else ""):
                break  # not even one character fits after the indent: cut below
            lines.append(piece)
            line = indent + line[len(piece):]
    lines.append(line.rstrip())
    return "\n".join(cut(line, width) for line in lines)
