"""Which toasts came before a dialog opened, counted rather than timed (a clock step cannot
misfile one): `OpenRushApp.toasts_under` says in a dialog's notice line the toasts the user
has not read yet, and takes off the others.

Counted: the keys pressed (as each arrives, before its binding runs), the toasts said, and for
each toast (its title and words: no two toasts up share them, `OpenRushApp.notify`) its number
and the keys pressed by then; for each screen pushed, the two counts as it was pushed (its
mount comes later).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from textual.notifications import Notification
    from textual.screen import Screen

REMEMBERED = 32  # toasts whose key press can be told (few are up at once)

Counts = tuple[int, int]  # (toasts said, keys pressed)


class ToastOrder:
    def __init__(self) -> None:
        self._keys = 0
        self._said = 0
        self._toasts: dict[tuple[str, str], Counts] = {}
        self._pushed: WeakKeyDictionary[Screen[Any], Counts] = WeakKeyDictionary()

    def key_pressed(self) -> None:
        self._keys += 1

    def toast_said(self, title: str, message: str) -> None:
        self._said += 1
        self._toasts.pop((title, message), None)  # the newest last: the oldest go first
        self._toasts[(title, message)] = (self._said, self._keys)
        while len(self._toasts) > REMEMBERED:
            del self._toasts[next(iter(self._toasts))]

    def screen_pushed(self, screen: Screen[Any]) -> None:
        self._pushed[screen] = (self._said, self._keys)

    def opened(self, screen: Screen[Any]) -> Counts:
        """The counts as `screen` was pushed (now, for one pushed some other way)."""
        return self._pushed.pop(screen, (self._said, self._keys))

    def number(self, note: Notification) -> int:
        """The toast's number among those said (0: one not counted, as if the first)."""
        return self._toasts.get((note.title, note.message), (0, 0))[0]

    def said_before(self, note: Notification, opened: Counts) -> bool:
        return self.number(note) <= opened[0]

    def unread(self, note: Notification, opened: Counts) -> bool:
        """Up before the dialog, and no key pressed since but the one that opened it."""
        counts = self._toasts.get((note.title, note.message))
        return counts is not None and counts[0] <= opened[0] and counts[1] >= opened[1] - 1
