"""What Activity fetches besides events: the account's key names and the catalogue's tools.

Events name a key by its credential id and prefix; the names come from the key list, fetched
once per account (and again when an event names a key created since). No Textual here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openrush_tui.errors import OpenRushError

if TYPE_CHECKING:
    from datetime import datetime

    from openrush_tui.api.client import OpenRushClient


async def key_names(client: OpenRushClient, now: datetime | None = None,
                    ) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    """(credential id, name) of each key, as listed, the tools' names, and the keys that no
    longer work with their status ("revoked", "expired" at `now`): the filter's Key menu
    says so. OpenRushError when the keys cannot be listed; the tools only fill a menu, so
    without them: []."""
    listed = await client.list_keys()
    keys = [(key.id, key.name) for key in listed]
    ended: dict[str, str] = {key.id: status for key in listed
                             if (status := key.status(now)) != "active"}
    try:
        tools = [tool.name for tool in (await client.capabilities()).tools]
    except OpenRushError:
        tools = []
    return keys, tools, ended
