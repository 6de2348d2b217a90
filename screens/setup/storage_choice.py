"""No usable keyring: say so in plain words and let the person choose where the key goes
(or, after a browser sign-in, the sign-in: its own words, `web`).

Never a silent fallback to plain text. The two choices are the 0600 file (plain text on
disk, readable only by this user, as ``gh`` warns) and this session only; the profile
remembers the choice. Escape keeps the terminal signed out. Setup's Storage button opens the
same dialog to change the choice (with its own title).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from openrush_tui.auth.signin import StorageChoice
from openrush_tui.screens.dialogs.dialog import Dialog


class StorageChoiceScreen(Dialog[StorageChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="storage.cancel"),
        Binding("f", "choose('file')", "Save to the file", id="storage.file"),
        Binding("s", "choose('session')", "This session only", id="storage.session"),
    ]
    AUTO_FOCUS = "#session-only"

    def __init__(self, reason: str, file_path: str, *,
                 title: str = "The key was accepted, but there is no safe place to keep it",
                 web: bool = False) -> None:
        """`web`: what is kept is a browser sign-in (its tokens), not a key."""
        super().__init__()
        self._reason = reason
        self._file_path = file_path
        self._title = title
        self._web = web

    def _choices(self) -> tuple[str, str]:
        """What each choice does with what is kept, in its own words."""
        if self._web:
            return (f"Save to the file: the browser sign-in (its tokens, which act for your "
                    f"account until they expire or you sign out) is written to "
                    f"{self._file_path}, readable only by you (mode 0600) but as plain text "
                    "on disk, so anyone with your account or a copy of your home directory "
                    "can use it.",
                    "This session only: the browser sign-in is kept in memory, nowhere on "
                    "disk; you sign in with the browser again next time.")
        return (f"Save to the file: the key is written to {self._file_path}, readable only by "
                "you (mode 0600) but stored as plain text on disk, so anyone with your "
                "account or a copy of your home directory can read it.",
                "This session only: the key is written nowhere; you sign in again next time "
                "(or set OPENRUSH_KEY in your shell).")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(self._title), classes="title")
            with VerticalScroll(classes="body"):
                yield Static(Content(self._reason), classes="note", id="keyring-problem")
                to_file, this_session = self._choices()
                yield Static(Content(to_file), classes="note", id="file-warning")
                yield Static(Content(this_session), classes="note")
                # Said the same whether a sign-in or Setup's Storage button opened it.
                yield Static("This profile remembers the choice: later sign-ins use it "
                             "without asking.", classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Save to the file", id="save-file", variant="warning")
                yield Button("This session only", id="session-only", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#save-file")
    def _file(self) -> None:
        self.dismiss("file")

    @on(Button.Pressed, "#session-only")
    def _session(self) -> None:
        self.dismiss("session")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_choose(self, choice: StorageChoice) -> None:
        self.dismiss(choice)
