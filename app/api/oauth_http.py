"""The browser sign-in's HTTP (docs/oauth.md): GET a document, POST a form or JSON, to an
absolute URL that `auth.web.discovery` has already allowed.

The API client's rules hold here too (`api.transport`, docs/reliability.md): no redirect is
followed, a request ends within its deadline, a body is read up to `MAX_DOCUMENT` bytes, a
loopback URL never goes through an environment proxy, and every answer is decoded at the
boundary (`decode_json`, `api.oauth_models`). A refusal in RFC 6749's shape is `OAuthRefused`
with the server's code and its description made safe; a form's values (codes, tokens) never
reach a log or an error. One ``httpx.AsyncClient`` per origin, closed by `aclose`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from openrush_tui.api.decode import decode_json
from openrush_tui.api.errors import (
    ApiTimeout,
    ConnectionFailed,
    RateLimited,
    error_for_response,
    parse_retry_after,
)
from openrush_tui.api.models import RateLimitInfo
from openrush_tui.api.oauth_models import parse_error
from openrush_tui.api.safety import uses_proxy_settings
from openrush_tui.api.timeouts import default_timeouts
from openrush_tui.api.transport import Answer, no_answer, read_answer
from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import sanitize

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_DOCUMENT = 1024 * 1024  # sign-in documents are a few hundred bytes


class OAuthRefused(OpenRushError):
    """The server answered an RFC 6749 §5.2 error: `error` is its code (safe, at most 64
    characters; "" when it sent none), `description` its sentence, made safe."""

    def __init__(self, error: str, description: str, status_code: int) -> None:
        self.error = error
        self.description = description
        said = description or error or f"HTTP {status_code}"
        super().__init__(f"The sign-in server refused: {said}", "", status_code)


class DocumentMissing(OpenRushError):
    """A metadata document is not there (a 4xx or 5xx answer)."""


def origin(url: str) -> str:
    """``scheme://host:port`` of `url`, the default port written out, lower case."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class OAuthHttp:
    """Requests of one sign-in. `transport` (tests, the in-process sandbox) carries them all."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None,
                 user_agent: str = "openrush-tui", deadline: float | None = None) -> None:
        timeouts = default_timeouts()
        self._timeout = httpx.Timeout(connect=timeouts.connect, read=timeouts.read,
                                      write=timeouts.read, pool=timeouts.connect)
        self._deadline = timeouts.deadline if deadline is None else deadline
        self._transport = transport
        self._user_agent = user_agent
        self._clients: dict[str, httpx.AsyncClient] = {}
        # The X-RateLimit-* headers of the last answer, if it had them (the request budget
        # notes a device-code poll's: `auth.web.device.wait`).
        self.rate_limit: RateLimitInfo | None = None

    def __repr__(self) -> str:
        return f"OAuthHttp(origins={sorted(self._clients)})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client(self, url: str) -> httpx.AsyncClient:
        key = origin(url)
        client = self._clients.get(key)
        if client is None or client.is_closed:
            plain = url.lower().startswith("http://")
            client = httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport, follow_redirects=False,
                verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if plain else True,
                trust_env=uses_proxy_settings(url),
                headers={"User-Agent": self._user_agent, "Accept": "application/json"})
            self._clients[key] = client
        return client

    # -- the three kinds of request --------------------------------------------------------

    async def document(self, url: str, parse: Callable[[Any], T], what: str) -> T:
        """A metadata document: 200 and JSON of its shape, else `DocumentMissing` (any other
        status) or `BadResponse` (not JSON, or another shape)."""
        answer = await self._send("GET", url, what)
        if answer.status_code != 200:
            raise DocumentMissing(f"{sanitize(url, 100)} answered {answer.status_code}", "",
                                  answer.status_code)
        return parse(decode_json(answer.content, what, answer.status_code))

    async def form(self, url: str, form: Mapping[str, str], parse: Callable[[Any], T],
                   what: str) -> T:
        """POST ``application/x-www-form-urlencoded``; `OAuthRefused` for an RFC 6749 error."""
        return self._read(await self._send("POST", url, what, data=dict(form)), parse, what)

    async def json(self, url: str, body: Mapping[str, Any], parse: Callable[[Any], T],
                   what: str) -> T:
        return self._read(await self._send("POST", url, what, json=dict(body)), parse, what)

    # -- plumbing --------------------------------------------------------------------------

    def _read(self, answer: Answer, parse: Callable[[Any], T], what: str) -> T:
        if 200 <= answer.status_code <= 299:  # an empty body (a revocation's) is None
            content = answer.content
            return parse(decode_json(content, what, answer.status_code) if content.strip()
                         else None)
        if answer.status_code == 429:
            wait = parse_retry_after(answer.headers.get("Retry-After"))
            raise RateLimited("The sign-in server asked to slow down", "", 429,
                              retry_after=wait)
        if 400 <= answer.status_code <= 499:
            try:
                said = parse_error(decode_json(answer.content, what, answer.status_code))
            except OpenRushError:  # not JSON: the status alone speaks
                said = parse_error(None)
            code = sanitize(said.error or "", 64)
            if said.error or answer.status_code in (400, 401):
                raise OAuthRefused(code, sanitize(said.error_description or "", 200),
                                   answer.status_code)
        raise error_for_response(answer, write=True)

    async def _send(self, method: str, url: str, what: str, **body: Any) -> Answer:
        client = self._client(url)
        where = sanitize(urlsplit(url).netloc, 80)
        self.rate_limit = None
        try:
            async with asyncio.timeout(self._deadline):
                response = await client.send(client.build_request(method, url, **body),
                                             stream=True)
                try:
                    answer = await read_answer(response, MAX_DOCUMENT, write=method != "GET")
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise no_answer(ApiTimeout, method, exc if isinstance(exc, httpx.TimeoutException)
                            else None, f"{where} did not answer in time ({what})",
                            "Try again shortly.") from None
        except httpx.TransportError as exc:
            raise no_answer(ConnectionFailed, method, exc, f"Could not reach {where} ({what})",
                            "Check your network connection and the API URL.") from None
        log.debug("%s %s -> %s", method, urlsplit(url).path, answer.status_code)
        self.rate_limit = RateLimitInfo.from_headers(answer.headers)
        return answer
