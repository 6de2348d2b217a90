"""Guided rotation (R on API access): the plan, then `keys.rotate.Rotation` step by step.

1. The plan: the replacement's name and expiry, and what becomes of the old key (revoked
   now, once unused for N minutes, or kept). Nothing is sent until Rotate.
2. The steps as they happen. The new key is revealed through the reveal-once dialog (the only
   place a whole key is shown, copied through the one copy path) before anything else
   happens to the old key. When this terminal signs in with the old key, its stored
   credential switches to the new one first (`keys.switch`, in a thread: a keyring blocks).
3. Waiting for the old key to go idle: "old key last used 2 minutes ago", polled through the
   client's request budget (`Rotation` paces it to a tenth of the rate limit at most).

Leaving is safe at any time: before Rotate nothing happened; while waiting, the wait stops
between two looks (never in the middle of the revoke) and the page is told what is left to
do (revoke the old key later, with the command to do it). A write in flight (the create, the
revoke) is waited for. Every failed step says what exists now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.widgets import Button, Input, Label, RadioSet, Static

from openrush_tui.errors import describe_error
from openrush_tui.keys.rotate import DEFAULT_IDLE, REVOKE_OLD, Rotation, key_words
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact
from openrush_tui.widgets.literal import literal
from openrush_tui.widgets.toggles import GlyphRadioButton

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.auth.secret import Secret
    from openrush_tui.keys.rotate import Created, RevokeOld
    from openrush_tui.keys.switch import SwitchResult

CHOICES: tuple[tuple[RevokeOld, str], ...] = (
    ("when-idle", "Revoke it once unused for the minutes below (no downtime)"),
    ("now", "Revoke it now (whatever still uses it stops working)"),
    ("never", "Keep it (revoke it yourself later)"),
)
MAX_IDLE_MINUTES = 24 * 60


@dataclass(frozen=True)
class RotateClosed:
    changed: bool  # a request was sent: the list must be loaded again
    new_id: str | None = None  # the replacement, to select in the list
    message: str | None = None  # what the page should say once the dialog is gone
    severity: SeverityLevel = "information"


class _Leave(Exception):
    """The user left while the flow waited between two looks at the old key."""


class KeyRotateScreen(Dialog[RotateClosed]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="rotate.close"),
        # q would quit the app in the middle of a rotation: here it leaves the dialog the
        # safe way (and says what is left), as Escape does.
        Binding("q", "close", "Close", show=False, id="rotate.quit"),
    ]
    AUTO_FOCUS = "#rotate"

    def __init__(self, old: ApiCredential, *, own: bool,
                 taken_names: Collection[str] = ()) -> None:
        super().__init__()
        self._old = old
        self._own = own
        self._taken = tuple(taken_names)  # the account's names: the new one differs
        self._phase = "plan"  # plan → sending → waiting → done
        self._rotation: Rotation | None = None
        self._new_id: str | None = None
        self._sleeping = False
        self._switching = False  # the stored key is being moved to the new one
        self._leave_asked = False
        self._steps = Text()  # the steps so far, one a line

    def compose(self) -> ComposeResult:
        title = Text("Rotate the key “")
        title.append_text(literal(self._old.name))
        title.append("”")
        with Vertical(id="dialog"):
            yield Static(title, classes="title")
            with VerticalScroll(classes="body"):
                yield Static(id="plan")
                if self._own:
                    yield Static(self._own_note(), id="own-note")
                with Vertical(id="options"):
                    yield Label("Then the old key:")
                    with RadioSet(id="revoke-old"):
                        for value, label in CHOICES:
                            yield GlyphRadioButton(label, value=value == "when-idle",
                                              id=f"old-{value}")
                    with Horizontal(id="idle-row"):
                        yield Label("Unused for (minutes):")
                        yield Input(str(int(DEFAULT_IDLE.total_seconds() // 60)), id="idle",
                                    type="integer", compact=True)
                    yield Static("", id="idle-problem", classes="problem")
                yield Static("", id="steps")
                yield Static("", id="waiting")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="close")
                yield Button("Rotate", id="rotate", variant="primary")

    def on_mount(self) -> None:
        self._show_plan()

    def _own_note(self) -> str:
        """What becomes of this terminal's sign-in, by where its key comes from."""
        key = self.dashboard.session.key
        source = key.source if key is not None else None
        if source == "environment":
            return ("This terminal signs in with this key, from OPENRUSH_KEY: set it to the "
                    "new key (this dashboard uses the new one until it closes).")
        if source == "session":
            return ("This terminal signs in with this key (this session only): it switches "
                    "to the new one before the old one is revoked.")
        return ("This terminal signs in with this key: its stored key switches to the new "
                "one before the old one is revoked.")

    # -- the plan -------------------------------------------------------------------------

    def _choice(self) -> RevokeOld:
        pressed = self.query_one("#revoke-old", RadioSet).pressed_button
        wanted = (pressed.id or "").removeprefix("old-") if pressed else ""
        return next((value for value in REVOKE_OLD if value == wanted), "when-idle")

    def _idle(self) -> timedelta | None:
        text = self.query_one("#idle", Input).value.strip()
        minutes = int(text) if text.isdigit() else 0
        return timedelta(minutes=minutes) if 1 <= minutes <= MAX_IDLE_MINUTES else None

    @on(RadioSet.Changed)
    @on(Input.Changed, "#idle")
    def _show_plan(self) -> None:
        if self._phase != "plan":
            return
        choice, idle = self._choice(), self._idle()
        self.query_one("#idle-row").display = choice == "when-idle"
        problem = "" if idle is not None or choice != "when-idle" else \
            f"Type a number of minutes from 1 to {MAX_IDLE_MINUTES}."
        self.query_one("#idle-problem", Static).update(problem)
        rotation = self._plan_rotation(choice, idle or DEFAULT_IDLE)
        expiry = "never" if rotation.expires_at is None else exact(rotation.expires_at)
        # Without a valid number the plan cannot say how long: the problem takes its place.
        text = Text(rotation.plan() if not problem else
                    f"{problem.removesuffix('.')} below: the old key is revoked once unused "
                    "that long.", style="" if not problem else "bold")
        text.append(f"\nNew key: “{visible(rotation.new_name)}”, expires {expiry}.", style="bold")
        self.query_one("#plan", Static).update(text)

    def _plan_rotation(self, choice: RevokeOld, idle: timedelta) -> Rotation:
        # Nothing is sent until run(): the client is set when Rotate is pressed.
        return Rotation(None, self._old, revoke_old=choice,  # type: ignore[arg-type]
                        idle=idle, own=self._own, switch=self._switch,
                        clock=self.dashboard.now, sleep=self._sleep, taken_names=self._taken)

    @on(Button.Pressed, "#rotate")
    @on(Input.Submitted, "#idle")
    def _start(self) -> None:
        if self._phase != "plan":
            return
        choice, idle = self._choice(), self._idle()
        if choice == "when-idle" and idle is None:  # the plan (at the top) says why
            self.query_one("#idle", Input).focus()
            self.query_one(".body", VerticalScroll).scroll_home(animate=False)
            return
        self._rotation = self._plan_rotation(choice, idle or DEFAULT_IDLE)
        self._phase = "sending"
        self.query_one("#options").display = False
        self.query_one("#rotate", Button).display = False
        self.query_one("#close", Button).label = "Close"
        self.query_one("#close", Button).focus()
        self._run(self._rotation)

    # -- the steps ------------------------------------------------------------------------

    @work(group="rotate", exclusive=True, exit_on_error=False)
    async def _run(self, rotation: Rotation) -> None:
        from openrush_tui.errors import OpenRushError
        from openrush_tui.keys.rotate import Created, Failed, Switched, Waiting

        try:
            rotation.client = await self.dashboard.session.client()
        except OpenRushError as error:
            self._finish(f"Nothing was done: {describe_error(error)}", True)
            return
        last = ("", False)  # the last step's words, and whether it failed
        try:
            async for step in rotation.run():
                if isinstance(step, Waiting):
                    self._phase = "waiting"
                    self.query_one("#close", Button).label = "Stop waiting"
                    self._show("#waiting", Text("… " + step.text))
                    continue
                self._phase = "sending"
                self.query_one("#close", Button).label = "Close"
                self._show("#waiting", Text())
                if isinstance(step, Created):
                    self._new_id = step.new.id
                    await self._reveal(step)
                    # Said once the reveal has closed: "store it now" would be stale here.
                    self._add_step(f"Created {key_words(step.new)}: its key was shown once.")
                    del step  # the raw key: gone with the reveal dialog
                    continue
                self._add_step(step.text, "✗" if isinstance(step, Failed) else
                               "!" if isinstance(step, Switched) and
                               step.result.status == "manual" else "✓")
                last = (step.text, isinstance(step, Failed))
        except _Leave:
            self.dismiss(RotateClosed(True, self._new_id, self._left_text(), "warning"))
            return
        self._finish(None, False)
        if self._leave_asked:  # asked while the revoke was on its way: its outcome, said
            text, failed = last
            self.dismiss(RotateClosed(True, self._new_id, text,
                                      "error" if failed else "information"))

    async def _reveal(self, step: Created) -> None:
        from pydantic import SecretStr

        from openrush_tui.screens.api_access.reveal import KeyRevealScreen

        closed = await self.app.push_screen_wait(
            KeyRevealScreen(SecretStr(step.key.reveal()), step.new))
        if closed is not None and closed.clear_digest is not None:
            self.dashboard.offer_to_clear_clipboard(closed.clear_digest)

    async def _switch(self, new: Secret) -> SwitchResult:
        """The old key is this terminal's: store the new one where it was, and use it (the
        one switch of `keys.switch`, as `keys rotate`'s, with the session adopting the key)."""
        from openrush_tui.keys.switch import switcher

        session, settings = self.dashboard.session, self.dashboard.settings
        self._switching = True
        try:
            return await switcher(session.key, settings.profile, settings.effective_api_url,
                                  adopt=session.use_key)(new)
        finally:
            self._switching = False

    async def _sleep(self, seconds: float) -> None:
        """Between two looks at the old key: the one moment leaving stops the flow."""
        if self._leave_asked:
            raise _Leave
        self._sleeping = True
        try:
            await asyncio.sleep(seconds)
        finally:
            self._sleeping = False

    def _add_step(self, text: str, mark: str = "✓") -> None:
        """A step done (✓), failed (✗) or leaving something to the user (!)."""
        if self._steps:
            self._steps.append("\n")
        self._steps.append(f"{mark} {text}", style="" if mark == "✓" else "bold")
        self._show("#steps", self._steps.copy())

    def _show(self, where: str, text: Text) -> None:
        """Update a line of the steps and keep the newest in view (the body scrolls)."""
        self.query_one(where, Static).update(text)
        body = self.query_one(".body", VerticalScroll)
        self.call_after_refresh(body.scroll_end, animate=False)  # once the new line is laid out

    def _finish(self, text: str | None, failed: bool) -> None:
        self._phase = "done"
        self.query_one("#close", Button).label = "Close"
        if text:
            self._add_step(text, "✗" if failed else "✓")
        self._show("#waiting", Text())

    def _left_text(self) -> str:
        exists = self._rotation.what_exists() if self._rotation is not None else ""
        return (f"Stopped waiting. {exists} Revoke the old key once nothing uses it (d on "
                f"it here, or openrush-tui keys revoke {visible(self._old.id)}).")

    # -- leaving --------------------------------------------------------------------------

    def leaving_note(self) -> str | None:
        """The app closes mid-rotation: where both keys stand, and what is left to do."""
        if self._rotation is None or self._phase in ("plan", "done"):
            return None
        rotation = self._rotation
        return " ".join(filter(None, ("openrush-tui: the key rotation stopped when the app "
                                      f"closed. {rotation.what_exists()}",
                                      rotation.unfinished())))

    def _only_looking(self) -> bool:
        """In the when-idle wait with no write on its way: asleep between two looks, or in a
        look (a read, which the request budget lets finish for whoever else waits on it)."""
        rotation = self._rotation
        return (rotation is not None and rotation.revoke_old == "when-idle"
                and rotation.new is not None and rotation.sending is None
                and not self._switching and self.is_current)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if self._phase == "plan":
            self.dismiss(RotateClosed(False))
        elif self._phase == "done":
            self.dismiss(RotateClosed(True, self._new_id))
        elif self._only_looking():
            # Stopped at once, even in a look the server is slow to answer (it could take
            # the read timeout, 20 s): nothing is sent that would need its answer.
            self._leave_asked = True
            self.workers.cancel_group(self, "rotate")
            self.dismiss(RotateClosed(True, self._new_id, self._left_text(), "warning"))
        elif self._phase == "waiting":  # the old key idle at last: its revoke is on its way
            self._leave_asked = True
            close = self.query_one("#close", Button)
            close.label, close.disabled = "Stopping…", True
            self._show("#waiting", Text("Stopping: the revoke already sent is answered "
                                        "first, then this closes."))
        else:
            self.notify("A request is on its way: the dialog closes once it is answered.",
                        markup=False)
