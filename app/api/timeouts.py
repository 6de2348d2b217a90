"""How long a request may take: the one place these numbers live.

Light on purpose (no httpx): `config.Settings` reads it on the first-paint path. The client
(`api.client`) falls back to it, and `session.build_client` passes a `Settings`' values, so
the dashboard and every command wait the same way unless a setting says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0  # seconds to open a connection (and to get one from the pool)
    read: float = 20.0  # seconds between two reads (and for a write)
    deadline: float = 30.0  # seconds for a whole request, retries and every byte included


# Read when a client or a Settings is made, not when this module is imported: tests that need
# quick failures replace it for every client their run makes, the CLI's included.
DEFAULT = Timeouts()


def default_timeouts() -> Timeouts:
    return DEFAULT
