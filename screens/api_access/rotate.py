"""Guided rotation (R on API access): the plan, then `keys.rotate.Rotation` step by step.

1. The plan: the replacement's name and expiry, and what becomes of the old key (revoked
   now, once unused for N minutes, or kept). Nothing is sent until Rotate.
2. The steps as they happen. The new key is revealed through the reveal-once dialog (the only
   place a whole key is shown, copied through the one copy path) before anything else
   happens to the old key. When this terminal signs in with the old key, its stored
   credential switches to the new one first (`keys.switch`, in a thread: a keyring blocks).
3. Waiting for the old key to go idle ("revoke it once unused"): at the first `Waiting` step
   the dialog closes and hands the same generator to the page (`RotationLine`), which goes on
   looking at the old key in the background ("old key last used 2 minutes ago", paced by
   `Rotation` to a tenth of the rate limit at most) while the dashboard is the user's again.

The page behind takes the result as the rotation finishes (`on_done`: the new key listed and
selected, the old one as the plan left it), not as the dialog closes: the steps and the list
agree while both are on screen. After a step the focus is on the button that closes (Enter
closes a finished rotation), by the dialog's one way of focusing (`Dialog.focus_now`).

Leaving is safe at any time: before Rotate nothing happened; a write in flight (the create,
the switch, a revoke now) is waited for; once waiting, the page's line stops between two
looks (c) and says what is left to do. Every failed step says what exists now.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.widgets import Button, Input, Label, Static

from openrush_tui.errors import describe_error
from openrush_tui.keys.rotate import DEFAULT_IDLE, REVOKE_OLD, Rotation, key_words
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.times import exact
from openrush_tui.widgets.choice_set import ChoiceSet
from openrush_tui.widgets.literal import literal
from openrush_tui.widgets.rotation_line import Handoff
from openrush_tui.widgets.toggles import GlyphRadioButton

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.auth.secret import Secret
    from openrush_tui.keys.rotate import Created, RevokeOld, Step, Waiting
    from openrush_tui.keys.switch import SwitchResult

# Short enough for one line each at 60 columns (the minutes are the field under them); a
# narrower terminal wraps them (`Choice`), never cuts them.
CHOICES: tuple[tuple[RevokeOld, str], ...] = (
    ("when-idle", "Revoke it once unused (no downtime)"),
    ("now", "Revoke it now (whatever still uses it fails)"),
    ("never", "Keep it (revoke it yourself later)"),
)
MAX_IDLE_MINUTES = 24 * 60


class Choice(GlyphRadioButton):
    """A choice whose words wrap on a narrow terminal (styles/dialogs.tcss): Textual's radio
    button is one line high, and cut its words there."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.render().wrap(width)))


@dataclass(frozen=True)
class RotateClosed:
    # A request was sent and the page has not taken the result yet: the list must be loaded
    # again (a finished rotation gave it to `on_done` already: closing it is then False).
    changed: bool
    new_id: str | None = None  # the replacement, to select in the list
    message: str | None = None  # what the page should say once the dialog is gone
    severity: SeverityLevel = "information"
    # The rotation waits for its old key to go unused: the page follows it from here.
    handoff: Handoff | None = None


