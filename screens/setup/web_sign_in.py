"""Sign in with the browser (issue 22; docs/oauth.md): the dialog Setup opens with ``b``.

It runs one sign-in of `auth.web` in a worker and closes with the `WebSession` (where to keep
it is Setup's job, as for a key), or with None when cancelled (Escape or Cancel, at any time:
the worker is cancelled, which stops the polling).

- The device flow (the server offers it; the best fit over SSH): the verification address and
  the user code, large, and the QR code of the address with the code in it
  (`widgets.qr_code`) for a phone, when the terminal has room and can draw it; else a line
  saying why not. ``c`` copies the address (with the code) through the app's one copy path.
- Otherwise the code flow with PKCE: with a browser on this machine, it opens the address and
  a listener on 127.0.0.1 takes the answer; without one (SSH), the person opens the address
  elsewhere and pastes back the address the browser ended on.

The server's words (code, addresses) go through the safe-text path; nothing is markup.
"""

from __future__ import annotations

import asyncio
import os
import sys
import webbrowser
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from openrush_tui.auth.web import pkce
from openrush_tui.auth.web.device import SignInFailed
from openrush_tui.auth.web.flow import BrowserSignIn
from openrush_tui.errors import OpenRushError
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact
from openrush_tui.widgets.keymap import DIALOG
from openrush_tui.widgets.qr_code import QrCode, qr_size, why_not_drawn

if TYPE_CHECKING:
    from openrush_tui.auth.web.device import DeviceCode
    from openrush_tui.auth.web.discovery import WebSignIn
    from openrush_tui.auth.web.tokens import WebSession
    from openrush_tui.session import Session

FLOW_GROUP = "web-sign-in"
# Room the QR code needs beside it: the dialog's frame and padding (6 columns), a text column
# that reads (32) and a gap (2); above and below: the frame, the title and the buttons.
TEXT_COLUMNS = 40
CHROME_ROWS = 6


