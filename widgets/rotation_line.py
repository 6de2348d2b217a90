"""API access's line for a rotation that waits, in the background, for the old key to go unused.

The rotate dialog runs `keys.rotate.Rotation` until the new key has been revealed (and this
terminal switched to it); when all that is left is waiting for the old key, it hands the flow
over here (`follow`) and closes. This widget goes on with the same generator, one step at a
time, in its own worker: the page stays usable, the user can switch pages (the page, and so
this widget, stays mounted) and the line says how the wait stands. When the flow ends (the old
key revoked, or a step failed) it posts `Ended` with the words to say; `cancel` (S on the page)
stops the wait between two looks, `keys_revoked` ends it when the page revokes the old key by
hand, and `leaving_note` says what is left if the app closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Static

from openrush_tui.errors import describe_error
from openrush_tui.text.safe import visible

HERE = "d on it here"  # how the page revokes a key (`Rotation.revoke_by_hand`)

if TYPE_CHECKING:
    from openrush_tui.keys.rotate import Rotation, Step, Waiting


@dataclass(frozen=True)
class Handoff:
    """A rotation past its reveal (and switch), waiting for its old key: the generator as the
    dialog left it, and the first `Waiting` step it gave."""

    rotation: Rotation
    steps: AsyncIterator[Step]
    first: Waiting


class RotationLine(Static):
    DEFAULT_CSS: ClassVar[str] = """
    RotationLine { height: auto; padding: 0 1; color: $text-warning; display: none; }
    """

    class Ended(Message):
        """The rotation is over: `text` says how (the old key revoked, or what stopped it and
        what exists now); `changed`: the key list is stale."""

        def __init__(self, text: str, severity: SeverityLevel, *, changed: bool) -> None:
            super().__init__()
            self.text = text
            self.severity = severity
            self.changed = changed

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._rotation: Rotation | None = None
        self._wake = asyncio.Event()

    @property
    def waiting(self) -> bool:
        """A rotation is being followed (waiting for its old key, or revoking it)."""
        return self._rotation is not None

    @property
    def old_name(self) -> str:
        return visible(self._rotation.old.name) if self._rotation is not None else ""

    def follow(self, handoff: Handoff) -> None:
        """Go on with the rotation the dialog started: the looks are paced from here."""
        rotation = handoff.rotation
        self._rotation = rotation
        rotation.sleep = self._pace
        self._say(handoff.first.text)
        self.display = True
        self._drive(handoff.steps)

    def look_now(self) -> None:
        """End the current pause between two looks at the old key (a test moves its clock on,
        then asks for the next look rather than waiting for it)."""
        self._wake.set()

    async def _pace(self, seconds: float) -> None:
        # Cleared after the pause, not before: a wake asked for during a look is not lost.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _say(self, waiting: str) -> None:
        line = Text(f"Rotating “{self.old_name}”: {waiting} — S stops it")
        self.update(line)

    @work(group="rotation-line", exclusive=True, exit_on_error=False)
    async def _drive(self, steps: AsyncIterator[Step]) -> None:
        # lazy: start-up (the rotation flow loads with the rotate dialog, not the page)
        from openrush_tui.keys.rotate import Failed, Revoked, Waiting

        rotation = self._rotation
        assert rotation is not None  # noqa: S101 (set by follow)
        text = ""
        severity: SeverityLevel = "information"
        try:
            async for step in steps:
                if isinstance(step, Waiting):
                    self._say(step.text)
                    continue
                if isinstance(step, Revoked | Failed):
                    text = step.text
                    severity = "error" if isinstance(step, Failed) else "information"
                if isinstance(step, Failed):  # how to finish, as S says it
                    text = " ".join(filter(None, (text, rotation.revoke_by_hand(HERE))))
        except Exception as error:  # said with what exists now, never lost
            text = f"The rotation stopped: {describe_error(error)} {rotation.what_exists()}"
            severity = "error"
        self._end(text or rotation.what_exists(), severity, changed=True)

    def cancel(self) -> str:
        """S: stop waiting. Between two looks (or in a look, a read) it stops at once; a
        revoke already sent is answered first, and its outcome said."""
        rotation = self._rotation
        if rotation is None:
            return ""
        if rotation.sending == "revoke":  # its outcome is said when it comes (`Ended`)
            return ("The old key's revoke is already on its way: its answer is said once it "
                    "comes.")
        self.workers.cancel_group(self, "rotation-line")
        self._end(f"Stopped waiting. {rotation.what_exists()} {rotation.revoke_by_hand(HERE)}",
                  "warning", changed=False)
        return ""

    def keys_revoked(self, ids: Collection[str]) -> None:
        """Keys the page has just revoked (d, D, the details' revoke: its one way to revoke).
        Among them the old key: the rotation is over, said now rather than at the next look
        (a minute away), and nothing is left to warn of on leaving. Its own revoke, were it
        on its way, is dropped: the key is revoked whatever that answer says."""
        rotation = self._rotation
        if rotation is None or rotation.old.id not in ids:
            return
        self.workers.cancel_group(self, "rotation-line")
        self._end(rotation.revoked_by_hand().text, "information", changed=False)

    def _end(self, text: str, severity: SeverityLevel, *, changed: bool) -> None:
        self._rotation = None
        self.display = False
        self.update("")
        self.post_message(self.Ended(text, severity, changed=changed))

    def leaving_note(self) -> str | None:
        """The app closes while the rotation waits: where both keys stand, what is left."""
        rotation = self._rotation
        if rotation is None:
            return None
        return " ".join(filter(None, ("openrush-tui: the key rotation stopped when the app "
                                      f"closed. {rotation.what_exists()}",
                                      rotation.unfinished())))
