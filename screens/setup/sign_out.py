"""Sign out, when it would delete the only copy of a key this tool knows of: ask first.

OpenRush keeps only a hash of a key, so a key deleted from the keyring or the credentials
file (or dropped from this session's memory) can never be shown again. Cancel has the
focus, so an Enter pressed out of habit deletes nothing. Answers True to sign out.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.signin import what_is_lost
from openrush_tui.screens.dialogs.dialog import Dialog


class SignOutScreen(Dialog[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="sign-out.cancel"),
    ]
    AUTO_FOCUS = "#cancel"

    def __init__(self, key: StoredKey, *, in_use: bool = True) -> None:
        super().__init__()
        self._key = key
        self._in_use = in_use

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Sign out and delete the key?", classes="title")
            with VerticalScroll(classes="body"):
                yield Static(Text(what_is_lost(self._key, in_use=self._in_use)), id="lost")
                yield Static("If you still need the key, copy it from where you stored it "
                             "first; otherwise you can create a new one on API access after "
                             "signing in again.", classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Sign out and delete", id="sign-out", variant="error")

    @on(Button.Pressed, "#sign-out")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
