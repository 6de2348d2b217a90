"""Setup: sign this terminal in, connect an AI agent, and see what the account can call.

Three sections. "This terminal" says whether it is signed in, to which server, with a key from
where (masked), for which account and balance. "Connect an AI agent" shows each agent's steps
and snippet (`AgentPanel`) and installs into config files (`agent_install`). "Capabilities"
lists the tools and their costs. The flows (sign in, where to store the key, sign out,
install) are run from here: each is an `@work` method that awaits its request or blocking call
(in a thread) and then finishes the flow itself, saying the errors it expects. Where the key
is saved is decided by `auth.signin`, shared with ``openrush-tui login``; this screen only asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.screens.setup.signing_in import SigningIn
from openrush_tui.text.safe import visible
from openrush_tui.widgets.agent_panel import AgentPanel
from openrush_tui.widgets.capabilities_table import CapabilitiesTable
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import ACT, FIND

if TYPE_CHECKING:
    from openrush_tui.agents.catalog import Agent
    from openrush_tui.auth.status import Account, TerminalStatus

CAPABILITIES_GROUP = "capabilities"
PLAN_GROUP = "install-plan"
API_PAGE = "https://openrush.io/dashboard/api"
LABEL_WIDTH = 11


def terminal_content(status: TerminalStatus, *, sandbox_starting: bool = False,
                     looking: bool = False) -> Content:
    """The "This terminal" lines (`TerminalStatus.rows` made them safe), never markup."""
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
    if not status.signed_in and not sandbox_starting:
        parts.extend([
            "\nThis terminal is not signed in. Press ", ("s", "bold"), " and paste a key from ",
            (API_PAGE, "underline"), ",\nor run ", ("openrush-tui login", "bold"),
            " in a shell, or start the dashboard with ", ("OPENRUSH_KEY", "bold"),
            " set in the environment.\nTo try everything without an account: ",
            ("openrush-tui --sandbox", "bold"), "\n",
        ])
    return Content.assemble(*parts).rstrip()


class SetupScreen(SigningIn, DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Setup"
    FETCH_READS_BALANCE: ClassVar[bool] = True  # check_account asks for the credits
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sign_in", "Sign in", id="setup.sign-in", group=ACT,
                tooltip="Sign this terminal in with a key"),
        Binding("x", "sign_out", "Sign out", id="setup.sign-out", group=ACT,
                tooltip="Sign out (asks first when the key would be lost)"),
        Binding("c", "copy_snippet", "Copy snippet", id="setup.copy-snippet", group=ACT,
                tooltip="Copy the selected agent's snippet"),
        # Shown on the checkbox it toggles; the footer has no room left for it. (Not k:
        # that moves up every list.)
        Binding("v", "toggle_key_header", "Key from OPENRUSH_KEY", id="setup.key-variant",
                show=False, group=ACT,
                tooltip="Snippet variant: the agent reads the key from OPENRUSH_KEY"),
        Binding("i", "install", "Install", id="setup.install", group=ACT,
                tooltip="Install into the selected agent's config file (shows the diff)"),
        Binding("t", "storage", "Key storage", show=False, id="setup.storage", group=ACT,
                tooltip="Where the key is kept: the file or this session only"),
        Binding("slash", "filter", "Filter tools", show=False, id="setup.filter", group=FIND,
                priority=True,
                tooltip="Narrow the capabilities by tool name or description"),
        Binding("escape", "clear_filter", "Clear", show=False, id="setup.clear-filter",
                group=FIND, tooltip="Clear the filter"),
    ]
    AUTO_FOCUS = "#agents"
    # The footer's order (most useful first; the last give way on a narrow terminal).
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "setup.sign-in", "setup.install", "setup.copy-snippet", "setup.sign-out",
        "page.refresh")

    def __init__(self) -> None:
        super().__init__()
        self._account: Account | None = None
        self._error: str | None = None
        self._rejected: str | None = None  # the server refused the key: why, in a word

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll(id="setup-body"):
            with Vertical(id="terminal-section", classes="section") as terminal:
                terminal.border_title = "This terminal"
                yield Static(id="terminal")
                yield Static(id="connection")
                yield Static(id="terminal-notes")
                with Horizontal(id="terminal-actions"):
                    yield Button("Sign in", id="sign-in", compact=True, variant="primary")
                    yield Button("Sign out", id="sign-out", compact=True)
                    yield Button("Test connection", id="test-connection", compact=True)
                    yield Button("Storage…", id="storage", compact=True)
            with Vertical(id="agent-section", classes="section") as agents:
                agents.border_title = "Connect an AI agent"
                agents.border_subtitle = Content(
                    f"MCP URL {visible(self.dashboard.settings.mcp_url)}")
                yield AgentPanel(id="agent-panel")
            with Vertical(id="capabilities-section", classes="section") as capabilities:
                capabilities.border_title = "Capabilities"
                yield FilterBar("Filter (tool or description):", id="tools-filter")
                yield CapabilitiesTable(id="capabilities")
        yield KeyHints()

    def on_mount(self) -> None:
        # Textual also runs DashboardScreen.on_mount (handlers run along the MRO), which loads.
        if self.shutting_down:  # the app quits as the page is built: its parts may be missing
            return
        self.query_one(AgentPanel).mcp_url = self.dashboard.settings.mcp_url
        self.render_terminal()

    def on_screen_resume(self) -> None:
        # Back from a dialog or another page; DashboardScreen's handler (which runs too)
        # checks again when the key changed meanwhile.
        if not self.shutting_down:
            self.render_terminal()
            self._check_store()

    @work(group="store-check", exclusive=True, exit_on_error=False)
    async def _check_store(self) -> None:
        """Another terminal may have signed this profile in with another key, or out, since
        this one read the store: say so under "This terminal" (the key in use stays)."""
        session = self.dashboard.session
        before = session.store_note
        if await session.check_stored_key() != before and not self.shutting_down:
            self.render_terminal()

    # -- "This terminal" ---------------------------------------------------------------------

    def status(self) -> TerminalStatus:
        from openrush_tui.auth.status import TerminalStatus

        session = self.dashboard.session
        settings = self.dashboard.settings
        account = self._account
        if account is not None and account.account_id is None and session.account_id:
            account = replace(account, account_id=session.account_id)  # API access listed it
        return TerminalStatus(server=settings.server_label, api_url=settings.effective_api_url,
                              mcp_url=settings.mcp_url, profile=settings.profile,
                              key=session.key, account=account, error=self._error,
                              notes=session.notes, rejected=self._rejected)

    def render_terminal(self) -> None:
        session = self.dashboard.session
        starting = session.signed_in and session.key is None
        self.query_one("#terminal", Static).update(
            terminal_content(self.status(), sandbox_starting=starting,
                             looking=session.lookup_pending))
        notes = [visible(note) for note in (*session.notes, session.store_note) if note]
        if session.key is not None and session.key.source == "session":
            notes.append("The key is kept for this session only; you sign in again next time.")
        if session.key is not None and session.key.source == "environment":
            notes.append("OPENRUSH_KEY wins over any key saved with Sign in; unset it to use "
                         "the saved one.")
        notes_line = self.query_one("#terminal-notes", Static)
        notes_line.update(Content("\n".join(notes)))
        notes_line.display = bool(notes)
        self.query_one("#sign-out", Button).disabled = not session.signed_in
        self.query_one("#test-connection", Button).disabled = not session.signed_in
        # The sandbox keeps its keys for the session only; nothing of it is remembered.
        self.query_one("#storage", Button).display = session.settings.sandbox is None
        self.refresh_bindings()

    def _connection(self, message: str, state: str) -> None:
        line = self.query_one("#connection", Static)
        line.update(Content(message))
        line.display = bool(message)
        for name in ("-ok", "-error", "-busy"):
            line.set_class(state == name, name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            return self.dashboard.session.signed_in
        if action == "storage":
            return self.dashboard.session.settings.sandbox is None
        built = self.is_mounted and not self.shutting_down  # else parts may be missing
        if action == "install":
            return self.query_one(AgentPanel).agent.target is not None if built else True
        if action == "clear_filter":
            return built and self.query_one(FilterBar).is_open
        return super().check_action(action, parameters)

    # -- loading (DashboardScreen calls these) -----------------------------------------------

    def action_reload(self, reuse: float = 0.0) -> None:
        super().action_reload(reuse)
        # The tools are the same for every key and change rarely: fetched with the page, and
        # again only until they load, so a reload (r, Test connection) is one small request.
        if self.query_one(CapabilitiesTable).capabilities is None:
            self.load_capabilities()

    async def fetch(self) -> Account:
        from openrush_tui.auth.status import check_account

        session = self.dashboard.session
        client = await session.client()
        if session.key is None:  # signed out while the client was being built
            from openrush_tui.api.errors import Unauthorized

            raise Unauthorized("You are not signed in", "Sign in with an API key first.")
        # One small request: the id comes from a token's claims or from a key list the
        # session has seen, never from listing every key here.
        return await check_account(client, session.key.secret, known_id=session.account_id)

    @work(group=CAPABILITIES_GROUP, exclusive=True, exit_on_error=False)
    async def load_capabilities(self) -> None:
        table = self.query_one(CapabilitiesTable)
        try:
            # Unauthenticated: the tools are listed even before this terminal is signed in.
            client = await self.dashboard.session.client()
            capabilities = await client.capabilities()
        except Exception as error:  # like a page load: any failure is said in the table
            table.error = describe_error(error)
            return
        table.capabilities = capabilities

    def forget_account(self) -> None:
        self._account = None
        self._error = None
        self._rejected = None

    def show_loading(self) -> None:
        self.render_terminal()
        self._connection("Checking the connection…", "-busy")

    def show(self, account: Account) -> None:
        self._account = account
        self._error = self._rejected = None
        self.dashboard.balance = account.balance
        self.render_terminal()
        self._connection("Connection OK. Press r to test it again.", "-ok")

    def show_error(self, message: str) -> None:
        from openrush_tui.api.errors import RateLimited
        from openrush_tui.auth.status import rejection

        if isinstance(self.last_error, RateLimited):
            # Not a failed connection: the account is as last read, and the header counts
            # down to when requests go out again.
            self._connection("Rate-limited: the account's requests are used up for now (the "
                             "header counts down). The key and the connection are fine; press "
                             "r once the wait is over.", "-error")
            return
        self._account = None
        self._error = message
        self._rejected = rejection(self.last_error) if self.last_error else None
        self.render_terminal()
        if self._rejected is not None:
            self._connection(f"The server rejects this key ({self._rejected}). Press s to sign "
                             "in with another key, or x to sign out.", "-error")
        else:
            self._connection(f"Connection failed: {message}", "-error")

    def show_signed_out(self) -> None:
        self._account = None
        self._error = self._rejected = None
        self.render_terminal()
        self._connection("", "")

    # -- buttons -----------------------------------------------------------------------------

    @on(Button.Pressed, "#sign-in")
    def _sign_in_pressed(self) -> None:
        self.action_sign_in()

    @on(Button.Pressed, "#sign-out")
    def _sign_out_pressed(self) -> None:
        self.action_sign_out()

    @on(Button.Pressed, "#test-connection")
    def _test_pressed(self) -> None:
        self.action_reload()

    @on(Button.Pressed, "#storage")
    def _storage_pressed(self) -> None:
        self.action_storage()

    # -- agents ------------------------------------------------------------------------------

    def on_agent_panel_copy_requested(self, event: AgentPanel.CopyRequested) -> None:
        outcome = self.dashboard.copy_text(event.text)
        self.notify(outcome.message("the snippet"), markup=False, timeout=8,
                    severity="information" if outcome.anything_done else "warning")

    def on_agent_panel_install_requested(self, event: AgentPanel.InstallRequested) -> None:
        self.preview_install(event.agent, event.key_header)

    @work(group=PLAN_GROUP, exclusive=True, exit_on_error=False)
    async def preview_install(self, agent: Agent, key_header: bool) -> None:
        """The diff first (`agents.install`); the dialog writes only when asked."""
        from openrush_tui.agents.install import plan_install
        from openrush_tui.screens.setup.agent_install import AgentInstallScreen

        try:
            # Reading and parsing the file is I/O: a thread, like every blocking call.
            plan = await asyncio.to_thread(plan_install, agent, self.dashboard.settings.mcp_url,
                                           key_header=key_header)
        except OpenRushError as exc:  # a file that must not be touched, or an unsafe MCP URL
            self.notify(str(exc), severity="error", timeout=12, markup=False)
            return
        self.app.push_screen(AgentInstallScreen(plan), self._installed)

    def on_agent_panel_agent_changed(self) -> None:
        self.refresh_bindings()

    def action_copy_snippet(self) -> None:
        self.query_one(AgentPanel).request_copy()

    def action_toggle_key_header(self) -> None:
        self.query_one(AgentPanel).toggle_key_header()

    def action_install(self) -> None:
        self.query_one(AgentPanel).request_install()

    def _installed(self, summary: str | None) -> None:
        if summary:
            self.notify(summary, markup=False, timeout=8)

    # -- the tools' filter -------------------------------------------------------------------

    async def action_filter(self) -> None:
        await self.query_one(FilterBar).open()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.query_one(CapabilitiesTable).filter_text = event.text

    @on(FilterBar.Submitted)
    def _filter_done(self) -> None:
        self.query_one("#tools").focus()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).clear()
        self.query_one(CapabilitiesTable).filter_text = ""

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """"Install for <agent>…" for each agent set up through a file (the palette)."""
        from openrush_tui.agents.catalog import AGENTS

        panel = self.query_one(AgentPanel)
        return [(f"Install for {agent.name}… (i)",
                 f"Show the change to {agent.target.shown}, then write it if you agree",
                 lambda agent=agent: panel.request_install(agent))
                for agent in AGENTS if agent.target is not None]
