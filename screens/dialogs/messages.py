"""Recent messages (the palette's "Messages"): the notifications kept by
`screens.recent_messages`, newest first, in a dialog."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.screens.dialogs.help import HelpBody
from openrush_tui.screens.recent_messages import Message
from openrush_tui.widgets.keymap import DIALOG
from openrush_tui.widgets.labelled_list import LabelledList


class MessagesScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="messages.close", group=DIALOG),
    ]
    AUTO_FOCUS = "#messages-body"

    def __init__(self, messages: list[Message]) -> None:
        super().__init__()
        self._messages = messages

    def compose(self) -> ComposeResult:
        marks = {"warning": "!", "error": "✗"}  # the severity without colour
        rows = [(f"{message.at:%H:%M:%S} {marks.get(message.severity, ' ')}",
                 f"{message.title}: {message.text}" if message.title else message.text, "")
                for message in self._messages] or [("", "No messages yet.", "")]
        with Vertical(id="dialog"):
            yield Static("Recent messages, newest first", classes="title")
            with HelpBody(classes="body", id="messages-body"):
                yield LabelledList(rows, label_width=10, id="messages")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
