"""For an agent that keeps its MCP settings itself (Claude Code's ``claude mcp add``, Claude
Desktop's connectors, any other client): `i` on Setup cannot write a file for it, so this
says so and shows what to do, the command or text ready to copy (`c`) through the one copy
path. The same for taking OpenRush out again (`u`: ``claude mcp remove``).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from openrush_tui.agents.catalog import Agent, Instructions
from openrush_tui.screens.dialogs.dialog import Dialog

# What the copied text is called in the message that says where it went.
COPIED = {"bash": "the command", "json": "the snippet", "toml": "the snippet", "text": "the text"}


class AgentStepsScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="steps.close"),
        Binding("c", "copy", "Copy", id="steps.copy"),
    ]

    STATUS = "#steps-status"

    def __init__(self, agent: Agent, steps: Instructions, *, note: str | None = None,
                 remove: bool = False) -> None:
        """`note`: which server the agent will talk to, when worth saying
        (`catalog.public_server_note`); `remove`: the steps take OpenRush out."""
        super().__init__()
        self._agent = agent
        self._steps = steps
        self._note = note
        self._remove = remove

    def compose(self) -> ComposeResult:
        agent, steps = self._agent, self._steps
        title = (f"Remove OpenRush from {agent.name}" if self._remove
                 else f"Install OpenRush into {agent.name}")
        with Vertical(id="dialog"):
            yield Static(Content(title), classes="title")
            with VerticalScroll(classes="body"):
                # First, as in the install dialog: a warning about real credits read only
                # after PageDown (it was last: below the fold at 80x24) is one missed.
                if self._note:
                    yield Static(Content(self._note), classes="server-note", id="steps-server")
                yield Static(Content(
                    f"{agent.name} keeps its MCP servers itself, not through a file this tool "
                    "writes."), classes="note", id="steps-what")
                yield Static(Content("\n".join(steps.before)), classes="note")
                yield Static(Content(steps.snippet.rstrip("\n")), id="steps-snippet")
                yield Static(Content("\n".join(steps.after)), classes="note")
                yield Static("", id="steps-status")
            with Horizontal(classes="buttons"):
                yield Button(f"Copy {COPIED[steps.language].removeprefix('the ')}", id="copy",
                             variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#copy", Button).focus()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        outcome = self.dashboard.copy_text(self._steps.snippet.rstrip("\n"))
        self.say(outcome.message(COPIED[self._steps.language]))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
