"""The key under the cursor of API access's list, in two lines under it: name, prefix,
status and id, then when it was created, last used and expires (exact times)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from openrush_tui.keys.view import KeyRow
from openrush_tui.text.times import exact


class KeySummary(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def show(self, row: KeyRow | None) -> None:
        """Describe `row` (None: no row is under the cursor, the lines are empty)."""
        if row is None:
            self.update("")
            return
        key = row.key
        text = Text(row.name, style="bold")
        text.append(f"  {row.prefix}  {row.status}  ({row.shown_id})\n")
        text.append(f"created {exact(key.created_at)} · last used "
                    f"{exact(key.last_used_at, missing='never')} · expires "
                    f"{exact(key.expires_at, missing='never')}")
        self.update(text)
