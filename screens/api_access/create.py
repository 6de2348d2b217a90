"""The "new key" dialog: a name checked as you type, an expiry, and the create request.

The dialog makes the request itself so that a 422 lands next to the field it concerns with
what the user typed still there. It closes with the created key (still a SecretStr, for the
reveal dialog), or with an `UnseenCreate` when the request failed after possibly reaching the
server (no answer within the client's deadline, a 5xx, a 2xx that could not be read): the page
then looks for that key by what identifies it, never by its name alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.keys.create import CreateResult, KeyCreation
from openrush_tui.keys.rules import EXPIRY_CHOICES, NAME_MAX, expiry_from_choice, name_problem
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.times import exact, relative
from openrush_tui.widgets.choice_set import ArrowChoices
from openrush_tui.widgets.toggles import GlyphRadioButton

if TYPE_CHECKING:
    from collections.abc import Collection

    from openrush_tui.api.models import CreatedKey
    from openrush_tui.clock import Clock
    from openrush_tui.keys.unseen import UnseenCreate
    from openrush_tui.session import Session

CREATE_GROUP = "create-key"


class ExpiryChoices(ArrowChoices):
    """The expiry choices. The arrows choose (`ArrowChoices`: a highlight that moved while
    Never stayed chosen made a key that never expired, the re-trial); Enter chooses the one
    under the cursor (as space does) and asks to create the key, as Enter in the name field
    does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose_and_create", "Create", show=False, id="create.expiry-enter"),
    ]

    class Chosen(Message):
        """Enter: create with the choice under the cursor. `switching`: that choice is not
        the one pressed until now, and the set says so with a RadioSet.Changed to come."""

        def __init__(self, switching: bool) -> None:
            super().__init__()
            self.switching = switching

    def action_choose_and_create(self) -> None:
        before = self.pressed_button
        self.action_toggle_button()
        # The press itself is at once, the set's bookkeeping (`pressed_button`, the Changed
        # message) comes later: another button now on means the choice is changing.
        switching = any(button.value for button in self.query(RadioButton)
                        if button is not before)
        self.post_message(self.Chosen(switching))


@dataclass(frozen=True)
class CreateOutcome:
    created: CreatedKey | None = None  # the new key: its raw value is a SecretStr
    unseen: UnseenCreate | None = None  # the request may have created a key nobody saw


