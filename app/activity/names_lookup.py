"""The names of the keys that events name, for the command line's key column and CSV export,
without the whole list of a large account: `activity --csv --limit 1000` at 50,000 keys
fetched 11.6 MB of keys for a few hundred names.

Events carry their key's id and prefix; the names are asked for by id as the events arrive,
a hundred a request (OURS, docs/openrush-api.md), each id once. A server that cannot look keys
up by id sends every key's name once instead, a page at a time, only id and name kept.
No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from openrush_tui.text.safe import names

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsageEvent


class KeyNames:
    """Credential id → name, learnt a page of events at a time (`names`)."""

    def __init__(self, client: OpenRushClient) -> None:
        self.names: dict[str, str] = {}
        self._client = client
        self._asked: set[str] = set()
        self._every = False  # every key's name is known (a server without look-ups by id)

    async def learn(self, events: Iterable[UsageEvent]) -> None:
        """Look up the names of the keys `events` name that were not asked for yet (a key
        the account no longer lists stays unnamed: its prefix names it)."""
        wanted = {event.credential_id for event in events if event.credential_id}
        wanted -= self._asked
        if not wanted or self._every:
            return
        self._asked |= wanted
        found = await self._client.keys_by_id(wanted)
        if found is not None:
            self.names.update((key.id, key.name) for key in found)
            return
        async for page in self._client.key_pages():
            self.names.update((key.id, key.name) for key in page)
        self._every = True


async def keys_named(client: OpenRushClient, name: str) -> list[str]:
    """The ids of the keys named exactly `name`, or shown so (`text.safe.names`), for `--key
    NAME`, a page of keys at a time."""
    return [key.id async for page in client.key_pages() for key in page
            if names(key.name, name)]
