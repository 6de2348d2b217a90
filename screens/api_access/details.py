"""One key in full: every field with exact and relative times, and its latest usage.

Closes with what the user asked for next ("activity" or "revoke"), which the API access
screen carries out: this dialog only fetches the usage shown in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from openrush_tui.activity.events import call_label, status_label
from openrush_tui.errors import OpenRushError, describe_error
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.text.money import credits_text
from openrush_tui.text.times import exact, relative, short

if TYPE_CHECKING:
    from openrush_tui.api.models import UsagePage
    from openrush_tui.keys.view import KeyRow
    from openrush_tui.session import Session

DetailsChoice = Literal["activity", "revoke"]
USAGE_GROUP = "key-usage"
RECENT = 5
CALL_ROOM_LEAST = 12  # cells: "GET …/usage" still reads; narrower, the row would wrap anyway


class KeyDetailsScreen(Dialog[DetailsChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "activity", "Activity for this key", id="details.activity"),
        Binding("d", "revoke", "Revoke", id="details.revoke"),
        Binding("escape", "close", "Close", id="details.close"),
    ]
    AUTO_FOCUS = "#close"

    def __init__(self, row: KeyRow, now: datetime, session: Session, *,
                 signed_in: bool = False) -> None:
        super().__init__()
        self._row = row
        self._now = now
        self._session = session
        self._signed_in = signed_in

    def compose(self) -> ComposeResult:
        row = self._row
        with Vertical(id="dialog"):
            yield Static("Key details", classes="title")
            with VerticalScroll(classes="body"):
                yield Static(self._fields(), id="fields")
                yield Static("Recent usage", classes="section")
                yield RecentUsage(self._now)
            with Horizontal(classes="buttons"):
                yield Button("Activity (a)", id="activity")
                yield Button("Revoke (d)", id="revoke", variant="error",
                             disabled=row.status == "revoked")
                yield Button("Close", id="close", variant="primary")

    def _fields(self) -> Text:
        row, key, now = self._row, self._row.key, self._now
        lines: list[tuple[str, str]] = [
            ("Name", row.name),
            ("ID", row.shown_id),
            ("Prefix", row.prefix),
            ("Status", row.status + ("  (this terminal is signed in with it)"
                                     if self._signed_in else "")),
            ("Created", _when(key.created_at, now)),
            ("Last used", _when(key.last_used_at, now, missing="never")),
            ("Expires", _when(key.expires_at, now, missing="never")),
        ]
        if key.account_id:
            lines.append(("Account", row.shown_account))
        text = Text()
        for index, (label, value) in enumerate(lines):
            text.append(f"{label:<11}", style="bold")
            text.append(value)
            if index < len(lines) - 1:
                text.append("\n")
        return text

    def on_mount(self) -> None:
        self._load_usage()

    @work(group=USAGE_GROUP, exclusive=True, exit_on_error=False)
    async def _load_usage(self) -> None:
        usage = self.query_one("#usage", RecentUsage)
        try:
            client = await self._session.client()
            page = await client.usage(limit=RECENT, credential_id=self._row.id)
        except OpenRushError as error:
            usage.update(Text("Could not load the usage: " + describe_error(error)))
            return
        usage.add_class("-loaded")
        usage.show(page)

    @on(Button.Pressed, "#activity")
    def action_activity(self) -> None:
        self.dismiss("activity")

    @on(Button.Pressed, "#revoke")
    def action_revoke(self) -> None:
        if self._row.status != "revoked":
            self.dismiss("revoke")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class RecentUsage(Static):
    """The key's latest calls, laid out again at each width (a scrollbar that comes or goes
    changes it by a cell or two, which made the cost wrap)."""

    def __init__(self, now: datetime) -> None:
        super().__init__("Loading the latest calls made with this key…", id="usage")
        self._now = now
        self._page: UsagePage | None = None

    def show(self, page: UsagePage) -> None:
        self._page = page
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        if self._page is not None:
            self.update(usage_text(self._page, self._now, self.content_size.width))


def _when(instant: datetime | None, now: datetime, *, missing: str = "—") -> str:
    if instant is None:
        return missing
    return f"{exact(instant)}  ({relative(instant, now)})"


def usage_text(page: UsagePage, now: datetime, width: int) -> Text:
    """The latest calls, one line each in `width` cells: when, the call (a tool, else the
    method and the endpoint, cut by Activity's one rule with "…": `call_label`), the status
    and the cost. The call takes what the other columns leave: sliced at 30 cells it lost its
    method and its end without a mark, and at 60 columns the cost wrapped onto a line of its
    own."""
    if not page.items:
        return Text("No calls recorded with this key.")
    # "free" only for a call that went through at no cost; a failed call cost nothing
    rows = [(short(event.created_at, now), event, status_label(event),
             credits_text(event.credits) if event.credits else
             "free" if event.status == "success" else "0 credits") for event in page.items]
    when_room = max(len(when) for when, *_ in rows)
    status_room = max(len(status) for _, _, status, _ in rows)
    cost_room = max(len(cost) for *_, cost in rows)
    room = max(CALL_ROOM_LEAST, (width or 80) - when_room - status_room - cost_room - 6)
    text = Text()
    for index, (when, event, status, cost) in enumerate(rows):
        text.append(f"{when:<{when_room}}  {call_label(event, room):<{room}}  "
                    f"{status:<{status_room}}  {cost}")
        if index < len(rows) - 1:
            text.append("\n")
    return text + Text("\n\nPress a for all of this key's activity.", style="italic")
