"""Quitting while a key rotation waits in the background for its old key to go unused: the
dashboard asks first, as it does with a new key on screen, since a stray q on another page
would end a wait the user was told to leave running."""

from __future__ import annotations

from openrush_tui.screens.dialogs.yes_no import YesNoDialog

QUIT_WHILE_WAITING = "quit-while-waiting-dialog"


def quit_while_waiting_dialog() -> YesNoDialog:
    return YesNoDialog(
        "Quit while a rotation waits?",
        ["A key rotation is waiting for the old key to go unused, to revoke it then. Quitting "
         "stops the wait: the new key stays, and the old key stays active until you revoke it "
         "(the command to do so is printed when the dashboard closes)."],
        yes="Quit anyway", no="Keep working", yes_variant="error",
        no_id="keep-working", yes_id="quit-anyway", id=QUIT_WHILE_WAITING)
