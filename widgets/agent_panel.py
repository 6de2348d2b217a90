"""Connect an AI agent: the list of agents, and the selected one's steps and snippet.

The screen sets `mcp_url` (from the one setting); the panel posts `CopyRequested` and
`InstallRequested` and does neither itself, so the copy path and file writing stay in one
place each.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

from openrush_tui.agents.catalog import AGENTS, AGENTS_BY_ID, ENV_VAR, Agent, Instructions
from openrush_tui.api.errors import InsecureURLError
from openrush_tui.widgets.lists import MotionOptionList
from openrush_tui.widgets.toggles import GlyphCheckbox


class AgentPanel(Horizontal):
    DEFAULT_CSS = """
    AgentPanel { height: auto; }
    AgentPanel > #agents { width: 30; height: auto; max-height: 12; margin-right: 1; }
    AgentPanel > #agent-detail { width: 1fr; height: auto; }
    AgentPanel #agent-before, AgentPanel #agent-after { height: auto; color: $text-muted; }
    AgentPanel #snippet {
        height: auto; background: $boost; color: $text; padding: 0 1; margin: 0 0;
    }
    AgentPanel #key-header { margin-top: 1; width: auto; }
    AgentPanel #agent-actions { height: 1; margin-top: 1; }
    AgentPanel #agent-actions > Button { margin-right: 2; }
    """

    @dataclass
    class CopyRequested(Message):
        text: str

    @dataclass
    class InstallRequested(Message):
        agent: Agent
        key_header: bool

    @dataclass
    class AgentChanged(Message):
        """Another agent is shown (what the page's bindings offer may change)."""

        agent: Agent

    mcp_url: reactive[str] = reactive("", init=False)
    agent_id: reactive[str] = reactive(AGENTS[0].id, init=False)
    key_header: reactive[bool] = reactive(False, init=False)

    def compose(self) -> ComposeResult:
        yield MotionOptionList(*(Option(agent.name, id=agent.id) for agent in AGENTS),
                               id="agents", compact=True)
        with Vertical(id="agent-detail"):
            yield Static(id="agent-before", markup=False)
            yield Static(id="snippet", markup=False)
            yield Static(id="agent-after", markup=False)
            # Short enough for the detail column at 80×24, key hint included.
            yield GlyphCheckbox(f"Use {ENV_VAR}, not sign-in (v)", id="key-header",
                                compact=True)
            with Horizontal(id="agent-actions"):
                yield Button("Copy snippet", id="copy-snippet", compact=True)
                yield Button("Install…", id="install", compact=True)

    def on_mount(self) -> None:
        if not self.app.is_running:  # the app quits as it is built: parts may be missing
            return
        self.query_one("#agents", OptionList).highlighted = 0
        self._render_agent()

    @property
    def agent(self) -> Agent:
        return AGENTS_BY_ID[self.agent_id]

    def instructions(self) -> Instructions:
        return self.agent.instructions(self.mcp_url, key_header=self.key_header)

    # -- attributes down -------------------------------------------------------------------

    def watch_mcp_url(self) -> None:
        self._render_agent()

    def watch_agent_id(self) -> None:
        self._render_agent()
        self.post_message(self.AgentChanged(self.agent))

    def watch_key_header(self) -> None:
        self._render_agent()

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
        self.query_one("#agent-before", Static).update(Content("\n".join(steps.before)))
        self.query_one("#snippet", Static).update(Content(steps.snippet.rstrip("\n")))
        self.query_one("#snippet", Static).display = usable
        self.query_one("#agent-after", Static).update(Content("\n".join(steps.after)))
        self.query_one("#copy-snippet", Button).disabled = not usable
        toggle = self.query_one("#key-header", Checkbox)
        toggle.display = agent.supports_key_header
        with toggle.prevent(Checkbox.Changed):
            toggle.value = self.key_header and agent.supports_key_header
        install = self.query_one("#install", Button)
        install.display = agent.target is not None
        install.disabled = not usable
        if agent.target is not None:
            install.label = f"Install into {agent.target.shown}…"

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

    def request_copy(self) -> None:
        if not self.query_one("#copy-snippet", Button).disabled:
            self.post_message(self.CopyRequested(self.instructions().snippet.rstrip("\n")))

    def request_install(self, agent: Agent | None = None) -> None:
        """Install the agent shown, or `agent` (shown first: the palette's "Install for…")."""
        if agent is not None and agent.id != self.agent_id:
            self.query_one("#agents", OptionList).highlighted = AGENTS.index(agent)
            self.agent_id = agent.id
        if self.agent.target is not None and not self.query_one("#install", Button).disabled:
            self.post_message(self.InstallRequested(self.agent, self.key_header))

    def toggle_key_header(self) -> None:
        if self.agent.supports_key_header:
            self.key_header = not self.key_header
