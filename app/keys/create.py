"""Creating a key, the one flow behind API access's "New key" dialog and `keys create`:
the name checked (`name_problem`), the request, and, when it failed after possibly reaching
the server, the `UnseenCreate` that says how to find the key it may have made.

Each face shows the outcome in its own words (the dialog's fields and status line, the
command's stderr) and chooses the expiry its own way (radio buttons, --expires-in/-at).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from openrush_tui.errors import OpenRushError
from openrush_tui.keys.rules import name_problem
from openrush_tui.keys.unseen import UnseenCreate, unseen_create

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import CreatedKey
    from openrush_tui.clock import Clock


@dataclass(frozen=True)
class CreateResult:
    """One of: the new key (its raw value a SecretStr, to show once), a key that may exist
    without having been shown, or an error after which the server surely made nothing."""

    created: CreatedKey | None = None
    unseen: UnseenCreate | None = None
    failed: OpenRushError | None = None


class KeyCreation:
    """One create request for `name` (stripped). `problem` says what is wrong with the name
    (`send` refuses such a name); `in_flight` is set while the request is out, so that an
    app or command stopped meanwhile can say where to look for the key."""

    def __init__(self, name: str, expires_at: datetime | None, *, clock: Clock,
                 known_ids: Collection[str] = ()) -> None:
        """`known_ids`: the keys listed before the request (they cannot be its key)."""
        self.problem = name_problem(name)
        self.name = name.strip()
        self.expires_at = expires_at
        self._clock = clock
        self._known = frozenset(known_ids)
        self.in_flight: UnseenCreate | None = None

    async def send(self, client: OpenRushClient) -> CreateResult:
        """Create the key. Errors other than OpenRushError are bugs and propagate; so does a
        cancellation, which leaves `in_flight` set (the request may have arrived)."""
        if self.problem:
            raise ValueError(self.problem)
        sent_at = self._clock()
        self.in_flight = UnseenCreate(self.name, sent_at, self._known)
        try:
            created = await client.create_key(self.name, self.expires_at)
        except OpenRushError as error:
            self.in_flight = None
            unseen = unseen_create(self.name, sent_at, error, self._known)
            # Never "nothing was created" after a write that may have worked.
            return CreateResult(unseen=unseen) if unseen is not None else \
                CreateResult(failed=error)
        except Exception:
            self.in_flight = None  # answered, in a way nobody expected: a bug, said as one
            raise
        self.in_flight = None
        return CreateResult(created=created)
