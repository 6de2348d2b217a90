"""A table for the terminal: aligned columns that fit its width, as `keys list` prints them.

Widths are display widths (cells): a CJK character or an emoji takes two, a combining mark
none, so columns stay in line whatever the names hold. When the table is too wide, it gives
way one step at a time, in the order the caller lists the steps: a column's cells in a
shorter form (dates without seconds, then without the time, then as their age; an id as its
shortest unique start), a column left out, or a column cut down to a given width (a long
name gives way before a date column goes); last, the columns that may be cut are cut with
"…" ("..." where the locale cannot show it: `text.glyphs`), the widest first, never below
their least width (a column cut by a step gets back the room a later step freed). A cut
keeps rows apart (`text.cells.Apart`): a cell cut so that it could
be another ("Trial deploy…" beside "Trial deploy") is cut in the middle instead, keeping the
end that tells it apart ("Trial d…06-26"). A wide character is never split. Only a terminal
too narrow for even that has its lines cut.

The width is the terminal's (`COLUMNS` when set, as `shutil.get_terminal_size` reads it).
Piped into another program, nothing gives way: scripts get every cell whole.

A shorter form may be given as a function that makes it: it is made only when the table has
to give way that far, so a piped table of 50,000 rows never makes one (issue 23). The lines
are made as they are written (`each_line`, `print_columns`), a batch at a time, never the whole
table at once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, pairwise
from typing import Literal

from openrush_tui.commands import output, terminal
from openrush_tui.commands.common import say
from openrush_tui.text.cells import Apart, cell_width, char_width, head
from openrush_tui.text.cells import cut as cut_cells
from openrush_tui.text.glyphs import plain
from openrush_tui.text.safe import visible
from openrush_tui.text.times import compact

__all__ = ["GAP", "Column", "Form", "Step", "age", "cell_width", "char_width", "cut",
           "cut_apart", "each_line", "fit", "head", "pad", "print_columns", "say_lines",
           "stderr_width", "table_lines", "terminal_width", "unique_starts", "wrap"]

GAP = "  "
ELLIPSIS = "…"  # as `plain` shows it: "..." under LANG=C


def cut(text: str, room: int, keep_end: int = 0) -> str:
    """`text` in at most `room` cells: as it is when it fits, else its start, "…" and its last
    `keep_end` cells."""
    if cell_width(text) <= room:  # most lines: the locale is not looked up (`plain`) for them
        return text
    return cut_cells(text, room, keep_end, plain(ELLIPSIS))


def cut_apart(texts: Sequence[str], room: int) -> list[str]:
    """Each text in at most `room` cells, none cut so that it reads like another of `texts`
    (`text.cells.Apart`: in the middle, keeping the end that tells it apart)."""
    return Apart(texts, plain(ELLIPSIS)).cuts(texts, room)


def age(instant: datetime | None, now: datetime, missing: str) -> str:
    """A time in at most 8 cells, as far from `now` as it is ("5m ago", "3h ago", "12d ago",
    "in 30d", "2y ago"): a narrow table's dates. The short form of the dashboard's ages,
    counted by the same rule (`text.times.compact`)."""
    return compact(instant, now, missing)


def unique_starts(cells: Sequence[str], among: Sequence[str] = (), least: int = 8) -> list[str]:
    """Each cell as its shortest start (of `least` characters at the least) that no other of
    `cells` and `among` begins with: an id as `keys revoke` takes it."""
    # In order, the longest start a text shares with any other is the one it shares with a
    # neighbour, so one more character tells it apart: n log n, where looking through every
    # text for each took minutes at 50,000 keys (issue 23). A text that is the start of
    # another stays whole, as no start of it is its own; a text with no other, `least` long.
    ordered = sorted(set(cells) | set(among))
    shared = dict.fromkeys(ordered, -1)
    for first, second in pairwise(ordered):
        common = _shared_start(first, second)
        shared[first] = max(shared[first], common)
        shared[second] = max(shared[second], common)
    return [text[:min(len(text), max(least, shared[text] + 1))] for text in cells]


def _shared_start(first: str, second: str) -> int:
    """How many characters `first` and `second` begin with alike."""
    for at, (one, other) in enumerate(zip(first, second, strict=False)):
        if one != other:
            return at
    return min(len(first), len(second))


# A shorter form of a column's cells: the cells, or a function that makes them when needed.
Form = list[str] | Callable[[], list[str]]


@dataclass
class Column:
    title: str
    cells: list[str]
    shorter: list[Form] = field(default_factory=list)  # shorter forms, in turn
    right: bool = False  # numbers line up on the right
    least: int = 10  # a cut column keeps at least this many cells
    short_title: str = ""  # the title when the column is cut narrower than its title
    # The cells in at most a given room, where the column knows better than a cut with "…"
    # (an endpoint keeps its last part: `activity.events.call_label`); not under LANG=C.
    cutter: Callable[[int], list[str]] | None = None
    whole: list[str] = field(init=False)  # the cells before any cut, in their current form
    # The width of the cells and title last measured, with them: `fit` asks after each of its
    # steps, and a form of 50,000 cells is measured once (issue 23). Cells are replaced,
    # never changed in place, so the list itself tells whether they changed.
    _measured: tuple[list[str], str, int] | None = field(default=None, init=False, repr=False,
                                                         compare=False)

    def __post_init__(self) -> None:
        # Measured as printed: anything unsafe is shown as an escape (`text.safe`).
        self.title = visible(self.title)
        self.cells = self.whole = _visible(self.cells)
        self.shorter = [form if callable(form) else _visible(form) for form in self.shorter]

    def width(self) -> int:
        known = self._measured
        if known is not None and known[0] is self.cells and known[1] == self.title:
            return known[2]
        width = max([cell_width(self.title), *map(cell_width, self.cells)])
        self._measured = (self.cells, self.title, width)
        return width

    def shorten(self) -> None:
        """The next shorter form of the cells, if any is left."""
        if self.shorter:
            form = self.shorter.pop(0)
            self.cells = self.whole = _visible(form()) if callable(form) else form

    def cut_to(self, room: int) -> None:
        """The cells (and the title) in at most `room` cells, kept apart (`cut_apart`)."""
        self.cells = cut_apart(self.whole, room)
        if self.cutter is not None and plain(ELLIPSIS) == ELLIPSIS:  # its cuts show "…"
            # The cutter's cells where they fit and two different cells stay apart.
            made = [visible(cell) for cell in self.cutter(room)]
            wholes: dict[str, set[str]] = {}
            for text, whole in zip(made, self.whole, strict=True):
                wholes.setdefault(text, set()).add(whole)
            self.cells = [text if len(wholes[text]) == 1 and cell_width(text) <= room else cut
                          for text, cut in zip(made, self.cells, strict=True)]
        if cell_width(self.title) > room:
            self.title = head(self.short_title or self.title, room)


def _visible(cells: list[str]) -> list[str]:
    """The cells as printed: anything unsafe shown as an escape (`text.safe`)."""
    if all(map(str.isprintable, cells)):  # the usual column, checked at C speed
        return list(cells)
    return [visible(cell) for cell in cells]


# In turn until the table fits: a column's next shorter form, the column left out, or (with
# a number) the column cut as far as needed, but not below that many cells.
Step = tuple[Literal["shorten", "drop"], Column] | tuple[Literal["cut"], Column, int]


def terminal_width() -> int | None:
    """The width of the terminal stdout writes to (`COLUMNS` first); None when it is not a
    terminal."""
    if not output.stdout_is_terminal():
        return None
    return stdout_or_stderr_width(1)


def stderr_width() -> int | None:
    """The width of the terminal stderr writes to (`COLUMNS` first): what messages and
    summaries said there wrap at; None when it is not a terminal."""
    if not output.stderr_is_terminal():
        return None
    return stdout_or_stderr_width(2)


def stdout_or_stderr_width(fd: int) -> int:
    """The width of the terminal on `fd` (`COLUMNS` first, `commands.terminal`'s rule), that
    terminal's own rather than stdout's: with stdout piped (``keys rotate | cat``), stderr's
    messages still wrap at the terminal they are on."""
    return terminal.stderr_width(fd, os.environ) or shutil.get_terminal_size().columns


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
    for step in steps:
        excess = total_width(shown) - width
        if excess <= 0:
            break
        column = step[1]
        if step[0] == "drop":
            if column in shown and len(shown) > 1:
                shown.remove(column)
        elif step[0] == "shorten":
            if column in shown:  # a column left out is never made shorter: no work for it
                column.shorten()
        elif column in shown and column.width() > step[2]:
            column.cut_to(max(step[2], column.width() - excess))
    first = [cut] if isinstance(cut, Column) else list(cut or ())
    _give_back([column for column in first if column in shown], width - total_width(shown))
    excess = total_width(shown) - width
    for turn in (first, list(then)):
        excess = _cut_down([column for column in turn if column in shown], excess, cut_to)
    return shown


def _give_back(cuts: list[Column], room: int) -> None:
    """The room a step left free (a column left out after a name was cut to make room) given
    back to `cuts`, in turn, from their cells before the cut: `keys list` at 50 columns cut
    names to 16 cells, then left PREFIX out, and printed 4 spare cells beside "sandbox
    bootstr…"."""
    for column in cuts:
        if room <= 0:
            return
        wider = min(max(map(cell_width, column.whole), default=0), column.width() + room)
        if wider > column.width():
            before = column.width()
            column.cut_to(wider)
            room -= column.width() - before


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
            column.cut_to(room[id(column)])
    return excess


def pad(text: str, width: int, right: bool = False) -> str:
    if text.isascii():  # a cell each character (`cell_width`): str's own, at C speed
        return text.rjust(width) if right else text.ljust(width)
    space = " " * max(0, width - cell_width(text))
    return space + text if right else text + space


def each_line(columns: Sequence[Column], width: int | None = None) -> Iterator[str]:
    """The rows as lines, the titles' first, each made when asked for, padded by display
    width; a line still wider than `width` (a terminal narrower than the least of the table)
    is cut, so no line ever wraps."""
    widths = [column.width() for column in columns]
    rights = [column.right for column in columns]
    for row in zip(*(chain((column.title,), column.cells) for column in columns), strict=True):
        line = GAP.join([pad(cell, w, right)
                         for cell, w, right in zip(row, widths, rights, strict=True)]).rstrip()
        yield line if width is None else cut(line, width)


def table_lines(columns: Sequence[Column], width: int | None = None) -> list[str]:
    """`each_line`, all of them: for a table small enough to hold (activity's page of events)."""
    return list(each_line(columns, width))


BATCH = 512  # lines a write: few system calls, and never the whole table held as text


def say_lines(made: Iterable[str], indent: str = "") -> None:
    """Each line on stdout after `indent` as it is made, `BATCH` lines a write through the
    command line's one writer (`commands.output`): the same bytes as a `say` a line."""
    batch: list[str] = []
    for line in made:
        batch.append(indent + line)
        if len(batch) == BATCH:
            say("\n".join(batch))
            batch.clear()
    if batch:
        say("\n".join(batch))


def print_columns(columns: Sequence[Column], width: int | None = None) -> None:
    say_lines(each_line(columns, width))


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
