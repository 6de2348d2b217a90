"""Revoking keys: the confirmation (which keys, when each was last used, what revoking means)
and the sentence that reports what was and was not revoked (the requests themselves are the
shared flow in `openrush_tui.keys.revoke`).

Cancel has the focus, so an Enter pressed out of habit changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.times import exact, relative

if TYPE_CHECKING:
    from openrush_tui.keys.revoke import RevokeReport
    from openrush_tui.keys.view import KeyRow

NAME_WIDTH = 30  # a bulleted line fits an 80-column dialog


def summary(report: RevokeReport, rows: tuple[KeyRow, ...]) -> str:
    """What happened, naming every key that was and was not revoked."""
    by_id = {row.id: row for row in rows}
    done = [by_id[outcome.key_id] for outcome in report.revoked]
    failed = [(by_id[outcome.key_id], outcome.error) for outcome in report.failed]
    if not failed:
        if len(done) == 1:
            return f"Revoked “{done[0].name}”. Anything using it stops working now."
        return f"Revoked {len(done)} keys: {_quoted(done)}."
    unsure = {outcome.key_id for outcome in report.uncertain}
    failures = "; ".join(f"“{row.name}” ({row.prefix}): {why}" for row, why in failed
                         if row.id not in unsure)
    maybe = "; ".join(f"“{row.name}” ({row.prefix}): {why}" for row, why in failed
                      if row.id in unsure)
    total = len(done) + len(failed)
    text = f"Revoked {len(done)} of {total} keys" + (f" ({_quoted(done)})" if done else "")
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


class KeyRevokeScreen(Dialog[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="revoke.cancel"),
    ]
    AUTO_FOCUS = "#cancel"

    def __init__(self, rows: tuple[KeyRow, ...], now: datetime, *,
                 signed_in_id: str | None = None, skipped: int = 0) -> None:
        super().__init__()
        self._rows = rows
        self._now = now
        self._signed_in = next((row for row in rows if row.id == signed_in_id), None)
        self._skipped = skipped

    def compose(self) -> ComposeResult:
        rows, count = self._rows, len(self._rows)
        with Vertical(id="dialog"):
            if count == 1:
                title = Text("Revoke the key “")
                title.append(rows[0].name)
                title.append("”?")
            else:
                title = Text(f"Revoke these {count} keys?")
            yield Static(title, classes="title")
            with VerticalScroll(classes="body"):
                # What happens first: with many keys, the list is what scrolls out of view.
                if self._signed_in is not None:
                    warning = Text("This terminal is signed in with “")
                    warning.append(self._signed_in.name)
                    warning.append("”. After the revoke it is signed out and you are taken "
                                   "to Setup to sign in with another key.")
                    yield Static(warning, id="signed-in")
                subject = "this key" if count == 1 else "these keys"
                yield Static(f"Anything using {subject} stops working at once. This cannot "
                             "be undone.", id="consequence")
                if self._skipped:
                    were = "key is" if self._skipped == 1 else "keys are"
                    yield Static(f"{self._skipped} already revoked {were} left out.",
                                 classes="note")
                with Vertical(id="keys-to-revoke"):
                    for row in rows:
                        yield Static(self._describe(row, bullet=count > 1))
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                label = "Revoke key" if count == 1 else f"Revoke {count} keys"
                yield Button(label, id="revoke", variant="error")

    def _describe(self, row: KeyRow, *, bullet: bool) -> Text:
        if not bullet:
            return Text(f"{row.prefix}  ·  {row.status}  ·  {last_used(row, self._now)}")
        # One line per key, in columns: name, prefix, status, when it was last used.
        name = Text(row.name, style="bold", no_wrap=True)
        name.truncate(NAME_WIDTH, overflow="ellipsis", pad=True)
        used = row.key.last_used_at
        line = Text("• ", no_wrap=True)
        line.append_text(name)
        line.append(f" {row.prefix:<11} {row.status:<8} "
                    + ("never used" if used is None else f"used {relative(used, self._now)}"))
        return line

    @on(Button.Pressed, "#revoke")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
