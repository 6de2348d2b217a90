"""Sign out, when it would delete the only copy of a key this tool knows of that may still
work: ask first (the app's yes/no dialog; the question is the core's, `sign_out_question`).

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
from openrush_tui.auth.signin import SignOutQuestion, deleting_question
from openrush_tui.screens.dialogs.yes_no import YesNoDialog

SIGN_OUT_DIALOG = "sign-out-dialog"  # its look: styles/dialogs.tcss


def sign_out_dialog(question: SignOutQuestion | StoredKey, *, in_use: bool = True,
                    ) -> YesNoDialog:
    """The dialog asking `question` (a key: the question of deleting its only copy)."""
    if isinstance(question, StoredKey):
        question = deleting_question(question, in_use=in_use)
    return YesNoDialog(question.title, sign_out_body(question), yes=question.yes, no="Cancel",
                       yes_id="sign-out", no_id="cancel", yes_variant="error",
                       id=SIGN_OUT_DIALOG)


def sign_out_body(question: SignOutQuestion) -> Iterator[Widget]:
    yield Static(Text(question.lost), id="lost")
    yield Static("If you still need the key, copy it from where you stored it first; "
                 "otherwise you can create a new one on API access after signing in again.",
                 classes="note")
