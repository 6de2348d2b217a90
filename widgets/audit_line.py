"""The audit's line on API access: how many keys need attention and the keys that act on
them, then, when the key under the cursor needs attention, why and what to do.

Readable without colour: the rows' marker is a glyph (`key_table.ATTENTION`), repeated here.
The screen sets `report`, `only`, `current` and `marked`; this widget only draws them. While
keys are marked, d revokes them (`KeyTable.action_revoke`), not the key under the cursor: the
first line says so, and the cursor's advice does not offer d (a filter may hide the marks).
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from openrush_tui.keys.attention import UNUSED_KINDS
from openrush_tui.keys.audit import ADVICE, KINDS, AuditReport, KeyFindings, Kind
from openrush_tui.widgets.key_table import ATTENTION

ROTATE_KINDS: tuple[Kind, ...] = ("expiring", "no-expiry")  # the advice: rotate (R), else d
ROTATE_KEY = "R"


def totals(report: AuditReport) -> tuple[str, int]:
    """The counts in words ("3 idle, 1 expiring") and how many keys D revokes: one pass over
    every finding (36,000 at 50,000 keys), so worked out once per report (the page does it in
    its audit's thread, `remember`), never at each redraw (each move of the cursor)."""
    counted = dict.fromkeys(KINDS, 0)
    idle = 0
    for item in report.keys:
        kinds = set(item.kinds)
        for kind in kinds:
            counted[kind] += 1
        idle += any(kind in kinds for kind in UNUSED_KINDS)
    return ", ".join(f"{count:,} {kind}" for kind, count in counted.items() if count), idle


def _hanging(said: str, flag: Style, parts: list[str], width: int, style: Style) -> Text:
    """`said` (the summary, in `flag`), then `parts` joined by " · " on as few rows as fit
    `width`, each row after the first indented under the text after the "!" (not under the
    "!" itself: the trial saw "the 3 unused" below it, reading as a line of its own)."""
    indent = " " * (cell_len(ATTENTION) + 1)
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(said, style=flag)  # a span: the base style would colour the rest too
    row = line.cell_len
    for part in parts:
        if row + len(" · ") + cell_len(part) > width:
            line.append(f"\n{indent}{part}", style=style)
            row = len(indent) + cell_len(part)
        else:
            line.append(f" · {part}", style=style)
            row += len(" · ") + cell_len(part)
    return line


class AuditLine(Widget):
    DEFAULT_CSS = """
    AuditLine { height: auto; margin: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    AuditLine > .audit-line--flag { color: $text-warning; text-style: bold; }
    AuditLine > .audit-line--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"audit-line--flag", "audit-line--muted"}

    report: reactive[AuditReport | None] = reactive(None)
    only: reactive[bool] = reactive(False)  # the list shows only the keys flagged
    # The key under the cursor (a second line when it needs attention).
    current: reactive[KeyFindings | None] = reactive(None)
    marked: reactive[int] = reactive(0)  # how many keys are marked (d revokes those)
    _totals: tuple[AuditReport, tuple[str, int]] | None = None  # `totals` of one report

    def watch_current(self, old: KeyFindings | None, new: KeyFindings | None) -> None:
        # The screen is laid out again only when the second line comes or goes, not at each
        # move of the cursor from one flagged key to another (issue 23: a move's main cost).
        if (old is None) != (new is None):
            self.refresh(layout=True)

    def remember(self, report: AuditReport, counted: tuple[str, int]) -> None:
        """`totals(report)`, worked out elsewhere (a thread), for when `report` is shown."""
        self._totals = (report, counted)

    def forget(self) -> None:
        """No report (a new list is arriving): nothing of the last one is held or shown."""
        self._totals = None
        self.report = self.current = None

    def render(self) -> Text:
        report = self.report
        flag = self.get_component_rich_style("audit-line--flag", partial=True)
        muted = self.get_component_rich_style("audit-line--muted", partial=True)
        if report is None:
            return Text()
        if not report:
            return Text("No key needs attention" + (" · a shows every key" if self.only
                                                     else ""), style=muted)
        if self._totals is None or self._totals[0] is not report:
            self._totals = (report, totals(report))
        counts, idle = self._totals[1]
        width = self.size.width or 10_000
        said = f"{ATTENTION} {report.summary()}"
        them = "it" if len(report.keys) == 1 else "them"  # "1 key needs attention" (trial)
        keys = ["a shows every key" if self.only else f"a shows only {them}"]
        if idle:
            keys.append(f"D revokes the {idle:,} unused")
        if self.marked:
            keys.append(f"d revokes the {self.marked:,} marked")
        line = Text()
        for detailed in (True, False):  # narrower: the counts go first
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(said, style=flag)
            if detailed:
                line.append(f" ({counts})")
            for part in keys:
                line.append(f" · {part}", style=muted)
            if line.cell_len <= width:
                break
        else:  # narrower still (60 columns): the keys on rows of their own, under the text
            line = _hanging(said, flag, keys, width, muted)
        current = self.current
        if current is not None:
            kind = current.kinds[0]
            # What to do first (a narrow terminal cuts the end), then why.
            line.append(f"\n{ATTENTION} ", style=flag)
            line.append(ADVICE[kind])
            if kind in ROTATE_KINDS:
                line.append(f" ({ROTATE_KEY})")
            elif not self.marked:  # with marks, d is theirs (said above)
                line.append(" (d)")
            line.append(f" · {current.reason}", style=muted)
        return line
