"""What every dialog of the app shares: centred over the page, one framed box sized to its
content, and a footer of its own keys (the page's would mislead). A dialog puts its content
in a container with id ``dialog``: a ``.title``, a ``.body`` (a VerticalScroll: it scrolls
when the terminal is small) and ``.buttons`` (they stay on screen). The look (the frame,
``.note``, each dialog's width and border colour) is in ``styles/dialogs.tcss``. Toasts
never cover the buttons: the page's are cleared as a dialog opens, and new ones show at the
top."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from openrush_tui.screens.base import ReportsWorkerFailures
from openrush_tui.widgets.keymap import GLOBAL

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

ResultT = TypeVar("ResultT")
SHORT_BELOW = 20  # rows


class Dialog(ReportsWorkerFailures, ModalScreen[ResultT]):
    """A modal dialog of this app (styled by ``styles/dialogs.tcss``)."""

    # A dialog stops the app's keys (Textual's modal screens do), so it offers the help
    # itself; a text field in it takes the ? first, as typing.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help", id="app.help", group=GLOBAL,
                tooltip="These keys (Escape, ? or F1 closes)"),
    ]

    def on_mount(self) -> None:
        # Here rather than in each compose: every dialog has one (subclasses' own on_mount
        # handlers run as well).
        from openrush_tui.widgets.key_hints import KeyHints

        self.mount(KeyHints())
        # The page's toasts are about the page: over a dialog they are stale and in the way
        # ("Messages" in the command palette keeps them). New ones go to the dialog's top,
        # away from its buttons (styles/dialogs.tcss).
        self.app.clear_notifications()

    def on_resize(self) -> None:
        # A very short terminal: less padding and one-line buttons leave the body room to
        # show what matters (the reveal dialog's key at 40x12).
        self.set_class(self.size.height < SHORT_BELOW, "-short")

    @property
    def dashboard(self) -> OpenRushApp:
        return self.app  # type: ignore[return-value]

    def focus_now(self) -> None:
        """Focus the AUTO_FOCUS widget at once (Textual does it once the screen resumes,
        after keys already queued have been passed on)."""
        if self.focused is None and self.AUTO_FOCUS:
            target = next((w for w in self.query(self.AUTO_FOCUS) if w.focusable), None)
            if target is not None:
                self.set_focus(target)

    def leaving_note(self) -> str | None:
        """What this dialog leaves unfinished if the app closes now (quit, SIGTERM, SIGHUP),
        printed once the terminal is restored; None when nothing is."""
        return None
