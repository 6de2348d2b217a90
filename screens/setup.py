"""Setup: sign this terminal in, connect an AI agent, and see what the account can call.

Three sections. "This terminal" says whether it is signed in, to which server, with a key from
where (masked), for which account and balance. "Connect an AI agent" shows each agent's steps
and snippet (`AgentPanel`) and installs into config files (`agent_install`). "Capabilities"
lists the tools and their costs. The flows (sign in, where to store the key, sign out,
install) are run from here; each request or blocking call runs in a worker whose result comes
back through `on_worker_state_changed`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from openrush_tui.screens.base import DashboardScreen
from openrush_tui.text.safe import visible
from openrush_tui.widgets.agent_panel import AgentPanel
from openrush_tui.widgets.capabilities_table import CapabilitiesTable
from openrush_tui.widgets.key_hints import KeyHints

if TYPE_CHECKING:
    from openrush_tui.agents.install import InstallPlan
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.status import Account, TerminalStatus
    from openrush_tui.screens.storage_choice import StorageChoice

CAPABILITIES_GROUP = "capabilities"
STORE_GROUP = "store-key"
SIGN_OUT_GROUP = "sign-out"
PLAN_GROUP = "install-plan"
API_PAGE = "https://openrush.io/dashboard/api"
LABEL_WIDTH = 11


@dataclass(frozen=True)
class NeedsStorageChoice:
    """The keyring could not keep the key: the person chooses (worker → screen)."""

    secret: Secret
    reason: str


@dataclass(frozen=True)
class Adopted:
    key: StoredKey
    notes: tuple[str, ...] = ()


def terminal_content(status: TerminalStatus, *, sandbox_starting: bool = False,
                     looking: bool = False) -> Content:
    """The "This terminal" lines; server text is passed through `visible`, never markup."""
    parts: list[str | tuple[str, str]] = []

    def row(label: str, value: str, style: str = "") -> None:
        parts.extend([(f"{label:<{LABEL_WIDTH}}", "$text-muted"), (value, style), "\n"])

    if looking:
        row("Status", "looking for a saved key (keyring, then file)…", "$text-muted")
        return Content.assemble(*parts)
    if status.signed_in or sandbox_starting:
        row("Status", "signed in", "bold $text-success")
    else:
        row("Status", "not signed in", "bold $text-warning")
    for label, value in status.rows():
        row(label, visible(value))
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


class SetupScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Setup"
    FETCH_READS_BALANCE: ClassVar[bool] = True  # check_account asks for the credits
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sign_in", "Sign in", id="setup.sign-in"),
        Binding("o", "sign_out", "Sign out", id="setup.sign-out"),
        Binding("c", "copy_snippet", "Copy snippet", id="setup.copy-snippet"),
        # Shown on the checkbox it toggles; the footer has no room left for it.
        Binding("k", "toggle_key_header", "Key from OPENRUSH_KEY", id="setup.key-variant",
                show=False),
        Binding("i", "install", "Install", id="setup.install"),
    ]
    AUTO_FOCUS = "#agents"

    def __init__(self) -> None:
        super().__init__()
        self._account: Account | None = None
        self._error: str | None = None
        self._shown_key: object = None  # the key last drawn: a change on resume means reload

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
            with Vertical(id="agent-section", classes="section") as agents:
                agents.border_title = "Connect an AI agent"
                agents.border_subtitle = f"MCP URL {self.dashboard.settings.mcp_url}"
                yield AgentPanel(id="agent-panel")
            with Vertical(id="capabilities-section", classes="section") as capabilities:
                capabilities.border_title = "Capabilities"
                yield CapabilitiesTable(id="capabilities")
        yield KeyHints()

    def on_mount(self) -> None:
        # Textual also runs DashboardScreen.on_mount (handlers run along the MRO), which loads.
        self.query_one(AgentPanel).mcp_url = self.dashboard.settings.mcp_url
        self.render_terminal()

    def on_screen_resume(self) -> None:
        # Back from a dialog or another page (API access signs out after revoking its own
        # key): redraw, and check again only if the key changed meanwhile.
        if self.dashboard.session.key is not self._shown_key:
            self._account = None
            self._error = None
            self.action_reload()
        else:
            self.render_terminal()

    # -- "This terminal" ---------------------------------------------------------------------

    def status(self) -> TerminalStatus:
        from openrush_tui.auth.status import TerminalStatus

        session = self.dashboard.session
        settings = self.dashboard.settings
        return TerminalStatus(server=settings.server_label, api_url=settings.effective_api_url,
                              mcp_url=settings.mcp_url, profile=settings.profile,
                              key=session.key, account=self._account, error=self._error,
                              notes=session.notes)

    def render_terminal(self) -> None:
        session = self.dashboard.session
        self._shown_key = session.key
        starting = session.signed_in and session.key is None
        self.query_one("#terminal", Static).update(
            terminal_content(self.status(), sandbox_starting=starting,
                             looking=session.lookup_pending))
        notes = list(session.notes)
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
        if action == "install":
            return self.query_one(AgentPanel).agent.target is not None if self.is_mounted \
                else True
        return True

    # -- loading (DashboardScreen calls these) -----------------------------------------------

    def action_reload(self) -> None:
        super().action_reload()
        self.run_worker(self._capabilities(), group=CAPABILITIES_GROUP, exclusive=True,
                        exit_on_error=False)

    async def fetch(self) -> Account:
        from openrush_tui.auth.status import check_account

        session = self.dashboard.session
        client = await session.client()
        if session.key is None:  # signed out while the client was being built
            from openrush_tui.api.errors import Unauthorized

            raise Unauthorized("You are not signed in", "Sign in with an API key first.")
        return await check_account(client, session.key.secret)

    async def _capabilities(self) -> Any:
        # Unauthenticated: the tools are listed even before this terminal is signed in.
        client = await self.dashboard.session.client()
        return await client.capabilities()

    def show_loading(self) -> None:
        self.render_terminal()
        self._connection("Checking the connection…", "-busy")

    def show(self, account: Account) -> None:
        self._account = account
        self._error = None
        self.dashboard.balance = account.balance
        self.render_terminal()
        self._connection("Connection OK. Press r to test it again.", "-ok")

    def show_error(self, message: str) -> None:
        self._account = None
        self._error = message
        self.render_terminal()
        self._connection(f"Connection failed: {message}", "-error")

    def show_signed_out(self) -> None:
        self._account = None
        self._error = None
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

    # -- signing in --------------------------------------------------------------------------

    def action_sign_in(self) -> None:
        from openrush_tui.screens.sign_in import SignInScreen

        settings = self.dashboard.settings
        self.app.push_screen(SignInScreen(self.dashboard.session, server=settings.server_label),
                             self._key_checked)

    def _key_checked(self, secret: Secret | None) -> None:
        if secret is not None:
            self.run_worker(self._store(secret), group=STORE_GROUP, exclusive=True,
                            exit_on_error=False)

    async def _store(self, secret: Secret) -> Adopted | NeedsStorageChoice:
        from openrush_tui.auth.credentials import KeyringUnusable, save_to_keyring, session_only

        settings = self.dashboard.settings
        if settings.sandbox is not None:
            # A sandbox key must never land where the real service's key is kept.
            return await self._adopt(session_only(secret))
        try:
            stored = await asyncio.to_thread(save_to_keyring, settings.profile, secret)
        except KeyringUnusable as exc:
            return NeedsStorageChoice(secret, exc.describe())
        return await self._adopt(stored, remember=True)

    async def _store_as(self, secret: Secret, choice: StorageChoice) -> Adopted:
        from openrush_tui.auth.credentials import save_to_file, session_only

        if choice == "session":
            return await self._adopt(session_only(secret))
        stored, notes = await asyncio.to_thread(save_to_file, self.dashboard.settings.profile,
                                                secret)
        return await self._adopt(stored, notes=tuple(notes), remember=True)

    async def _adopt(self, stored: StoredKey, *, notes: tuple[str, ...] = (),
                     remember: bool = False) -> Adopted:
        session = self.dashboard.session
        await session.use_key(stored)
        session.notes = notes
        if remember:
            from openrush_tui.auth.private_files import PrivateFileError
            from openrush_tui.auth.profiles import remember_api_url

            # The profile remembers its server, so the saved key is only ever sent there.
            try:
                await asyncio.to_thread(remember_api_url, session.settings.profile,
                                        session.settings.api_url)
            except (PrivateFileError, OSError) as exc:
                session.notes = (*notes, f"The server URL was not remembered: {exc}")
        return Adopted(stored, session.notes)

    def _storage_chosen(self, secret: Secret, choice: StorageChoice | None) -> None:
        if choice is None:
            self.notify("Not signed in: the key was not kept.", markup=False)
            return
        self.run_worker(self._store_as(secret, choice), group=STORE_GROUP, exclusive=True,
                        exit_on_error=False)

    # -- signing out -------------------------------------------------------------------------

    def action_sign_out(self) -> None:
        if self.dashboard.session.signed_in:
            self.run_worker(self._sign_out(), group=SIGN_OUT_GROUP, exclusive=True,
                            exit_on_error=False)

    async def _sign_out(self) -> str:
        session = self.dashboard.session
        sandbox = session.settings.sandbox is not None
        report = await session.sign_out()
        if sandbox:
            return "Signed out of the sandbox. Press s to sign in with a key."
        if report is None:  # the key was not stored by us, but an older one may be
            report = await session.forget_stored()
        return report.summary()

    # -- agents ------------------------------------------------------------------------------

    def on_agent_panel_copy_requested(self, event: AgentPanel.CopyRequested) -> None:
        outcome = self.dashboard.copy_text(event.text)
        self.notify(outcome.message("the snippet"), markup=False, timeout=8,
                    severity="information" if outcome.anything_done else "warning")

    def on_agent_panel_install_requested(self, event: AgentPanel.InstallRequested) -> None:
        from openrush_tui.agents.install import plan_install

        # Reading and parsing the file is I/O: a thread, like every blocking call.
        self.run_worker(asyncio.to_thread(plan_install, event.agent,
                                          self.dashboard.settings.mcp_url,
                                          key_header=event.key_header),
                        group=PLAN_GROUP, exclusive=True, exit_on_error=False)

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

    # -- worker results ----------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in (CAPABILITIES_GROUP, STORE_GROUP, SIGN_OUT_GROUP, PLAN_GROUP):
            return  # the page load is DashboardScreen's
        if event.state == WorkerState.ERROR:
            self._worker_failed(group, event.worker.error)
        elif event.state == WorkerState.SUCCESS:
            self._worker_done(group, event.worker.result)

    def _worker_done(self, group: str, result: Any) -> None:
        if group == CAPABILITIES_GROUP:
            self.query_one(CapabilitiesTable).capabilities = result
        elif group == STORE_GROUP and isinstance(result, NeedsStorageChoice):
            from openrush_tui.auth.credentials import credentials_path
            from openrush_tui.screens.storage_choice import StorageChoiceScreen
            from openrush_tui.text.paths import display_path

            secret = result.secret
            self.app.push_screen(StorageChoiceScreen(result.reason,
                                                     display_path(credentials_path())),
                                 lambda choice: self._storage_chosen(secret, choice))
        elif group == STORE_GROUP and isinstance(result, Adopted):
            self.notify(f"Signed in. The key comes from {result.key.source_label}.",
                        markup=False, timeout=8)
            self._account = None
            self.action_reload()
        elif group == SIGN_OUT_GROUP:
            self.dashboard.balance = None
            self.show_signed_out()
            self.notify(str(result), markup=False, timeout=10)
        elif group == PLAN_GROUP:
            from openrush_tui.screens.agent_install import AgentInstallScreen

            plan: InstallPlan = result
            self.app.push_screen(AgentInstallScreen(plan), self._installed)

    def _worker_failed(self, group: str, error: BaseException | None) -> None:
        from openrush_tui.agents.install import ConfigFileError

        if group == CAPABILITIES_GROUP:
            self.query_one(CapabilitiesTable).error = self.dashboard.describe_error(error) \
                if error else "unknown error"
        elif isinstance(error, ConfigFileError):
            self.notify(str(error), severity="error", timeout=12, markup=False)
        else:
            what = {STORE_GROUP: "The key could not be saved",
                    SIGN_OUT_GROUP: "Signing out did not finish",
                    PLAN_GROUP: "The config file could not be read"}.get(group, "That failed")
            detail = str(error) if error is not None and _is_ours(error) else \
                f"unexpected {type(error).__name__}"
            self.notify(f"{what}: {detail}", severity="error", timeout=12, markup=False)


def _is_ours(error: BaseException) -> bool:
    """Errors whose text this project wrote (no key, no server markup) may be shown as is."""
    from openrush_tui.auth.private_files import PrivateFileError
    from openrush_tui.errors import OpenRushError

    return isinstance(error, OpenRushError | PrivateFileError)
