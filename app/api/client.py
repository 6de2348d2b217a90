"""The async OpenRush client: one lazily created ``httpx.AsyncClient``, typed errors, no Textual.

Only GETs are retried (dropped connection, 503, 429); POSTs never are, and a POST that may
have reached the server reports ``may_have_succeeded=True`` when it fails. The key is held as
a ``SecretStr`` and leaves it only for the request header; logs carry method, path and status.
Every GET goes through the key's request budget (`api.budget`): coalesced, reused, held
after a 429.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime
from typing import Any, Literal, Self
from urllib.parse import quote, urlsplit

import httpx
from pydantic import SecretStr

from openrush_tui import __version__
from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.errors import (
    ApiTimeout,
    BadResponse,
    ConnectionFailed,
    NoAnswer,
    Unauthorized,
    error_for_response,
    parse_retry_after,
)
from openrush_tui.api.models import (
    ApiCredential,
    Capabilities,
    CreatedKey,
    Credits,
    RateLimitInfo,
    ToolResult,
    UsagePage,
    bad_shape,
    parse_capabilities,
    parse_created_key,
    parse_credential,
    parse_credentials,
    parse_credits,
    parse_tool_result,
    parse_usage,
)
from openrush_tui.api.safety import check_base_url, clean_key
from openrush_tui.clock import format_instant
from openrush_tui.text.safe import sanitize

log = logging.getLogger(__name__)

AuthScheme = Literal["bearer", "x-api-key"]
DEFAULT_USER_AGENT = f"openrush-tui/{__version__}"
_BACKOFF = (0.2, 0.5)
_DROPPED = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Pool:
    """The lazily created httpx.AsyncClient, shared by a client and its ``with_key`` copies."""

    def __init__(
        self,
        base_url: str,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
        user_agent: str,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.transport = transport
        self.user_agent = user_agent
        self._client: httpx.AsyncClient | None = None
        self.budgets: dict[str, RequestBudget] = {}  # one per key (by digest), shared by copies

    def get(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                base_url=self.base_url + "/",
                timeout=self.timeout,
                transport=self.transport,
                follow_redirects=False,
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


class OpenRushClient:
    """Speaks the OpenRush REST API (see docs/openrush-api.md)."""

    def __init__(
        self,
        base_url: str,
        key: SecretStr | str | None = None,
        *,
        auth_scheme: AuthScheme = "bearer",
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_retries: int = 2,
        retry_wait_cap: float = 8.0,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        budget: RequestBudget | None = None,
    ) -> None:
        if auth_scheme not in ("bearer", "x-api-key"):
            raise ValueError(f"auth_scheme must be 'bearer' or 'x-api-key', not {auth_scheme!r}")
        self._base_url = check_base_url(base_url)
        self._key = clean_key(key)
        self._auth_scheme: AuthScheme = auth_scheme
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_retries = max(0, int(max_retries))
        self._retry_wait_cap = retry_wait_cap
        self._transport = transport
        self._user_agent = user_agent
        self._pool = _Pool(
            self._base_url,
            httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            transport,
            user_agent,
        )
        self.budget = self._pool.budgets.setdefault(_key_digest(self._key),
                                                    budget or RequestBudget())

    # ------------------------------------------------------------------ identity

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def has_key(self) -> bool:
        return self._key is not None

    @property
    def auth_scheme(self) -> AuthScheme:
        return self._auth_scheme

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The X-RateLimit-* headers of the last response that had them (this key's)."""
        return self.budget.rate_limit

    def __repr__(self) -> str:
        return f"OpenRushClient(base_url={self._base_url!r}, has_key={self.has_key})"

    __str__ = __repr__

    def with_key(self, key: SecretStr | str | None) -> OpenRushClient:
        """A new client with the same settings and connection pool, holding another key."""
        other = OpenRushClient.__new__(OpenRushClient)
        other.__dict__.update(self.__dict__)
        other._key = clean_key(key)
        other.budget = self._pool.budgets.setdefault(_key_digest(other._key), self.budget.fresh())
        return other

    async def aclose(self) -> None:
        """Close the connection pool (a later request opens a new one, and asks anew)."""
        self.budget.forget_answers()
        await self._pool.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ endpoints

    async def credits(self) -> Credits:
        return parse_credits(await self._json("GET", "/v1/me/credits", what="a credit balance"))

    async def list_keys(self) -> list[ApiCredential]:
        return parse_credentials(
            await self._json("GET", "/v1/me/api-credentials", what="the list of keys")
        )

    async def create_key(self, name: str, expires_at: datetime | None = None) -> CreatedKey:
        body: dict[str, Any] = {"name": name}
        if expires_at is not None:
            body["expires_at"] = format_instant(expires_at)
        return parse_created_key(
            await self._json("POST", "/v1/me/api-credentials", body=body, what="the new key")
        )

    async def revoke_key(self, credential_id: str) -> ApiCredential | None:
        path = f"/v1/me/api-credentials/{quote(credential_id, safe='')}/revoke"
        payload = await self._json("POST", path, what="the revoked key", allow_empty=True)
        return None if payload is None else parse_credential(payload)

    async def capabilities(self) -> Capabilities:
        return parse_capabilities(
            await self._json("GET", "/v1/capabilities", auth=False, what="the capabilities")
        )

    async def usage(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        source: str | None = None,
        status: str | None = None,
        credential_id: str | None = None,
        tool: str | None = None,
        since: datetime | None = None,
    ) -> UsagePage:
        params: dict[str, str] = {"limit": str(limit)}
        for name, value in (
            ("cursor", cursor),
            ("source", source),
            ("status", status),
            ("credential_id", credential_id),
            ("tool", tool),
        ):
            if value is not None and value != "":
                params[name] = value
        if since is not None:
            params["since"] = format_instant(since)
        return parse_usage(
            await self._json("GET", "/v1/me/usage", params=params, what="the activity")
        )

    async def call_tool(self, tool: str, arguments: dict[str, Any] | None = None) -> ToolResult:
        path = f"/v1/tools/{quote(tool, safe='')}"
        return parse_tool_result(
            await self._json("POST", path, body=arguments or {}, what="the tool result")
        )

    # ------------------------------------------------------------------ transport

    def _auth_headers(self) -> dict[str, str]:
        if self._key is None:
            return {}
        raw = self._key.get_secret_value()
        if self._auth_scheme == "x-api-key" and not raw.startswith("eyJ"):
            return {"X-API-Key": raw}
        return {"Authorization": f"Bearer {raw}"}

    async def _json(
        self,
        method: str,
        path: str,
        *,
        what: str,
        auth: bool = True,
        params: dict[str, str] | None = None,
        body: Any = None,
        allow_empty: bool = False,
    ) -> Any:
        if method == "GET":
            query = tuple(sorted((params or {}).items()))
            return await self.budget.get((path, query, auth), lambda: self._read_json(
                method, path, what=what, auth=auth, params=params, body=body))
        try:
            return await self._read_json(method, path, what=what, auth=auth, params=params,
                                         body=body, allow_empty=allow_empty)
        finally:  # a write, or one that may have happened: earlier reads may be out of date
            self.budget.forget_answers()

    async def _read_json(self, method: str, path: str, *, what: str, auth: bool,
                         params: dict[str, str] | None, body: Any,
                         allow_empty: bool = False) -> Any:
        response = await self._request(method, path, auth=auth, params=params, body=body)
        content = response.content
        if not content.strip():
            if allow_empty:
                return None
            raise bad_shape(what, "the body was empty")
        try:
            return json.loads(content)
        except (ValueError, UnicodeDecodeError):
            excerpt = sanitize(content[:120].decode("utf-8", "replace"), 60)
            raise BadResponse(
                f"The server sent {what} that is not JSON"
                + (f" (it began “{excerpt}”)" if excerpt else ""),
                "Check that the API URL points at OpenRush, or try again later.",
                response.status_code,
            ) from None

    async def _request(
        self, method: str, path: str, *, auth: bool, params: dict[str, str] | None, body: Any
    ) -> httpx.Response:
        if auth and self._key is None:
            raise Unauthorized("You are not signed in", "Sign in with an API key first.")
        headers = self._auth_headers() if auth else {}
        retryable = method == "GET"
        attempt = 0
        while True:
            try:
                response = await self._pool.get().request(
                    method,
                    path.lstrip("/"),
                    params=params,
                    headers=headers,
                    json=body if method != "GET" else None,
                )
            except httpx.TimeoutException as exc:
                log.debug("%s %s -> timeout (%s)", method, path, type(exc).__name__)
                raise self._timeout(method, exc) from exc
            except _DROPPED as exc:
                if retryable and attempt < self._max_retries:
                    log.debug("%s %s -> %s, retrying", method, path, type(exc).__name__)
                    await asyncio.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
                    attempt += 1
                    continue
                raise self._connection_failed(method, exc) from exc
            except httpx.TransportError as exc:
                raise self._connection_failed(method, exc) from exc

            log.debug("%s %s -> %s", method, path, response.status_code)
            self._note_rate_limit(response)
            if response.is_success:
                return response
            if retryable and response.status_code in (429, 503) and attempt < self._max_retries:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = _BACKOFF[min(attempt, len(_BACKOFF) - 1)]
                elif wait > self._retry_wait_cap:
                    raise error_for_response(response)
                await asyncio.sleep(wait)
                attempt += 1
                continue
            raise error_for_response(response)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        self.budget.note(RateLimitInfo.from_headers(response.headers))

    def _host(self) -> str:
        return sanitize(urlsplit(self._base_url).netloc, 80)

    def _timeout(self, method: str, exc: httpx.TimeoutException) -> NoAnswer:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            message = f"Could not reach {self._host()} within {self._connect_timeout:g} s"
            hint = "Check your network connection and the API URL."
        else:
            message = f"{self._host()} did not answer within {self._read_timeout:g} s"
            hint = "Try again shortly."
        return _no_answer(ApiTimeout, method, exc, message, hint)

    def _connection_failed(self, method: str, exc: httpx.TransportError) -> NoAnswer:
        if isinstance(exc, httpx.ConnectError):
            reason = sanitize(str(exc), 100)
            message = f"Could not connect to {self._host()}" + (f" ({reason})" if reason else "")
            hint = "Check your network connection and the API URL."
        else:
            message = f"The connection to {self._host()} was dropped before an answer arrived"
            hint = "Try again shortly."
        return _no_answer(ConnectionFailed, method, exc, message, hint)


def _key_digest(key: SecretStr | None) -> str:
    return "" if key is None else hashlib.sha256(key.get_secret_value().encode()).hexdigest()


def _no_answer(kind: type[NoAnswer], method: str, exc: httpx.TransportError, message: str,
               hint: str) -> NoAnswer:
    """A POST whose request may have left (not refused, not stuck in connect) may have
    taken effect: say so, because it is never retried behind the user's back."""
    may = method != "GET" and not isinstance(exc, _NOT_SENT)
    if may:
        hint = ("The request may still have gone through; check (for example by refreshing) "
                "before trying again.")
    return kind(message, hint, may_have_succeeded=may)
