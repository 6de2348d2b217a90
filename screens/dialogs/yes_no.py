"""The one yes/no question of the app (frogmouth's ``dialogs/yes_no_dialog.py`` is the
pattern): revoking keys, signing out when that deletes the only copy of a key, closing the
reveal dialog without having copied the key.

Instantiated with what it asks: a question (the title; None for none), a body (renderables,
or widgets where a part needs an id for its look in ``styles/dialogs.tcss``), and the labels
of its two buttons. It answers True for yes. The "no" button comes first and has the focus,
and Escape answers no, so that an Enter pressed out of habit changes nothing. Each use gives
the dialog an id (``#revoke-keys-dialog``): its width and border colour are in the stylesheet
under that id, with the rest of each dialog's look.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Static
from textual.widgets.button import ButtonVariant

from openrush_tui.screens.dialogs.dialog import Dialog

Part = RenderableType | Widget  # a part of the body: drawn as is, or in a Static


class YesNoDialog(Dialog[bool]):
    """A question answered by one of two buttons: yes (True) or no (False, also Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "no", "Cancel", id="yes-no.no"),
    ]
    AUTO_FOCUS = ".-no"

    def __init__(self, question: RenderableType | None, body: Iterable[Part] = (), *,
                 yes: str = "Yes", no: str = "No", yes_id: str = "yes", no_id: str = "no",
                 yes_variant: ButtonVariant = "primary", no_variant: ButtonVariant = "default",
                 id: str | None = None) -> None:
        """`yes_id` and `no_id` name the buttons (a caller's own names, e.g. ``#revoke``
        and ``#cancel``); `id` names the dialog, for its look."""
        super().__init__(id=id)
        self._question = question
        self._body = tuple(body)
        self._yes = Button(yes, id=yes_id, variant=yes_variant, classes="-yes")
        self._no = Button(no, id=no_id, variant=no_variant, classes="-no")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self._question is not None:
                yield Static(self._question, classes="title")
            with VerticalScroll(classes="body"):
                for part in self._body:
                    yield part if isinstance(part, Widget) else Static(part)
            with Horizontal(classes="buttons"):
                yield self._no
                yield self._yes

    @on(Button.Pressed, ".-yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, ".-no")
    def action_no(self) -> None:
        self.dismiss(False)