class KeyCreateScreen(Dialog[CreateOutcome | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="create.cancel"),
    ]
    AUTO_FOCUS = "#name"
    STATUS = "#create-status"

    def __init__(self, session: Session, clock: Clock, known_ids: Collection[str] = ()) -> None:
        super().__init__()
        self._session = session
        self._clock = clock
        self._known_ids = frozenset(known_ids)  # the keys listed before: not this request's
        self._touched = False  # say "a name is required" only once the user tried
        self._creation: KeyCreation | None = None  # the last create request sent
        self._create_once_chosen = False  # Enter on a new expiry choice: create once it is in

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("New API key", classes="title")
            with VerticalScroll(classes="body"):
                yield Static("A name says where the key is used, e.g. “Production server”.",
                             classes="note")
                yield Label("Name")
                yield Input(placeholder="Name of the key", id="name")
                yield Static("", id="name-problem", classes="problem")
                yield Label("Expires")
                with ExpiryChoices(id="expiry"):
                    for choice in EXPIRY_CHOICES:
                        yield GlyphRadioButton(choice.label, value=choice.id == "never",
                                          id=f"expiry-{choice.id}")
                yield Input(placeholder="YYYY-MM-DD", id="date")
                yield Static("", id="expiry-note", classes="note")
                yield Static("", id="create-status")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="create", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_expiry()

    # -- checking as you type -------------------------------------------------------------

    @on(Input.Changed, "#name")
    def _name_changed(self) -> None:
        self._touched = True
        self._show_name_problem()

    @on(Input.Changed, "#date")
    @on(RadioSet.Changed)
    def _expiry_changed(self) -> None:
        date = self.query_one("#date", Input)
        revealed = self._choice() == "date" and not date.has_class("-shown")
        date.set_class(self._choice() == "date", "-shown")
        self._show_expiry()
        if revealed:  # the field and its hint, below the choices: only its top border showed
            self.bring_into_view(self.query_one("#expiry-note"))
        if self._create_once_chosen and self._choice() != "date":
            self._create_once_chosen = False
            self.action_create()
        elif self._create_once_chosen:  # "A date": the date first, then Enter there creates
            self._create_once_chosen = False
            self.call_after_refresh(self.query_one("#date", Input).focus)

    @on(ExpiryChoices.Chosen)
    def _expiry_entered(self, event: ExpiryChoices.Chosen) -> None:
        if event.switching:
            self._create_once_chosen = True  # once RadioSet.Changed (it follows) is in
        else:
            self.action_create()

    def _show_name_problem(self, server_says: str | None = None) -> str | None:
        raw = self.query_one("#name", Input).value
        problem = server_says or name_problem(raw)
        if problem and not self._touched and server_says is None:
            problem = None
        label = problem or ""
        if not problem and len(raw.strip()) > NAME_MAX - 20:
            label = f"{len(raw.strip())} of {NAME_MAX} characters"
        shown = self.query_one("#name-problem", Static)
        shown.update(Text(label))
        # Empty, it takes no row: at 80x24 the dialog then fits without scrolling.
        shown.set_class(bool(label), "-shown")
        return problem

    def _choice(self) -> str:
        pressed = self.query_one("#expiry", RadioSet).pressed_button
        return (pressed.id or "expiry-never").removeprefix("expiry-") if pressed else "never"

    def _show_expiry(self, server_says: str | None = None) -> bool:
        """Explain the chosen expiry (or what is wrong with it); True when it is usable."""
        note = self.query_one("#expiry-note", Static)
        now = self._clock()
        try:
            when = expiry_from_choice(self._choice(), now, self.query_one("#date", Input).value)
        except ValueError as problem:
            typed = self.query_one("#date", Input).value.strip()
            note.update(Text(str(problem) + "." if typed else "Type the date the key stops "
                             "working, e.g. 2026-12-31 (midnight UTC)."))
            note.set_class(bool(typed), "problem")
            return False
        note.set_class(server_says is not None, "problem")
        if server_says is not None:
            note.update(Text(server_says))
        elif when is None:
            note.update(Text("The key works until you revoke it."))
        else:
            note.update(Text(f"The key stops working on {exact(when)} "
                             f"({relative(when, now)})."))
        return True

    # -- creating -------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self.query_one("#create", Button).disabled:
            return
        self._touched = True
        name_bad = self._show_name_problem()
        expiry_ok = self._show_expiry()
        if name_bad:
            self.bring_into_view(self.query_one("#name-problem"),
                                 focus=self.query_one("#name", Input))
            return
        if not expiry_ok:
            self.bring_into_view(self.query_one("#expiry-note"),
                                 focus=self.query_one("#date", Input))
            return
        now = self._clock()
        expires_at = expiry_from_choice(self._choice(), now,
                                        self.query_one("#date", Input).value)
        self.say("Creating the key…", state="busy")
        self.query_one("#create", Button).disabled = True
        # The flow `keys create` runs too: the request, and what a failed one may have made.
        self._creation = KeyCreation(self.query_one("#name", Input).value, expires_at,
                                     clock=self._clock, known_ids=self._known_ids)
        self._create(self._creation)

    @work(group=CREATE_GROUP, exclusive=True, exit_on_error=False)
    async def _create(self, creation: KeyCreation) -> None:
        try:
            result = await creation.send(await self._session.client())
        except OpenRushError as error:  # no client: nothing was sent
            result = CreateResult(failed=error)
        except Exception:
            self.query_one("#create", Button).disabled = False
            raise  # a bug: ReportsWorkerFailures says so
        # The request is over (the client's deadline ends it): Create works again, and Cancel
        # closes.
        self.query_one("#create", Button).disabled = False
        if result.failed is not None:
            self._failed(result.failed)
            return
        self.dismiss(CreateOutcome(created=result.created, unseen=result.unseen))

    @property
    def in_flight(self) -> UnseenCreate | None:
        """A request out now, if the app must close."""
        return self._creation.in_flight if self._creation is not None else None

    def _failed(self, error: OpenRushError) -> None:
        """Surely nothing was created: say why, next to the field the server refused."""
        from openrush_tui.api.errors import ValidationFailed

        if isinstance(error, ValidationFailed):
            about_name = error.for_field("name")
            about_expiry = error.for_field("expires_at")
            if about_name:
                self._show_name_problem(f"The server refused the name: {about_name}.")
            if about_expiry:
                self._show_expiry(f"The server refused the expiry: {about_expiry}.")
            if about_name or about_expiry:
                # The field to correct: the name, else the date typed or the choice.
                field = "#name" if about_name else \
                    "#date" if self._choice() == "date" else "#expiry"
                self.say("Nothing was created. Correct the value shown and try again.",
                         state="error", focus=self.query_one(field))
                return
        self.say(f"Nothing was created. {describe_error(error)}", state="error")

    def leaving_note(self) -> str | None:
        if self.in_flight is None:
            return None
        return (f"openrush-tui: a key was being created when the app closed; it may exist "
                f"without having been shown. Run `openrush-tui keys list --all` and revoke "
                f"{self.in_flight.where_to_look()} if it is there.")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.query_one("#create", Button).disabled:
            # Abandoning the request would not stop the server creating the key, and then
            # nobody would ever see it: wait for the answer (the client's deadline ends it).
            self.say("The key is being created; wait for the answer (it ends in "
                     f"{self._session.settings.deadline:g} s at most).", state="busy")
            return
        self.dismiss(None)
