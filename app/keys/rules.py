"""The rules of a new key, shared by the create dialog and `keys create`: name and expiry.

The server has the last word (it answers 422), but checking here lets the dialog explain a
problem as the user types, and the command line refuse before a request is made. An expiry is
never later than `clock.LATEST_EXPIRY`: the client does not send what it could not read back
(the sandbox refuses it too), and a duration that would pass it is refused, not overflowed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from openrush_tui.clock import LATEST_EXPIRY, OutOfRange, parse_instant, shifted
from openrush_tui.text.counts import number

NAME_MAX = 120


def name_problem(raw: str) -> str | None:
    """Why `raw` cannot be a key name (the server's rules: trimmed, 1–120, no control
    characters), or None when it can."""
    name = raw.strip()
    if not name:
        return "A name is required, so that you can tell your keys apart."
    if len(name) > NAME_MAX:
        return (f"The name is {number(len(name))} characters long; at most {number(NAME_MAX)} "
                "are allowed.")
    for ch in name:
        if _refused(ch):
            return (f"The name contains a control character ({_describe(ch)}); names must be "
                    "plain text on one line.")
    return None


def acceptable_name(raw: str) -> str:
    """`raw` with each character the server refuses in a name as a space, trimmed: a name
    made from another one (a rotation's replacement) that the server takes."""
    return "".join(" " if _refused(ch) else ch for ch in raw).strip()


def _refused(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029"


def _describe(ch: str) -> str:
    return {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
            "\x1b": "an escape"}.get(ch, f"U+{ord(ch):04X}")


@dataclass(frozen=True)
class ExpiryChoice:
    id: str
    label: str
    after: timedelta | None  # None: never, or a date typed by the user (id "date")


EXPIRY_CHOICES = (
    ExpiryChoice("never", "Never", None),
    ExpiryChoice("7d", "7 days", timedelta(days=7)),
    ExpiryChoice("30d", "30 days", timedelta(days=30)),
    ExpiryChoice("90d", "90 days", timedelta(days=90)),
    ExpiryChoice("1y", "1 year", timedelta(days=365)),
    ExpiryChoice("date", "A date", None),
)
CHOICES_BY_ID = {choice.id: choice for choice in EXPIRY_CHOICES}

_DURATION = re.compile(r"^\s*(\d{1,5})\s*([hdwy])\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
          "y": timedelta(days=365)}


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w`` or ``1y`` as a timedelta; ValueError says what is accepted."""
    match = _DURATION.match(text)
    if match and int(match.group(1)) == 0:
        raise ValueError(f"{text!r} would expire at once: give at least 1h")
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 7d, 30d, 12h, 2w or 1y")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def parse_expiry_date(text: str, now: datetime) -> datetime:
    """A date (``2026-12-31``: midnight UTC, as in the API's own example) or an ISO-8601 time,
    which must lie in the future and not after `LATEST_EXPIRY`. ValueError says what is
    wrong."""
    text = text.strip()
    if not text:
        raise ValueError("Type a date such as 2026-12-31")
    try:
        moment = parse_instant(text)  # a date alone is its midnight, UTC
    except OutOfRange as edge:
        if edge.late:
            raise ValueError(_too_late()) from None
        moment = now  # the first days of the calendar: in the past, said below
    except ValueError:
        raise ValueError(f"“{text}” is not a date such as 2026-12-31") from None
    if moment <= now:
        day = " (a date alone means its first moment, 00:00 UTC)" if len(text) == 10 else ""
        raise ValueError(f"The expiry date must be in the future{day}")
    return checked_expiry(moment)


def _too_late() -> str:
    return f"The expiry date can be {LATEST_EXPIRY.date()} at the latest"


def checked_expiry(moment: datetime) -> datetime:
    """`moment` when it is not after `LATEST_EXPIRY`; ValueError saying the latest otherwise."""
    if moment > LATEST_EXPIRY:
        raise ValueError(_too_late())
    return moment


def expiry_in(text: str, now: datetime) -> datetime:
    """``--expires-in``: `now` plus a duration (`parse_duration`), not after `LATEST_EXPIRY`."""
    return checked_expiry(shifted(now, parse_duration(text)))


def expiry_from_choice(choice_id: str, now: datetime, date_text: str = "") -> datetime | None:
    """The `expires_at` a dialog choice means; ValueError for a bad, past or too late date."""
    if choice_id == "date":
        return parse_expiry_date(date_text, now)
    choice = CHOICES_BY_ID[choice_id]
    return None if choice.after is None else checked_expiry(shifted(now, choice.after))


def key_prefix(raw_key: str) -> str:
    """The display prefix the service stores for a key (``or_`` + 6 characters)."""
    return raw_key[:9]


def signed_in_with(prefix: str, raw_key: str | None) -> bool:
    """Whether a credential with this display `prefix` is the key `raw_key` (compared by
    prefix only: the service never returns more of a key). A session token never matches."""
    if not raw_key or not raw_key.startswith("or_"):
        return False
    return raw_key.startswith(prefix.rstrip(".…")) and len(prefix.rstrip(".…")) >= 6
