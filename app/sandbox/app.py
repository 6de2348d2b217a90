"""The sandbox object: store, clock, key source and limiter, plus the FastAPI app over them.

Everything is opened and seeded here, not in a startup hook: httpx's ASGITransport (the TUI's
in-process mode) never runs lifespan events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import FastAPI

from openrush_tui import __version__
from openrush_tui.clock import Clock, fixed_clock, format_instant, system_clock
from openrush_tui.sandbox import auth, bootstrap, keys, seed
from openrush_tui.sandbox.body import BodyLimit
from openrush_tui.sandbox.catalog import TOOLS_BY_NAME
from openrush_tui.sandbox.extra_keys import add_extra_keys
from openrush_tui.sandbox.faults import DatabaseFaults
from openrush_tui.sandbox.guard import Guard
from openrush_tui.sandbox.oauth import OAuthServer
from openrush_tui.sandbox.oauth_routes import oauth_router
from openrush_tui.sandbox.options import SandboxOptions, default_db_path
from openrush_tui.sandbox.ratelimit import FailureLimiter, RateLimiter
from openrush_tui.sandbox.routes import router
from openrush_tui.sandbox.store import Store

BOOTSTRAP_KEY_NAME = bootstrap.BOOTSTRAP_KEY_NAME
META_STREAM = "key_stream"


class Sandbox:
    app: FastAPI
    demo_account_id: str

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.clock: Clock = fixed_clock(options.now) if options.now else system_clock
        self.store = Store(options.db_path,
                           own_directory=options.db_path.parent == default_db_path().parent)
        try:
            self._open(options)
        except BaseException:
            self.store.close()
            raise
        self.app = build_app(self)

    def _open(self, options: SandboxOptions) -> None:
        self.limiter = RateLimiter(options.rate_limits)
        self.failures = FailureLimiter(options.rate_limits.failed_auth_per_minute)
        data_seed = seed.DEFAULT_DATA_SEED if options.key_seed is None else options.key_seed
        # Each opening of a seeded database draws from its own stream, so a restart with the
        # same seed is repeatable without re-issuing a key the database already holds.
        with self.store.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (META_STREAM,)).fetchone()
            stream = 0 if row is None else int(row[0])
            self.store.set_meta(db, META_STREAM, str(stream + 1))
        self.ids = keys.TokenSource(options.key_seed, stream)
        now = self.now()
        demo_id = self.store.meta(seed.META_DEMO_ACCOUNT)
        if demo_id is None:
            balance = seed.DEFAULT_BALANCE if options.balance is None else options.balance
            demo_id = seed.seed_new_database(self.store, self.ids, now, data_seed, balance)
        self.demo_account_id = demo_id
        seed.top_up(
            self.store, self.ids, now, data_seed, demo_id, options.seed_keys, options.seed_events
        )
        add_extra_keys(self.store, self.ids, now, demo_id, options.extra_keys)
        self._jwt_secret = self.store.meta(seed.META_JWT_SECRET) or ""
        # Browser sign-in (docs/oauth.md): its records live in the same file.
        self.oauth = OAuthServer(self.store, self.ids, self._jwt_secret, demo_id, options)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def session_token(self) -> str:
        """A Dashboard-session JWT for the demo account, accepted as a Bearer token."""
        return auth.issue_session_token(self._jwt_secret, self.demo_account_id, self.now())

    def bootstrap_key(self) -> bootstrap.Bootstrap:
        """The demo account's bootstrap key: the one of an earlier start on this database
        while it works, else a new one (see `sandbox.bootstrap`)."""
        return bootstrap.ensure(self.store, self.ids, self._jwt_secret, self.demo_account_id,
                                format_instant(self.now()))

    def mint_bootstrap_key(self) -> str:
        """A working key of the demo account (`bootstrap_key`'s, for tests and scripts)."""
        return self.bootstrap_key().key

    def create_key(
        self, account_id: str, name: str, expires_at: datetime | None
    ) -> tuple[str, dict[str, object]]:
        raw = self.ids.api_key()
        cred_id = self.ids.ident("cred_")
        row = (
            cred_id,
            account_id,
            name,
            keys.display_prefix(raw),
            keys.key_hash(raw),
            keys.fingerprint(raw),
            1,
            format_instant(self.now()),
            None,
            None if expires_at is None else format_instant(expires_at),
        )
        with self.store.transaction() as db:
            self.store.add_credentials(db, [row])
        item = self.store.credential(account_id, cred_id)
        assert item is not None  # noqa: S101 (just inserted under the same lock)
        return raw, item

    def authenticate(self, headers: Mapping[str, str]) -> auth.Principal:
        return auth.authenticate(self.store, self._jwt_secret, headers, self.now(),
                                 self.oauth.session_problem)

    def record(
        self,
        principal: auth.Principal,
        endpoint: str,
        status_code: int,
        credits: int,
        started: datetime,
        user_agent: str | None = None,
        method: str | None = None,
        error: str | None = None,
    ) -> None:
        """One usage event, when this call counts as API usage (see `should_record`), with
        the call's method and, when it failed, the message it was answered with (OURS)."""
        tool = (
            endpoint.removeprefix("/v1/tools/")[:120] if endpoint.startswith("/v1/tools/") else None
        )
        if not should_record(principal, tool):
            return
        now = self.now()
        status = (
            "success"
            if 200 <= status_code < 300
            else "rate_limited"
            if status_code == 429
            else "error"
        )
        duration_ms = max(0, round((now - started).total_seconds() * 1000))
        self.store.record_event(
            (
                self.ids.ident("use_"),
                principal.account_id,
                format_instant(now),
                "api",
                tool,
                endpoint[:200],
                status_code,
                status,
                credits if status == "success" else 0,
                principal.credential_id,
                principal.credential_prefix,
                None,
                duration_ms,
                None if user_agent is None else user_agent[:200],
                None if method is None else method[:16],
                None if status == "success" else error,
            )
        )

    def close(self) -> None:
        self.store.close()


def should_record(principal: auth.Principal, tool: str | None) -> bool:
    """API-key calls always count; a Dashboard session's calls only when they hit a billed
    tool, so the TUI's own polling stays out of Activity."""
    if principal.is_api_key:
        return True
    known = TOOLS_BY_NAME.get(tool or "")
    return known is not None and known.credits > 0


def build_app(sandbox: Sandbox) -> FastAPI:
    app = FastAPI(
        title="OpenRush sandbox",
        version=__version__,
        description="A local OpenRush-compatible API with a demo account.",
        # No /docs, /redoc or /openapi.json: the contract is shared/docs/openrush-api.md,
        # and a page that loads scripts from a CDN has no place on a local key server.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = sandbox
    app.include_router(router)
    app.include_router(oauth_router)  # outside /v1/: the Guard leaves it alone
    app.add_middleware(BodyLimit)  # inside Guard: a caller is known first, and its 413 recorded
    app.add_middleware(Guard, sandbox=sandbox)
    app.add_middleware(DatabaseFaults)  # outermost of ours: it also covers Guard's own reads
    return app


def create_sandbox(options: SandboxOptions) -> Sandbox:
    """Open (or create and seed) the database and build the app."""
    return Sandbox(options)
