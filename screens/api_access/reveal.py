"""The reveal-once dialog: the only place the app ever shows a whole key.

The key arrives as a SecretStr and is unwrapped only to draw it and to copy it. Closing wipes
the box and drops the reference; what leaves the dialog is at most a digest, so that the
system clipboard can be cleared later without keeping the key in memory until then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cached_cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from openrush_tui.clipboard import CLEAR_AFTER_SECONDS, digest
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.text.safe import visible
from openrush_tui.widgets.literal import literal
from openrush_tui.widgets.toggles import GlyphCheckbox

if TYPE_CHECKING:
    from pydantic import SecretStr

    from openrush_tui.api.models import ApiCredential


LOW_BELOW = 24  # rows
LEAVE_DIALOG = "leave-reveal-dialog"  # its look: styles/dialogs.tcss
LEAVE_WITHOUT_COPY = ("You will not see this key again. The key was not copied; if you have not "
                      "stored it, go back and copy it now.")


@dataclass(frozen=True)
class RevealClosed:
    copied: bool
    clear_digest: str | None  # set when the user wants the system clipboard cleared later


class KeyRevealScreen(Dialog[RevealClosed]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy the key", id="reveal.copy"),
        # The screen's own "copy selected text" keeps the text in app.clipboard: send it
        # through the one copy path instead, which keeps nothing.
        Binding("ctrl+c,super+c", "copy", "Copy the key", show=False, id="reveal.copy-selection"),
        Binding("escape", "close", "Close", id="reveal.close"),
        Binding("q", "close", "Close", show=False, id="reveal.quit"),
    ]
    AUTO_FOCUS = "#copy"
    STATUS = "#copy-status"

    def __init__(self, key: SecretStr, credential: ApiCredential) -> None:
        super().__init__()
        self._key: SecretStr | None = key
        self._credential = credential
        self._copied = False
        self._system_copied = False
        self._finished = False  # "I have stored it", or closed after a copy or the question

    def compose(self) -> ComposeResult:
        name = Text.assemble("Your new key “", literal(self._credential.name), "” is ready")
        with Vertical(id="dialog"):
            yield Static(name, classes="title")
            # The key first: however small the terminal, the body opens on it.
            with VerticalScroll(classes="body"):
                yield Static(id="key")
                # Under the key: what a copy did stays in view with the key it is about (at
                # 60x20, below the notes, it was under the fold; "copy it by hand" needs both).
                yield Static("", id="copy-status")
                yield Static("This is the only time the key is shown. OpenRush keeps only a "
                             "hash of it: once this dialog closes, nobody can show it again.",
                             id="once")
                yield Static("Store it now, e.g. in a password manager or as OPENRUSH_KEY in "
                             "your server's secrets. You can also select it with the mouse.",
                             classes="note")
                yield GlyphCheckbox(f"Clear the system clipboard in {CLEAR_AFTER_SECONDS:g} s if "
                               "it still holds the key", value=True, id="clear-later")
            with Horizontal(classes="buttons"):
                yield Button("Copy (c)", id="copy", variant="primary")
                yield Button("I have stored it", id="stored", variant="success")

    def on_mount(self) -> None:
        if self._key is not None:
            self.query_one("#key", Static).update(literal(self._key.get_secret_value()))

    def on_resize(self) -> None:
        # Fewer than 24 rows (60x20): the copy note sits against the key's box, so the
        # longest one (OSC 52 sent inside tmux, no system clipboard) shows whole with the
        # key; it read only up to "set -g set-clipboard" (Dialog.on_resize runs as well).
        self.set_class(self.size.height < LOW_BELOW, "-low")

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        if self._key is None:
            return
        outcome = self.dashboard.copy_text(self._key.get_secret_value())
        self._copied = self._copied or outcome.anything_done
        self._system_copied = self._system_copied or outcome.system_copied
        self.say(outcome.message("the key"), keep=self.query_one("#key"))
        self.query_one("#clear-later", Checkbox).set_class(self._system_copied, "-offered")

    @on(Button.Pressed, "#stored")
    def _stored(self) -> None:
        self._finish()

    def action_close(self) -> None:
        self.ask_to_close()

    def ask_to_close(self, then: Callable[[], object] | None = None) -> None:
        """Close, asking first unless the key was copied; then `then()` (quitting the app asks
        the same question as closing the dialog)."""
        def leave(confirmed: bool | None) -> None:
            if confirmed:
                self._finish()
                if then is not None:
                    then()

        if self._copied:
            leave(True)
            return
        self.app.push_screen(leave_without_copy_dialog(), leave)

    def wipe(self) -> str | None:
        """Forget the key at once: the box emptied, the reference dropped. Also what a signal
        that ends the app does first. Returns the key (for the last steps of `_finish`)."""
        key, self._key = self._key, None
        self.query_one("#key", Static).update("")
        # Rich memoises the width of every short string it draws, the key included: that
        # cache would keep the key alive long after this dialog, so it is emptied (it refills
        # as the next frames are drawn).
        cached_cell_len.cache_clear()
        return None if key is None else key.get_secret_value()

    def leaving_note(self) -> str | None:
        """The app ends (SIGTERM, SIGHUP, a closed terminal) with the key neither copied nor
        stored: it exists on the server and nobody will ever see it. Said once the terminal
        is back, without the key itself; quitting with q asks first and never gets here."""
        if self._copied or self._finished:
            return None
        name, key_id = visible(self._credential.name), visible(self._credential.id)
        return (f"openrush-tui: the new key “{name}” ({key_id}) was created but not kept: it "
                "cannot be shown again. If nothing uses it, revoke it with "
                f"`openrush-tui keys revoke {key_id}`.")

    def _finish(self) -> None:
        self._finished = True
        raw = self.wipe()
        if raw is None:  # already closing (a second click)
            return
        clear = None
        if self._system_copied and self.query_one("#clear-later", Checkbox).value:
            clear = digest(raw)
        # Text the user selected and copied with Textual's own selection lands in
        # app.clipboard.
        self.dashboard.forget_copied(raw)
        del raw
        self.dismiss(RevealClosed(self._copied, clear))


def leave_without_copy_dialog() -> YesNoDialog:
    """"You will not see this key again": the last chance before the key is gone (True:
    close anyway). Back to the key has the focus."""
    return YesNoDialog(None, [LEAVE_WITHOUT_COPY], yes="Close anyway", no="Back to the key",
                       yes_id="leave", no_id="back", yes_variant="warning",
                       no_variant="primary", id=LEAVE_DIALOG)


def is_leave_without_copy(screen: object) -> bool:
    """Whether `screen` is that question (quitting the app over it answers it)."""
    return isinstance(screen, YesNoDialog) and screen.id == LEAVE_DIALOG
