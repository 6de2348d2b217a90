"""What API access says about its list of keys, without Textual: the line above the table
(loading, an error, the counts and why fewer keys are shown), what the table says when it
shows no row, and which keys a revoke request acts on.

`ListState` is what the page knows of its last load; `status(view)` puts it in words. The
page draws the result (`widgets.load_state`, `KeyTable.empty_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openrush_tui.keys.view import KeyRow, KeyView
from openrush_tui.text.safe import visible

LineState = Literal["loading", "error", "empty", "info"]  # `widgets.load_state.State`'s

EMPTY_ACCOUNT = "This account has no API keys yet."
LOADING = "Loading keys…"
REFRESHING = "Refreshing the list… The keys below are the last ones loaded."
EMPTY_HINT = ("Press n to create the first one. It is shown once, so have somewhere ready to "
              "store it.")
SIGNED_OUT_TABLE = "Sign in to see your keys."
SIGNED_OUT_LINE = ("This terminal is not signed in. Press 1 for Setup to see how to sign "
                   "in.")
NOT_LOADED_TABLE = "The keys could not be loaded yet. Press r to try again."


@dataclass(frozen=True, slots=True)
class ListStatus:
    state: LineState
    message: str
    empty_text: str | None  # what the table says with no row; None: leave it as it is


@dataclass(slots=True)
class ListState:
    """What the page knows of its list: whether one has arrived, the last load's error (the
    last good list stays on screen below it), or that the terminal is signed out."""

    loaded: bool = False  # a list has arrived at least once
    error: str | None = None
    signed_out: bool = False

    def shown(self) -> None:
        """A list arrived."""
        self.loaded, self.error, self.signed_out = True, None, False

    def failed(self, message: str) -> None:
        self.error = message

    def signed_out_now(self) -> None:
        self.error, self.signed_out = None, True

    def forget(self) -> None:
        """Another account: nothing of the last one counts."""
        self.loaded, self.error = False, None

    def loading(self, view: KeyView) -> ListStatus:
        """While a load is under way: the list stays on screen, being refreshed."""
        return ListStatus("loading", LOADING if view.total == 0 else REFRESHING, None)

    def status(self, view: KeyView) -> ListStatus:
        """The line above the table and the empty table's text, for `view` as it is now."""
        if self.signed_out:
            return ListStatus("info", SIGNED_OUT_LINE, SIGNED_OUT_TABLE)
        if self.error is not None:
            kept = " The list below is the last one loaded." if view.total else ""
            return ListStatus("error", f"{self.error}{kept}",
                              None if self.loaded else NOT_LOADED_TABLE)
        if view.total == 0:  # no keys, or the first list is still to come
            if self.loaded:
                return ListStatus("empty", EMPTY_ACCOUNT, EMPTY_HINT)
            return ListStatus("loading", LOADING, "")
        return ListStatus("info", counts(view), empty_table(view))


def counts(view: KeyView) -> str:
    """"12 keys, 9 active · showing 3 matching “ci”"."""
    noun = "key" if view.total == 1 else "keys"
    parts = [f"{view.total} {noun}, {view.active} active"]
    if len(view.shown) != view.total:
        why = []  # each reads after "showing 3"
        if view.filter_text.strip():
            why.append(f"matching “{visible(view.filter_text.strip())}”")
        if view.only is not None:
            why.append("that need attention")  # the audit line says a undoes it
        if view.hide_inactive:
            why.append("active (h shows the revoked and expired)")
        parts.append(f"showing {len(view.shown)} " + ", ".join(why))
    return " · ".join(parts)


def empty_table(view: KeyView) -> str:
    """What the table says when the account has keys but none is shown, and how to see them."""
    if view.filter_text.strip():
        return "No key matches. Press Escape to clear the filter."
    if view.only is not None and view.hide_inactive:
        return "No key that needs attention is active; press h to show them all."
    if view.only is not None:
        return "No key needs attention. Press a to show every key."
    return "All keys are revoked or expired; press h to show them."


def to_revoke(requested: tuple[KeyRow, ...]) -> tuple[tuple[KeyRow, ...], int, str | None]:
    """The keys a revoke request acts on (those not revoked already), how many were left
    out, and, when none is left, what to say instead of asking."""
    rows = tuple(row for row in requested if row.status != "revoked")
    skipped = len(requested) - len(rows)
    if rows:
        return rows, skipped, None
    what = "That key is" if skipped == 1 else "Those keys are"
    return rows, skipped, f"{what} already revoked."
