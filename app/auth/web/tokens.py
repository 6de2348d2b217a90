"""A browser sign-in's tokens (docs/oauth.md, Tokens): `WebSession`, its refresh and revocation.

The access token is the session bearer the API takes (`Authorization: Bearer`), held as a
`Secret` like a key; the refresh token too. `refresh` trades the refresh token for a new pair
(the server rotates it; one that is not rotated is kept); a refused refresh is `SignedOut`,
whose sentence is "Signed out: sign in again." `revoke` ends the sign-in at the server when it
offers revocation (RFC 7009). Times come from the caller's clock; a lifetime is added with
`clock.shifted` (the decode boundary's rule). No Textual, no file: `keeping` stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from openrush_tui.api.oauth_http import OAuthHttp, OAuthRefused
from openrush_tui.api.oauth_models import TokenAnswer, parse_tokens
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import format_instant, parse_instant, shifted
from openrush_tui.errors import OpenRushError

SIGNED_OUT = "Signed out: sign in again."
# Refresh when less than this share of the access token's life is left (within the bounds).
REFRESH_SHARE = 0.1
REFRESH_AT_LEAST = timedelta(seconds=30)
REFRESH_AT_MOST = timedelta(minutes=5)


class SignedOut(OpenRushError):
    """The server refused the refresh token (expired, revoked, replayed): the sign-in is over."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(SIGNED_OUT.rstrip("."), detail)


@dataclass(frozen=True)
class WebSession:
    """What a browser sign-in gave, and where to refresh and revoke it. `repr` never shows a
    token (`Secret`'s own repr)."""

    api_url: str
    issuer: str
    client_id: str
    token_endpoint: str
    revocation_endpoint: str | None
    access_token: Secret
    refresh_token: Secret | None
    issued_at: datetime
    expires_at: datetime | None  # the access token's end; None: the server did not say
    account_id: str | None = None

    @classmethod
    def from_answer(cls, answer: TokenAnswer, *, api_url: str, issuer: str, client_id: str,
                    token_endpoint: str, revocation_endpoint: str | None, now: datetime,
                    previous: WebSession | None = None) -> WebSession:
        refresh = answer.refresh_token
        return cls(
            api_url=api_url, issuer=issuer, client_id=client_id,
            token_endpoint=token_endpoint, revocation_endpoint=revocation_endpoint,
            access_token=Secret(answer.access_token.get_secret_value()),
            # RFC 6749 §6: a server that does not rotate sends none; the old one still works.
            refresh_token=Secret(refresh.get_secret_value()) if refresh is not None
            else previous.refresh_token if previous is not None else None,
            issued_at=now,
            expires_at=None if answer.expires_in is None
            else shifted(now, timedelta(seconds=answer.expires_in)),
            account_id=answer.account_id or (previous.account_id if previous else None))

    def refresh_due(self, now: datetime) -> bool:
        """Whether to refresh now: less than a tenth of the access token's life is left
        (at least 30 s, at most 5 minutes before it ends). Never when it has no end."""
        if self.expires_at is None or self.refresh_token is None:
            return False
        life = self.expires_at - self.issued_at
        margin = min(max(life * REFRESH_SHARE, REFRESH_AT_LEAST), REFRESH_AT_MOST)
        return self.expires_at - now <= margin

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    # -- kept as JSON (the keyring's value, or the 0600 file's entry) ------------------------

    def to_json(self) -> dict[str, Any]:
        return {"api_url": self.api_url, "issuer": self.issuer, "client_id": self.client_id,
                "token_endpoint": self.token_endpoint,
                "revocation_endpoint": self.revocation_endpoint,
                "access_token": self.access_token.reveal(),
                "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
                "issued_at": format_instant(self.issued_at),
                "expires_at": format_instant(self.expires_at) if self.expires_at else None,
                "account_id": self.account_id}

    @classmethod
    def from_json(cls, data: Any) -> WebSession | None:
        """None for anything this version did not write (the store says it is unreadable)."""
        if not isinstance(data, dict):
            return None
        text = {name: data.get(name) for name in (
            "api_url", "issuer", "client_id", "token_endpoint", "access_token", "issued_at")}
        if not all(isinstance(value, str) and value for value in text.values()):
            return None
        optional = {name: data.get(name) if isinstance(data.get(name), str) else None
                    for name in ("revocation_endpoint", "refresh_token", "expires_at",
                                 "account_id")}
        try:
            issued = parse_instant(str(text["issued_at"]))
            expires = parse_instant(optional["expires_at"]) if optional["expires_at"] else None
        except ValueError:
            return None
        return cls(str(text["api_url"]), str(text["issuer"]), str(text["client_id"]),
                   str(text["token_endpoint"]), optional["revocation_endpoint"],
                   Secret(str(text["access_token"])),
                   Secret(optional["refresh_token"]) if optional["refresh_token"] else None,
                   issued, expires, optional["account_id"])


async def refresh(http: OAuthHttp, session: WebSession, now: datetime) -> WebSession:
    """A new access token (and refresh token) for `session`; SignedOut when refused."""
    if session.refresh_token is None:
        raise SignedOut("This sign-in cannot be renewed.")
    try:
        answer = await http.form(session.token_endpoint, {
            "grant_type": "refresh_token", "client_id": session.client_id,
            "refresh_token": session.refresh_token.reveal()}, parse_tokens, "the sign-in tokens")
    except OAuthRefused as refused:
        if refused.error in ("invalid_grant", "invalid_client", "unauthorized_client") or \
                refused.status_code in (400, 401):
            raise SignedOut(refused.description) from None
        raise
    return WebSession.from_answer(
        answer, api_url=session.api_url, issuer=session.issuer, client_id=session.client_id,
        token_endpoint=session.token_endpoint, revocation_endpoint=session.revocation_endpoint,
        now=now, previous=session)


async def revoke(http: OAuthHttp, session: WebSession) -> bool:
    """End the sign-in at the server (RFC 7009): the refresh token, else the access token.
    False when the server offers no revocation; errors (no answer, a refusal) raise."""
    if session.revocation_endpoint is None:
        return False
    token, hint = ((session.refresh_token, "refresh_token") if session.refresh_token
                   else (session.access_token, "access_token"))
    await http.form(session.revocation_endpoint, {"token": token.reveal(),
                                                  "token_type_hint": hint,
                                                  "client_id": session.client_id},
                    lambda payload: payload, "the sign-out")
    return True


def with_account(session: WebSession, account_id: str | None) -> WebSession:
    return session if account_id is None else replace(session, account_id=account_id)
