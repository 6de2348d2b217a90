"""Setup: sign this terminal in, connect an AI agent, and see what the account can call.

Three sections, each a widget that owns its state and drawing: "This terminal"
(`TerminalPanel`: signed in or not, where, with a key from where, the last connection check),
"Connect an AI agent" (`AgentPanel`: each agent's steps and snippet) and "Capabilities"
(`CapabilitiesTable`). This screen runs the flows: sign in (the dialog checks the key, then
it is kept where the person chose), where keys are kept without a keyring (remembered per
profile, changed with Storage), sign out (asking first when it would delete the only copy of
a key), and install into an agent's config file. Each is an `@work` method that awaits its
request or blocking call (in a thread) and then finishes the flow itself, saying the errors it
expects. The decisions and the words are the core's (`auth.signin`, shared with
``openrush-tui login``, and `auth.key_storage`); this screen asks and shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Static

from openrush_tui.agents.catalog import AGENTS, Agent
from openrush_tui.api.errors import Unauthorized
from openrush_tui.auth import key_storage, signin
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.signin import (
    NO_CONSENT,
    Consent,
    NeedsChoice,
    NeedsConsent,
    StorageChoice,
    sign_out_question,
)
from openrush_tui.auth.status import USE_SAVED_KEY, Account, check_account, rejection
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.text.safe import visible
from openrush_tui.widgets.agent_panel import AgentPanel
from openrush_tui.widgets.capabilities_table import CapabilitiesTable
from openrush_tui.widgets.filter_bar import FilterBar
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.keymap import ACT, FIND, MOVE
from openrush_tui.widgets.terminal_panel import TerminalPanel

if TYPE_CHECKING:
    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.web.discovery import NotOffered, WebSignIn
    from openrush_tui.auth.web.tokens import WebSession

CAPABILITIES_GROUP = "capabilities"
PLAN_GROUP = "install-plan"
STORE_GROUP = "store-key"
STORAGE_GROUP = "change-storage"
SIGN_OUT_GROUP = "sign-out"
SIGN_OUT_ASK_GROUP = "sign-out-ask"
WEB_GROUP = "web-discovery"
WEB_KEEP_GROUP = "web-keep"
UNREAD_METADATA = "its sign-in metadata could not be read"  # discovery's words: no answer
BROWSER_OFFER = ("Or press b to sign in through a web page instead of pasting an API key; "
                 "over SSH, open its link or QR code on another device.")


class SetupBody(VerticalScroll):
    """Setup's scrolling body. On an action (a button, the checkbox) j/k and the arrows move
    to the next or previous thing to focus, as they move the cursor of a list (the arrows
    scrolled the page away from the focused button instead); on the lists their own keys
    come first, and elsewhere they scroll as before."""

    # Not a Tab stop (issue 20): focused, the body showed no mark and, at its end, moved
    # nothing, so a Tab after the capabilities table seemed lost. Its keys (the arrows,
    # PageUp/PageDown) still scroll it from any control inside it.
    can_focus = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "step(1)", "Next action", show=False, id="setup.next", group=MOVE,
                tooltip="On a button: the next button or list (in a list: its next row)"),
        Binding("k,up", "step(-1)", "Previous action", show=False, id="setup.previous",
                group=MOVE, tooltip="On a button: the previous button or list"),
    ]

    def action_step(self, by: int) -> None:
        screen = self.screen
        if isinstance(screen.focused, Button | Checkbox):
            # Focusing scrolls the widget into view (Textual's set_focus).
            if by > 0:
                screen.focus_next()
            else:
                screen.focus_previous()
        elif by > 0:
            self.scroll_down()
        else:
            self.scroll_up()


class SetupScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Setup"
    FETCH_READS_BALANCE: ClassVar[bool] = True  # check_account asks for the credits
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sign_in", "Sign in", id="setup.sign-in", group=ACT,
                tooltip="Sign this terminal in with a key"),
        Binding("b", "web_sign_in", "Browser sign-in", id="setup.web-sign-in", group=ACT,
                tooltip="Sign in on a web page: no key to paste (SSH too)"),
        Binding("x", "sign_out", "Sign out", id="setup.sign-out", group=ACT,
                tooltip="Sign out (asks first when the key would be lost)"),
        # Offered when the store holds another key than the one in use (`keys rotate` or
        # another terminal saved it), or one while signed out: used without a restart.
        Binding(USE_SAVED_KEY, "use_saved", "Use saved key", id="setup.use-saved", group=ACT,
                tooltip="Use the key saved meanwhile (no restart)"),
        Binding("c", "copy", "Copy snippet", id="setup.copy-snippet", group=ACT,
                tooltip="Copy the selected agent's snippet"),
        # Shown on the checkbox it toggles; the footer has no room left for it. (Not k:
        # that moves up every list.)
        Binding("v", "toggle_key_header", "Key from OPENRUSH_KEY", id="setup.key-variant",
                show=False, group=ACT,
                tooltip="Snippet variant: the key read from OPENRUSH_KEY"),
        Binding("i", "install", "Install", id="setup.install", group=ACT,
                tooltip="Install into the agent's file, or show its command"),
        Binding("u", "uninstall", "Uninstall", id="setup.uninstall", group=ACT,
                tooltip="Remove OpenRush from the agent's file (diff, backup)"),
        Binding("t", "storage", "Key storage", show=False, id="setup.storage", group=ACT,
                tooltip="Where the key is kept: the file or this session only"),
        Binding("slash", "filter", "Filter tools", show=False, id="setup.filter", group=FIND,
                priority=True,
                tooltip="Narrow the capabilities by tool name or description"),
        Binding("escape", "clear_filter", "Clear", show=False, id="setup.clear-filter",
                group=FIND, tooltip="Clear the filter"),
    ]
    AUTO_FOCUS = "#agents"
    # The footer's order (most useful first; the last give way on a narrow terminal). Sign
    # out before Uninstall: at 80 columns, once an agent is set up, Uninstall took its place
    # (issue 20); Copy snippet (its button, the help) gives way first.
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "setup.use-saved", "setup.sign-in", "setup.web-sign-in", "setup.install",
        "setup.sign-out", "setup.uninstall", "setup.copy-snippet", "page.refresh")
    # Narrower than 70 columns the screen gets -narrow (styles/setup.tcss: the buttons
    # shrink to their labels so that a row of them stays in its section).
    # (Declared as Textual declares it, which mypy reads as an instance variable.)
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [  # noqa: RUF012
        (0, "-narrow"), (70, "-wide")]
    # Shorter than 30 rows it gets -short: at 60 columns, the agent list above the steps is
    # then a few rows with its own scroll (styles/setup.tcss; 60x20, trial 8: the whole list
    # filled the screen and the steps began below it).
    VERTICAL_BREAKPOINTS: list[tuple[int, str]] | None = [  # noqa: RUF012
        (0, "-short"), (30, "-tall")]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with SetupBody(id="setup-body"):
            with Vertical(id="terminal-section", classes="section") as terminal:
                terminal.border_title = "This terminal"
                yield TerminalPanel(self.dashboard.session, clock=self.dashboard.now,
                                    id="terminal-panel")
                # Signed out of a server that offers it: sign in with the browser (issue 22),
                # or the one line saying why only the paste flow is offered.
                yield Static(id="web-offer")
                yield Button("Sign in with the browser", id="web-sign-in", compact=True)
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
        self.check_agents()
        self.watch(self.query_one(SetupBody), "virtual_size", self._body_resized, init=False)

    def _body_resized(self) -> None:
        # The body grows as what it shows arrives (the account's rows, then the tools and the
        # scroll bar). The screen's own background, under the body and never seen, is drawn
        # again then: Textual keeps each line it did not draw again cut for every layout it
        # was shown under (~300 lines' pieces at 120x40: memory, issue 23).
        self.refresh()

    def on_screen_resume(self) -> None:
        # Back from a dialog or another page; DashboardScreen's handler (which runs too)
        # checks again when the key changed meanwhile.
        if not self.shutting_down:
            self.render_terminal()
            self._check_store()
            self.check_agents()  # `agents install` may have run in another terminal

    @work(group="store-check", exclusive=True, exit_on_error=False)
    async def _check_store(self) -> None:
        """Another terminal may have signed this profile in with another key, or out, since
        this one read the store: say so under "This terminal" (the key in use stays)."""
        session = self.dashboard.session
        before = session.store_note
        if await session.check_stored_key() != before and not self.shutting_down:
            self.render_terminal()

    @property
    def FOOTER_KEEP(self) -> tuple[str, ...]:  # the name widgets.key_hints reads
        """The keys that give way last on a narrow footer (60 columns): the action that fits
        the sign-in state (Sign out while signed in, Sign in when not: trial 8 kept Sign in
        and dropped Sign out), the saved key's offer, and Install."""
        signed_in = not self.is_mounted or self.dashboard.session.signed_in
        return ("setup.use-saved", "setup.sign-out" if signed_in else "setup.sign-in",
                "setup.install")

    @property
    def terminal(self) -> TerminalPanel:
        return self.query_one(TerminalPanel)

    def render_terminal(self) -> None:
        """Draw "This terminal" again from the session (what the page offers may change)."""
        self.terminal.refresh_status()
        self._show_web_offer()
        self._offer()

    def _offer(self) -> None:
        """Offer what can work now: the footer's keys (`check_action`), and the Sign out
        button only while signed in (disabled, it still read as an offer: re-trial 8)."""
        self.refresh_bindings()
        signed_in = self.dashboard.session.signed_in
        for button in self.query("#sign-out").results(Button):
            button.display = signed_in

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            return self.dashboard.session.signed_in
        if action == "use_saved":
            return self.dashboard.session.saved_offer is not None
        if action == "storage":
            return self.dashboard.session.settings.sandbox is None
        if action == "web_sign_in":
            return self._web_offered()
        built = self.is_mounted and not self.shutting_down  # else parts may be missing
        if action == "uninstall":
            return built and self.query_one(AgentPanel).can_uninstall
        if action == "clear_filter":
            return built and self.query_one(FilterBar).is_open
        return super().check_action(action, parameters)

    # -- loading (DashboardScreen calls these) -----------------------------------------------

    def action_reload(self, reuse: float = 0.0) -> None:
        super().action_reload(reuse)
        # The store too (a file read, in a thread): `keys rotate` or another terminal may
        # have saved another key, which r then offers (trial 8: only a restart picked it up).
        self._check_store()
        # The tools are the same for every key and change rarely: fetched with the page, and
        # again only until they load, so a reload (r, Test connection) is one small request.
        if self.query_one(CapabilitiesTable).capabilities is None:
            self.load_capabilities()

    async def fetch(self) -> Account:
        session = self.dashboard.session
        client = await session.client()
        if session.key is None:  # signed out while the client was being built
            raise Unauthorized("You are not signed in", "Sign in with an API key first.")
        # One small request: the id comes from a token's claims or from a key list the
        # session has seen, never from listing every key here.
        epoch = session.epoch
        account = await check_account(client, session.key.secret, known_id=session.account_id)
        if self._ok_epoch == epoch == session.epoch:  # r again: its line says when it ran
            account = replace(account, retested_at=self.dashboard.now())
        return account

    # The session epoch whose key the last check found working (None: none yet): a check
    # of the same key again says when it ran.
    _ok_epoch: int | None = None
    # The session epoch of the last check that ended, working or not (None: none yet): a
    # failed check of the same key again says when it ran too.
    _checked_epoch: int | None = None

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
        self.terminal.forget()

    # Whether the page shows "not signed in" already (`show_signed_out` scrolls to the top
    # only as it starts to).
    _shown_signed_out: bool = False

    def show_loading(self) -> None:
        self._shown_signed_out = False
        self.terminal.checking()
        self._show_web_offer()
        self._offer()

    def show(self, account: Account) -> None:
        self._shown_signed_out = False
        self._ok_epoch = self._checked_epoch = self.dashboard.session.epoch
        self.dashboard.balance = account.balance
        self.terminal.connected(account)
        self._show_web_offer()
        self._offer()

    def show_error(self, message: str) -> None:
        self._ok_epoch = None
        epoch = self.dashboard.session.epoch
        if self._checked_epoch == epoch:
            # r again (the server stopped): the same line would not show that it ran.
            at = self.dashboard.now().astimezone(UTC).strftime("%H:%M:%S UTC")
            message = f"{message} Tested again at {at}."
        self._checked_epoch = epoch
        self.terminal.failed(message, self.last_error)
        self._show_web_offer()
        self._offer()

    def show_signed_out(self) -> None:
        if not self._shown_signed_out:
            # Just signed out (here, or a revoke on API access), or first shown so: from the
            # top, where Status says so; the focused list had scrolled it out of view.
            self._shown_signed_out = True
            body = self.query_one(SetupBody)
            body.call_after_refresh(body.scroll_home, animate=False, immediate=True)
        self.terminal.signed_out()
        self._offer()
        if self._web_plan is None and self.dashboard.settings.sandbox is None:
            self.discover_web()
        self._show_web_offer()

    # -- buttons -----------------------------------------------------------------------------

    @on(Button.Pressed, "#sign-in")
    def _sign_in_pressed(self) -> None:
        self.action_sign_in()

    @on(Button.Pressed, "#web-sign-in")
    def _web_sign_in_pressed(self) -> None:
        self.action_web_sign_in()

    @on(Button.Pressed, "#sign-out")
    def _sign_out_pressed(self) -> None:
        self.action_sign_out()

    @on(Button.Pressed, "#test-connection")
    def _test_pressed(self) -> None:
        self.action_reload()

    @on(Button.Pressed, "#storage")
    def _storage_pressed(self) -> None:
        self.action_storage()

    # -- signing in --------------------------------------------------------------------------

    def action_sign_in(self) -> None:
        # The dialog's module loads when it first opens: not on the first frame.
        from openrush_tui.screens.setup.sign_in import SignInScreen

        settings = self.dashboard.settings
        self.app.push_screen(SignInScreen(self.dashboard.session, server=settings.server_label),
                             self._key_checked)

    def _key_checked(self, secret: Secret | StoredKey | None) -> None:
        if isinstance(secret, StoredKey):  # the sandbox's demo account: nothing to save
            self.use_demo(secret)
        elif secret is not None:
            self.save_key(secret)

    @work(group=STORE_GROUP, exclusive=True, exit_on_error=False)
    async def use_demo(self, key: StoredKey) -> None:
        await self.dashboard.session.use_key(key)
        self.notify(key_storage.signed_in_message(key), markup=False, timeout=8)
        self.action_reload()

    @work(group=STORE_GROUP, exclusive=True, exit_on_error=False)
    async def save_key(self, secret: Secret, choice: StorageChoice | None = None,
                       replaces: Consent = NO_CONSENT) -> None:
        """Keyring first; without a usable one, ask, then keep the key as chosen. Replacing
        the only copy of a saved key (or of the key in use) asks first, as signing out does."""
        settings, session = self.dashboard.settings, self.dashboard.session
        try:
            result = await asyncio.to_thread(
                partial(key_storage.keep_key, settings.profile, settings.api_url, secret,
                        sandbox=settings.sandbox is not None, choice=choice,
                        in_use=session.key, replaces=replaces))
        except OpenRushError as exc:  # the credentials or profiles file could not be used
            self.notify(f"The key could not be saved: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        if isinstance(result, NeedsChoice):
            # The dialog's module loads when it first opens: not on the first frame.
            from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen

            self.app.push_screen(StorageChoiceScreen(result.reason, result.file_path),
                                 partial(self._storage_chosen, secret, replaces))
            return
        if isinstance(result, NeedsConsent):
            # The dialog's module loads when it first opens: not on the first frame.
            from openrush_tui.screens.setup.replace_key import replace_key_dialog

            self.app.push_screen(replace_key_dialog(result),
                                 partial(self._replace_answered, secret, result, replaces))
            return
        session = self.dashboard.session
        await session.use_key(result.key)
        session.notes = result.notes
        self.notify(key_storage.signed_in_message(result.key), markup=False, timeout=8)
        self.action_reload()

    def _storage_chosen(self, secret: Secret, replaces: Consent,
                        choice: StorageChoice | None) -> None:
        if choice is None:
            self.notify(key_storage.NOT_KEPT, markup=False)
            return
        self.save_key(secret, choice, replaces)

    def _replace_answered(self, secret: Secret, ask: NeedsConsent, replaces: Consent,
                          confirmed: bool | None) -> None:
        if not confirmed:
            self.notify(key_storage.replace_kept_message(ask), markup=False, timeout=8)
            return
        self.save_key(secret, ask.choice, ask.consent(replaces))

    # -- signing in with the browser (issue 22) ---------------------------------------------

    _web_plan: WebSignIn | NotOffered | None = None  # what discovery found (signed out)

    def _web_offered(self) -> bool:
        from openrush_tui.auth.web.discovery import WebSignIn  # lazy: start-up (first frame)

        session = self.dashboard.session
        return (isinstance(self._web_plan, WebSignIn) and not session.signed_in
                and not session.lookup_pending)

    @work(group=WEB_GROUP, exclusive=True, exit_on_error=False)
    async def discover_web(self) -> None:
        """Whether this server offers sign-in with the browser (its metadata documents)."""
        # lazy: start-up (httpx and the documents' models load with the first discovery)
        from openrush_tui.auth.web.flow import BrowserSignIn

        session = self.dashboard.session
        async with BrowserSignIn(session.settings.effective_api_url, None,
                                 transport=session.sign_in_transport) as signing:
            plan = await signing.discover()
        # Not reached (the connection line says that): unknown, asked again next time,
        # rather than "not offered" for good.
        unreachable = getattr(plan, "reason", "").startswith(UNREAD_METADATA)
        self._web_plan = None if unreachable else plan
        if not self.shutting_down:
            self._show_web_offer()
            self._offer()

    def _show_web_offer(self) -> None:
        """Signed out: the browser sign-in's button and line, or why it is not offered."""
        line, button = self.query_one("#web-offer", Static), self.query_one("#web-sign-in")
        offered = self._web_offered()
        shown = self._web_plan is not None and not self.dashboard.session.signed_in
        line.display, button.display = shown, offered
        if offered:
            # What the browser sign-in spares you, and that it works where no browser runs
            # ("No key to copy" read as "this terminal has no key it can copy": trial 6).
            line.update(BROWSER_OFFER)
        elif shown:
            line.update(getattr(self._web_plan, "line", ""))

    def action_web_sign_in(self) -> None:
        # lazy: start-up (the dialog's module loads when it first opens)
        from openrush_tui.auth.web.discovery import WebSignIn
        from openrush_tui.screens.setup.web_sign_in import WebSignInScreen

        if self._web_offered() and isinstance(self._web_plan, WebSignIn):
            self.app.push_screen(WebSignInScreen(self.dashboard.session, self._web_plan),
                                 self._web_signed_in)

    def _web_signed_in(self, web: WebSession | None) -> None:
        if web is not None:
            self.keep_web(web)

    @work(group=WEB_KEEP_GROUP, exclusive=True, exit_on_error=False)
    async def keep_web(self, web: WebSession, choice: StorageChoice | None = None) -> None:
        """Keep the sign-in as a key is kept (the keyring; without one, where the person
        chooses), then use it; not kept anywhere, it is ended at the server."""
        from openrush_tui.auth.web import keeping  # lazy: start-up (first frame)
        from openrush_tui.session import web_key

        session = self.dashboard.session
        try:
            kept = await asyncio.to_thread(partial(keeping.keep, session.settings.profile,
                                                   web, choice=choice))
        except OpenRushError as exc:
            await session.end_web(keeping.Kept(web, "session"))
            self.notify(f"The sign-in could not be kept, so it was ended: {exc}",
                        severity="error", timeout=12, markup=False)
            return
        if isinstance(kept, NeedsChoice):
            # The dialog's module loads when it first opens: not on the first frame.
            from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen

            self.app.push_screen(StorageChoiceScreen(
                kept.reason, kept.file_path, web=True,
                title="Signed in through the browser, but there is no safe place to keep it"),
                partial(self._web_storage_chosen, web))
            return
        await session.use_key(web_key(kept), web=kept)
        who = f" as {visible(web.account_id)}" if web.account_id else ""
        self.notify(f"Signed in through the browser{who}; kept in {kept.source_label}.",
                    markup=False, timeout=8)
        self.action_reload()

    def _web_storage_chosen(self, web: WebSession, choice: StorageChoice | None) -> None:
        if choice is not None:
            self.keep_web(web, choice)
        else:
            self.end_unkept(web)

    @work(group=WEB_KEEP_GROUP, exclusive=True, exit_on_error=False)
    async def end_unkept(self, web: WebSession) -> None:
        from openrush_tui.auth.web.keeping import Kept  # lazy: start-up (first frame)

        await self.dashboard.session.end_web(Kept(web, "session"))
        self.notify("Not signed in: the sign-in was kept nowhere, so it was ended.",
                    markup=False, timeout=8)

    # -- where keys are kept without a keyring -----------------------------------------------

    def action_storage(self) -> None:
        self.ask_storage()

    @work(group=STORAGE_GROUP, exclusive=True, exit_on_error=False)
    async def ask_storage(self) -> None:
        """The storage dialog, saying what this profile chose before."""
        # The dialog's module loads when it first opens: not on the first frame.
        from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen

        question = await asyncio.to_thread(key_storage.storage_question,
                                           self.dashboard.settings.profile)
        self.app.push_screen(
            StorageChoiceScreen(question.reason, question.file_path, title=question.title),
            self._storage_changed)

    def _storage_changed(self, choice: StorageChoice | None) -> None:
        if choice is not None:
            self.change_storage(choice)

    @work(group=STORAGE_GROUP, exclusive=True, exit_on_error=False)
    async def change_storage(self, choice: StorageChoice) -> None:
        session, settings = self.dashboard.session, self.dashboard.settings
        try:
            moved = await asyncio.to_thread(signin.change_storage, settings.profile,
                                            settings.api_url, session.key, choice)
        except (OpenRushError, OSError) as exc:
            self.notify(f"The choice was not saved: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        if moved is not None:
            await session.use_key(moved.key)
            session.notes = moved.notes
        self.render_terminal()
        self.notify(key_storage.storage_changed_message(choice, moved), markup=False,
                    timeout=8)

    # -- the key saved meanwhile ---------------------------------------------------------------

    def action_use_saved(self) -> None:
        if self.dashboard.session.saved_offer is not None:
            self.use_saved()

    @work(group="use-saved", exclusive=True, exit_on_error=False)
    async def use_saved(self) -> None:
        """Switch to the key saved for the profile now, read again from the store (as a
        restart would read it), and check it."""
        session = self.dashboard.session
        try:
            saved = await session.use_saved_key()
        except OpenRushError as exc:  # e.g. a credentials file others can read
            self.notify(f"The saved key was not used: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        if saved is None:
            self.notify("No other key is saved for this profile now.", markup=False,
                        timeout=8)
            self.render_terminal()
            return
        self.notify(f"Now using the key saved for profile “{session.settings.profile}” "
                    f"({saved.secret.masked()}), from {saved.source_label}.", markup=False,
                    timeout=8)
        self.action_reload()

    # -- signing out -------------------------------------------------------------------------

    def action_sign_out(self) -> None:
        if self.dashboard.session.signed_in:
            self.ask_sign_out()

    @work(group=SIGN_OUT_ASK_GROUP, exclusive=True, exit_on_error=False)
    async def ask_sign_out(self) -> None:
        """When signing out deletes the only copy of a key this tool knows of that may still
        work, ask first (a key the server refused as revoked or expired works nowhere)."""
        session = self.dashboard.session
        refused = rejection(self.last_error) if self.load_failed and self.last_error else None
        if session.settings.sandbox is None:
            try:  # the keyring may be asked (bounded): a thread
                question = await asyncio.to_thread(partial(
                    sign_out_question, session.settings.profile, session.key, refused=refused))
            except OpenRushError as exc:  # e.g. a credentials file others can read
                self.notify(f"Not signed out: {exc}", severity="error", timeout=12,
                            markup=False)
                return
            if question is not None:
                # The dialog's module loads when it first opens: not on the first frame.
                from openrush_tui.screens.setup.sign_out import sign_out_dialog

                self.app.push_screen(sign_out_dialog(question), self._sign_out_answered)
                return
        self.sign_out()

    def _sign_out_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self.sign_out()

    @work(group=SIGN_OUT_GROUP, exclusive=True, exit_on_error=False)
    async def sign_out(self) -> None:
        session = self.dashboard.session
        sandbox = session.settings.sandbox is not None
        web = session.web
        try:
            report = await session.sign_out()
            if web is not None:  # a browser sign-in: ended at the server, then forgotten
                message = web_signed_out(*await session.end_web(web))
            elif sandbox:
                message = key_storage.SANDBOX_SIGNED_OUT
            else:
                if report is None:  # the key was not stored by us, but an older one may be
                    report = await session.forget_stored()
                message = report.summary()
        except OpenRushError as exc:
            self.notify(f"Signing out did not finish: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        self.dashboard.balance = None
        self.show_signed_out()
        self.notify(message, markup=False, timeout=10)
        self._check_store()  # a key another terminal saved stays: offered (w)

    # -- agents ------------------------------------------------------------------------------

    def on_agent_panel_copy_requested(self, event: AgentPanel.CopyRequested) -> None:
        outcome = self.dashboard.copy_text(event.text)
        self.notify(outcome.message("the snippet"), markup=False, timeout=8,
                    severity="information" if outcome.anything_done else "warning")

    def on_agent_panel_install_requested(self, event: AgentPanel.InstallRequested) -> None:
        self.preview_change(event.agent, event.key_header)

    def on_agent_panel_uninstall_requested(self, event: AgentPanel.UninstallRequested) -> None:
        self.preview_change(event.agent, False, remove=True)

    @work(group="agents-check", exclusive=True, exit_on_error=False)
    async def check_agents(self) -> None:
        """Which agents are set up here: `agents list`'s own function (it reads files: a
        thread), shown in the agent list."""
        from openrush_tui.agents.found import find_setups  # lazy: start-up (tomllib, files)

        found = await asyncio.to_thread(find_setups, mcp_url=self.dashboard.settings.mcp_url)
        if not self.shutting_down:
            self.query_one(AgentPanel).setups = {item.agent.id: item for item in found}

    @work(group=PLAN_GROUP, exclusive=True, exit_on_error=False)
    async def preview_change(self, agent: Agent, key_header: bool, *,
                             remove: bool = False) -> None:
        """The diff first (`agents.install`); the dialog writes only when asked. An agent
        that keeps its settings itself gets its steps (a command) to copy instead."""
        # The installer (tomllib, the config merge) and its dialogs load with the first
        # install: not on the first frame.
        from openrush_tui.agents.catalog import public_server_note, removal_steps
        from openrush_tui.agents.install import NoConfigFile, plan_install, plan_uninstall
        from openrush_tui.screens.setup.agent_install import AgentInstallScreen
        from openrush_tui.screens.setup.agent_steps import AgentStepsScreen

        settings = self.dashboard.settings
        note = None if remove else public_server_note(
            settings.mcp_url, None if settings.sandbox is not None else settings.api_url)
        try:
            # Reading and parsing the file is I/O: a thread, like every blocking call.
            plan = await asyncio.to_thread(plan_uninstall, agent) if remove else \
                await asyncio.to_thread(plan_install, agent, settings.mcp_url,
                                        key_header=key_header)
        except NoConfigFile:  # set up in its own app or by its command: the steps to copy
            # The agent asked for, not the one shown now (the list may have moved meanwhile).
            steps = removal_steps(agent) if remove else \
                agent.instructions(self.query_one(AgentPanel).mcp_url, key_header=key_header)
            if steps is None:
                self.notify(f"{agent.name} is set up in its own app: remove OpenRush there.",
                            markup=False, timeout=8)
                return
            self.app.push_screen(AgentStepsScreen(agent, steps, note=note, remove=remove))
            return
        except OpenRushError as exc:  # a file that must not be touched, or an unsafe MCP URL
            self.notify(str(exc), severity="error", timeout=12, markup=False)
            return
        self.app.push_screen(AgentInstallScreen(plan, note=note), self._installed)

    def on_agent_panel_agent_changed(self, event: AgentPanel.AgentChanged) -> None:
        self._offer()
        panel = self.query_one(AgentPanel)
        if event.moved and self.has_class("-short") and panel.has_class("-narrow"):
            # Moving down the compact list (60x20): the section comes up whole to the top,
            # so the steps of the agent chosen are read under it, not below the fold.
            self.query_one("#agent-section").scroll_visible(top=True, animate=False)

    def action_copy(self) -> None:
        self.query_one(AgentPanel).request_copy()

    def action_toggle_key_header(self) -> None:
        self.query_one(AgentPanel).toggle_key_header()

    def action_install(self) -> None:
        self.query_one(AgentPanel).request_install()

    def action_uninstall(self) -> None:
        self.query_one(AgentPanel).request_uninstall()

    def _installed(self, summary: str | None) -> None:
        if summary:
            self.notify(summary, markup=False, timeout=8)
            self.check_agents()  # the list shows the change

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
        panel = self.query_one(AgentPanel)

        def install(agent: Agent) -> Callable[[], object]:
            return lambda: panel.request_install(agent)

        return [(f"Install for {agent.name}… (i)",
                 f"Show the change to {agent.target.shown}, then write it if you agree",
                 install(agent))
                for agent in AGENTS if agent.target is not None]


def web_signed_out(ended: bool | None, problems: list[str]) -> str:
    """What signing out of a browser sign-in did (`Session.end_web`)."""
    said = {True: "Signed out: the server ended the browser sign-in, and it was removed.",
            False: "Signed out of the browser sign-in here (the server offers no revocation).",
            None: "Signed out of the browser sign-in here; the server could not be told, so "
                  "it ends when its tokens expire."}[ended]
    return " ".join([said, *problems])
