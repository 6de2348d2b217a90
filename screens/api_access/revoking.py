"""API access's revoke flow: confirm, revoke (the flow shared with ``keys revoke``,
`keys.revoke`), show what the server did, and sign out when this terminal's own key went.

A mixin of `ApiAccessScreen` (kept apart to keep each module short); the page provides the
table, the status line and the notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from openrush_tui.errors import describe_error
from openrush_tui.widgets.key_table import KeyTable

if TYPE_CHECKING:
    from openrush_tui.keys.revoke import RevokeReport
    from openrush_tui.keys.view import KeyRow
    from openrush_tui.tui import OpenRushApp
    from openrush_tui.widgets.load_state import State

REVOKE_GROUP = "revoke-keys"


class Revoking:
    """What `ApiAccessScreen` adds to a page for revoking keys (it provides the rest)."""

    dashboard: OpenRushApp
    table: KeyTable

    if TYPE_CHECKING:  # provided by ApiAccessScreen and Textual's Screen
        def _state(self, state: State, message: str) -> None: ...
        def _show_counts(self) -> None: ...
        def show_error(self, message: str) -> None: ...
        def show_signed_out(self) -> None: ...
        def action_reload(self, reuse: float = 0.0) -> None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...

    # -- revoke ---------------------------------------------------------------------------

    def _signed_in_id(self, rows: tuple[KeyRow, ...]) -> str | None:
        """Which of `rows` is the key this terminal is signed in with, by its prefix."""
        from openrush_tui.keys.revoke import own_key_id

        stored = self.dashboard.session.key
        if stored is None or stored.secret.is_session_token:
            return None
        return own_key_id((row.key for row in rows), stored.secret.reveal())

    def on_key_table_revoke_requested(self, event: KeyTable.RevokeRequested) -> None:
        self._ask_revoke(event.rows)

    def _ask_revoke(self, requested: tuple[KeyRow, ...]) -> None:
        rows = tuple(row for row in requested if row.status != "revoked")
        skipped = len(requested) - len(rows)
        if not rows:
            what = "That key is" if skipped == 1 else "Those keys are"
            self.notify(f"{what} already revoked.", markup=False)
            return
        from openrush_tui.screens.api_access.revoke import KeyRevokeScreen

        signed_in = self._signed_in_id(rows)
        self.dashboard.push_screen(
            KeyRevokeScreen(rows, self.dashboard.now(), signed_in_id=signed_in, skipped=skipped),
            lambda confirmed: self._revoke(rows, signed_in) if confirmed else None,
        )

    # Not exclusive: a second revoke does not make the first one moot, and cancelling a
    # revoke half-way would leave keys revoked that the page never hears about.
    @work(group=REVOKE_GROUP, exit_on_error=False)
    async def _revoke(self, rows: tuple[KeyRow, ...], signed_in: str | None) -> None:
        from openrush_tui.errors import OpenRushError
        from openrush_tui.keys.revoke import revoke_all

        self._state("loading", f"Revoking {len(rows)} key{'s' if len(rows) != 1 else ''}…")
        try:
            client = await self.dashboard.session.client()
        except OpenRushError as error:
            self.show_error("Nothing was revoked. " + describe_error(error))
            return
        report = await revoke_all(client, [row.id for row in rows], own_id=signed_in)
        await self._revoked(rows, report)

    async def _revoked(self, rows: tuple[KeyRow, ...], report: RevokeReport) -> None:
        from openrush_tui.screens.api_access.revoke import summary

        table = self.table
        for outcome in report.revoked:
            answer = outcome.answer
            if answer is not None and answer.id == outcome.key_id:
                table.update_key(answer)
            else:
                table.mark_revoked(outcome.key_id)
        table.clear_marks()
        message = summary(report, rows)
        if not report.failed:
            self._show_counts()
            self.notify(message, title="Revoked", markup=False)
        else:
            self.show_error(message)
            self.notify(message, title="Some keys were not revoked", severity="error",
                        timeout=20, markup=False)
        if report.uncertain:
            self.action_reload()  # the list says which of them the server did revoke
        if report.own_key_revoked:
            await self._sign_out_after_revoke()
            await self.dashboard.switch_mode("setup")
            self.show_signed_out()

    async def _sign_out_after_revoke(self) -> None:
        """The terminal's own key is dead: forget it (memory, and where this tool saved it)."""
        from openrush_tui.errors import OpenRushError

        message = ("This terminal was signed in with the key you revoked, so it is now signed "
                   "out. Sign in with another key.")
        try:
            report = await self.dashboard.session.sign_out()
        except OpenRushError as error:
            message += f" The saved copy could not be removed: {error}"
        else:
            if report is not None:
                message += " " + report.summary()
        self.notify(message, title="Signed out", severity="warning", timeout=15, markup=False)
