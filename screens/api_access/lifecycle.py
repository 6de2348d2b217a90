"""API access's part of the key lifecycle: the audit (a marker per row, a summary line, a
filter, "revoke the unused keys") and guided rotation (R).

The audit is `keys.audit` run over the list the page already has: no request of its own. It
runs again only when the keys change (a load, a revoke), not on each keystroke of the filter.
Revoking the unused keys goes through the page's usual confirmation and revoke flow; rotating
opens `key_rotate.KeyRotateScreen` (imported when first used).

A `Screen` class rather than a plain mixin so that Textual merges its bindings into the
page's (it does so only for DOM classes); `ApiAccessScreen` provides the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen

from openrush_tui.widgets.audit_line import AuditLine, unused
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.keymap import ACT, FIND

if TYPE_CHECKING:
    from openrush_tui.keys.audit import AuditReport
    from openrush_tui.keys.view import KeyRow
    from openrush_tui.screens.api_access.rotate import RotateClosed
    from openrush_tui.tui import OpenRushApp


class KeyLifecycle(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Out of the footer (full at 120 columns): the audit line names a and D, the line of
        # a flagged key names R; the help and the palette list all three.
        Binding("a", "attention", "Needs attention", show=False, id="keys.attention", group=FIND,
                tooltip="Only the keys that need attention (!), or every key"),
        Binding("D", "revoke_unused", "Revoke unused keys", show=False, id="keys.revoke-unused",
                group=ACT,
                tooltip="Revoke the keys unused for 30 days (asks first)"),
        Binding("R", "rotate", "Rotate", show=False, id="keys.rotate", group=ACT,
                tooltip="Replace the key under the cursor; revoke or keep the old one"),
    ]

    _audit: AuditReport | None = None
    _audited_rows: object = None  # the row list the audit was run on
    _attention_only = False

    if TYPE_CHECKING:  # provided by ApiAccessScreen
        dashboard: OpenRushApp
        table: KeyTable
        _select_after_load: str | None
        def _ask_revoke(self, requested: tuple[KeyRow, ...]) -> None: ...
        def _signed_in_id(self, rows: tuple[KeyRow, ...]) -> str | None: ...
        def action_reload(self, reuse: float = 0.0) -> None: ...

    # -- what is offered ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The keys answer whenever there are keys (each says when there is nothing to do:
        # a key that did nothing, silently, read as broken); the palette lists them only
        # when they would do something (`palette_offers`).
        if action in ("attention", "revoke_unused"):
            return self._audit is not None
        if action == "rotate":
            return self.is_mounted and self.table.current is not None
        return super().check_action(action, parameters)

    def palette_offers(self, action: str) -> bool:
        audit, row = self._audit, self.table.current if self.is_mounted else None
        if action == "attention":
            return audit is not None and (bool(audit) or self._attention_only)
        if action == "revoke_unused":
            return audit is not None and bool(unused(audit))
        if action == "rotate":
            return row is not None and row.status == "active"
        return True

    def palette_titles(self) -> dict[str, str]:
        return {"keys.attention": "Show every key" if self._attention_only
                else "Show only the keys that need attention",
                "keys.rotate": "Rotate the key under the cursor"}

    # -- the audit ------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Below the page's state line (the page's own on_mount runs as well).
        line = AuditLine(id="audit-line")
        line.display = False
        self.mount(line, after="#keys-state")

    @on(KeyTable.ViewChanged)
    def show_audit(self) -> None:
        """After any change of the view: audit again if the keys changed, and draw."""
        from openrush_tui.keys.audit import audit

        table = self.table
        if table.view.rows is not self._audited_rows:
            self._audited_rows = table.view.rows
            self._audit = audit((row.key for row in table.view.rows), self.dashboard.now())
            flagged = frozenset(item.id for item in self._audit.keys)
            table.flag(flagged, flagged if self._attention_only else None)
        line = self.query_one(AuditLine)
        line.display = table.view.total > 0
        line.report, line.only = self._audit, self._attention_only
        self._show_current(table.current)

    @on(KeyTable.Highlighted)
    def _audit_highlighted(self, event: KeyTable.Highlighted) -> None:
        self._show_current(event.row)

    def _show_current(self, row: KeyRow | None) -> None:
        audit = self._audit
        self.query_one(AuditLine).current = (
            audit.for_key(row.id) if audit is not None and row is not None else None)

    def action_attention(self) -> None:
        if self._audit is None:
            return
        if not self._audit and not self._attention_only:
            self.notify("No key needs attention.", markup=False)
            return
        self._attention_only = not self._attention_only
        flagged = frozenset(item.id for item in self._audit.keys)
        self.table.flag(flagged, flagged if self._attention_only else None)
        self.show_audit()

    def action_revoke_unused(self) -> None:
        audit = self._audit
        rows = tuple(row for item in (unused(audit) if audit is not None else [])
                     if (row := self.table.view.row(item.id)) is not None)
        if not rows:
            days = audit.rules.idle_days if audit is not None else 30
            self.notify(f"No active key has gone unused for {days} days.", markup=False)
            return
        self._ask_revoke(rows)

    # -- rotation -------------------------------------------------------------------------

    def action_rotate(self) -> None:
        row = self.table.current
        if row is None:
            return
        if row.status != "active":
            self.notify(f"“{row.name}” is {row.status}: only an active key is rotated. "
                        "Press n for a new key.", markup=False)
            return
        from openrush_tui.screens.api_access.rotate import KeyRotateScreen

        own = self._signed_in_id((row,)) == row.id
        taken = [other.name for other in self.table.view.rows]
        self.app.push_screen(KeyRotateScreen(row.key, own=own, taken_names=taken),
                             self._rotate_closed)

    def _rotate_closed(self, closed: RotateClosed | None) -> None:
        self.table.focus()
        if closed is None or not closed.changed:
            return
        if closed.new_id is not None:
            self._select_after_load = closed.new_id
            if self._attention_only:  # the new key needs no attention: show it
                self.action_attention()
        if closed.message:
            self.notify(closed.message, title="Rotation", severity=closed.severity,
                        timeout=20, markup=False)
        self.action_reload()
