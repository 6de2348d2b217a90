"""Install into an agent's config file, or take OpenRush out of it again: show the diff
first, write only when asked.

The plan was computed (and the file parsed) before this dialog opened; writing runs in a
thread and re-checks that the file did not change since. The dialog closes with the result's
sentence, or None when nothing was written. Taking the entry out (`InstallPlan.removes`, as
``agents uninstall``) opens with Cancel focused, as the command's question defaults to no;
either way the file is backed up before it is written (`agents.install`).
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from openrush_tui.agents.install import InstallPlan, apply_install
from openrush_tui.agents.merge import ConfigFileError
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.safe import visible

WRITE_GROUP = "install-write"


def diff_content(diff: str) -> Content:
    """The diff with added and removed lines coloured by the theme (text, never markup)."""
    parts: list[str | tuple[str, str]] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            parts.append((line, "bold"))
        elif line.startswith("+"):
            parts.append((line, "$text-success"))
        elif line.startswith("-"):
            parts.append((line, "$text-error"))
        elif line.startswith("@@"):
            parts.append((line, "$text-muted"))
        else:
            parts.append(line)
    return Content.assemble(*parts).rstrip()


class AgentInstallScreen(Dialog[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="install.cancel"),
        Binding("w", "write", "Write the file", id="install.write"),
    ]

    STATUS = "#install-status"

    def __init__(self, plan: InstallPlan, *, note: str | None = None) -> None:
        """`note`: which server the agent will talk to, when that is worth saying
        (`catalog.public_server_note`)."""
        super().__init__()
        self._plan = plan
        self._note = note

    def compose(self) -> ComposeResult:
        plan = self._plan
        title = (f"Remove OpenRush from {plan.agent.name}" if plan.removes
                 else f"Install OpenRush into {plan.agent.name}")
        with Vertical(id="dialog"):
            yield Static(Content(title), classes="title")
            with VerticalScroll(classes="body"):
                if self._note:
                    yield Static(Content(self._note), classes="server-note",
                                 id="install-server")
                yield Static(Content(self._what_happens()), classes="note", id="install-what")
                if plan.changed:
                    yield Static(diff_content(plan.diff()), id="diff")
                # In the body, after the diff: `say` scrolls to it (outside, the docked
                # buttons covered it).
                yield Static("", id="install-status")
            with Horizontal(classes="buttons"):
                if plan.changed:
                    yield Button("Write the file", id="write", variant="primary")
                yield Button("Cancel" if plan.changed else "Close", id="cancel")

    def on_mount(self) -> None:
        writes = self._plan.changed and not self._plan.removes
        self.query_one("#write" if writes else "#cancel", Button).focus()

    def _what_happens(self) -> str:
        plan = self._plan
        if not plan.changed:
            if plan.removes:
                return f"{plan.shown_path} has no OpenRush entry: nothing to change."
            return f"{plan.shown_path} already has this OpenRush entry: nothing to change."
        if plan.creates:
            return f"{plan.shown_path} does not exist yet; it will be created with this content."
        backup = plan.backup_path()
        kept = f" A copy of the current file is kept in {visible(backup.name)}." if backup \
            else ""
        what = "The OpenRush entry is taken out of" if plan.removes else "These lines of"
        return (f"{what} {plan.shown_path}{'' if plan.removes else ' change'}; other servers "
                f"and settings stay as they are.{kept}")

    @on(Button.Pressed, "#write")
    def action_write(self) -> None:
        if not self._plan.changed:
            return
        self.query_one("#write", Button).disabled = True
        self.write_file()

    @work(group=WRITE_GROUP, exclusive=True, exit_on_error=False)
    async def write_file(self) -> None:
        try:
            result = await asyncio.to_thread(apply_install, self._plan)
        except ConfigFileError as exc:  # changed meanwhile, or not writable: said, untouched
            self.query_one("#write", Button).disabled = False
            self.say(Content(str(exc)), state="error")
            return
        self.dismiss(result.summary())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