def browser_here() -> bool:
    """Whether a browser can open on this machine for the person at this terminal: not over
    SSH, and a graphical one (a text browser would take over this terminal)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return type(browser) is not webbrowser.GenericBrowser  # a console browser, in this tty


class WebSignInScreen(Dialog["WebSession | None"]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="web-sign-in.cancel", group=DIALOG),
        Binding("c", "copy", "Copy the address", id="web-sign-in.copy", group=DIALOG,
                tooltip="Copy the address to open (OSC 52), the code filled in"),
    ]
    AUTO_FOCUS = "#web-cancel"
    STATUS = "#web-status"

    def __init__(self, session: Session, plan: WebSignIn, *, browser: bool | None = None
                 ) -> None:
        super().__init__()
        self._session = session
        self._plan = plan
        self._browser = browser_here() if browser is None else browser
        self._address: str | None = None  # what `c` copies and the QR code shows
        self._pasted: asyncio.Queue[str] = asyncio.Queue()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Sign in with the browser", classes="title")
            with Horizontal(id="web-main"), VerticalScroll(classes="body", id="web-text"):
                yield Static(id="web-open")
                yield Static(id="web-url")
                yield Static(id="web-copied", classes="note")
                yield Static(id="web-enter")
                yield Static(id="web-code")
                yield Static(id="web-qr-note", classes="note")
                yield Input(placeholder="the address the browser ended on", id="web-paste")
                yield Static(id="web-status", classes="status")
            with Horizontal(classes="buttons"):
                yield Button("Copy address", id="web-copy", compact=True, disabled=True)
                yield Button("Cancel", id="web-cancel", compact=True)

    def on_mount(self) -> None:
        for name in ("#web-enter", "#web-code", "#web-paste", "#web-copied"):
            self.query_one(name).display = False
        self.say("Asking the server for a sign-in code…", state="busy")
        self.run_flow()

    # -- the flows ---------------------------------------------------------------------------

    @work(group=FLOW_GROUP, exclusive=True, exit_on_error=False)
    async def run_flow(self) -> None:
        session, plan = self._session, self._plan
        # The polls spend the dashboard's request budget, as its other requests do: counted,
        # held after a 429, slower when the rate limit runs low (`api.budget.poll_wait`).
        budget = (await session.client()).budget
        async with BrowserSignIn(session.settings.effective_api_url, session.settings.profile,
                                 clock=session.sign_in_clock, sleep=session.sign_in_sleep,
                                 transport=session.sign_in_transport,
                                 budget=budget) as signing:
            try:
                if plan.offers_device:
                    code = await signing.start_device(plan)
                    self._show_device(code)
                    result = await signing.wait(plan, code)
                elif self._browser:
                    result = await self._browser_here(signing, plan)
                else:
                    result = await self._paste_back(signing, plan)
            except OpenRushError as exc:  # denied, expired, refused, no answer: said here
                self.say(str(exc), state="error")
                return
        self.dismiss(result)

    async def _browser_here(self, signing: BrowserSignIn, plan: WebSignIn) -> WebSession:
        async with pkce.LoopbackListener() as listener:
            request = await signing.code_request(plan, listener.redirect_uri)
            listener.expect(request)
            self._show_address(request.address, "A browser on this machine opens this "
                               "address; approve there:")
            await asyncio.to_thread(webbrowser.open, request.address)
            self.say("Waiting for the browser…", state="busy")
            code = await listener.code()
        return await signing.finish(plan, request, code)

    async def _paste_back(self, signing: BrowserSignIn, plan: WebSignIn) -> WebSession:
        request = await signing.code_request(plan, pkce.PASTE_REDIRECT)
        self._show_address(request.address, "Open this address in a browser (c copies it) "
                           "and approve; then paste the address the browser ended on (it "
                           "shows an error, since nothing listens there) and press Enter:")
        field = self.query_one("#web-paste", Input)
        field.display = True
        field.focus()
        self.say("")
        while True:
            pasted = await self._pasted.get()
            try:
                code = pkce.code_from_address(pasted, request)
            except SignInFailed as exc:
                self.say(str(exc), state="error", focus=field)
                continue
            field.value = ""
            self.say("Signing in…", state="busy")
            return await signing.finish(plan, request, code)

    @on(Input.Submitted, "#web-paste")
    def _paste_submitted(self, event: Input.Submitted) -> None:
        self._pasted.put_nowait(event.value)

    # -- drawing -----------------------------------------------------------------------------

    def _show_device(self, code: DeviceCode) -> None:
        self._show_address(code.uri_to_open, "Open this address on any device:",
                           shown=code.verification_uri)
        self.query_one("#web-enter", Static).update("and enter this code:")
        self.query_one("#web-code", Static).update(Content(visible(code.user_code)))
        for name in ("#web-enter", "#web-code"):
            self.query_one(name).display = True
        self.say(f"Waiting for the approval… The code works until {exact(code.expires_at)}.",
                 state="busy")

    def _show_address(self, address: str, intro: str, *, shown: str | None = None) -> None:
        self._address = address
        self.query_one("#web-open", Static).update(Content(intro))
        self.query_one("#web-url", Static).update(Content(visible(shown or address)))
        self.query_one("#web-copy", Button).disabled = False
        if shown is not None:  # the device flow: its address with the code, for a phone
            self._place_qr()

    def on_resize(self) -> None:
        super().on_resize()
        if self._address is not None and self.query("#web-qr-note"):
            self._place_qr()

    def _place_qr(self) -> None:
        """The QR code beside the text when the terminal has room and can draw it; else one
        line saying why not (the address and the code do the same job)."""
        address = self._address
        if address is None or not self.query("#web-qr-note"):
            return
        note = self.query_one("#web-qr-note", Static)
        why_not = why_not_drawn(self.app)
        need = qr_size(address)
        room = (need.width + TEXT_COLUMNS <= self.size.width
                and need.height + CHROME_ROWS <= self.size.height)
        drawn = self.query(QrCode)
        if why_not is None and room:
            if drawn:
                drawn.set(display=True)
            else:
                self.query_one("#web-main").mount(QrCode(address, id="web-qr"))
            note.update("Or scan the QR code with a phone.")
            return
        drawn.set(display=False)
        if why_not is None:
            note.update(f"The QR code needs a larger terminal (at least "
                        f"{need.width + TEXT_COLUMNS}x{need.height + CHROME_ROWS}).")
        else:
            note.update(f"No QR code: {why_not}. Open the address above instead.")

    # -- keys --------------------------------------------------------------------------------

    @on(Button.Pressed, "#web-copy")
    def action_copy(self) -> None:
        if self._address is None:
            return
        outcome = self.dashboard.copy_text(self._address)
        # Said here, under the address, as the reveal dialog says its copy: a toast over the
        # dialog covered the address itself at 60x20 (and a line of text at 80x24).
        copied = self.query_one("#web-copied", Static)
        copied.update(Content(outcome.message("the address")))
        copied.set_class(not outcome.anything_done, "-warning")
        copied.display = True
        self.bring_into_view(copied, keep=self.query_one("#web-url"))

    @on(Button.Pressed, "#web-cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, FLOW_GROUP)  # stops the polling (or the listener)
        self.dismiss(None)
