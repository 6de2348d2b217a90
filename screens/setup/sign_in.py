"""The sign-in dialog: paste a key (masked, with a toggle to show it) and check it.

The key is checked against the server (`auth.key_check`) before anything is saved. A 401
keeps the dialog open with the input as it was, so a typo can be fixed rather than pasted
again. The dialog closes with the checked key; where it is stored is the Setup screen's job.

While it is open, Textual's own log is held (`OpenRushApp.hold_log`): every keystroke,
paste and change of the input is a message Textual would log with the key in it. The input
is emptied before the dialog closes, so no message sent after that carries the key either.

In the in-process sandbox, Demo account closes it with the sandbox's demo session instead (a
StoredKey: nothing to check or save), the way back in after signing out of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, Static

from openrush_tui.auth.credentials import ENV_VAR, StoredKey, key_from_environment
from openrush_tui.auth.key_check import (
    API_PAGE,
    SERVED_SANDBOX_KEYS,
    check_key,
    describe_check_error,
    is_local,
)
from openrush_tui.auth.secret import Secret
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.widgets.toggles import GlyphCheckbox

if TYPE_CHECKING:
    from openrush_tui.session import Session

CHECK_GROUP = "sign-in-check"


class SignInScreen(Dialog[Secret | StoredKey | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="sign-in.cancel"),
        Binding("ctrl+r", "toggle_reveal", "Show/hide the key", id="sign-in.reveal"),
    ]
    AUTO_FOCUS = "#key-input"
    STATUS = "#sign-in-status"

    def __init__(self, session: Session, *, server: str) -> None:
        super().__init__()
        self._session = session
        self._server = server
        self._busy = False  # a check is under way: Enter must not start a second one

    def on_mount(self) -> None:
        self._release_log = self.dashboard.hold_log()

    def on_unmount(self) -> None:
        self._release_log()

    def _close(self, secret: Secret | StoredKey | None) -> None:
        with self.prevent(Input.Changed):
            self.query_one("#key-input", Input).value = ""
        self.dismiss(secret)

    @property
    def _sandbox(self) -> bool:
        return self._session.settings.sandbox is not None

    @property
    def _local(self) -> bool:
        """The API URL is on this machine: a sandbox served with `sandbox serve`."""
        return is_local(self._session.settings.api_url)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Sign this terminal in", classes="title")
            with VerticalScroll(classes="body"):
                if self._sandbox:
                    # The web page's keys are not this sandbox's; its demo account needs none.
                    yield Static(Content(
                        "This is the sandbox: choose Demo account to sign in to its demo "
                        "account, or paste a key of this sandbox (one created on API access). "
                        f"A key is checked with the {self._server} first."),
                        classes="note")
                elif self._local:
                    # A sandbox served here (`sandbox serve`): the web page's keys are not its.
                    yield Static(Content(
                        f"This server is on this machine, as a sandbox is: paste "
                        f"{SERVED_SANDBOX_KEYS}. It is checked with {self._server} before it "
                        "is saved."), classes="note")
                else:
                    yield Static(Content(
                        f"Paste an API key (or_…) from {API_PAGE}, or a Dashboard session "
                        f"token. It is checked with {self._server} before it is saved."),
                        classes="note")
                if not self._sandbox and key_from_environment():
                    yield Static(Content(
                        f"{ENV_VAR} is set in this environment: at the next start it wins "
                        "over the key saved here."), classes="note", id="env-note")
                yield Label("Key")
                yield Input(placeholder="or_…", password=True, id="key-input")
                yield GlyphCheckbox("Show the key", id="show-key", compact=True)
                yield Static("", id="sign-in-status")
            with Horizontal(classes="buttons"):
                yield Button("Sign in", id="submit", variant="primary")
                if self._sandbox:
                    yield Button("Demo account", id="demo")
                yield Button("Cancel", id="cancel")

    # -- the input ---------------------------------------------------------------------------

    @on(Checkbox.Changed, "#show-key")
    def _reveal_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#key-input", Input).password = not event.value

    def action_toggle_reveal(self) -> None:
        toggle = self.query_one("#show-key", Checkbox)
        toggle.value = not toggle.value

    @on(Input.Changed, "#key-input")
    def _typed(self) -> None:
        if not self._busy:
            self.say("")

    @on(Input.Submitted, "#key-input")
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self._busy:
            return
        value = self.query_one("#key-input", Input).value.strip()
        if not value:
            self.say("Paste a key first.", state="error")
            return
        self.say(Content(f"Checking the key with {self._server}…"), state="busy")
        self._busy = True
        self.query_one("#submit", Button).disabled = True
        self.check_candidate(Secret(value))

    @on(Button.Pressed, "#demo")
    def _demo_pressed(self) -> None:
        if not self._busy:
            self.use_demo()

    @work(group=CHECK_GROUP, exclusive=True, exit_on_error=False)
    async def use_demo(self) -> None:
        """The sandbox's demo session again: nothing to paste, check or save."""
        key = await self._session.demo_key()
        if key is None:  # the sandbox is closing with the app
            self.say("The sandbox is not open.", state="error")
            return
        self._close(key)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, CHECK_GROUP)
        self._close(None)

    # -- the check ---------------------------------------------------------------------------

    @work(group=CHECK_GROUP, exclusive=True, exit_on_error=False)
    async def check_candidate(self, secret: Secret) -> None:
        try:
            await check_key(await self._session.client(), secret)
        except Exception as error:  # whatever it was, it is said under the input, to fix
            self._busy = False
            self.query_one("#submit", Button).disabled = False
            self.say(Content(describe_check_error(error, sandbox=self._sandbox,
                                                     local=self._local)), state="error",
                     focus=self.query_one("#key-input", Input))
            return
        self._close(secret)

