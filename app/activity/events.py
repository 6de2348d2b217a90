"""What Activity reads and shows of one usage event, as plain strings (never markup).

`api.models.UsageEvent` fits these protocols; the table, the event dialog, the key details and
the `activity` command all label an event through these functions, so they agree. Every
label is already made safe for a terminal (`text.safe.visible`): the fields are the server's.

`is_own_read` tells this tool's own reads of the account (the dashboard's refreshes, the
CLI's listings) from the user's usage, by the `user_agent` the server recorded. A server
that has the usage endpoint's `exclude_reads_by` (OURS; the sandbox does) leaves the same
events out when asked (`OWN_READS_LEFT_OUT`), so they cost no pages; one that ignores it
sends them, and they are hidden here all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final, Protocol

from openrush_tui.text.safe import sanitize, visible

OWN_PRODUCT = "openrush-tui"  # what the usage endpoint's `exclude_reads_by` names (OURS)
OWN_AGENT = f"{OWN_PRODUCT}/"  # our User-Agent, `openrush-tui/<version>`
# What this tool reads to show the account; a create (201) on the same path is a write.
OWN_READS = frozenset({"/v1/me/usage", "/v1/me/credits", "/v1/me/api-credentials",
                       "/v1/capabilities"})

ERROR_ROOM = 1000  # characters of a failed call's message shown (its dialog wraps them)

# The query that asks the server to leave this tool's own reads out (OURS: `GET /v1/me/usage`).
OWN_READS_LEFT_OUT: Final = {"exclude_reads_by": OWN_PRODUCT}


class Event(Protocol):
    """What this module reads of a usage event (`api.models.UsageEvent` fits)."""

    id: str
    created_at: datetime
    source: str
    status: str
    credits: int


class ShownEvent(Event, Protocol):
    """The fields a row of events shows (`api.models.UsageEvent` fits)."""

    credential_id: str | None
    credential_prefix: str | None
    client: str | None
    tool: str | None
    endpoint: str | None
    status_code: int | None
    duration_ms: int | None


def is_own_read(event: Event) -> bool:
    """A read of the account made by this tool (dashboard or CLI), not the user's usage.

    Events without a `user_agent` (an older server, MCP calls) are never ours, and neither
    is a call that did not succeed: the user agent is the caller's to choose, so a failure
    (a revoked key's 401 above all) is always shown, whoever it claims to be.
    """
    agent = getattr(event, "user_agent", None) or ""
    if not agent.startswith(OWN_AGENT) or getattr(event, "tool", None) \
            or event.status != "success":
        return False
    path = (getattr(event, "endpoint", None) or "").split("?", 1)[0].rstrip("/")
    return path in OWN_READS and getattr(event, "status_code", None) != 201


def who(event: ShownEvent, names: Mapping[str, str]) -> str:
    """The key's name when known, else its prefix; the MCP client for MCP calls."""
    if event.credential_id and event.credential_id in names:
        return visible(names[event.credential_id])
    if event.credential_prefix:
        return visible(event.credential_prefix.rstrip(".…")) + "…"
    if event.client:
        return visible(event.client)
    return "session" if event.source == "api" else "—"


def matches_text(event: ShownEvent, names: Mapping[str, str], text: str) -> bool:
    """The `/` filter: `text` (any case) in the tool or endpoint, the key's name or the MCP
    client, or the start of the key's prefix (``or_abc``: inside it, a letter would match
    rows for no reason the table shows)."""
    wanted = text.strip().casefold()
    if not wanted:
        return True
    fields = (event.tool, event.endpoint, names.get(event.credential_id or ""), event.client)
    prefix = (event.credential_prefix or "").casefold()
    return (any(wanted in field.casefold() for field in fields if field)
            or (prefix != "" and prefix.startswith(wanted)))


def source_label(event: ShownEvent) -> str:
    """``API`` or ``MCP`` (another server's own word, upper-cased, as it is)."""
    return visible(event.source.upper())


def tool_label(event: ShownEvent) -> str:
    """The tool called, else the endpoint."""
    return visible(event.tool or event.endpoint) or "—"


def call_label(event: ShownEvent, room: int | None = None) -> str:
    """The tool called, else the method and the endpoint (``POST /v1/me/api-credentials``; the
    method only when the server said it, OURS), in at most `room` characters.

    Too long, an endpoint is cut by one rule, the same for every row of a column: the method,
    "…/" and the path's last part, cut at its end when it has no room
    (``POST …/revoke``, ``POST …/api-c…``), so a create, a list and a revoke of keys still
    read apart; below `SLASH_FROM` cells the "/" gives its cell to the last part
    (``POST …revoke``, ``POST …api-c…``). Before, the form depended on each path's length,
    and rows beside one another read ``POST …revoke`` and ``POST …/api-…`` (trial 5)."""
    if event.tool:
        return _cut(visible(event.tool), room)
    method = getattr(event, "method", None)
    lead = f"{visible(method)} " if method else ""
    path = visible(event.endpoint)
    text = lead + path if path else "—"
    if room is None or len(text) <= room or not path:
        return _cut(text, room)
    last = path.rstrip("/").rpartition("/")[2]
    mark = "…/" if room >= SLASH_FROM else "…"
    last_room = room - len(lead) - len(mark)
    if not last or last_room < 3:
        return _cut(text, room)
    return f"{lead}{mark}{_cut(last, last_room)}"


SLASH_FROM = 13  # cells: "POST …/revoke"; narrower, "POST …revoke" keeps the word whole


def _cut(text: str, room: int | None) -> str:
    return text if room is None or len(text) <= room else text[: max(0, room - 1)] + "…"


def error_label(event: ShownEvent) -> str:
    """The message a failed call was answered with (OURS `error`), one safe line; "" when the
    server said none, and for a success."""
    error = getattr(event, "error", None)
    return sanitize(error, ERROR_ROOM) if error and event.status != "success" else ""


SHORT_STATUS = {"rate_limited": "limited"}  # "limited 429" fits 80 columns (as the summary)


def status_label(event: ShownEvent) -> str:
    label = SHORT_STATUS.get(event.status) or visible(event.status.replace("_", " ")) \
        or "unknown"
    if event.status != "success" and event.status_code:
        label = f"{label} {event.status_code}"
    return label


def duration_label(event: ShownEvent) -> str:
    return f"{event.duration_ms:,} ms" if event.duration_ms is not None else "—"
