"""Settings of one sandbox instance (cheap to import: no FastAPI, no SQLite)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openrush_tui.clock import Clock


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per account in each fixed window of the sandbox clock."""

    per_minute: int = 60
    per_hour: int = 1000
    per_day: int = 10000
    # Failed authentications per revoked or expired key in a minute of real time; past it,
    # that key is refused (429) without being looked up or recorded. Calls with no key or
    # an unknown one are never counted (OURS: see `ratelimit.FailureLimiter`).
    failed_auth_per_minute: int = 30


@dataclass(frozen=True)
class ExtraKey:
    """A key to add to the demo account at start-up, with the ages tests and demos need (days
    relative to the sandbox clock; a negative `expires_in_days` is already expired). `key` is
    the raw key to store (hashed), so a test can plant it in a file; None: a generated one."""

    name: str
    created_days_ago: float = 0.0
    last_used_days_ago: float | None = None  # None: never used
    expires_in_days: float | None = None  # None: never expires
    revoked: bool = False
    key: str | None = None


DEFAULT_TOKEN_SECONDS = 3600  # an access token's life (docs/oauth.md)
DEFAULT_DEVICE_INTERVAL = 5  # seconds between a device flow's polls (RFC 8628's default)


@dataclass(frozen=True)
class SandboxOptions:
    db_path: Path
    now: datetime | None = None  # a fixed clock when set: every "now" in the sandbox comes from it
    key_seed: int | None = None  # seeded key/id generator when set, so output is repeatable
    seed_keys: int = 0  # top the demo account up to at least this many extra (bulk) keys
    seed_events: int = 0  # ... and at least this many extra (bulk) usage events
    balance: int | None = None  # initial demo balance for a NEW database (default 1250)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    extra_keys: tuple[ExtraKey, ...] = ()  # added once each (by name) to the demo account
    # Browser sign-in (docs/oauth.md): an access token's life, the device flow's polling
    # interval, and the sign-in clock a test moves by hand (None: the system clock, or with
    # `now` that instant moving on with real time, so codes and tokens can still expire).
    token_seconds: int = DEFAULT_TOKEN_SECONDS
    device_interval: int = DEFAULT_DEVICE_INTERVAL
    sign_in_clock: Clock | None = None


def default_db_path() -> Path:
    """``sandbox.sqlite3`` in the user data directory (created when the sandbox opens it,
    0600 in a 0700 directory: it holds the session-signing secret and key hashes)."""
    # lazy: start-up (--help imports every command module)
    import platformdirs

    return platformdirs.user_data_path("openrush-tui") / "sandbox.sqlite3"


PREDICTABLE_KEYS_WARNING = (
    "Warning: with --key-seed, every key and id of the sandbox, and the session-signing "
    "secret of a new database, are predictable: anyone who knows the seed can sign in to "
    "it. Use it only for tests and demos.")
