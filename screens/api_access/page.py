"""API access: the account's keys. List, filter and sort; create (revealed once); revoke.

The page owns the flows; the table (`KeyTable`) only draws and reports what the user asked
for, and each dialog lives in its own module (`key_create`, `key_reveal`, `key_revoke`,
`key_details`). Each request is an `@work` method that awaits its answer and then shows it;
revoking is the flow shared with `keys revoke` (`openrush_tui.keys.revoke`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from openrush_tui.screens.api_access.lifecycle import KeyLifecycle
from openrush_tui.screens.api_access.revoking import Revoking
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.keymap import ACT, FIND
from openrush_tui.widgets.load_state import LoadState, State

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.keys.unseen import UnseenCreate
    from openrush_tui.keys.view import KeyRow
    from openrush_tui.screens.api_access.create import CreateOutcome
    from openrush_tui.screens.api_access.details import DetailsChoice
    from openrush_tui.screens.api_access.reveal import RevealClosed

EMPTY_ACCOUNT = "This account has no API keys yet."
LOADING = "Loading keys…"
EMPTY_HINT = ("Press n to create the first one. It is shown once, so have somewhere ready to "
              "store it.")


class ApiAccessScreen(KeyLifecycle, Revoking, DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "API access"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "create", "New key", id="keys.new", group=ACT, priority=True),
        Binding("slash", "filter", "Filter", id="keys.filter", group=FIND, priority=True,
                tooltip="Narrow the list by name or prefix"),
        Binding("h", "toggle_hidden", "Inactive", id="keys.toggle-inactive", group=FIND,
                tooltip="Show or hide revoked and expired keys"),
        Binding("escape", "clear_filter", "Clear", id="keys.clear-filter", group=FIND,
                tooltip="Clear the filter, then the marks"),
    ]

    AUTO_FOCUS = "#keys"
    # The footer's order (most useful first; the last give way on a narrow terminal).
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "keys.details", "keys.new", "keys.revoke", "keys.filter", "keys.clear-filter",
        "page.refresh", "keys.mark", "keys.toggle-inactive")

    def __init__(self) -> None:
        super().__init__()
        self._error: str | None = None
        self._signed_out = False
        self._loaded = False  # a list has arrived at least once
        self._select_after_load: str | None = None  # a key just created
        self._unseen: UnseenCreate | None = None  # a create that may have made a key
        self._shown_state: tuple[str, str] = ("idle", "")
        self._had_marks = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield LoadState(id="keys-state")
        yield FilterBar("Filter (name or prefix):", id="filter-bar")
        yield KeyTable(id="keys")
        yield Static("", id="marks")
        yield Static("", id="key-summary")
        yield KeyHints()

    def on_mount(self) -> None:
        # DashboardScreen.on_mount runs as well (Textual calls each class's handler).
        self.table.hide_inactive = self.dashboard.prefs.keys_hide_inactive
        self._show_marks()

    @property
    def table(self) -> KeyTable:
        return self.query_one("#keys", KeyTable)

    # -- loading --------------------------------------------------------------------------

    async def fetch(self) -> list[ApiCredential]:
        client = await self.dashboard.session.client()
        return await client.list_keys()

    def forget_account(self) -> None:
        self._error = None
        self._loaded = False
        self._select_after_load = None
        self.table.clear_marks()
        self.table.load([], self.dashboard.now())

    def show_loading(self) -> None:
        if self.table.view.total == 0:
            self._state("loading", LOADING)
        else:  # the list stays while the new one comes: say that it is being refreshed
            self._state("loading", "Refreshing the list… The keys below are the last ones "
                                   "loaded.")

    def show(self, keys: list[ApiCredential]) -> None:
        self._error = None
        self._signed_out = False
        self._loaded = True
        self.dashboard.session.learn_account_id(keys)  # Setup shows it without a key list
        table = self.table
        table.load(keys, self.dashboard.now())
        self._point_after_load()
        self._show_counts()

    def show_error(self, message: str) -> None:
        # The last good list stays on screen; the error says what happened above it.
        self._error = message
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
        self._error = None
        self._signed_out = True
        self.table.load([], self.dashboard.now())
        self._show_counts()

    def _point_after_load(self) -> None:
        table = self.table
        if self._select_after_load is not None:
            table.select(self._select_after_load)
            self._select_after_load = None
        if self._unseen is not None:
            unseen, self._unseen = self._unseen, None
            self.notify(self._unseen_found(unseen), title="The key may exist",
                        severity="warning", timeout=20, markup=False)

    def _unseen_found(self, unseen: UnseenCreate) -> str:
        """Select the key a failed create made, found by what identifies it (`keys.unseen`)."""
        key, message = unseen.look_in((row.key for row in self.table.view.rows),
                                      self.dashboard.now())
        if key is not None:
            self.table.select(key.id)
        return message

    # -- the line above the table ---------------------------------------------------------

    def _show_counts(self) -> None:
        table, view = self.table, self.table.view
        if self._signed_out:
            table.empty_text = "Sign in to see your keys."
            self._state("info", "This terminal is not signed in. Press 1 for Setup to see how "
                                "to sign in.")
            return
        if self._error is not None:
            kept = " The list below is the last one loaded." if view.total else ""
            if not self._loaded:
                table.empty_text = "The keys could not be loaded yet. Press r to try again."
            self._state("error", f"{self._error}{kept}")
            return
        if view.total == 0:  # no keys, or the first list is still to come
            table.empty_text = EMPTY_HINT if self._loaded else ""
            self._state(*(("empty", EMPTY_ACCOUNT) if self._loaded else ("loading", LOADING)))
            return
        noun = "key" if view.total == 1 else "keys"
        parts = [f"{view.total} {noun}, {view.active} active"]
        if len(view.shown) != view.total:
            why = []  # each reads after "showing 3"
            if view.filter_text.strip():
                why.append(f"matching “{visible(view.filter_text.strip())}”")
            if view.only is not None:
                why.append("that need attention")  # the audit line below says a undoes it
            if view.hide_inactive:
                why.append("active (h shows the revoked and expired)")
            parts.append(f"showing {len(view.shown)} " + ", ".join(why))
        table.empty_text = (
            "No key matches. Press Escape to clear the filter." if view.filter_text.strip()
            else "No key that needs attention is active; press h to show them all."
            if view.only is not None and view.hide_inactive
            else "No key needs attention. Press a to show every key." if view.only is not None
            else "All keys are revoked or expired; press h to show them.")
        self._state("info", " · ".join(parts))

    def _state(self, state: State, message: str) -> None:
        # Redrawn only when it changes: a new text re-lays out the screen, and the counts are
        # recomputed on every keystroke of the filter.
        if (state, message) != self._shown_state:
            self._shown_state = (state, message)
            self.query_one("#keys-state", LoadState).show(state, message)

    @on(KeyTable.ViewChanged)
    def _view_changed(self) -> None:
        self._show_counts()
        self._show_marks()

    def _show_marks(self) -> None:
        """The marked count, on its own line for as long as marks exist (whatever the line
        above says: loading, an error)."""
        marks = self.query_one("#marks", Static)
        count = len(self.table.marked)
        marks.display = count > 0
        if count:
            marks.update(f"✓ {count} marked · d revokes {'it' if count == 1 else 'them'} · "
                         "space unmarks · Escape clears the marks")
        if (count > 0) != self._had_marks:
            self._had_marks = count > 0
            self.refresh_bindings()

    @on(KeyTable.Highlighted)
    def _highlighted(self, event: KeyTable.Highlighted) -> None:
        summary = self.query_one("#key-summary", Static)
        row = event.row
        if row is None:
            summary.update("")
            return
        key = row.key
        text = Text(row.name, style="bold")
        text.append(f"  {row.prefix}  {row.status}  ({row.shown_id})\n")
        text.append(f"created {exact(key.created_at)} · last used "
                    f"{exact(key.last_used_at, missing='never')} · expires "
                    f"{exact(key.expires_at, missing='never')}")
        summary.update(text)

    # -- filter ---------------------------------------------------------------------------

    async def action_filter(self) -> None:
        await self.query_one(FilterBar).open()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.table.filter_text = event.text

    @on(FilterBar.Submitted)
    def _filter_done(self) -> None:
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape is offered (and shown in the footer) only while there is something to clear.
        if action == "clear_filter":
            return self.is_mounted and (self.query_one(FilterBar).is_open
                                        or bool(self.table.marked))
        return super().check_action(action, parameters)  # the lifecycle's keys

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

    # -- create ---------------------------------------------------------------------------

    async def action_create(self) -> None:
        if not self.dashboard.session.signed_in:
            self.notify("Sign in first: press 1 for Setup.", severity="warning")
            return
        from openrush_tui.screens.api_access.create import KeyCreateScreen

        # The keys listed now cannot be the one a failed create made: it is found among
        # the others (`keys.unseen`).
        known = [row.id for row in self.table.view.rows] if self._loaded else []
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
            from openrush_tui.screens.api_access.reveal import KeyRevealScreen

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
            from openrush_tui.clipboard import CLEAR_AFTER_SECONDS

            self.dashboard.offer_to_clear_clipboard(closed.clear_digest)
            self.notify(f"The system clipboard will be cleared in {CLEAR_AFTER_SECONDS:g} s "
                        "if it still holds the key.", markup=False)

    # -- details --------------------------------------------------------------------------

    @on(KeyTable.DetailsRequested)
    def _details(self, event: KeyTable.DetailsRequested) -> None:
        from openrush_tui.screens.api_access.details import KeyDetailsScreen

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
