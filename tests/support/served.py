"""What a `sandbox serve` process saw, read from its SQLite file (it records every call made
with an `or_` key as a usage event, with the caller's User-Agent)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

OWN_AGENT = "openrush-tui/%"


def calls_from_us(db_path: Path) -> int:
    """Authenticated requests this tool (dashboard or CLI) made: what the rate limit counts."""
    with sqlite3.connect(db_path, timeout=10) as db:
        row = db.execute("SELECT count(*) FROM usage_events WHERE user_agent LIKE ?",
                         (OWN_AGENT,)).fetchone()
    return int(row[0])
