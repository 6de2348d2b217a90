"""The text tables of `keys list` and `keys audit`, taken a page of keys at a time.

A column's width needs every row, so the rows are kept until the last page is in, but only
as the cells they print (strings), never the keys nor the answer they came in: at 50,000
keys the whole answer, parsed and held with its tables, took 166 MiB where `--json` takes
61 (issue 23). The lines are then made as they are written (`table.say_lines`). The shorter
forms that a narrow terminal needs (dates to the minute, the day, their age; an id at its
shortest unique start) are made only when the width asks for them: piped, never. (The
makers of those forms are looked up in `commands.table` when called: a test counts them.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from openrush_tui.commands import output, table
from openrush_tui.commands.common import say
from openrush_tui.commands.table import Column, Step, each_line, fit, say_lines, wrap
from openrush_tui.keys.audit import ADVICE, KINDS
from openrush_tui.text.counts import number
from openrush_tui.text.glyphs import plain
from openrush_tui.text.times import exact

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.keys.audit import AuditTally, Finding, Kind


class KeyListing:
    """`keys list`'s table (see `commands.keys.print_table` for how it gives way), its rows
    added a page at a time. `width`: the terminal's, None when piped."""

    def __init__(self, now: datetime, width: int | None) -> None:
        self.now, self.width = now, width
        self.ellipsis = plain("…")  # the locale read once, not once a key
        self.ids: list[str] = []
        self.names: list[str] = []
        self.prefixes: list[str] = []
        self.statuses: list[str] = []
        self.times: tuple[list[str], list[str], list[str]] = ([], [], [])  # created, used, expires
        # The times themselves, for their age ("3d ago"): only a terminal may need that form.
        self.instants: tuple[list[datetime | None], ...] | None = \
            None if width is None else ([], [], [])

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, keys: Sequence[ApiCredential], statuses: Sequence[str]) -> None:
        """Rows for `keys`, whose statuses (at `now`) are `statuses`."""
        self.ids += [key.id for key in keys]
        self.names += [key.name for key in keys]
        self.prefixes += [key.prefix_ended_by(self.ellipsis) for key in keys]
        self.statuses += statuses
        picked: tuple[list[datetime | None], ...] = (
            [key.created_at for key in keys], [key.last_used_at for key in keys],
            [key.expires_at for key in keys])
        for cells, instants, missing in zip(self.times, picked, MISSING, strict=True):
            cells += exact_cells(instants, missing)
        if self.instants is not None:
            for held, instants in zip(self.instants, picked, strict=True):
                held += instants

    async def take_pages(self, client: OpenRushClient, *, every: bool) -> list[str]:
        """Every key of the account a page at a time, the active ones (or `every` one) added
        as rows; the ids of all of them (an id's unique start is unique among these)."""
        among: list[str] = []
        with output.collector_paused():  # only strings are kept: nothing for it to find
            async for page in client.key_pages():
                among += [key.id for key in page]
                statuses = [key.status(self.now) for key in page]
                if every:
                    self.add(page, statuses)
                    continue
                active = [key for key, status in zip(page, statuses, strict=True)
                          if status == "active"]
                self.add(active, ["active"] * len(active))
        return among

    def print(self, among: Sequence[str]) -> None:
        now, width = self.now, self.width

        def times(title: str, at: int) -> Column:
            cells, missing = self.times[at], MISSING[at]
            instants = self.instants[at] if self.instants is not None else []
            # Shorter forms: to the minute, the day, its age ("2026-06-26 12:00",
            # "2026-06-26", "3d ago"), each made only if the width asks for it.
            return Column(title, cells, shorter=[
                lambda: [cell[:16] if cell != missing else cell for cell in cells],
                lambda: [cell[:10] if cell != missing else cell for cell in cells],
                lambda: [table.age(instant, now, missing) for instant in instants]])

        ids = self.ids
        key_id = Column("ID", ids, shorter=[lambda: table.unique_starts(ids, among)])
        name = Column("NAME", self.names, least=16)
        prefix = Column("PREFIX", self.prefixes)
        status = Column("STATUS", self.statuses)
        created, used, expires = times("CREATED", 0), times("LAST USED", 1), times("EXPIRES", 2)
        columns = [key_id, name, prefix, status, created, used, expires]
        dates = (used, expires, created)
        # Trial 8: the id is what `keys revoke` and `keys rotate` take, so it stays (at its
        # unique start) down to the narrowest widths, where it used to go before any name
        # was cut: the columns a user decides with give way last. At 80 columns CREATED
        # goes (ID, NAME, PREFIX, STATUS, LAST USED, EXPIRES), at 60 EXPIRES too, then
        # PREFIX, then LAST USED, then STATUS; the name is cut to 16 cells at the least.
        steps: list[Step] = [*(("shorten", column) for column in dates),  # to the minute
                             ("shorten", key_id),
                             *(("shorten", column) for column in dates),  # to the day
                             ("drop", created), ("cut", name, 28),
                             *(("shorten", column) for column in dates),  # to its age
                             ("cut", name, 20), ("drop", expires), ("cut", name, 16),
                             ("drop", prefix), ("drop", used), ("drop", status)]
        say_lines(each_line(fit(columns, width, steps, cut=name), width))


