"""This terminal: signed in or not, to which server, with a key from where (masked), for which
account and balance; the last connection check's line; notes; and the section's buttons.

The panel reads the session it is given and keeps what the last check found (`Checked`); the
page tells it when to draw again (`refresh_status`) and how a check went (`checking`,
`connected`, `failed`, `signed_out`). Its buttons' presses bubble up to the page, which runs
the flows. The words come from the core (`auth.status`, `auth.connection`); text is never
markup.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.selection import Selection
from textual.visual import Visual
from textual.widgets import Button, Static

from openrush_tui.auth import connection
from openrush_tui.auth.connection import NOT_CHECKED, Checked, ConnectionLine
from openrush_tui.auth.key_check import API_PAGE
from openrush_tui.auth.status import Account, TerminalStatus

if TYPE_CHECKING:
    from textual.app import RenderResult
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

    from openrush_tui.clock import Clock
    from openrush_tui.session import Session

LABEL_WIDTH = 11


def terminal_content(status: TerminalStatus, *, sandbox_starting: bool = False,
                     looking: bool = False, sandbox: bool = False) -> Content:
    """The "This terminal" lines (`TerminalStatus.rows` made them safe), never markup.
    `sandbox`: the in-process sandbox, whose way back in is its demo account."""
    parts: list[str | tuple[str, str]] = []

    def row(label: str, value: str, style: str = "") -> None:
        parts.extend([(f"{label:<{LABEL_WIDTH}}", "$text-muted"), (value, style), "\n"])

    if looking:
        row("Status", "looking for a saved key (keyring, then file)…", "$text-muted")
        return Content.assemble(*parts)
    if status.rejected is not None:
        row("Status", status.status_line(), "bold $text-error")
    elif status.signed_in or sandbox_starting:
        row("Status", "signed in", "bold $text-success")
    else:
        row("Status", "not signed in", "bold $text-warning")
    for label, value in status.rows():
        row(label, value)
    if sandbox_starting and status.key is None:
        row("Key from", "the sandbox's demo session (starting…)")
    if not status.signed_in and sandbox and not sandbox_starting:
        # Not the web page (its keys are not the sandbox's), not --sandbox (running already).
        parts.extend([
            "\nNot signed in to the sandbox. Press ", ("s", "bold"), " and choose ",
            ("Demo account", "bold"), " to sign in to its demo account, or paste a key of "
            "this sandbox (one created on API access).\n",
        ])
    elif not status.signed_in and not sandbox_starting:
        parts.extend([
            "\nThis terminal is not signed in. Press ", ("s", "bold"), " and paste a key ",
            *_where_keys_are(status), ", or run ", ("openrush-tui login", "bold"),
            " in a shell, or start the dashboard with ", ("OPENRUSH_KEY", "bold"),
            " set in the environment.\nTo try everything without an account: ",
            ("openrush-tui --sandbox", "bold"), "\n",
        ])
    return Content.assemble(*parts).rstrip()


def _where_keys_are(status: TerminalStatus) -> list[str | tuple[str, str]]:
    """Where a key of this server is had: the web page's keys are the public service's
    only; a local server is most often a `sandbox serve`, which prints its demo key."""
    if status.server == "OpenRush":
        return ["from ", (API_PAGE, "underline")]
    if status.server.startswith("local server"):
        return ["of this server, ", (status.api_url, "underline"), " (",
                ("openrush-tui sandbox serve", "bold"), " prints one as it starts)"]
    return ["of ", (status.api_url, "underline"), " (one that server issued)"]


PATH_SEPARATORS = "/\\"


def fold_paths(line: Content, width: int) -> Content:
    """`line` with each word wider than `width` broken after a path separator (a newline put
    there): Textual folds such a word where the row ends, so at 60 columns the key's file read
    "credentia" / "ls.json" (trial 6). A word with no separator in reach is left to Textual,
    as `widgets.toast_text` does for a toast."""
    plain, cuts, start = line.plain, [], 0
    for word in plain.split(" "):
        end, at = start + len(word), start
        while end - at > width:
            cut = max((at + n + 1 for n, char in enumerate(plain[at:at + width])
                       if char in PATH_SEPARATORS and n > 0), default=None)
            if cut is None:
                break
            cuts.append(cut)
            at = cut
        start = end + 1
    if not cuts:
        return line
    return Content("\n").join(line.divide(cuts))


def hanging(content: Content, width: int) -> Content:
    """`content` wrapped to `width` with its leading label rows (those before the first blank
    line, as `terminal_content` writes them) hanging under the value column: a long "Key
    from" went on at column 0, under the label (issue 20). The text is unchanged but for the
    spaces the wrap puts in."""
    if width <= LABEL_WIDTH * 2:  # too narrow to hang: Textual's own wrapping
        return content
    lines: list[Content] = []
    in_rows = True
    for line in content.split("\n"):
        in_rows = in_rows and bool(line.plain)
        if line.cell_length <= width:
            lines.append(line)
            continue
        if not in_rows:
            lines.append(fold_paths(line, width))
            continue
        label, value = line.divide([LABEL_WIDTH])
        first, *rest = (row for part in fold_paths(value, width - LABEL_WIDTH).split("\n")
                        for row in part.wrap(width - LABEL_WIDTH))
        lines.append(label + first)
        lines.extend(Content(" " * LABEL_WIDTH) + more for more in rest)
    return Content("\n").join(lines)


class _Hanging(Visual):
    """`hanging` at whatever width the widget is laid out and drawn."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._at: tuple[int, Content] = (-1, content)

    def _wrapped(self, width: int) -> Content:
        if self._at[0] != width:
            self._at = (width, hanging(self._content, width))
        return self._at[1]

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return self._wrapped(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._content.get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self._wrapped(width).get_height(rules, width)


class TerminalRows(Static):
    """A Static whose label rows hang (`hanging`); `content` stays the text as written."""

    _hung: tuple[Content, _Hanging] | None = None  # the content last drawn, made to hang

    def render(self) -> RenderResult:
        content = self.content
        if not isinstance(content, Content):
            return super().render()
        if self._hung is None or self._hung[0] is not content:
            self._hung = (content, _Hanging(content))
        return self._hung[1]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        # The text as written, as a Static gives it (the hanging rows are only drawn).
        return selection.extract(str(self.content)), "\n"


class TerminalPanel(Vertical):
    DEFAULT_CSS = "TerminalPanel { height: auto; }"

    def __init__(self, session: Session, *, clock: Clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self._session = session
        self._clock = clock  # the app's: a session token's end is judged by it, as on a demo
        self._checked: Checked = NOT_CHECKED

    def compose(self) -> ComposeResult:
        yield TerminalRows(id="terminal")
        yield Static(id="connection")
        yield Static(id="terminal-notes")
        with Horizontal(id="terminal-actions"):
            yield Button("Sign in", id="sign-in", compact=True, variant="primary")
            yield Button("Sign out", id="sign-out", compact=True)
            yield Button("Test connection", id="test-connection", compact=True)
            yield Button("Storage…", id="storage", compact=True)

    def status(self) -> TerminalStatus:
        session, settings = self._session, self._session.settings
        account = self._checked.account
        if account is not None and account.account_id is None and session.account_id:
            account = replace(account, account_id=session.account_id)  # API access listed it
        return TerminalStatus(server=settings.server_label, api_url=settings.effective_api_url,
                              mcp_url=settings.mcp_url, profile=settings.profile,
                              key=session.key, account=account, error=self._checked.error,
                              notes=session.notes, rejected=self._checked.rejected,
                              now=self._clock())

    # -- attributes down ---------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Draw the status, the notes and the buttons again from the session."""
        session = self._session
        starting = session.signed_in and session.key is None
        self.query_one("#terminal", Static).update(
            terminal_content(self.status(), sandbox_starting=starting,
                             looking=session.lookup_pending,
                             sandbox=session.settings.sandbox is not None))
        notes = connection.terminal_notes(session.key, session.notes, session.store_note)
        notes_line = self.query_one("#terminal-notes", Static)
        notes_line.update(Content("\n".join(notes)))
        notes_line.display = bool(notes)
        self.query_one("#sign-out", Button).disabled = not session.signed_in
        self.query_one("#test-connection", Button).disabled = not session.signed_in
        # The sandbox keeps its keys for the session only; nothing of it is remembered.
        self.query_one("#storage", Button).display = session.settings.sandbox is None

    def forget(self) -> None:
        """Drop what was found of the account (the key in use changed)."""
        self._checked = NOT_CHECKED

    def checking(self) -> None:
        self.refresh_status()
        self._show_line(connection.CHECKING)

    def connected(self, account: Account) -> None:
        self._checked, line = connection.connected(account)
        self.refresh_status()
        self._show_line(line)

    def failed(self, message: str, error: BaseException | None) -> None:
        """The check failed with `error`, said as `message`. A rate limit changes only the
        line: what was read of the account stays."""
        before = self._checked
        self._checked, line = connection.failed(before, error, message,
                                                key=self._session.key)
        if self._checked is not before:  # else a rate limit: the status stands as it was
            self.refresh_status()
        self._show_line(line)

    def signed_out(self) -> None:
        self._checked = NOT_CHECKED
        self.refresh_status()
        self._show_line(connection.NO_LINE)

    def _show_line(self, line: ConnectionLine) -> None:
        shown = self.query_one("#connection", Static)
        shown.update(Content(line.text))
        shown.display = bool(line.text)
        for state in ("-ok", "-error", "-busy"):
            shown.set_class(line.state == state, state)
