"""The list of keys: a Line API table that draws only the rows on screen.

Why not DataTable: it measures every cell of every row it is given, which for an account with
5,000 keys costs about 0.4 s per rebuild, on each keystroke of the filter. Here a filter pass
is a list comprehension (see `openrush_tui.keys.view`) and a repaint renders ~30 rows. Which
columns fit and what each cell says is `openrush_tui.keys.columns`; this widget draws it.

Messages up: Highlighted, DetailsRequested, RevokeRequested, ViewChanged. The screen sets
`filter_text` and `hide_inactive`, calls `load()` with the keys it fetched (or, for a list
that arrives in pages, `fill()` with each slice of at most `SLICE` rows and `filled()` at
the end), `flag()` (audit) and `show_revoked()` with what a revoke did.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from openrush_tui.keys.columns import (
    GAP,
    TITLES,
    Layout,
    NameCuts,
    cell_text,
    column_at,
    fit_columns,
)
from openrush_tui.keys.view import (
    NATURAL_DESCENDING,
    SLICE,
    SORT_COLUMNS,
    KeyRow,
    KeyView,
    SortColumn,
    order_words,
)
from openrush_tui.widgets.keymap import ACT, FIND, motion_bindings
from openrush_tui.widgets.strips import fit, line
from openrush_tui.widgets.textual_private import dismiss_toasts

if TYPE_CHECKING:
    from textual.notifications import Notification

    from openrush_tui.api.models import ApiCredential
    from openrush_tui.keys.revoke import RevokeReport

MARK, ATTENTION = "✓ ", "!"  # a marked row; in the first cell, a key that needs attention
HEADER_ROWS = 1


ORDER_SAID = "Ordered by "  # how o's toast about an order not on screen begins


def _about_the_order(note: Notification) -> bool:
    return note.message.startswith(ORDER_SAID)


class KeyTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-table--header", "key-table--cursor", "key-table--marked", "key-table--active",
        "key-table--expired", "key-table--revoked", "key-table--dim", "key-table--empty",
    }
    DEFAULT_CSS = """
    KeyTable { height: 1fr; background: $surface; scrollbar-gutter: stable; }
    KeyTable > .key-table--header { color: $foreground; background: $panel; text-style: bold; }
    KeyTable > .key-table--cursor {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    KeyTable:focus > .key-table--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    KeyTable > .key-table--marked { background: $accent-muted; }
    KeyTable > .key-table--active { color: $text-success; }
    KeyTable > .key-table--expired { color: $text-warning; }
    KeyTable > .key-table--revoked { color: $text-muted; }
    KeyTable > .key-table--dim { color: $text-muted; }
    KeyTable > .key-table--empty { color: $text-muted; text-style: italic; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="keys.details", group=ACT,
                tooltip="Open the key under the cursor"),
        Binding("space", "mark", "Mark", id="keys.mark", group=ACT,
                tooltip="Mark or unmark the key under the cursor (the cursor stays)"),
        Binding("d,delete", "revoke", "Revoke", id="keys.revoke", group=ACT,
                tooltip="Revoke the marked keys, or the one under the cursor (asks first)"),
        # Out of the footer (it is full at 120 columns); the header's ▼ shows the order, a
        # click on a header sorts too, and the help (?) and the palette list them.
        Binding("o", "sort", "Order by the next column", show=False, id="keys.sort",
                group=FIND),
        Binding("O", "reverse", "Reverse the order", show=False, id="keys.reverse",
                group=FIND),
        *motion_bindings("keys", up="cursor(-1)", down="cursor(1)", first="jump(0)",
                         last="jump(-1)", half_up="page(-0.5)", half_down="page(0.5)",
                         page_up="page(-1)", page_down="page(1)"),
    ]

    filter_text: reactive[str] = reactive("", layout=False)
    hide_inactive: reactive[bool] = reactive(False, layout=False)
    # Shown in the body when no row is: set by the screen (empty account, or no match).
    empty_text: reactive[str] = reactive("", layout=False)

    class Highlighted(Message):
        def __init__(self, row: KeyRow | None) -> None:
            self.row = row
            super().__init__()

    class DetailsRequested(Message):
        def __init__(self, row: KeyRow) -> None:
            self.row = row
            super().__init__()

    class RevokeRequested(Message):
        """Revoke the marked keys, or the one under the cursor when none is marked. `hidden`:
        those of the marked keys the filter (text, h, a) does not show, for the question to
        name: marks span filters, and nothing is revoked unseen."""

        def __init__(self, rows: tuple[KeyRow, ...],
                     hidden: tuple[KeyRow, ...] = ()) -> None:
            self.rows = rows
            self.hidden = hidden
            super().__init__()

    class ViewChanged(Message):
        """The rows shown, their order or the marks changed: counts may need redrawing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = KeyView()
        self.marked: set[str] = set()
        self.attention: AbstractSet[str] = frozenset()  # ids flagged by the audit
        self.cursor = 0
        self.now: datetime = datetime.now(UTC)
        self._highlighted: str | None = None
        self._highlighted_row: KeyRow | None = None
        self._had_rows = False
        self._palette_cache: dict[str, dict[str, Style]] | None = None
        self._columns_cache: tuple[int, Layout] | None = None
        self._names = NameCuts()  # a long name cut so that it reads like no other

    # -- what the screen calls ------------------------------------------------------------

    def load(self, keys: list[ApiCredential], now: datetime) -> None:
        """Show a fresh list, keeping the cursor on the same key where it still exists."""
        keep = self._highlighted
        self.now = now
        self.view.load(keys, now)
        self.marked &= {row.id for row in self.view.rows}
        self._after_view_change(keep)

    def fill(self, rows: list[KeyRow], now: datetime, *, first: bool) -> None:
        """A slice of a list that arrives in parts: `first` starts the list again (the last
        one goes, so only one list is ever held), the others add to it. The cursor stays on
        its key; the marks wait for `filled` (a marked key may be in a later slice)."""
        if len(rows) > SLICE:
            raise ValueError(f"{len(rows)} rows in one slice (at most {SLICE})")
        keep = self._highlighted
        self.now = now
        if first:
            self.view.replace(rows)
            self._after_view_change(keep)
            return
        # Added below the rows on screen (the usual case: newest first), nothing drawn
        # changes but the scrollbar: the table is not drawn again for each slice.
        unchanged = self.view.extend(rows)
        self._after_view_change(
            keep, redraw=unchanged < round(self.scroll_y) + self._body_height())

    def filled(self) -> None:
        """The whole list is in: marks of keys it no longer has go."""
        if not self.marked:
            return
        before = len(self.marked)
        self.marked &= {row.id for row in self.view.rows}
        if len(self.marked) != before:
            self.refresh()
            self.post_message(self.ViewChanged())

    def update_key(self, key: ApiCredential) -> None:
        self.view.update(key, self.now)
        self._after_view_change(self._highlighted)

    def mark_revoked(self, key_id: str) -> None:
        self.view.mark_revoked(key_id, self.now)
        self._after_view_change(self._highlighted)

    def show_revoked(self, report: RevokeReport) -> None:
        """The keys a revoke went through for, as the server now lists them (a key answered
        with an empty body is marked revoked all the same); the marks are cleared."""
        for outcome in report.revoked:
            answer = outcome.answer
            if answer is not None and answer.id == outcome.key_id:
                self.update_key(answer)
            else:
                self.mark_revoked(outcome.key_id)
        self.clear_marks()

    def select(self, key_id: str) -> bool:
        """Put the cursor on a key (showing it even if the filter or hide-inactive hid it)."""
        if self.view.index_of(key_id) is None:
            if self.filter_text:
                self.filter_text = ""
            if self.hide_inactive:
                self.hide_inactive = False
        index = self.view.index_of(key_id)
        if index is None:
            return False
        self._move(index)
        return True

    def flag(self, attention: AbstractSet[str], only: AbstractSet[str] | None) -> None:
        """A glyph on the rows of `attention` (`keys.audit`); with `only`, only those shown."""
        keep, self.attention = self._highlighted, attention
        if only != self.view.only:
            self.view.set_only(only)
            self._after_view_change(keep)
        else:  # the same ids: nothing to filter again, and no older audit's ids held
            self.view.only = only
        self.refresh()

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.refresh()
            self.post_message(self.ViewChanged())

    @property
    def current(self) -> KeyRow | None:
        shown = self.view.shown
        return shown[self.cursor] if 0 <= self.cursor < len(shown) else None

    @property
    def row_count(self) -> int:
        return len(self.view.shown)

    def get_row_at(self, index: int) -> list[Text]:
        """The cells of a shown row as text, in column order (for tests and tools)."""
        row = self.view.shown[index]
        return [Text(cell_text(row, column, self.now)[0], no_wrap=True)
                for column in SORT_COLUMNS]

    def column_titles(self) -> list[str]:
        """The titles of the columns shown at this width (a narrow terminal leaves some out),
        left to right, without the order's arrow: for tests and tools."""
        return [TITLES[column] for column in self._columns()]

    def marked_rows(self) -> tuple[KeyRow, ...]:
        return tuple(row for row in self.view.ordered if row.id in self.marked)

    def hidden_marks(self, marked: tuple[KeyRow, ...]) -> tuple[KeyRow, ...]:
        """Those of `marked` the list does not show (a filter, h or a hides them)."""
        if not marked:
            return ()
        shown = {row.id for row in self.view.shown}  # once per d: not at each redraw
        return tuple(row for row in marked if row.id not in shown)

    # -- reactives ------------------------------------------------------------------------

    def watch_filter_text(self, text: str) -> None:
        keep = self._highlighted
        self.view.set_filter(text)
        self._after_view_change(keep)

    def watch_hide_inactive(self, hide: bool) -> None:
        keep = self._highlighted
        self.view.set_hide_inactive(hide)
        self._after_view_change(keep)

    def watch_empty_text(self) -> None:
        self.refresh()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Row actions are offered (and in the footer) only when there is a row to act on.
        if action in ("details", "mark", "revoke", "sort", "reverse"):
            return self.row_count > 0
        return True

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, pages: float) -> None:
        """Move by `pages` screens (0.5: half of one, ctrl+d/ctrl+u)."""
        step = max(1, round(abs(pages) * max(1, self._body_height() - 1)))
        self._move(self.cursor + (step if pages > 0 else -step))

    def action_jump(self, index: int) -> None:
        self._move(index if index >= 0 else self.row_count - 1)

    def action_details(self) -> None:
        if (row := self.current) is not None:
            self.post_message(self.DetailsRequested(row))

    def action_mark(self) -> None:
        """Mark or unmark the row under the cursor. The cursor stays: a mark moves nothing,
        so the next key pressed never lands on another row by surprise."""
        row = self.current
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        self.refresh()
        self.post_message(self.ViewChanged())

    def action_revoke(self) -> None:
        marked = self.marked_rows()
        rows = marked or ((self.current,) if self.current else ())
        if rows:
            self.post_message(self.RevokeRequested(rows, self.hidden_marks(marked)))

    def action_sort(self) -> None:
        # Every order, the columns a narrow terminal leaves out too (newest first among them):
        # one that is not on screen is said, since no header shows it.
        column = SORT_COLUMNS[(SORT_COLUMNS.index(self.view.sort_column) + 1)
                              % len(SORT_COLUMNS)]
        self._sort(column)
        if column not in self._columns():
            self.notify(f"{ORDER_SAID}{order_words(column, self.view.descending)} (not a "
                        "column at this width; o orders by the next).", markup=False, timeout=4)

    def order_said(self) -> str:
        """The order in words ("expiry, soonest first"), for the page's line above the list:
        every order, at any width. The header's ▲/▼ alone said only the orders by a column
        shown (the trial: Name, Status, Last use had no words where Expires and, at 60
        columns, Prefix had), and a narrow terminal shows no header for some."""
        return order_words(self.view.sort_column, self.view.descending)

    def action_reverse(self) -> None:
        self._sort(self.view.sort_column, not self.view.descending)

    def _sort(self, column: SortColumn, descending: bool | None = None) -> None:
        # A toast about the order before this one is wrong now (the trial: "Ordered by
        # expiry" stayed on screen after o had moved on to Name).
        dismiss_toasts(self.app, _about_the_order)
        keep = self._highlighted
        self.view.sort_by(column, descending)
        self._after_view_change(keep)

    # -- mouse ----------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        if event.y < HEADER_ROWS:
            column = column_at(self._layout(), event.x - 1 - len(MARK))
            if column is not None:
                same = column == self.view.sort_column
                self._sort(column, not self.view.descending if same
                           else NATURAL_DESCENDING[column])
            return
        index = round(self.scroll_y) + event.y - HEADER_ROWS
        if 0 <= index < self.row_count:
            self._move(index)
            if event.chain >= 2:
                self.action_details()

    # -- layout ---------------------------------------------------------------------------

    def _columns(self) -> list[SortColumn]:
        return [column for column, _width in self._layout()]

    def _layout(self) -> Layout:
        """Columns that fit, with widths (see `openrush_tui.keys.columns`), per width."""
        width = self.scrollable_content_region.width
        if self._columns_cache is None or self._columns_cache[0] != width:
            # One cell of padding on each side, and room for the mark.
            self._columns_cache = (width, fit_columns(width - 2 - len(MARK)))
        return self._columns_cache[1]

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_ROWS)

    def on_resize(self) -> None:
        self._refresh_size()
        # The lines under the list grow with the key under the cursor (its summary): the
        # list shrinks, and the cursor stays on screen.
        self._move(self.cursor)

    def _refresh_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.row_count + HEADER_ROWS)
        old = self.virtual_size
        if size == old:
            return
        if size.width == old.width and size.height > old.height and \
                self.show_vertical_scrollbar:
            # Rows added to a list already longer than the screen (a large list arriving a
            # slice at a time): only the scrollbar's thumb changes. Setting `virtual_size`
            # lays the whole screen out again (~10-20 ms of the event loop a slice, issue 23);
            # the layout would come out the same.
            self.set_reactive(KeyTable.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            return
        self.virtual_size = size

    # -- cursor ---------------------------------------------------------------------------

    def _after_view_change(self, keep: str | None, *, redraw: bool = True) -> None:
        index = self.view.index_of(keep) if keep is not None else None
        self._refresh_size()
        if (self.row_count > 0) != self._had_rows:
            # Row actions come and go with the rows; redrawing the footer on every keystroke
            # of the filter would cost more than the filter itself.
            self._had_rows = self.row_count > 0
            self.refresh_bindings()
        self._move(index if index is not None else min(self.cursor, self.row_count - 1),
                   force_refresh=redraw)
        self.post_message(self.ViewChanged())

    def _move(self, index: int, *, force_refresh: bool = False) -> None:
        index = max(0, min(index, self.row_count - 1))
        old, changed = self.cursor, index != self.cursor
        self.cursor = index
        body = self._body_height()
        top = round(self.scroll_y)
        scrolled = True
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False, immediate=True)
        else:
            scrolled = False
        if force_refresh or (changed and scrolled):
            self.refresh()
        elif changed:
            # The cursor moved on screen: only its old and new rows are drawn again (the
            # whole table was most of a key press's frame, issue 23).
            for row in (old, index):
                self.refresh_lines(row + HEADER_ROWS)
        current = self.current
        # A new KeyRow object for the same key means its data changed (a revoke, a reload).
        if current is not self._highlighted_row:
            self._highlighted_row = current
            self._highlighted = current.id if current else None
            self.post_message(self.Highlighted(current))

    # -- drawing --------------------------------------------------------------------------
    # Rows are built straight from segments with styles combined once per theme: building
    # Rich Text per cell and merging styles per segment cost ~2 ms a line, this ~0.1 ms.

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette_cache = None

    def _palette(self) -> dict[str, dict[str, Style]]:
        """For each kind of row (plain, marked, cursor), the full style of each kind of text."""
        if self._palette_cache is None:
            base = self.rich_style
            get = self.get_component_rich_style
            # An explicit no-underline makes a gap's style differ from its neighbours', so
            # each cell stays its own segment: exported SVGs (snapshots) then place every
            # cell at its column exactly. It draws the same.
            gap = Style(underline=False)
            plain = {kind: base + self._foreground(f"key-table--{kind}")
                     for kind in ("active", "expired", "revoked", "dim")}
            plain["text"] = base
            marked = {kind: style + Style(bgcolor=get("key-table--marked").bgcolor)
                      for kind, style in plain.items()}
            cursor_style = base + get("key-table--cursor")
            cursor = dict.fromkeys(plain, cursor_style)
            palette = {"plain": plain, "marked": marked, "cursor": cursor}
            for styles in palette.values():
                styles["gap"] = styles["text"] + gap
            palette["header"] = {"text": base + get("key-table--header")}
            palette["header"]["gap"] = palette["header"]["text"] + gap
            palette["empty"] = {"text": base + get("key-table--empty"), "gap": base}
            self._palette_cache = palette
        return self._palette_cache

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y < HEADER_ROWS:
            return self._header(width)
        index = round(self.scroll_y) + y - HEADER_ROWS
        if index < self.row_count:
            return self._row(index, width)
        if index == 0 and self.empty_text:
            styles = self._palette()["empty"]
            lead = " " * (1 + len(MARK))
            return line([Segment(lead, styles["gap"]),
                         Segment(fit(self.empty_text, width - len(lead)), styles["text"])],
                        width, styles["gap"])
        return Strip.blank(width, self.rich_style)

    def _header(self, width: int) -> Strip:
        styles = self._palette()["header"]
        segments = [Segment(" " * (1 + len(MARK)), styles["gap"])]
        for column, cell_width in self._layout():
            title = TITLES[column]
            if column == self.view.sort_column:
                title += " ▼" if self.view.descending else " ▲"
            segments += [Segment(fit(title, cell_width), styles["text"]),
                         Segment(" " * GAP, styles["gap"])]
        return line(segments, width, styles["gap"])

    def _row(self, index: int, width: int) -> Strip:
        row = self.view.shown[index]
        marked = row.id in self.marked
        # The cursor's colours win over the status colours: readable on every theme.
        styles = self._palette()["cursor" if index == self.cursor else
                                 "marked" if marked else "plain"]
        flag = ATTENTION if row.id in self.attention else " "
        segments = [Segment(flag + (MARK if marked else " " * len(MARK)), styles["gap"])]
        for column, cell_width in self._layout():
            text, kind = cell_text(row, column, self.now)
            if column == "name":
                text = self._names.cut(self.view.rows, text, cell_width)
            segments += [Segment(fit(text, cell_width), styles[kind]),
                         Segment(" " * GAP, styles["gap"])]
        return line(segments, width, styles["gap"])

    def _foreground(self, component: str) -> Style:
        """A component's colour without its background, so a marked row stays marked."""
        style = self.get_component_rich_style(component)
        return Style(color=style.color, bold=style.bold, italic=style.italic)