class KeyRotateScreen(Dialog[RotateClosed]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="rotate.close"),
        # q would quit the app in the middle of a rotation: here it leaves the dialog the
        # safe way (and says what is left), as Escape does.
        Binding("q", "close", "Close", show=False, id="rotate.quit"),
    ]
    # The choice first: the arrows choose, Enter rotates (`ChoiceSet`).
    AUTO_FOCUS = "#revoke-old"

    def __init__(self, old: ApiCredential, *, own: bool,
                 taken_names: Collection[str] = (),
                 on_done: Callable[[RotateClosed], object] | None = None) -> None:
        """`on_done`: given what the rotation changed as soon as it finishes in the dialog
        (the page behind shows it while the steps are read); without it, on closing."""
        super().__init__()
        self._old = old
        self._on_done = on_done
        self._own = own
        self._taken = tuple(taken_names)  # the account's names: the new one differs
        self._phase = "plan"  # plan → sending → done (or handed to the page to wait)
        self._rotation: Rotation | None = None
        self._new_id: str | None = None
        self._steps = Text()  # the steps so far, one a line
        self._taken_by_page = False  # `on_done` has had the result

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
                yield Static("", id="steps")
            # The choices stay on screen with the buttons, under the body (#foot is docked,
            # styles/dialogs.tcss): they have the focus, and a long plan scrolls above them
            # rather than being scrolled away as the dialog opens (at 60x20, or with a long
            # name, or this terminal's own key).
            with Vertical(id="foot"):
                with Vertical(id="options"):
                    yield Label("Then the old key:")
                    with ChoiceSet(id="revoke-old"):
                        for value, label in CHOICES:
                            yield Choice(label, value=value == "when-idle",
                                         id=f"old-{value}")
                    with Horizontal(id="idle-row"):
                        yield Label("Unused for (minutes):")
                        yield Input(str(int(DEFAULT_IDLE.total_seconds() // 60)), id="idle",
                                    type="integer")
                    yield Static("", id="idle-problem", classes="problem")
                with Horizontal(classes="buttons"):
                    yield Button("Cancel", id="close")
                    yield Button("Rotate", id="rotate", variant="primary")

    def on_mount(self) -> None:
        self._show_plan()

    def _own_note(self) -> str:
        """What becomes of this terminal's sign-in, by where its key comes from."""
        key = self.dashboard.session.key
        source = key.source if key is not None else None
        # Short: at 80x24 and 60x20 the note shows whole under the plan as the dialog opens
        # (the steps say the rest: this dashboard goes on with the new key until it closes).
        if source == "environment":
            return "This terminal's key comes from OPENRUSH_KEY: set it to the new key."
        if source == "session":
            return ("This terminal signs in with this key (this session only): it switches "
                    "to the new one first.")
        return "This terminal signs in with this key: it switches to the new one first."

    # -- the plan -------------------------------------------------------------------------

    def _choice(self) -> RevokeOld:
        pressed = self.query_one("#revoke-old", ChoiceSet).pressed_button
        wanted = (pressed.id or "").removeprefix("old-") if pressed else ""
        return next((value for value in REVOKE_OLD if value == wanted), "when-idle")

    def _idle(self) -> timedelta | None:
        text = self.query_one("#idle", Input).value.strip()
        minutes = int(text) if text.isdigit() else 0
        return timedelta(minutes=minutes) if 1 <= minutes <= MAX_IDLE_MINUTES else None

    @on(ChoiceSet.Changed)
    @on(Input.Changed, "#idle")
    def _show_plan(self) -> None:
        if self._phase != "plan":
            return
        choice, idle = self._choice(), self._idle()
        self.query_one("#idle-row").display = choice == "when-idle"
        problem = "" if idle is not None or choice != "when-idle" else \
            f"Type a number of minutes from 1 to {MAX_IDLE_MINUTES}."
        shown = self.query_one("#idle-problem", Static)
        shown.update(problem)
        shown.set_class(bool(problem), "-shown")  # empty, it takes no row: the plan fits 60x20
        rotation = self._plan_rotation(choice, idle or DEFAULT_IDLE)
        # Without a valid number the plan cannot say how long: the problem takes its place.
        text = Text(rotation.plan() if not problem else
                    f"{problem.removesuffix('.')} below: the old key is revoked once unused "
                    "that long.", style="" if not problem else "bold")
        # The name is in the plan: this line is the one fact the plan gives only in words
        # (its date). "Never expires" the plan says already; only a problem hides the plan.
        if rotation.expires_at is not None:
            text.append(f"\nThe new key expires {exact(rotation.expires_at)}.", style="bold")
        elif problem:
            text.append("\nThe new key never expires.", style="bold")
        self.query_one("#plan", Static).update(text)

    def _plan_rotation(self, choice: RevokeOld, idle: timedelta) -> Rotation:
        # Nothing is sent until run(): the client is set when Rotate is pressed.
        # No pause happens here: the first Waiting step hands the flow to the page, which
        # paces the looks (`RotationLine`).
        return Rotation(None, self._old, revoke_old=choice,  # type: ignore[arg-type]
                        idle=idle, own=self._own, switch=self._switch,
                        clock=self.dashboard.now, taken_names=self._taken)

    @on(Button.Pressed, "#rotate")
    @on(Input.Submitted, "#idle")
    @on(ChoiceSet.Submitted)
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
        self._focus_close()
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
        steps = rotation.run()
        async for step in steps:
            if isinstance(step, Waiting):
                # The key is revealed (and this terminal switched): all that is left is
                # waiting for the old key. The page goes on with the same flow; the dialog
                # closes, so the dashboard is the user's again meanwhile.
                self._hand_off(rotation, steps, step)
                return
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
        self._finish(None, False)

    def _hand_off(self, rotation: Rotation, steps: AsyncIterator[Step],
                  first: Waiting) -> None:
        self._phase = "done"
        said = " ".join(self._steps.plain.replace("✓ ", "").splitlines())
        text = (f"{said} Waiting for the old key to go unused: the line above the key list "
                "follows it (S stops it).")
        # A step left to the user (!: set OPENRUSH_KEY to the new key) stays a warning.
        severity: SeverityLevel = "warning" if "! " in said else "information"
        self.dismiss(RotateClosed(True, self._new_id, text, severity,
                                  Handoff(rotation, steps, first)))

    async def _reveal(self, step: Created) -> None:
        from pydantic import SecretStr

        from openrush_tui.screens.api_access.reveal import KeyRevealScreen

        # Its own frame would show around the reveal's (wider, taller): one frame, one dim.
        self.add_class("-behind")
        try:
            closed = await self.app.push_screen_wait(
                KeyRevealScreen(SecretStr(step.key.reveal()), step.new))
        finally:
            self.remove_class("-behind")
            # Hidden, the frame lost the focus (Textual blurs what hides): Close gets it back
            # once the frame shows again (the class's styles apply at the next refresh).
            self.call_after_refresh(self._focus_close)
        if closed is not None and closed.clear_digest is not None:
            self.dashboard.offer_to_clear_clipboard(closed.clear_digest)

    async def _switch(self, new: Secret) -> SwitchResult:
        """The old key is this terminal's: store the new one where it was, and use it (the
        one switch of `keys.switch`, as `keys rotate`'s, with the session adopting the key)."""
        from openrush_tui.keys.switch import switcher

        session, settings = self.dashboard.session, self.dashboard.settings
        return await switcher(session.key, settings.profile, settings.effective_api_url,
                              adopt=session.use_key)(new)

    def _add_step(self, text: str, mark: str = "✓") -> None:
        """A step done (✓), failed (✗) or leaving something to the user (!)."""
        if self._steps:
            self._steps.append("\n")
        self._steps.append(f"{mark} {text}", style="" if mark == "✓" else "bold")
        self._show("#steps", self._steps.copy())

    def _show(self, where: str, text: Text) -> None:
        """Update a line of the steps and keep the newest in view (the body scrolls)."""
        self.query_one(where, Static).update(text)
        self.query_one(where).add_class("-shown")
        body = self.query_one(".body", VerticalScroll)
        self.call_after_refresh(body.scroll_end, animate=False)  # once the new line is laid out

    def _finish(self, text: str | None, failed: bool) -> None:
        self._phase = "done"
        self.query_one("#close", Button).label = "Close"
        if text:
            self._add_step(text, "✗" if failed else "✓")
        self.call_after_refresh(self._focus_close)  # Enter closes
        if self._on_done is not None:
            # The page lists the account as the rotation left it now, under the steps; it
            # has nothing left to take when the dialog closes.
            done, self._on_done = self._on_done, None
            self._taken_by_page = True
            done(RotateClosed(True, self._new_id))

    def _focus_close(self) -> None:
        """Past the plan, the one button left closes (or says a request is on its way)."""
        self.focus_now("#close")

    # -- leaving --------------------------------------------------------------------------

    def leaving_note(self) -> str | None:
        """The app closes mid-rotation: where both keys stand, and what is left to do."""
        if self._rotation is None or self._phase in ("plan", "done"):
            return None
        rotation = self._rotation
        return " ".join(filter(None, ("openrush-tui: the key rotation stopped when the app "
                                      f"closed. {rotation.what_exists()}",
                                      rotation.unfinished())))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if self._phase == "plan":
            self.dismiss(RotateClosed(False))
        elif self._phase == "done":
            self.dismiss(RotateClosed(not self._taken_by_page, self._new_id))
        else:
            self.notify("A request is on its way: the dialog closes once it is answered.",
                        markup=False)
