"""Revoking keys: the confirmation (the app's yes/no dialog, asking with which keys, when each
was last used, what revoking means) and the sentence that reports what was and was not
revoked (the requests themselves are the shared flow in `openrush_tui.keys.revoke`).

Cancel has the focus, so an Enter pressed out of habit changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from openrush_tui.keys.revoke import consequence
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.text.counts import plural
from openrush_tui.text.times import exact, relative

if TYPE_CHECKING:
    from openrush_tui.keys.revoke import RevokeReport
    from openrush_tui.keys.view import KeyRow

NAME_WIDTH = 30  # a bulleted line fits an 80-column dialog
REVOKE_DIALOG = "revoke-keys-dialog"  # its look: styles/dialogs.tcss


def summary(report: RevokeReport, rows: tuple[KeyRow, ...]) -> str:
    """What happened, naming every key that was and was not revoked."""
    by_id = {row.id: row for row in rows}
    done = [by_id[outcome.key_id] for outcome in report.revoked]
    failed = [(by_id[outcome.key_id], outcome.error) for outcome in report.failed]
    if not failed:
        if len(done) == 1:
            return f"Revoked “{done[0].name}”. Anything using it stops working now."
        return f"Revoked {len(done):,} keys: {_quoted(done)}."
    unsure = {outcome.key_id for outcome in report.uncertain}
    failures = "; ".join(f"“{row.name}” ({row.prefix}): {why}" for row, why in failed
                         if row.id not in unsure)
    maybe = "; ".join(f"“{row.name}” ({row.prefix}): {why}" for row, why in failed
                      if row.id in unsure)
    total = len(done) + len(failed)
    text = f"Revoked {len(done):,} of {plural(total, 'key')}"  # never "0 of 1 keys"
    if done:
        text += f" ({_quoted(done)})"
    if failures:
        text += f". Not revoked: {failures}"
    if maybe:
        text += f". May have been revoked (no readable answer; the list is reloaded): {maybe}"
    return text


def _quoted(rows: list[KeyRow]) -> str:
    return ", ".join(f"“{row.name}”" for row in rows)


def last_used(row: KeyRow, now: datetime) -> str:
    when = row.key.last_used_at
    if when is None:
        return "never used"
    return f"last used {relative(when, now)} ({exact(when)})"


def revoke_dialog(rows: tuple[KeyRow, ...], now: datetime, *,
                  signed_in_id: str | None = None, skipped: int = 0,
                  hidden: tuple[KeyRow, ...] = ()) -> YesNoDialog:
    """The confirmation: which keys, when each was last used, what revoking means (True:
    revoke). Cancel has the focus. `hidden`: those of `rows` (marked) the list's filter does
    not show, named first so that no key is revoked unseen."""
    count = len(rows)
    return YesNoDialog(
        revoke_question(rows), revoke_body(rows, now, signed_in_id=signed_in_id,
                                           skipped=skipped, hidden=hidden),
        yes="Revoke key" if count == 1 else f"Revoke {count:,} keys", no="Cancel",
        yes_id="revoke", no_id="cancel", yes_variant="error", id=REVOKE_DIALOG)


def revoke_question(rows: tuple[KeyRow, ...]) -> Text:
    if len(rows) != 1:
        return Text(f"Revoke these {len(rows):,} keys?")
    return Text.assemble("Revoke the key “", rows[0].name, "”?")


def revoke_body(rows: tuple[KeyRow, ...], now: datetime, *, signed_in_id: str | None,
                skipped: int, hidden: tuple[KeyRow, ...] = ()) -> Iterator[Widget]:
    """What happens first: with many keys, the list is what scrolls out of view."""
    if hidden:
        yield Static(not_shown(len(rows), hidden), id="not-shown")
    signed_in = next((row for row in rows if row.id == signed_in_id), None)
    if signed_in is not None:
        yield Static(Text.assemble("This terminal is signed in with “", signed_in.name,
                                   "”. After the revoke it is signed out and you are taken "
                                   "to Setup to sign in with another key."), id="signed-in")
    yield Static(consequence([row.status for row in rows]), id="consequence")
    if skipped:
        were = "key is" if skipped == 1 else "keys are"
        yield Static(f"{skipped} already revoked {were} left out.", classes="note")
    yield Vertical(*(Static(describe(row, now, bullet=len(rows) > 1)) for row in rows),
                   id="keys-to-revoke")


def not_shown(marked: int, hidden: tuple[KeyRow, ...]) -> Text:
    """Which of the `marked` keys the list's filter hides: marks span filters (a, h, /)."""
    if len(hidden) == marked:
        said = ("The marked key is" if marked == 1 else f"{marked:,} marked keys are") \
            + " not shown under this filter: "
    else:
        said = f"{marked:,} marked keys, {len(hidden):,} not shown under this filter: "
    return Text(said + _quoted(list(hidden)) + ".")


def describe(row: KeyRow, now: datetime, *, bullet: bool) -> Text:
    """One key: its prefix, status and last use; with `bullet`, one line in columns (name,
    prefix, status, when it was last used)."""
    if not bullet:
        return Text(f"{row.prefix}  ·  {row.status}  ·  {last_used(row, now)}")
    name = Text(row.name, style="bold", no_wrap=True)
    name.truncate(NAME_WIDTH, overflow="ellipsis", pad=True)
    used = row.key.last_used_at
    line = Text("• ", no_wrap=True)
    line.append_text(name)
    line.append(f" {row.prefix:<11} {row.status:<8} "
                + ("never used" if used is None else f"used {relative(used, now)}"))
    return line
