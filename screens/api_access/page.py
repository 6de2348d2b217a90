"""API access: the account's keys. List, filter and sort; create (revealed once); revoke; the
audit (which keys need attention, a, D) and guided rotation (R), whose wait for the old key
goes on in the background (`RotationLine`, S stops it) once the dialog has revealed the new key.

The page holds the flows and composes the rest. Widgets own what they draw: the table
(`KeyTable`: rows, cursor, marks), the audit's line (`AuditLine`), the marked count
(`MarksLine`), the key under the cursor (`KeySummary`). What is not about the screen lives in
the core: the words of the line above the table (`keys.listing`), the audit of the listed
keys (`keys.attention`), which key is this terminal's and signing out once it is revoked
(`keys.own_key`), and revoking itself, the flow shared with `keys revoke` (`keys.revoke`).
Each dialog lives in its own module, imported when first opened. Each request is an `@work`
method that awaits its answer and then shows it.

A large account (issue 23): the list arrives a page at a time and is shown as it comes, newest
first, in slices the event loop takes between key presses (`keys.listing.arriving`); the
status line counts the keys loaded so far. What needs every key waits for the last page: the
audit (it then runs in a thread: 0.3 s at 50,000 keys), a and D (they say so meanwhile), the
marks kept, the key to select after a create or a rotation.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, cast

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from openrush_tui.auth.connection import refused_from_environment
from openrush_tui.auth.status import refusal
from openrush_tui.clipboard import CLEAR_AFTER_SECONDS
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.keys.attention import Attention
from openrush_tui.keys.audit import audit
from openrush_tui.keys.listing import (
    ListState,
    ListStatus,
    arriving,
    in_turns,
    let_go,
    still_arriving,
    to_revoke,
)
from openrush_tui.keys.view import KeyRow
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.text.safe import visible
from openrush_tui.widgets.audit_line import AuditLine, totals
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.key_summary import KeySummary
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.keymap import ACT, FIND
from openrush_tui.widgets.marks_line import MarksLine
from openrush_tui.widgets.rotation_line import RotationLine
from openrush_tui.widgets.status_line import Freshness, StatusLine

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.keys.audit import AuditReport, KeyFindings
    from openrush_tui.keys.revoke import RevokeReport
    from openrush_tui.keys.unseen import UnseenCreate
    from openrush_tui.screens.api_access.create import CreateOutcome
    from openrush_tui.screens.api_access.details import DetailsChoice
    from openrush_tui.screens.api_access.reveal import RevealClosed
    from openrush_tui.screens.api_access.rotate import RotateClosed

REVOKE_GROUP = "revoke-keys"
AUDIT_GROUP = "keys-audit"


class ApiAccessScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "API access"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "create", "New key", id="keys.new", group=ACT, priority=True),
        Binding("slash", "filter", "Filter", id="keys.filter", group=FIND, priority=True,
                tooltip="Narrow the list by name or prefix"),
        Binding("h", "toggle_hidden", "Inactive", id="keys.toggle-inactive", group=FIND,
                tooltip="Show or hide revoked and expired keys"),
        Binding("escape", "clear_filter", "Clear", id="keys.clear-filter", group=FIND,
                tooltip="Clear the filter, then the marks"),
        # Out of the footer (full at 120 columns): the audit line names a and D, the line of
        # a flagged key names R; the help and the palette list all three.
        Binding("a", "attention", "Needs attention", show=False, id="keys.attention", group=FIND,
                tooltip="Only the keys that need attention (!), or every key"),
        Binding("D", "revoke_unused", "Revoke unused keys", show=False, id="keys.revoke-unused",
                group=ACT,
                tooltip="Revoke the keys unused for 30 days (asks first)"),
        Binding("R", "rotate", "Rotate", show=False, id="keys.rotate", group=ACT,
                tooltip="Replace the key under the cursor; revoke or keep the old one"),
        # Priority, as n: run in the order typed. Not one, c went to the table first and came
        # back for its binding after an n typed with it had opened the dialog: looked up among
        # the dialog's bindings, it was lost (`send-keys c n`: nothing copied, nothing said).
        Binding("c", "copy", "Copy id", show=False, id="keys.copy-id", group=ACT,
                priority=True,
                tooltip="Copy the id of the key under the cursor (what keys revoke takes)"),
        # Offered only while a rotation waits for its old key (the line above the list).
        Binding("S", "cancel_rotation", "Stop the rotation's wait", show=False,
                id="keys.rotation-cancel", group=ACT,
                tooltip="Stop waiting for the old key of a rotation (it stays active)"),
    ]

    AUTO_FOCUS = "#keys"
    # The footer's order (most useful first; the last give way on a narrow terminal). o is
    # the table's (kept out of Textual's footer there), shown here under a short word. n, d
    # and o stay at 60 columns, where Details and Filter give way (trial 8; the help has all).
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "keys.details", "keys.new", "keys.revoke", "keys.sort", "keys.filter",
        "keys.clear-filter", "page.refresh", "keys.mark", "keys.toggle-inactive")
    FOOTER_KEEP: ClassVar[tuple[str, ...]] = ("keys.new", "keys.revoke", "keys.sort")
    FOOTER_LABELS: ClassVar[dict[str, str]] = {"keys.sort": "Order"}

    def __init__(self) -> None:
        super().__init__()
        self._list = ListState()
        self._attention = Attention()
        self._audited: object = None  # the row list the audit last started on (identity)
        # The audit's findings by key id: the line under the list looks one up per cursor move.
        self._findings: dict[str, KeyFindings] = {}
        self._select_after_load: str | None = None  # a key just created or rotated to
        self._unseen: UnseenCreate | None = None  # a create that may have made a key
        # r within 2 s asks nothing (the request budget): said in a toast (trial 8).
        self._freshness = Freshness(lambda: self.dashboard.session.monotonic())
        self._by_hand = False  # the load about to start is r's

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield StatusLine(id="keys-state")
        yield RotationLine(id="rotation-line")
        audit_line = AuditLine(id="audit-line")
        audit_line.display = False  # until there are keys
        yield audit_line
        yield FilterBar("Filter (name or prefix):", id="filter-bar")
        yield KeyTable(id="keys")
        yield MarksLine(id="marks")
        yield KeySummary(id="key-summary")
        yield KeyHints()

    def on_mount(self) -> None:
        # DashboardScreen.on_mount runs as well (Textual calls each class's handler).
        self.table.hide_inactive = self.dashboard.prefs.keys_hide_inactive
        # A rotation waiting here when the app closes says what it leaves undone.
        self.dashboard.leaving_notes.append(self.query_one(RotationLine).leaving_note)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#keys", KeyTable)

    # -- loading --------------------------------------------------------------------------

    async def fetch(self) -> int:
        """Unlike other pages' fetch, this one shows what it gets as it gets it: a big
        account's newest keys are on screen long before its last page arrives. Each slice
        is handed to the table, then the event loop runs what waits (key presses) before the
        next. Returns how many keys there are.

        A write (a revoke here, a create, a rotation's revoke) that ends while the list is on
        its way makes the list asked for again, from its first page: what was asked before
        the write may say what it changed (a key revoked meanwhile, still active), and would
        undo the result the page showed (the request budget sends the new request: no answer
        from before a write is reused or shared, `api.budget`)."""
        client = await self.dashboard.session.client()
        self._freshness.starting(client.budget.sent, by_hand=self._by_hand)
        self._by_hand = False
        while not await self._fetch_since(client, client.budget.writes):
            pass
        return self.table.view.total

    async def _fetch_since(self, client: OpenRushClient, writes: int) -> bool:
        """The list, shown as it arrives; False, with nothing more shown, as soon as a write
        has ended since the count of writes was `writes` (the slice in hand may be from
        before it). A write that ends after the last slice is shown is shown after it."""
        first = True
        # Closed as soon as it is left: the rest of the walk is not asked for (`arriving` is
        # an async generator, typed as the iterator it is used as).
        walk = cast("AsyncGenerator[list[KeyRow], None]", arriving(client, self.dashboard.now()))
        async with contextlib.aclosing(walk) as slices:
            async for rows in slices:
                if client.budget.writes != writes:
                    return False
                self._list.receiving()
                old = None
                if first:
                    self._drop_audit()
                    # The last list's rows, in a list of this method's own (others may hold
                    # the table's): freed in a thread a few rows at a time (`let_go`).
                    old = list(self.table.view.rows)
                self.table.fill(rows, self.dashboard.now(), first=first)
                first = False
                if old:
                    await asyncio.to_thread(let_go, old)
                    del old
                await asyncio.sleep(0)
        if first:  # an account with no key (then: a write since may have made one)
            if client.budget.writes != writes:
                return False
            self.table.fill([], self.dashboard.now(), first=True)
        return True

    def action_reload(self, reuse: float = 0.0) -> None:
        self._by_hand = not reuse  # r (a page shown again reuses older answers: not said)
        super().action_reload(reuse)

    def forget_account(self) -> None:
        self._list.forget()
        self._select_after_load = None
        self.table.clear_marks()
        self.table.load([], self.dashboard.now())

    def show_loading(self) -> None:
        self._show_status(self._list.loading(self.table.view))

    def show(self, _total: int) -> None:
        """The whole list is in (`fetch` has shown it)."""
        self._list.shown()
        table = self.table
        # Setup shows the account id without a key list: learnt once the keys are drawn
        # (its module, auth.status, is ~5 ms of imports that drawing them does not need).
        self.call_after_refresh(self._learn_account_id)
        table.filled()
        self._point_after_load()
        self._show_counts()
        self._audit_if_changed()
        if (client := self.dashboard.session.client_if_ready) is not None:
            self._freshness.ended(self, client.budget.sent, "keys")

    def _learn_account_id(self) -> None:
        self.dashboard.session.learn_account_id([row.key for row in self.table.view.rows])

    # The session epoch whose key the server refused (a 401), else None: n and r are
    # offered again with another key (signed in on Setup).
    _refused_epoch: int | None = None

    def show_error(self, message: str) -> None:
        # The last good list stays on screen; the error says what happened above it. A
        # refused OPENRUSH_KEY: what Setup and the command line say (signing in won't last).
        env = refused_from_environment(self.last_error, self.dashboard.session.key,
                                       "sign in on Setup (1)")
        self._list.failed(message if env is None else str(env))
        refused = self.last_error is not None and refusal(self.last_error) is not None
        self._refused_epoch = self.dashboard.session.epoch if refused else None
        self.refresh_bindings()  # n and r are not offered with a refused key
        self._show_counts()
        if self._unseen is not None:
            # Kept: the next list that loads still looks for the key that may exist.
            name = visible(self._unseen.name)
            self.notify(f"The key “{name}” may have been created without being shown, and the "
                        "list could not be loaded to check. Press r to refresh: a key of that "
                        "name created since the request will be selected.",
                        title="The key may exist", severity="warning", timeout=20,
                        markup=False)

    def show_signed_out(self) -> None:
        self._list.signed_out_now()
        self.table.load([], self.dashboard.now())
        self._show_counts()

    def _point_after_load(self) -> None:
        table = self.table
        if self._select_after_load is not None:
            table.select(self._select_after_load)
            self._select_after_load = None
        if self._unseen is not None:
            unseen, self._unseen = self._unseen, None
            # Select the key a failed create made, found by what identifies it (`keys.unseen`).
            key, message = unseen.look_in((row.key for row in table.view.rows),
                                          self.dashboard.now())
            if key is not None:
                table.select(key.id)
            self.notify(message, title="The key may exist", severity="warning", timeout=20,
                        markup=False)

    # -- what the page shows around the table ---------------------------------------------

    def _show_counts(self) -> None:
        status = self._list.status(self.table.view)
        if status.state == "info" and self.table.view.total:
            # The one place the order is said in words, every order at any width (a header's
            # ▲/▼ is not words, and a narrow terminal shows no header for some): o and O
            # change it here, in place. Not over no list (signed out). Where the whole line
            # would take a second row (60 columns: "…, longest unused first"), "by" alone:
            # the list must not move down a row as o goes round.
            order = self.table.order_said()
            message = f"{status.message} · ordered by {order}"
            width = self.query_one(StatusLine).content_size.width
            if width and cell_len(message) > width:
                message = f"{status.message} · by {order}"
            status = replace(status, message=message)
        self._show_status(status)

    def _show_status(self, status: ListStatus) -> None:
        if status.empty_text is not None:
            self.table.empty_text = status.empty_text
        self.query_one(StatusLine).show(status.state, status.message)

    @on(KeyTable.ViewChanged)
    def _view_changed(self) -> None:
        table = self.table
        self._show_counts()
        self.query_one(MarksLine).count = len(table.marked)
        self._audit_if_changed()
        self._show_audit()

    def _drop_audit(self) -> None:
        """A new list replaces the table's: the last audit goes with the old list, whose keys
        its findings hold (36,000 of 50,000 keys: two lists held at once while a large
        account reloads, issue 23). The new list is audited once whole. While the list is
        narrowed to the keys that need attention (a), the old findings stay until then."""
        self._audited = None  # the old row list, by identity: not held either
        if self._attention.only:
            return
        self._attention, self._findings = Attention(), {}
        self.query_one(AuditLine).forget()
        self._flag()

    def _audit_if_changed(self) -> None:
        """The audit runs again only when the keys changed (a load, a revoke), and only on a
        whole list."""
        rows = self.table.view.rows
        if not self._list.partial and rows is not self._audited:
            self._audited = rows
            self._audit()

    # A description of its own: Textual's default is the repr of the arguments.
    @work(group=AUDIT_GROUP, exclusive=True, exit_on_error=False, description="the audit")
    async def _audit(self) -> None:
        """The audit of the list in a thread (0.3 s at 50,000 keys: never on the event loop).
        A `KeyView` never changes a list once whole (a new load starts a new one), so the
        thread reads it safely; a newer audit's result wins (exclusive)."""
        rows, now = self.table.view.rows, self.dashboard.now()

        def run() -> tuple[AuditReport, dict[str, KeyFindings], tuple[str, int]]:
            report = audit((row.key for row in in_turns(rows)), now)
            return report, {item.id: item for item in report.keys}, totals(report)

        report, findings, counted = await asyncio.to_thread(run)
        fresh = Attention()
        fresh.report, fresh.only = report, self._attention.only
        self._attention, self._findings = fresh, findings
        self.query_one(AuditLine).remember(report, counted)
        self._flag()
        self._show_audit()

    def _findings_for(self, row: KeyRow | None) -> KeyFindings | None:
        return None if row is None else self._findings.get(row.id)

    @on(KeyTable.Highlighted)
    def _highlighted(self, event: KeyTable.Highlighted) -> None:
        self.query_one(KeySummary).show(event.row)
        self.query_one(AuditLine).current = self._findings_for(event.row)

    def _flag(self) -> None:
        """The audit's glyphs on the table, and its rows narrowed to them if asked (a). The
        ids flagged are the findings' own keys (36,000 at 50,000 keys: no set made of them
        on the event loop, and none held beside them)."""
        flagged = self._findings.keys()
        self.table.flag(flagged, flagged if self._attention.only else None)

    def _show_audit(self) -> None:
        table, line = self.table, self.query_one(AuditLine)
        line.display = table.view.total > 0
        line.report, line.only = self._attention.report, self._attention.only
        line.current = self._findings_for(table.current)
        line.marked = len(table.marked)

    # -- what is offered ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create", "reload") and self._refused_epoch is not None:
            # The key is refused: neither can work with it (the table says so).
            return self._refused_epoch != self.dashboard.session.epoch
        # Escape is offered (and shown in the footer) only while there is something to clear.
        if action == "clear_filter":
            return self.is_mounted and (self.query_one(FilterBar).is_open
                                        or bool(self.table.marked))
        # The audit's keys answer whenever there are keys (each says when there is nothing to
        # do: a key that did nothing, silently, read as broken); the palette lists them only
        # when they would do something (`palette_offers`).
        if action in ("attention", "revoke_unused"):
            return self._attention.report is not None or self._list.partial
        if action == "rotate":
            return self.is_mounted and self.table.current is not None
        if action == "cancel_rotation":
            return self.is_mounted and self.query_one(RotationLine).waiting
        if action == "copy":  # in the filter's field, c is a character (priority: see above)
            return (self.is_mounted and self.table.current is not None
                    and not isinstance(self.focused, Input))
        return super().check_action(action, parameters)

    def action_copy(self) -> None:
        """The id of the key under the cursor, through the one copy path (an id is no secret:
        nothing to clear later)."""
        current = self.table.current
        if current is None:
            return
        what = f"the id {visible(current.key.id)} of “{visible(current.key.name)}”"
        outcome = self.dashboard.copy_text(current.key.id)
        self.notify(outcome.message(what), markup=False, timeout=8,
                    severity="information" if outcome.anything_done else "warning")

    def palette_offers(self, action: str) -> bool:
        if action == "attention":
            return self._attention.offers_narrowing()
        if action == "revoke_unused":
            return self._attention.offers_unused()
        if action == "rotate":
            row = self.table.current if self.is_mounted else None
            return row is not None and row.status == "active"
        return True

    def palette_titles(self) -> dict[str, str]:
        return {"keys.attention": "Show every key" if self._attention.only
                else "Show only the keys that need attention",
                "keys.rotate": "Rotate the key under the cursor"}

    # -- filter ---------------------------------------------------------------------------

    async def action_filter(self) -> None:
        await self.query_one(FilterBar).open()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.table.filter_text = event.text

    @on(FilterBar.Submitted)
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Escape: the filter first; with none, the marks."""
        bar = self.query_one(FilterBar)
        if bar.is_open:
            bar.clear()
            self.table.filter_text = ""
        else:
            self.table.clear_marks()
        self.table.focus()

    def action_toggle_hidden(self) -> None:
        """h: revoked and expired keys, hidden or shown (Activity's h: its own reads)."""
        self.table.hide_inactive = not self.table.hide_inactive
        self.dashboard.remember(keys_hide_inactive=self.table.hide_inactive)

    # -- the audit ------------------------------------------------------------------------

    def _still_arriving(self) -> bool:
        """Says so when the list is still arriving (what needs every key waits for it)."""
        if self._list.partial:
            self.notify(still_arriving(self.table.view), markup=False)
        return self._list.partial

    def action_attention(self) -> None:
        """a: only the keys that need attention, or every key."""
        if self._still_arriving():
            return
        if (instead := self._attention.toggle()) is not None:
            self.notify(instead, markup=False)
            return
        if self._attention.report is None:
            return
        self._flag()
        self._show_audit()

    def action_revoke_unused(self) -> None:
        """D: revoke the keys nothing has used for the audit's idle days (asks first)."""
        if self._still_arriving():
            return
        by_id = {row.id: row for row in self.table.view.rows}
        rows = tuple(row for key_id in self._attention.unused_ids()
                     if (row := by_id.get(key_id)) is not None)
        if not rows:
            self.notify(self._attention.none_unused(), markup=False)
            return
        self._ask_revoke(rows)

    # -- create ---------------------------------------------------------------------------

    async def action_create(self) -> None:
        if not self.dashboard.session.signed_in:
            self.notify("Sign in first: press 1 for Setup.", severity="warning")
            return
        # lazy: start-up (each dialog's module loads when the dialog is first opened; none is
        # needed for the page's first frame)
        from openrush_tui.screens.api_access.create import KeyCreateScreen

        # The keys listed now cannot be the one a failed create made: it is found among
        # the others (`keys.unseen`).
        known = ([row.id for row in self.table.view.rows]
                 if self._list.loaded and not self._list.partial else [])
        dialog = KeyCreateScreen(self.dashboard.session, self.dashboard.now, known)
        if self.app.screen is not self:  # from the palette, which is closing: just open
            self.app.push_screen(dialog, self._create_closed)
            return
        # n is a priority binding, run before the keys typed after it are passed on: with
        # the dialog mounted and its name field focused by then, a name typed ahead (a
        # slow SSH link delivers it with the n) lands in the field.
        await self.app.push_screen(dialog, self._create_closed)
        dialog.focus_now()

    def _create_closed(self, outcome: CreateOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.created is not None:
            from openrush_tui.screens.api_access.reveal import KeyRevealScreen  # lazy: start-up

            credential = outcome.created.api_credential
            self._select_after_load = credential.id
            self.app.push_screen(KeyRevealScreen(outcome.created.key, credential),
                                 self._reveal_closed)
        elif outcome.unseen is not None:
            self._unseen = outcome.unseen
        self.action_reload()

    def _reveal_closed(self, closed: RevealClosed | None) -> None:
        self.table.focus()
        if closed is not None and closed.clear_digest is not None:
            self.dashboard.offer_to_clear_clipboard(closed.clear_digest)
            self.notify(f"The system clipboard will be cleared in {CLEAR_AFTER_SECONDS:g} s "
                        "if it still holds the key.", markup=False)

    # -- details --------------------------------------------------------------------------

    @on(KeyTable.DetailsRequested)
    def _details(self, event: KeyTable.DetailsRequested) -> None:
        from openrush_tui.screens.api_access.details import KeyDetailsScreen  # lazy: start-up

        row = event.row
        self.app.push_screen(
            KeyDetailsScreen(row, self.dashboard.now(), self.dashboard.session,
                             signed_in=self._signed_in_id((row,)) == row.id),
            lambda choice: self._details_closed(row, choice),
        )

    async def _details_closed(self, row: KeyRow, choice: DetailsChoice | None) -> None:
        if choice == "revoke":
            self._ask_revoke((row,))
        elif choice == "activity":
            await self.dashboard.open_activity_for_key(row.id, row.key.name)

    # -- rotation -------------------------------------------------------------------------

    def _key_for(self, action: str) -> str:
        """The key this page binds to `action`, as the footer and the help write it (a
        message that names a key follows the binding, rather than saying one of its own)."""
        for binding in Binding.make_bindings(self.BINDINGS):
            if binding.action == action:
                return self.app.get_key_display(binding)
        raise LookupError(action)

    def action_rotate(self) -> None:
        """R: replace the key under the cursor (the dialog plans and runs `keys.rotate`)."""
        row = self.table.current
        if row is None:
            return
        if row.status != "active":
            self.notify(f"“{row.name}” is {row.status}: only an active key is rotated. "
                        "Press n for a new key.", markup=False)
            return
        line = self.query_one(RotationLine)
        if line.waiting:  # one rotation at a time: its line and its stop are about that one
            stop = self._key_for("cancel_rotation")
            self.notify(f"“{line.old_name}” is being rotated: its old key is waited on. Press "
                        f"{stop} to stop that wait first.", markup=False)
            return
        from openrush_tui.screens.api_access.rotate import KeyRotateScreen  # lazy: start-up

        own = self._signed_in_id((row,)) == row.id
        taken = [other.name for other in self.table.view.rows]
        self.app.push_screen(KeyRotateScreen(row.key, own=own, taken_names=taken,
                                             on_done=self._take_rotation),
                             self._rotate_closed)

    def _rotate_closed(self, closed: RotateClosed | None) -> None:
        self.table.focus()
        if closed is not None and closed.changed:
            self._take_rotation(closed)

    def _take_rotation(self, closed: RotateClosed) -> None:
        """What a rotation changed: the list loaded again, the new key selected. As soon as
        the rotation finishes in its dialog, the list behind the steps shows it (the new key,
        the old one revoked or kept); a rotation handed to the page to wait, on closing."""
        if closed.new_id is not None:
            self._select_after_load = closed.new_id
            if self._attention.only:  # the new key needs no attention: show it
                self.action_attention()
        if closed.message:
            self.notify(closed.message, title="Rotation", severity=closed.severity,
                        timeout=20, markup=False)
        if closed.handoff is not None:  # the wait for the old key goes on here
            self.query_one(RotationLine).follow(closed.handoff)
        self.action_reload()

    def action_cancel_rotation(self) -> None:
        """c: stop waiting for the old key (it stays active; the line's words say so)."""
        if said := self.query_one(RotationLine).cancel():
            self.notify(said, title="Rotation", markup=False)

    @on(RotationLine.Ended)
    def _rotation_ended(self, event: RotationLine.Ended) -> None:
        # Said wherever the user is now (another page, a dialog): the App's toasts.
        title = {"information": "Rotation done", "warning": "Rotation stopped"}.get(
            event.severity, "Rotation failed")
        self.notify(event.text, title=title, severity=event.severity, timeout=20, markup=False)
        if event.changed:
            self.action_reload()

    # -- revoke ---------------------------------------------------------------------------

    def _signed_in_id(self, rows: tuple[KeyRow, ...]) -> str | None:
        """Which of `rows` is the key this terminal is signed in with."""
        # lazy: start-up (keys.own_key loads the revoke flow and the key rules: a few
        # milliseconds the page's first frame does without; they serve once a key is opened)
        from openrush_tui.keys.own_key import signed_in_key_id

        return signed_in_key_id(self.dashboard.session.key, (row.key for row in rows))

    @on(KeyTable.RevokeRequested)
    def _revoke_requested(self, event: KeyTable.RevokeRequested) -> None:
        self._ask_revoke(event.rows, event.hidden)

    def _ask_revoke(self, requested: tuple[KeyRow, ...],
                    hidden: tuple[KeyRow, ...] = ()) -> None:
        """Ask before revoking `requested`; `hidden`: marked keys among them the list does
        not show, which the question names."""
        rows, skipped, instead = to_revoke(requested)
        if instead is not None:
            self.notify(instead, markup=False)
            return
        from openrush_tui.screens.api_access.revoke import revoke_dialog  # lazy: start-up

        signed_in = self._signed_in_id(rows)
        self.dashboard.push_screen(
            revoke_dialog(rows, self.dashboard.now(), signed_in_id=signed_in, skipped=skipped,
                          hidden=tuple(row for row in rows if row in hidden)),
            lambda confirmed: self._revoke(rows, signed_in) if confirmed else None,
        )

    # Not exclusive: a second revoke does not make the first one moot, and cancelling a
    # revoke half-way would leave keys revoked that the page never hears about.
    @work(group=REVOKE_GROUP, exit_on_error=False)
    async def _revoke(self, rows: tuple[KeyRow, ...], signed_in: str | None) -> None:
        from openrush_tui.keys.revoke import revoke_all  # lazy: start-up (see _signed_in_id)

        self.query_one(StatusLine).show(
            "loading", f"Revoking {len(rows):,} key{'s' if len(rows) != 1 else ''}…")
        try:
            client = await self.dashboard.session.client()
        except OpenRushError as error:
            self.show_error("Nothing was revoked. " + describe_error(error))
            return
        report = await revoke_all(client, [row.id for row in rows], own_id=signed_in)
        await self._revoked(rows, report)

    async def _revoked(self, rows: tuple[KeyRow, ...], report: RevokeReport) -> None:
        # lazy: start-up (see _signed_in_id; the revoke dialog's module, for its words)
        from openrush_tui.keys.own_key import sign_out_after_revoke
        from openrush_tui.screens.api_access.revoke import summary

        self.table.show_revoked(report)
        # A rotation waiting for one of them is over (its line says so, once).
        self.query_one(RotationLine).keys_revoked({outcome.key_id for outcome in report.revoked})
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
            said = await sign_out_after_revoke(self.dashboard.session)
            self.notify(said, title="Signed out", severity="warning", timeout=15, markup=False)
            await self.dashboard.switch_mode("setup")
            self.show_signed_out()
