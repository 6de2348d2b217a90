"""What a user narrows Activity to: source, status, key, tool and the period (7 or 30 days).

Shared by the Activity page, its filter dialog and the `activity` command (`parse_since`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from openrush_tui.clock import EARLIEST, OutOfRange, day_shifted, parse_instant, shifted

Metric = Literal["credits", "calls"]
PERIODS = (7, 30)  # the chart's two views; also the table's "since"
DEFAULT_PERIOD = 7
SOURCES = ("api", "mcp")
# MCP clients offered by the key filter before any of their calls is seen (the server names
# the client each call came from; `client_choices` adds the ones seen).
KNOWN_CLIENTS = ("Claude Code", "Claude Desktop", "Cursor", "VS Code", "Windsurf", "Codex",
                 "Gemini CLI")
STATUSES = ("success", "error", "rate_limited")
STATUS_LABELS = {"success": "success", "error": "errors", "rate_limited": "rate-limited"}


@dataclass(frozen=True)
class ActivityFilter:
    """What the user narrowed Activity to. `key_label` is only for display (the key's name)."""

    source: str | None = None
    status: str | None = None
    credential_id: str | None = None
    key_label: str | None = None
    tool: str | None = None
    days: int = DEFAULT_PERIOD
    client: str | None = None  # an MCP client ("Cursor"): MCP calls it made

    @property
    def active(self) -> bool:
        """True when something beyond the period narrows the list (what "clear" undoes)."""
        return any((self.source, self.status, self.credential_id, self.tool, self.client))

    def cleared(self) -> ActivityFilter:
        # The period is the chart's view as much as a filter: clearing keeps it.
        return ActivityFilter(days=self.days)

    def with_days(self, days: int) -> ActivityFilter:
        return replace(self, days=days)

    def next_period(self) -> ActivityFilter:
        """The next longer period, after the longest the shortest again (the p key)."""
        later = [days for days in PERIODS if days > self.days]
        return self.with_days(later[0] if later else PERIODS[0])

    def first_day(self, now: datetime) -> date:
        return day_shifted(now.astimezone(UTC).date(), -(self.days - 1))

    def since(self, now: datetime) -> datetime:
        """Midnight UTC at the start of the period, so its first day is a whole day."""
        return datetime.combine(self.first_day(now), time(0), tzinfo=UTC)

    def query(self, now: datetime) -> dict[str, Any]:
        """Keyword arguments for `OpenRushClient.usage` (everything but limit and cursor)."""
        # A client's calls are MCP calls: a server that ignores `client` (it is ours) still
        # narrows by source, and `matches` does the rest.
        return {"source": self.source or ("mcp" if self.client else None),
                "status": self.status, "credential_id": self.credential_id,
                "tool": self.tool, "client": self.client, "since": self.since(now)}

    def matches(self, event: object) -> bool:
        """What the server may not narrow by itself (`client` is our extension)."""
        return self.client is None or getattr(event, "client", None) == self.client

    def parts(self) -> list[str]:
        """The filter in words, one part per setting, for titles and empty states.

        Server strings (a key's name, a tool) go in as they are: callers render them as text.
        """
        parts = []
        if self.source:
            parts.append(self.source.upper())
        if self.status:
            parts.append(STATUS_LABELS.get(self.status, self.status))
        if self.credential_id:
            parts.append(f"key “{self.key_label or self.credential_id}”")
        if self.tool:
            parts.append(f"tool {self.tool}")
        if self.client:
            parts.append(f"client “{self.client}”")
        return parts

    def title(self) -> str:
        """E.g. ``last 7 days · MCP · errors``."""
        return " · ".join([f"last {self.days} days", *self.parts()])


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: an ISO date or time (UTC unless it says otherwise) or an age like ``7d``.

    ValueError for anything else, with a message fit for a usage error. An age or a time
    before the calendar's first days means "from the start": `clock.EARLIEST`.
    """
    text = text.strip()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    if len(text) >= 2 and text[-1].lower() in units and text[:-1].isdigit():
        digits = text[:-1].lstrip("0") or "0"
        # Beyond the calendar (or what a timedelta holds): as far back as it goes.
        if len(digits) > 15 or int(digits) * units[text[-1].lower()] > 4_000_000 * 86400:
            return EARLIEST
        return shifted(now, -timedelta(seconds=int(digits) * units[text[-1].lower()]))
    try:
        return parse_instant(text)
    except OutOfRange as edge:
        if not edge.late:
            return EARLIEST
        raise ValueError(f"{text!r} is beyond the calendar's end") from None
    except ValueError:
        raise ValueError(
            f"not a date, time or age: {text!r} (try 2026-06-20, 2026-06-20T08:00:00Z or 7d)"
        ) from None
