"""The help overlay (? or F1): every key of the page or dialog under it, grouped by purpose,
then the keys that work everywhere. Escape, ? or F1 closes it.

Generated from the bindings (`screens.bindings`), so it always says what the keys do. A key
that does nothing at the moment (Revoke with no key listed) is shown dimmed, not left out:
this is where people look for what exists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from openrush_tui.screens.bindings import KeyEntry, key_entries
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.widgets.keymap import ACT, DIALOG, FIND, GLOBAL, MOVE, motion_bindings
from openrush_tui.widgets.labelled_list import LabelledList, Row

PAGE_ORDER = (ACT.description, FIND.description, MOVE.description)


class HelpBody(VerticalScroll):
    """The help's text, which scrolls with the same keys as every list."""

    BINDINGS: ClassVar[list[BindingType]] = [*motion_bindings(
        "help", up="scroll_up", down="scroll_down", first="scroll_home", last="scroll_end",
        half_up="page_up", half_down="page_down", page_up="page_up", page_down="page_down")]


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close", group=DIALOG),
        Binding("question_mark", "close", "Close", id="help.close", group=DIALOG,
                show=False),  # (F1 closes it too: the app's F1 goes to and fro)
    ]
    AUTO_FOCUS = "#help-body"
    OFFERS_HELP = False  # it is the help: the footer offers no F1 here

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self._under = under
        # Asked now, while `under` is the screen on top (what works there, not under this).
        self._entries = [(entry, entry.offered()) for entry in key_entries(under)]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Keys: {where(self._under)}"), classes="title", id="help-title")
            with HelpBody(classes="body", id="help-body"):
                yield LabelledList(self.rows(), id="help-keys")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def rows(self) -> list[Row]:
        """Each group of keys under its purpose; "This dialog" (a dialog's keys) or the
        page's groups first, then Everywhere. A key that does nothing now is dimmed."""
        in_dialog = isinstance(self._under, ModalScreen)
        groups: dict[str, list[tuple[KeyEntry, bool]]] = {}
        for entry, enabled in self._entries:
            if isinstance(entry.node, App) and (
                    not enabled or (in_dialog and not entry.binding.priority)):
                continue  # a dialog stops the app's keys but F1 and the palette's
            name = entry.group
            if in_dialog and name == ACT.description:
                name = DIALOG.description
            groups.setdefault(name, []).append((entry, enabled))
        order = [DIALOG.description, *PAGE_ORDER]
        names = sorted(groups, key=lambda name: (name == GLOBAL.description,
                                                 order.index(name) if name in order else 9))
        rows: list[Row] = []
        for index, name in enumerate(names):
            rows += [("", "", "")] if index else []
            rows.append(("", name, ""))
            rows += [(" ".join(entry.keys), entry.explanation, "" if enabled else "dim")
                     for entry, enabled in groups[name]]
        return rows

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


def where(screen: Screen[Any]) -> str:
    """The page's title, or the dialog's."""
    title = getattr(screen, "PAGE_TITLE", "")
    if title:
        return title
    for static in screen.query(".title").results(Static):
        return f"this dialog ({static.content})"
    return "this dialog"