MISSING = ("—", "never", "never")  # what CREATED, LAST USED and EXPIRES say of no time
_UTC = timedelta(0)


def exact_cells(instants: Iterable[datetime | None], missing: str) -> list[str]:
    """`text.times.exact` of each time, in a third of its time for a time in UTC (a key's
    always is) from the year 1000 on: its ISO form to the second, where `strftime` parses
    its format again for each of 150,000 times (0.4 s of `keys list` at 50,000 keys)."""
    return [missing if instant is None else
            f"{instant.isoformat(' ', 'seconds')[:19]} UTC"
            if instant.year >= 1000 and instant.utcoffset() == _UTC  # else "5-01-01" there
            else exact(instant, missing=missing) for instant in instants]


class AuditListing:
    """`keys audit`'s text (see `commands.lifecycle.print_audit`), its keys added a page at a
    time: for each kind, the name, id and reason of each key with a finding of that kind."""

    def __init__(self, width: int | None) -> None:
        self.width = width
        self.rows: dict[Kind, tuple[list[str], list[str], list[str]]] = {
            kind: ([], [], []) for kind in KINDS}

    def add(self, found: Iterable[tuple[ApiCredential, tuple[Finding, ...]]]) -> None:
        """Keys with their findings (a key has at most one finding of a kind)."""
        rows = self.rows
        for key, findings in found:
            for finding in findings:
                names, ids, reasons = rows[finding.kind]
                names.append(key.name)
                ids.append(key.id)
                reasons.append(finding.reason)

    async def take_pages(self, client: OpenRushClient, tally: AuditTally) -> list[str]:
        """Every key of the account a page at a time, checked by `tally`; the ids of all."""
        among: list[str] = []
        with output.collector_paused():  # only strings are kept: nothing for it to find
            async for page in client.key_pages():
                among += [key.id for key in page]
                self.add(tally.found_in(page))
        return among

    def print(self, among: Sequence[str]) -> None:
        width, indent = self.width, "  "
        groups = [(kind, self.rows[kind]) for kind in KINDS if self.rows[kind][0]]
        names, ids, reasons = ([cell for _, row in groups for cell in row[at]]
                               for at in range(3))
        ellipsis = plain("…")

        def starts() -> list[str]:
            # A shortened id says it is cut (the table has no header to say so): "cred_f10…".
            return [start if start == whole else start + ellipsis
                    for start, whole in zip(table.unique_starts(ids, among), ids, strict=True)]

        name = Column("", names, least=16)
        key_id = Column("", ids, shorter=[starts])
        reason = Column("", reasons, least=16)
        room = None if width is None else width - len(indent)
        fitted = fit([name, key_id, reason], room, [("shorten", key_id), ("drop", key_id)],
                     cut=name, then=[reason])
        lines = each_line(fitted, room)
        next(lines)  # the titles: none
        for at, (kind, (kind_names, _, _)) in enumerate(groups):
            if at:
                say()
            # Its second line goes deeper than the rows, to read as the heading's.
            say(wrap(f"{kind} ({number(len(kind_names))}): {ADVICE[kind]}", width, indent * 2))
            say_lines(islice(lines, len(kind_names)), indent)

