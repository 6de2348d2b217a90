"""What every dialog of the app shares: centred over the page, one framed box sized to its
content, and a footer of its own keys (the page's would mislead). A dialog puts its content
in a container with id ``dialog``: a ``.title``, a ``.body`` (a VerticalScroll: it scrolls
when the terminal is small) and ``.buttons`` (they stay on screen). The look (the frame,
``.note``, each dialog's width and border colour) is in ``styles/dialogs.tcss``. Toasts
never cover the buttons: the page's are cleared as a dialog opens, and new ones show at the
top. A worker of a dialog that fails is said as a page's is (`base.report_failed_worker`).

What a dialog says after an action (a failed request, a refused value, progress) goes through
`Dialog.say` into its status widget (the class's STATUS), which it then scrolls into view:
at 80x24 the body's last lines, where a status sits, are often below the fold."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar, cast

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from openrush_tui.screens.base import report_failed_worker
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import GLOBAL, MOVE

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

ResultT = TypeVar("ResultT")
SHORT_BELOW = 24  # rows: an SSH session's 24 have room for the full frame; 60x20 had not
NARROW_BELOW = 70  # columns
State = Literal["", "error", "busy"]  # how a status reads: plain, an error, work under way


class Dialog(ModalScreen[ResultT]):
    """A modal dialog of this app (styled by ``styles/dialogs.tcss``)."""

    STATUS: ClassVar[str] = ".status"  # the widget `say` writes to (a Static in the body)

    # A dialog stops the app's keys (Textual's modal screens do), so it offers the help
    # itself; a text field in it takes the ? first, as typing.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help", id="app.help", group=GLOBAL,
                tooltip="These keys (Escape, ? or F1 closes)"),
        # At 80x24 a body may hold more than it shows (a diff, recent usage): the arrows
        # and PageUp/PageDown scroll it wherever the focus is (a button, say). A field or
        # a list that uses them gets them first.
        Binding("down", "scroll_body(1)", "Scroll", show=False, id="dialog.down",
                group=MOVE),
        Binding("up", "scroll_body(-1)", "Scroll", show=False, id="dialog.up", group=MOVE),
        Binding("pagedown", "page_body(1)", "Scroll", show=False, id="dialog.page-down",
                group=MOVE),
        Binding("pageup", "page_body(-1)", "Scroll", show=False, id="dialog.page-up",
                group=MOVE),
    ]

    def on_mount(self) -> None:
        # Here rather than in each compose: every dialog has one (subclasses' own on_mount
        # handlers run as well).
        self.mount(KeyHints())
        # The body scrolls with the dialog's own keys (BINDINGS): as a Tab stop it was an
        # invisible one, between the title and the first field.
        for body in self.query(".body"):
            body.can_focus = False
        # The page's toasts are about the page: over a dialog they are stale and in the way
        # ("Messages" in the command palette keeps them). New ones go to the dialog's top,
        # away from its buttons (styles/dialogs.tcss).
        self.app.clear_notifications()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)

    def on_resize(self) -> None:
        # A short terminal: less padding and one-line buttons leave the body room to show
        # what matters (the reveal dialog's key at 40x12; at 60x20 a form's labels, fields
        # and the note above them: the full frame took 10 of the 20 rows, and pushed them
        # below the fold).
        self.set_class(self.size.height < SHORT_BELOW, "-short")
        # A narrow one: the buttons shrink to their labels (styles/dialogs.tcss), so that a
        # row of them stays inside the box (60 columns, and the reveal's at 40).
        self.set_class(self.size.width < NARROW_BELOW, "-narrow")

    @property
    def dashboard(self) -> OpenRushApp:
        # Textual types `app` as any App; every screen of ours runs in the dashboard's.
        return cast("OpenRushApp", self.app)

    def action_scroll_body(self, lines: int) -> None:
        for body in self.query(".body"):
            body.scroll_relative(y=lines, animate=False)

    def action_page_body(self, direction: int) -> None:
        for body in self.query(".body"):
            body.scroll_relative(y=direction * max(1, body.scrollable_content_region.height - 1),
                                 animate=False)

    def say(self, message: str | Text | Content, *, state: State = "",
            focus: Widget | None = None, keep: Widget | None = None) -> None:
        """Show `message` in the status widget (STATUS) and bring it into view, with `focus`
        (the field to correct) focused and in view too when both fit; `keep` stays in view
        even when they do not (the reveal's key: "copy it by hand" needs it).

        A str is plain text, never markup (it often carries a server's words or a path). The
        widget gets ``-error`` or ``-busy`` for `state`, and ``-shown`` (a dialog may hide its
        status until there is something to say). An empty message clears it, scrolling nothing.
        """
        status = self.query_one(self.STATUS, Static)
        status.update(Text(message) if isinstance(message, str) else message)
        status.set_class(state == "error", "-error")
        status.set_class(state == "busy", "-busy")
        status.add_class("-shown")
        if str(message):
            self.bring_into_view(status, focus=focus, keep=keep)
        elif focus is not None:
            focus.focus()

    def bring_into_view(self, message: Widget, *, focus: Widget | None = None,
                        keep: Widget | None = None) -> None:
        """Scroll the body so that `message` (just given) is in view, and the focused field
        (`focus`, focused here) with it when both fit; when they do not, the message wins.

        After the next refresh: the message was just written (or shown), so its height and
        place are known only once the layout has run. `focus` is focused without Textual's
        own scroll, which would centre the field after ours and could hide the message.
        """
        if focus is not None:
            self.set_focus(focus, scroll_visible=False)

        def scroll() -> None:
            if not message.is_attached:
                return  # the dialog closed meanwhile
            field = self.focused
            if field is not None and field is not message and any(
                    isinstance(ancestor, ScrollableContainer) and ancestor.has_class("body")
                    for ancestor in field.ancestors):
                field.scroll_visible(animate=False, immediate=True)
            # A minimal scroll: a field above the message stays in view if both fit.
            message.scroll_visible(animate=False, immediate=True)
            if keep is not None:  # what must not go, even for the message (a tiny terminal)
                keep.scroll_visible(animate=False, immediate=True)

        # Twice: a message that grows (hidden until now, or longer than the last one) can be
        # laid out over two refreshes on a busy machine, and a scroll made after the first
        # alone left its last lines below the fold (seen at 60x20 under load).
        def scroll_twice() -> None:
            scroll()
            self.call_after_refresh(scroll)

        self.call_after_refresh(scroll_twice)

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
