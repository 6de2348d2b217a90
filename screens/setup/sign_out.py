"""Sign out, when it would delete the only copy of a key this tool knows of: ask first (the
app's yes/no dialog).

OpenRush keeps only a hash of a key, so a key deleted from the keyring or the credentials
file (or dropped from this session's memory) can never be shown again. Cancel has the
focus, so an Enter pressed out of habit deletes nothing. Answers True to sign out.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.signin import what_is_lost
from openrush_tui.screens.dialogs.yes_no import YesNoDialog

SIGN_OUT_DIALOG = "sign-out-dialog"  # its look: styles/dialogs.tcss


def sign_out_dialog(key: StoredKey, *, in_use: bool = True) -> YesNoDialog:
    return YesNoDialog("Sign out and delete the key?", sign_out_body(key, in_use=in_use),
                       yes="Sign out and delete", no="Cancel", yes_id="sign-out",
                       no_id="cancel", yes_variant="error", id=SIGN_OUT_DIALOG)


def sign_out_body(key: StoredKey, *, in_use: bool) -> Iterator[Widget]:
    yield Static(Text(what_is_lost(key, in_use=in_use)), id="lost")
    yield Static("If you still need the key, copy it from where you stored it first; "
                 "otherwise you can create a new one on API access after signing in again.",
                 classes="note")
