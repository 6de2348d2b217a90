"""What every dialog of the app shares: centred over the page, one framed box sized to its
content, and a footer of its own keys (the page's would mislead). A dialog puts its content
in a container with id ``dialog``: a ``.title``, a ``.body`` (a VerticalScroll: it scrolls
when the terminal is small) and ``.buttons`` (they stay on screen). The look (the frame,
``.note``, each dialog's width and border colour) is in ``styles/dialogs.tcss``. Toasts
never cover the buttons: the page's are cleared as a dialog opens (one on its way then is said
in the notice line), and new ones show at the top. A worker of a dialog that fails is said as
a page's is (`base.report_failed_worker`).

What a dialog says after an action (a failed request, a refused value, progress) goes through
`Dialog.say` into its status widget (the class's STATUS), which it then scrolls into view:
at 80x24 the body's last lines, where a status sits, are often below the fold.

What is said from elsewhere while a dialog is open (the clipboard's clear after a copy, a
rotation that ended in the background, a settings file that could not be saved) is said in the
dialog's notice line (`Dialog.take_notice`, called by the App's one `notify`), not in a toast
over it: at 60x20 the dialog fills most of the screen, and a toast lay over its key, fields or
buttons. The line is the frame's top row (two at most), above the title, and takes its rows
from the frame, so it covers nothing; it is hidden until there is something to say, and goes
with the dialog (the notification stays among the "Messages"). What the dialog itself says
with `notify` (its worker failed, a request under way) is a toast, as before."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

from rich.cells import set_cell_size
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.geometry import Size
from textual.markup import MarkupError
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from openrush_tui.screens.base import report_failed_worker
from openrush_tui.text.safe import visible
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import GLOBAL, MOVE

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

ResultT = TypeVar("ResultT")
SHORT_BELOW = 24  # rows: an SSH session's 24 have room for the full frame; 60x20 had not
NARROW_BELOW = 70  # columns
State = Literal["", "error", "busy"]  # how a status reads: plain, an error, work under way
NOTICE_ID = "dialog-notice"  # the notice line (styles/dialogs.tcss)
NOTICE_LINES = 2  # at most: a long server error must not take a 60x20 dialog's rows
NOTICE_ONE_LINE_BELOW = 20  # rows: at 40x12 the reveal's key and its copy note need them all
# Marked as the "Messages" list marks them: the severity reads without colour too.
MARKS = {"warning": "! ", "error": "✗ "}
RANKS = {"information": 0, "warning": 1, "error": 2}


class Notice(Widget):
    """The dialog's notice line: one notification from elsewhere, plain text, wrapped to the
    frame's width and cut to `NOTICE_LINES` (one on a tiny terminal), ending "…" ("Messages"
    has it whole). Not a Static: a dialog's first Static is its own words (its question)."""

    def __init__(self) -> None:
        super().__init__(id=NOTICE_ID)
        self._whole = Text()

    def show(self, text: Text, severity: SeverityLevel) -> None:
        self._whole = text
        for level in ("warning", "error"):
            self.set_class(severity == level, f"-{level}")
        self.add_class("-shown")
        self.refresh(layout=True)

    @property
    def shown(self) -> str:
        """What the line reads, as drawn at its width."""
        return self.render().plain

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_size.width))

    def _lines(self, width: int) -> list[Text]:
        if width <= 1:  # not laid out yet
            return [self._whole]
        most = NOTICE_LINES if self.app.size.height >= NOTICE_ONE_LINE_BELOW else 1
        lines = list(self._whole.wrap(self.app.console, width))
        if len(lines) > most:  # the last line shown ends "…" (a plain text: no spans)
            cut = set_cell_size(lines[most - 1].plain.rstrip(), width - 1).rstrip()
            lines = [*lines[:most - 1], Text(cut + "…")]
        return lines


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

    _notice: Notice | None = None  # made by the first notice, or as the dialog mounts
    _notice_severity: SeverityLevel | None = None  # of what the line says (None: nothing)
    _notice_text = ""  # what it says
    _notices_unshown = 0  # less pressing ones since, kept in "Messages" only
    _saying_own = False  # within the dialog's own `notify`
    _kept_in_view: tuple[Widget | None, Widget | None] = (None, None)  # by `bring_into_view`

    def on_mount(self) -> None:
        # Here rather than in each compose: every dialog has one (subclasses' own on_mount
        # handlers run as well).
        self.mount(KeyHints())
        # The notice line, hidden until something is said from elsewhere: drawn at the top of
        # the frame (styles/dialogs.tcss splits its rows off), its last child all the same, so
        # that the dialog's own widgets come first (in a query, and for a screen reader).
        frames = self.query("#dialog")
        (frames.first() if frames else self).mount(self._notice_line())
        # The body scrolls with the dialog's own keys (BINDINGS): as a Tab stop it was an
        # invisible one, between the title and the first field.
        for body in self.query(".body"):
            body.can_focus = False
        # No toast over the dialog: the page's are about the page, stale and in the way
        # ("Messages" in the command palette keeps them); one still on its way is said in
        # the notice line (`OpenRushApp.toasts_under`). The dialog's own go to its top, away
        # from its buttons (styles/dialogs.tcss).
        self.dashboard.toasts_under(self)

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

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """What the dialog says itself: a toast, as before (`take_notice` leaves it be)."""
        self._saying_own = True
        try:
            super().notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)
        finally:
            self._saying_own = False

    def take_notice(self, message: str, *, title: str = "",
                    severity: SeverityLevel = "information", markup: bool = True) -> bool:
        """Say a notification in the notice line, unless it is the dialog's own (its
        `notify`: False, and the App shows it as a toast). The App calls this for every
        notification while this dialog is the top screen.

        Plain text, one line of the frame (wrapped, two at most): `markup` is taken as its
        words without the tags, every unsafe character shows as an escape (`text.safe`), and
        line breaks become spaces. The newest replaces what the line says, unless that is
        more pressing (an error stays until another error comes): then the line counts what
        came since, and "Messages" has it.
        """
        if self._saying_own:
            return False
        shown = self._notice_severity
        if shown is not None and RANKS.get(severity, 0) < RANKS.get(shown, 0):
            self._notices_unshown += 1
        else:
            self._notice_severity, self._notices_unshown = severity, 0
            self._notice_text = notice_text(message, title, severity, markup)
            shown = severity
        more = f" ({self._notices_unshown} more in Messages)" if self._notices_unshown else ""
        self._notice_line().show(Text(self._notice_text + more), shown)
        self.add_class("-noticed")  # the line takes the frame's top padding (dialogs.tcss)
        # The line takes its rows from the body's: what the dialog keeps in view (its last
        # `say` and what that kept, the reveal's key; else the focused field) stays in view.
        target, keep = self._kept_in_view
        if target is None or not target.is_attached or not target.display:
            target, keep = self.focused, None
        if target is not None and self.is_mounted:
            self.bring_into_view(target, keep=keep)
        return True

    def _notice_line(self) -> Notice:
        if self._notice is None:
            self._notice = Notice()
        return self._notice

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
        self._kept_in_view = (message, keep)  # again if a notice takes rows (take_notice)

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
            least_scroll(message, field, keep)

        # Twice: a message that grows (hidden until now, or longer than the last one) can be
        # laid out over two refreshes on a busy machine, and a scroll made after the first
        # alone left its last lines below the fold (seen at 60x20 under load).
        def scroll_twice() -> None:
            scroll()
            self.call_after_refresh(scroll)

        self.call_after_refresh(scroll_twice)

    def scroll_to_center(self, widget: Widget, animate: bool = True,
                         **kwargs: Any) -> None:
        """Textual's scroll as a widget takes the focus: no centring, no animation. Its
        animated centring ran on after the layout settled (a notice line's rows, the frame
        grown), and left the body's start scrolled away with room below ("bootstrap key,
        which…" at the sign-in's top). Here the least scroll that shows the widget, after the
        next refresh (when its place is known)."""
        def show() -> None:
            if widget.is_attached:
                widget.scroll_visible(animate=False, immediate=True)
                least_scroll(widget)

        self.call_after_refresh(show)

    def focus_now(self, selector: str | None = None) -> None:
        """Focus the AUTO_FOCUS widget at once (Textual does it once the screen resumes,
        after keys already queued have been passed on), or the first of `selector` that
        shows: the widget a dialog's next phase starts on (the rotation's Close once it
        runs). The one way a dialog moves its focus; a widget that still has it and shows
        keeps it.

        Textual counts a widget inside a hidden container as focusable: what shows is what
        is in the focus chain (a focus there was left by Textual on a hidden widget, or taken
        off one as it hid)."""
        wanted = selector or self.AUTO_FOCUS
        chain = self.focus_chain
        if not wanted or (self.focused is not None and self.focused in chain):
            return
        target = next((w for w in self.query(wanted) if w in chain), None)
        if target is not None:
            self.set_focus(target)

    def leaving_note(self) -> str | None:
        """What this dialog leaves unfinished if the app closes now (quit, SIGTERM, SIGHUP),
        printed once the terminal is restored; None when nothing is."""
        return None


