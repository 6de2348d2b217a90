"""Connect an AI agent: the list of agents (each marked set up or not), and the selected
one's state, steps and snippet.

The screen sets `mcp_url` (from the one setting) and `setups` (what `agents.found` finds on
this machine: the same function as ``agents list``); the panel posts `CopyRequested`,
`InstallRequested` and `UninstallRequested` and does none of them itself, so the copy path
and file writing stay in one place each. Narrower than `NARROW_BELOW` (a 60-column
terminal), the list goes above the steps, which then have the whole width; on a short screen
as well (60x20) it is a few rows with its own scroll (styles/setup.tcss), so that the steps
start on the screen that shows it, and the page brings the section up as the user moves.

The steps open with the selected agent's name and state ("Cursor — Set up here: …"): a state
line alone sat on the list's first row and read as Claude Code's (trial 6). The name heads
the steps rather than the steps following the cursor down the list: they stay where they
are as the cursor moves, and at 60 columns (the list above them) a row has no side to sit
beside. The snippet is never re-wrapped (a JSON line broken at "url": is not what `c`
copies): it scrolls sideways in `SnippetBox` when the column is narrower than its lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

from openrush_tui.agents.catalog import (
    AGENTS,
    AGENTS_BY_ID,
    ENV_VAR,
    Agent,
    Instructions,
    Language,
)
from openrush_tui.api.errors import InsecureURLError
from openrush_tui.text.shell import continued
from openrush_tui.widgets.keymap import MOVE
from openrush_tui.widgets.lists import MotionOptionList
from openrush_tui.widgets.toggles import GlyphCheckbox

if TYPE_CHECKING:
    from openrush_tui.agents.found import Found

SNIPPET_STEP = 8  # cells a ←/→ scrolls the snippet
SNIPPET_PADDING = 2  # the snippet's cells left and right of its text (#snippet's padding)
NARROW_BELOW = 66  # the panel's columns: below, the list goes above the steps
# The marks of `agents.found` (MARKS), explained under the list; two lines of 30 columns.
LEGEND = "✓ set up here  ! other server\n· not set up   ? cannot tell"
MARK_STYLES = {"✓": "$text-success", "!": "$text-warning", "?": "$text-muted",
               "·": "$text-muted"}


class SnippetBox(ScrollableContainer):
    """The snippet, scrolled sideways (its lines are never wrapped): by ←/→ anywhere in the
    panel (`AgentPanel.action_scroll_snippet`), or the mouse. No Tab stop of its own: the
    list, where the agent is chosen, already holds the focus.

    A one-line shell command (Claude Code's) is laid out to the box's width instead, continued
    with a backslash (`text.shell.continued`): pasted as shown it is the same command, and its
    URL stays in view (scrolled, the line hid it past the edge at 80 columns)."""

    can_focus = False
    _snippet = ""
    _language: Language = "text"

    def show(self, snippet: str, language: Language) -> None:
        self._snippet, self._language = snippet.rstrip("\n"), language
        self._lay_out()
        self.scroll_home(animate=False)

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        text = self._snippet
        width = self.size.width - SNIPPET_PADDING
        if (self._language == "bash" and "\n" not in text and len(text) > width > 0):
            text = "\n".join(continued(text.split(" "), width, indent=""))
        self.query_one("#snippet", Static).update(Content(text))


class AgentPanel(Horizontal):
    DEFAULT_CSS = """
    AgentPanel { height: auto; }
    AgentPanel > #agent-list { width: 30; height: auto; margin-right: 1; }
    AgentPanel #agents { height: auto; max-height: 12; }
    AgentPanel #agent-legend { height: auto; color: $text-muted; margin-top: 1; }
    AgentPanel > #agent-detail { width: 1fr; height: auto; }
    AgentPanel #agent-state { height: auto; margin-bottom: 1; }
    AgentPanel #agent-state.-set-up { color: $text-success; }
    AgentPanel #agent-state.-other { color: $text-warning; }
    AgentPanel #agent-before, AgentPanel #agent-after { height: auto; color: $text-muted; }
    AgentPanel #snippet-box {
        height: auto; background: $boost; overflow-x: auto; overflow-y: hidden;
        scrollbar-size-horizontal: 1;
    }
    /* Its lines as written: never wrapped, as wide as the longest (the box scrolls). */
    AgentPanel #snippet {
        width: auto; height: auto; text-wrap: nowrap; text-overflow: clip;
        background: $boost; color: $text; padding: 0 1; margin: 0 0;
    }
    AgentPanel #key-header { margin-top: 1; width: auto; }
    AgentPanel #agent-actions { height: 1; margin-top: 1; }
    /* Shrunk to their labels: three fit beside the list at 80 columns. */
    AgentPanel #agent-actions > Button { margin-right: 2; min-width: 0; }
    AgentPanel.-narrow { layout: vertical; }
    AgentPanel.-narrow > #agent-list { width: 1fr; margin-right: 0; margin-bottom: 1; }
    """

    @dataclass
    class CopyRequested(Message):
        text: str

    @dataclass
    class InstallRequested(Message):
        agent: Agent
        key_header: bool

    @dataclass
    class UninstallRequested(Message):
        agent: Agent

    @dataclass
    class AgentChanged(Message):
        """Another agent is shown (what the page's bindings offer may change); `moved`: the
        user chose it (the list's highlight moved), rather than its state being found."""

        agent: Agent
        moved: bool = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "scroll_snippet(-1)", "Snippet left", show=False,
                id="setup.snippet-left", group=MOVE,
                tooltip="Scroll the snippet left (its lines are never wrapped)"),
        Binding("right", "scroll_snippet(1)", "Snippet right", show=False,
                id="setup.snippet-right", group=MOVE,
                tooltip="Scroll the snippet right, to the ends of its lines"),
    ]

    mcp_url: reactive[str] = reactive("", init=False)
    agent_id: reactive[str] = reactive(AGENTS[0].id, init=False)
    key_header: reactive[bool] = reactive(False, init=False)
    # Each agent's `Found` by id; empty until the screen has looked (a thread: files).
    setups: reactive[dict[str, Found]] = reactive(dict, init=False, always_update=True)

    def compose(self) -> ComposeResult:
        with Vertical(id="agent-list"):
            yield MotionOptionList(*(Option(self._prompt(agent), id=agent.id)
                                     for agent in AGENTS), id="agents", compact=True)
            yield Static(LEGEND, id="agent-legend", markup=False)
        with Vertical(id="agent-detail"):
            yield Static(id="agent-state", markup=False)
            yield Static(id="agent-before", markup=False)
            with SnippetBox(id="snippet-box"):
                yield Static(id="snippet", markup=False)
            yield Static(id="agent-after", markup=False)
            # Short enough for the detail column at 80×24, key hint included.
            yield GlyphCheckbox(f"Use {ENV_VAR}, not sign-in (v)", id="key-header",
                                compact=True)
            with Horizontal(id="agent-actions"):
                yield Button("Copy snippet", id="copy-snippet", compact=True)
                yield Button("Install…", id="install", compact=True)
                yield Button("Uninstall…", id="uninstall", compact=True)

    def on_mount(self) -> None:
        if not self.app.is_running:  # the app quits as it is built: parts may be missing
            return
        self.query_one("#agents", OptionList).highlighted = 0
        self._render_agent()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_BELOW, "-narrow")

    @property
    def agent(self) -> Agent:
        return AGENTS_BY_ID[self.agent_id]

    @property
    def found(self) -> Found | None:
        """What the screen found of the agent shown (None: not looked yet)."""
        return self.setups.get(self.agent_id)

    @property
    def can_uninstall(self) -> bool:
        """An entry of ours is there to take out (connecting to us or elsewhere)."""
        found = self.found
        return found is not None and found.state in ("set up", "other server")

    def _prompt(self, agent: Agent) -> Content:
        found = self.setups.get(agent.id)
        mark = found.mark if found is not None else " "
        return Content.assemble((mark, MARK_STYLES.get(mark, "")), " ", agent.name)

    def instructions(self) -> Instructions:
        return self.agent.instructions(self.mcp_url, key_header=self.key_header)

    # -- attributes down -------------------------------------------------------------------

    def watch_mcp_url(self) -> None:
        self._render_agent()

    def watch_agent_id(self) -> None:
        self._render_agent()
        self.post_message(self.AgentChanged(self.agent, moved=True))

    def watch_key_header(self) -> None:
        self._render_agent()

    def watch_setups(self) -> None:
        if not (self.is_mounted and self.app.is_running):
            return
        options = self.query_one("#agents", OptionList)
        for agent in AGENTS:
            options.replace_option_prompt(agent.id, self._prompt(agent))
        self._render_agent()
        self.post_message(self.AgentChanged(self.agent))  # `u` may now be offered

    def _render_agent(self) -> None:
        if not (self.is_mounted and self.app.is_running):  # not built yet, or the app quits
            return
        agent = self.agent
        try:
            steps = self.instructions()
        except InsecureURLError as problem:  # no snippet, copy or install with such a URL
            steps = Instructions((str(problem),), "", "text",
                                 ("Start the dashboard with another --mcp-url (or "
                                  "OPENRUSH_MCP_URL).",))
        usable = bool(steps.snippet)
        found = self.found
        state = self.query_one("#agent-state", Static)
        # Always shown: the agent's name heads its steps (its state once looked up).
        said = f" — {found.sentence()}" if found is not None else ""
        state.update(Content.assemble((agent.name, "bold"), said))
        state.set_class(found is not None and found.state == "set up", "-set-up")
        state.set_class(found is not None and found.state == "other server", "-other")
        self.query_one("#agent-before", Static).update(Content("\n".join(steps.before)))
        box = self.query_one(SnippetBox)
        box.show(steps.snippet, steps.language)
        box.display = usable
        self.query_one("#agent-after", Static).update(Content("\n".join(steps.after)))
        self.query_one("#copy-snippet", Button).disabled = not usable
        toggle = self.query_one("#key-header", Checkbox)
        toggle.display = agent.supports_key_header
        with toggle.prevent(Checkbox.Changed):
            toggle.value = self.key_header and agent.supports_key_header
        # Every agent: a file written, or (set up by its own app or command) the steps to
        # follow, ready to copy. The file is named in the steps above the snippet.
        self.query_one("#install", Button).disabled = not usable
        self.query_one("#uninstall", Button).display = self.can_uninstall

    # -- events up ---------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.agent_id = event.option.id

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.key_header = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "copy-snippet":
            self.request_copy()
        elif event.button.id == "install":
            self.request_install()
        elif event.button.id == "uninstall":
            self.request_uninstall()

    def request_copy(self) -> None:
        if not self.query_one("#copy-snippet", Button).disabled:
            self.post_message(self.CopyRequested(self.instructions().snippet.rstrip("\n")))

    def request_install(self, agent: Agent | None = None) -> None:
        """Install the agent shown, or `agent` (shown first: the palette's "Install for…")."""
        if agent is not None and agent.id != self.agent_id:
            self.query_one("#agents", OptionList).highlighted = AGENTS.index(agent)
            self.agent_id = agent.id
        if not self.query_one("#install", Button).disabled:
            self.post_message(self.InstallRequested(self.agent, self.key_header))

    def request_uninstall(self) -> None:
        if self.can_uninstall:
            self.post_message(self.UninstallRequested(self.agent))

    def action_scroll_snippet(self, by: int) -> None:
        box = self.query_one(SnippetBox)
        if not (box.display and box.max_scroll_x):  # nothing to scroll: the page's arrows
            raise SkipAction()
        box.scroll_relative(x=by * SNIPPET_STEP, animate=False, immediate=True)

    def toggle_key_header(self) -> None:
        if self.agent.supports_key_header:
            self.key_header = not self.key_header
