"""Exporting Activity's current view (w): its filters and period, to a CSV or JSON file.

The file goes in the current directory under a name that carries the filters
(`activity.export.export_filename`), or wherever the user types: a name typed without an
extension gets the format's, said when saved ("Saved events.csv … (.csv added)"), and a
folder typed gets the offered name in it. `export_activity` fetches
the pages (200 events a request, through the request budget, pausing rather than spend the
last requests of the rate limit) and writes them as they come, up to the cap the dialog
names; the dialog shows the progress, then the path, the rows and whether the cap was hit.
As on the page, this tool's own reads are left out unless the page shows them, and the
page's `/` filter narrows what is written (named in the title, the note and the file name).

Leaving while it runs cancels it: only reads were sent, and the half-written file is removed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, RadioSet, Static

from openrush_tui.activity.events import is_own_read
from openrush_tui.activity.export import (
    EXPORT_CAP,
    Format,
    export_activity,
    export_filename,
    with_extension,
)
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.paths import display_path
from openrush_tui.text.safe import visible
from openrush_tui.widgets.choice_set import ArrowChoices
from openrush_tui.widgets.toggles import GlyphRadioButton

if TYPE_CHECKING:
    from collections.abc import Mapping

    from openrush_tui.activity.filters import ActivityFilter


class ActivityExportScreen(Dialog[str | None]):
    """Dismissed with what the page should say (the result, or that it was cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="export.close"),
    ]
    # The focus starts in the File field (`on_mount`): what the user types names the file
    # (trial 5: the focus on Export let "abc" go nowhere, and Enter exported under the
    # offered name). The offered name is selected, so typing replaces it; Enter exports.
    # Not AUTO_FOCUS: Textual applies it as the dialog is composed, before its short-terminal
    # layout, with a scroll that centres the field and left the body scrolled past the
    # note's first line at 60x20.
    AUTO_FOCUS = None
    STATUS = "#export-status"

    def __init__(self, view: ActivityFilter, names: Mapping[str, str], *,
                 hide_own: bool, folder: Path | None = None, text: str = "") -> None:
        """`text`: the page's `/` filter (only the events it matches are written)."""
        super().__init__()
        self._view = view
        self._text = text.strip()
        self._names = dict(names)
        self._hide_own = hide_own
        self._folder = folder or Path.cwd()
        self._suggested = ""  # the name offered, replaced when the format changes
        self._phase = "plan"  # plan → exporting → done
        self._result: str | None = None
        self._added = ""  # the extension added to the name typed (`_path`), if any

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            matching = f" · matching “{visible(self._text)}”" if self._text else ""
            yield Static(Text("Export Activity · " + visible(self._view.title()) + matching),
                         classes="title")
            with VerticalScroll(classes="body"):
                own = ("this tool's own reads are left out, as on the page" if self._hide_own
                       else "this tool's own reads included, as on the page")
                those = f" that match “{visible(self._text)}”" if self._text else ""
                yield Static(Text(f"The events of this view{those}, newest first: "
                                  f"{EXPORT_CAP:,} at most (one request per 200; it "
                                  f"pauses before the rate limit runs low); {own}."),
                             classes="note")
                with Horizontal(id="format-row"):
                    yield Label("Format")
                    with ArrowChoices(id="format"):  # in a row: ← and → choose
                        yield GlyphRadioButton("CSV", value=True, id="format-csv")
                        yield GlyphRadioButton("JSON", id="format-json")
                with Vertical(id="file"):
                    yield Label("File (in the current directory unless you type a folder)")
                    yield Input(id="path")
                yield Static("", id="export-status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="close")
                yield Button("Export", id="export", variant="primary")

    def on_mount(self) -> None:
        self._suggest()
        # Without Textual's scroll (see AUTO_FOCUS): the field is in view at 80x24 and 60x20.
        self.set_focus(self.query_one("#path", Input), scroll_visible=False)
        # A status that grows the body (a refused name at 80x24 makes the body scroll, and its
        # scrollbar narrows the text to two lines) is laid out after `say`'s scrolls have run,
        # when the focus did not move (Enter in the field): scrolled into view once the
        # body's size says so, not after a guessed number of refreshes.
        self.watch(self.query_one(".body"), "virtual_size", self._status_in_view, init=False)

    def _status_in_view(self) -> None:
        status = self.query_one(self.STATUS, Static)
        if status.has_class("-shown") and str(status.content):
            status.scroll_visible(animate=False, immediate=True)

    def _format(self) -> Format:
        pressed = self.query_one("#format", RadioSet).pressed_button
        return "json" if pressed is not None and pressed.id == "format-json" else "csv"

    @on(RadioSet.Changed)
    def _suggest(self) -> None:
        """The name for the chosen format, unless the user typed another one."""
        field = self.query_one("#path", Input)
        if field.value in ("", self._suggested):
            self._suggested = export_filename(self._view, self._format(), self.dashboard.now(),
                                              self._text)
            field.value = self._suggested
            # Selected, so that typing replaces it (a new value puts the cursor at its end:
            # typed after it, "abc" made "…-1200.csvabc").
            field.select_all()

    def _path(self) -> Path | None:
        """The file to write, or None when the name will not do (said, the name focused): the
        name typed, with the format's extension when it has none (`with_extension`); a
        folder typed gets the offered name in it."""
        field = self.query_one("#path", Input)
        typed = field.value.strip()
        path = self._folder / Path(typed).expanduser() if typed else None
        self._added = ""
        if path is not None and (typed.endswith(("/", os.sep)) or path.is_dir()):
            path /= export_filename(self._view, self._format(), self.dashboard.now(),
                                    self._text)
        elif path is not None:
            named = with_extension(path.name, self._format())
            # Said once it is saved (`saved`): the file is not named quite as typed.
            self._added = named[len(path.name.rstrip(".")):] if named != path.name else ""
            path = path.with_name(named)
        problem = ("Type a file name." if path is None
                   else f"{display_path(path)} already exists: type another name."
                   if path.exists()
                   else f"There is no folder {display_path(path.parent)}."
                   if not path.parent.is_dir() else None)
        if problem is not None:
            self.say(problem, state="error", focus=field)
            return None
        return path

    # -- exporting ------------------------------------------------------------------------

    @on(Button.Pressed, "#export")
    @on(Input.Submitted, "#path")
    def _start(self) -> None:
        if self._phase != "plan" or (path := self._path()) is None:
            return
        self._phase = "exporting"
        self.query_one("#export", Button).disabled = True
        self.say("Exporting…")
        self._export(path, self._format())

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _export(self, path: Path, fmt: Format) -> None:
        try:
            client = await self.dashboard.session.client()
            async for progress in export_activity(
                    client, self._view, self.dashboard.now(), path, fmt, names=self._names,
                    leave_out=is_own_read if self._hide_own else None,
                    another_name=path.name == self._suggested, text=self._text):
                if progress.done:
                    self._done(f"{progress.text}\n{saved(progress.path, self._added)}")
                else:
                    self.say(progress.text)
        except (OpenRushError, OSError) as error:
            why = describe_error(error) if isinstance(error, OpenRushError) \
                else (error.strerror or str(error))
            self._phase = "plan"
            self.query_one("#export", Button).disabled = False
            self.say(f"The export stopped: {why} No file was written; press Export to try "
                      "again.", state="error")

    def _done(self, text: str) -> None:
        self._phase, self._result = "done", text.replace("\n", " ")
        self.say(text)
        for done_with in ("#format-row", "#file", "#export"):
            self.query_one(done_with).display = False
        close = self.query_one("#close", Button)
        close.label = "Close"
        close.focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if self._phase == "exporting":
            self.workers.cancel_group(self, "export")  # reads only; the temporary file goes
            self.dismiss("Export cancelled: no file was written.")
        else:  # before any export, the page says it was closed (not a silent close)
            self.dismiss(self._result or "Export cancelled: no file was written.")


def saved(path: Path, added: str) -> str:
    """Where the file went. When the format's extension was added to the name typed, its
    name is said with it: "Saved events.csv in ~/exports/ (.csv added)"."""
    folder = display_path(path.parent)
    if added:
        return f"Saved {visible(path.name)} in {folder}/ ({added} added)."
    return f"Saved in {folder}/"
