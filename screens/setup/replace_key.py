"""Sign in over a saved key, when that deletes the only copy of it this tool knows of: ask
first (the app's yes/no dialog), as signing out does.

OpenRush keeps only a hash of a key, so a key replaced in the keyring or the credentials file
(or dropped from this session's memory) can never be shown again. The sentences are the
core's (`auth.signin.NeedsConsent`, shared with ``openrush-tui login``). Cancel has the focus,
so an Enter pressed out of habit replaces nothing. Answers True to replace.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from openrush_tui.auth.signin import NeedsConsent
from openrush_tui.screens.dialogs.yes_no import YesNoDialog

REPLACE_KEY_DIALOG = "replace-key-dialog"  # its look: styles/dialogs.tcss


def replace_key_dialog(ask: NeedsConsent) -> YesNoDialog:
    return YesNoDialog("Replace the saved key?", replace_key_body(ask),
                       yes="Replace it", no="Cancel", yes_id="replace", no_id="cancel",
                       yes_variant="error", id=REPLACE_KEY_DIALOG)


def replace_key_body(ask: NeedsConsent) -> Iterator[Widget]:
    yield Static(Text(" ".join(ask.sentences())), id="replaced")
    yield Static("Cancel keeps it, and this terminal's sign-in, as they are.", classes="note")
