"""The notifications shown lately, kept so that they can be read again after their toast went
(the palette's "Messages", `screens.dialogs.messages`).

Toasts are short-lived (`SHORT_LIVED`) and never sit over a dialog's buttons (a dialog
moves them to its top and clears the page's stale ones as it opens: `styles/dialogs.tcss`,
`screens.dialogs.dialog`), so a message may be gone before it is read. The app keeps the last
`KEPT` of them. No Textual here: the App holds one from its start, before the first frame.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

KEPT = 20
# Seconds a toast stays, at most, by severity (a longer one asked for is cut to this).
SHORT_LIVED = {"information": 4.0, "warning": 6.0, "error": 8.0}


@dataclass(frozen=True)
class Message:
    at: datetime
    title: str
    text: str
    severity: str


class RecentMessages:
    """The last `KEPT` notifications, oldest first."""

    def __init__(self) -> None:
        self._messages: deque[Message] = deque(maxlen=KEPT)

    def add(self, message: Message) -> None:
        self._messages.append(message)

    def newest_first(self) -> list[Message]:
        return list(reversed(self._messages))

    def __len__(self) -> int:
        return len(self._messages)


def short_lived(severity: str, timeout: float | None) -> float:
    """How long a toast of `severity` stays: as asked, within the cap."""
    cap = SHORT_LIVED.get(severity, SHORT_LIVED["information"])
    return cap if timeout is None else min(timeout, cap)
