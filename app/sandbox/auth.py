"""Who is calling: an `or_` API key or a Dashboard-session JWT, resolved to an account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from openrush_tui.clock import format_instant
from openrush_tui.sandbox import keys
from openrush_tui.sandbox.store import Store

SESSION_AUDIENCE = "authenticated"  # what Supabase puts in its access tokens
SESSION_ISSUER = "openrush-sandbox"
SESSION_LIFETIME = timedelta(days=30)  # long: a TUI left open should not get logged out


@dataclass(frozen=True)
class Principal:
    account_id: str
    credential_id: str | None = None  # None for a Dashboard session
    credential_prefix: str | None = None

    @property
    def is_api_key(self) -> bool:
        return self.credential_id is not None


class AuthError(Exception):
    """A 401. `owner` is set when the key is known but unusable (revoked, expired), so the
    failed call can still be shown in its account's Activity."""

    def __init__(self, message: str, owner: Principal | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.owner = owner


def presented_token(headers: Mapping[str, str]) -> str:
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        if not headers.get("x-api-key"):
            raise AuthError("Unsupported Authorization header: send 'Bearer <key>'.")
    api_key = (headers.get("x-api-key") or "").strip()
    if api_key:
        return api_key
    raise AuthError("Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")


def credential_handle(headers: Mapping[str, str]) -> str | None:
    """What the failed-authentication limit counts on: the fingerprint of the credential
    presented, or None when there is none (see `ratelimit.FailureLimiter`)."""
    try:
        return keys.fingerprint(presented_token(headers))
    except AuthError:
        return None


def authenticate_key(store: Store, key: str, now: datetime) -> Principal:
    for row in store.keys_with_fingerprint(keys.fingerprint(key)):
        if not keys.matches(key, row.key_hash):
            continue
        owner = Principal(row.account_id, row.id, row.prefix)
        if not row.is_active:
            raise AuthError("API key has been revoked.", owner)
        if row.expires_at is not None and row.expires_at <= format_instant(now):
            raise AuthError("API key has expired.", owner)
        store.touch_credential(row.id, format_instant(now))
        return owner
    raise AuthError("Invalid API key.")


def issue_session_token(secret: str, account_id: str, now: datetime) -> str:
    issued = int(now.timestamp())
    claims = {
        "sub": account_id,
        "aud": SESSION_AUDIENCE,
        "role": "authenticated",
        "iss": SESSION_ISSUER,
        "iat": issued,
        "exp": issued + int(SESSION_LIFETIME.total_seconds()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# Why a browser sign-in's access token (one with a `sid`) is refused now, or None: its expiry
# on the sign-in clock and whether its sign-in has ended (`oauth.OAuthServer.session_problem`).
SessionCheck = Callable[[Mapping[str, Any]], str | None]


def authenticate_session(store: Store, secret: str, token: str, now: datetime,
                         sign_ins: SessionCheck | None = None) -> Principal:
    # Times are checked against the sandbox clock, not PyJWT's wall clock, so a fixed clock works.
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=SESSION_AUDIENCE,
            issuer=SESSION_ISSUER,
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["exp", "sub"],
            },
        )
    except jwt.PyJWTError:
        raise AuthError("Invalid session token.") from None
    if "sid" in claims and sign_ins is not None:
        problem = sign_ins(claims)
        if problem is not None:
            raise AuthError(problem)
    elif not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
        raise AuthError("Session token has expired.")
    account_id = str(claims["sub"])
    if not store.account_exists(account_id):
        raise AuthError("Invalid session token.")
    return Principal(account_id)


def authenticate(store: Store, secret: str, headers: Mapping[str, str], now: datetime,
                 sign_ins: SessionCheck | None = None) -> Principal:
    token = presented_token(headers)
    if token.startswith(keys.KEY_PREFIX):
        return authenticate_key(store, token, now)
    if token.count(".") == 2:
        return authenticate_session(store, secret, token, now, sign_ins)
    raise AuthError("Invalid API key.")