def least_scroll(*targets: Widget | None) -> None:
    """Scroll each body back as far as its `targets` (those in it) all stay in view: its start
    shows whenever they fit below it. `scroll_visible` only ever scrolls down to a widget, so
    an offset taken while the body was shorter (a notice line or a status laid out a refresh
    later, the frame not yet grown) stayed once there was room: the sign-in's note read from
    "bootstrap key, which…" above blank rows, the export's from its last line."""
    spans: dict[ScrollableContainer, tuple[int, int]] = {}
    for target in targets:
        if target is None or not target.is_attached or not target.display:
            continue
        body = next((a for a in target.ancestors if isinstance(a, ScrollableContainer)
                     and a.has_class("body")), None)
        if body is None:
            continue
        view = body.scrollable_content_region
        # Where the target lies in the body's content (its region is on screen, scrolled).
        top = target.region.y - view.y + round(body.scroll_y)
        bottom = top + target.region.height
        first, last = spans.get(body, (top, bottom))
        spans[body] = (min(first, top), max(last, bottom))
    for body, (top, bottom) in spans.items():
        height = body.scrollable_content_region.height
        least = max(0, bottom - height)
        if height > 0 and least <= top and least < body.scroll_y:
            body.scroll_to(y=least, animate=False, immediate=True)


def notice_text(message: str, title: str, severity: SeverityLevel, markup: bool) -> str:
    """A notification as the notice line says it: "✗ Title: words", plain and on one line."""
    words = message
    if markup:  # our own words with their tags (a server's come with markup=False)
        try:
            words = Content.from_markup(message).plain
        except MarkupError:
            words = message
    said = visible(words.replace("\n", " "))
    head = visible(title.replace("\n", " ")) + ": " if title else ""
    return f"{MARKS.get(severity, '')}{head}{said}"
