"""The async OpenRush client: one lazily created ``httpx.AsyncClient``, typed errors, no Textual.

Only GETs are retried (dropped connection, 503, 429); POSTs never are, and a POST that may
have reached the server reports ``may_have_succeeded=True`` when it fails: after a timeout, a
dropped connection, a 5xx, or a 2xx whose body cannot be read. Every request ends within
`deadline` seconds, whatever the server does (see `api.transport`); a large body is decoded
and validated in a thread, never on the event loop that draws the UI. The key is held as a
``SecretStr`` and leaves it only for the request header; logs carry method, path and status.
Every GET goes through the key's request budget (`api.budget`): coalesced, reused, held
after a 429.

A 401 to a session token (a JWT) is `SessionRefused` ("This session token has expired or was
revoked: sign in again"), not a key's words. With `renew` set (a browser sign-in's, given by
the dashboard's `Session`), a 401 first renews the access token and the request is sent once
more with the new one, whatever its method: a 401 means the server did nothing (docs/oauth.md,
OURS); a renewal the server refuses raises its own error ("Signed out: sign in again.").
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import SecretStr

from openrush_tui import __version__
from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.decode import decode_json
from openrush_tui.api.errors import (
    MAY_HAVE_HAPPENED,
    SESSION_REFUSED,
    ApiError,
    ApiTimeout,
    BadResponse,
    ConnectionFailed,
    NoAnswer,
    NotFound,
    SessionRefused,
    Unauthorized,
    error_for_response,
    parse_retry_after,
)
from openrush_tui.api.models import (
    ApiCredential,
    Capabilities,
    CreatedKey,
    Credits,
    KeyPage,
    RateLimitInfo,
    ToolResult,
    UsagePage,
    key_page_cursor,
    parse_capabilities,
    parse_created_key,
    parse_credential,
    parse_credentials,
    parse_credits,
    parse_key_page,
    parse_tool_result,
    parse_usage,
)
from openrush_tui.api.safety import check_base_url, clean_key
from openrush_tui.api.timeouts import default_timeouts
from openrush_tui.api.transport import MAX_BODY, Answer, Pool, no_answer, read_answer
from openrush_tui.clock import format_instant
from openrush_tui.text.safe import sanitize

log = logging.getLogger(__name__)

AuthScheme = Literal["bearer", "x-api-key"]
DEFAULT_USER_AGENT = f"openrush-tui/{__version__}"
# Bodies above this size are decoded and validated in a thread: 50,000 events take seconds.
PARSE_ON_LOOP_LIMIT = 64 * 1024
KEY_PAGE = 5000  # keys a page when walking the list (OURS: the sandbox's largest page)
KEY_IDS = 100  # ids a look-up of keys names at most (OURS)
_BACKOFF = (0.2, 0.5)
_DROPPED = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
T = TypeVar("T")
# Query parameters: a list is one parameter given several times (``id=a&id=b``).
Params = Mapping[str, str | list[str]]
# A browser sign-in's renewal after a 401 to `refused` (the access token sent): the token to
# send the request again with, or None when there is nothing to renew; it raises when the
# server refuses the renewal.
Renew = Callable[[str], Awaitable[str | None]]


class OpenRushClient:
    """Speaks the OpenRush REST API (see docs/openrush-api.md)."""

    renew: Renew | None = None  # set by the owner of a browser sign-in (see the module's doc)

    def __init__(
        self,
        base_url: str,
        key: SecretStr | str | None = None,
        *,
        auth_scheme: AuthScheme = "bearer",
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        deadline: float | None = None,
        max_body: int = MAX_BODY,
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
        # The timeouts not given are `api.timeouts`' (the one place they are set).
        defaults = default_timeouts()
        connect_timeout = defaults.connect if connect_timeout is None else connect_timeout
        read_timeout = defaults.read if read_timeout is None else read_timeout
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._deadline = defaults.deadline if deadline is None else deadline
        self._max_body = max_body
        self._max_retries = max(0, int(max_retries))
        self._retry_wait_cap = retry_wait_cap
        self._transport = transport
        self._user_agent = user_agent
        self._pool = Pool(
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

    def watch(self, sent: Callable[[httpx.Request], Awaitable[None]],
              answered: Callable[[httpx.Response], Awaitable[None]]) -> None:
        """Call `sent` as each request goes out and `answered` as its answer's head arrives
        (httpx's event hooks), for this client, its `with_key` copies and the connections
        made after `aclose`: progress shown by a command (`commands.common.WaitingLine`)."""
        self._pool.add_hooks(sent, answered)

    def __repr__(self) -> str:
        return f"OpenRushClient(base_url={self._base_url!r}, has_key={self.has_key})"

    __str__ = __repr__

    def with_key(self, key: SecretStr | str | None, *,
                 renew: Renew | None = None) -> OpenRushClient:
        """A new client with the same settings and connection pool, holding another key.

        `renew` is not carried over unless given: it renews one browser sign-in's token, and
        a copy holding another key (a pasted key being checked, a rotation's new key) must
        see its own 401, not have it sent again with the sign-in's token."""
        other = OpenRushClient.__new__(OpenRushClient)
        other.__dict__.update(self.__dict__)
        other._key = clean_key(key)
        other.renew = renew
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
        return await self._call("GET", "/v1/me/credits", parse_credits, what="a credit balance")

    async def list_keys(self) -> list[ApiCredential]:
        return await self._call("GET", "/v1/me/api-credentials", parse_credentials,
                                what="the list of keys")

    async def key_page(self, *, limit: int | None = None, cursor: str | None = None,
                       ids: Sequence[str] = (), keep: bool = True,
                       on_cursor: Callable[[str | None], None] | None = None) -> KeyPage:
        """A page of the key list (OURS, docs/openrush-api.md): at most `limit` keys from
        `cursor` on, only those `ids` names. A server without paging answers every key, with
        no cursor. `keep=False`: the answer is not kept for reuse (a walk's page).
        `on_cursor`: called on the event loop with the page's cursor as soon as it is read,
        before its keys are validated (not for an answer reused)."""
        params: dict[str, str | list[str]] = {}
        if limit is not None:
            params["limit"] = str(limit)
        if cursor:
            params["cursor"] = _wire(cursor)
        if ids:
            params["id"] = [_wire(key_id) for key_id in ids]
        parse = parse_key_page if on_cursor is None else _cursor_first(on_cursor)
        return await self._call("GET", "/v1/me/api-credentials", parse, params=params,
                                what="the list of keys", keep=keep)

    async def key_pages(self, size: int = KEY_PAGE, first_size: int | None = None,
                        keep_first: bool = False) -> AsyncIterator[list[ApiCredential]]:
        """Every key, newest first, `size` at a time. The next page is asked for as soon as
        this one's cursor is read, before its keys are validated and handed over, so the
        server makes it meanwhile; never further ahead (`_KeyWalk`): at most two pages are
        held however slow the caller. A server that ignores `limit` sends every key at once:
        one page. A server that sends a page again (it ignores `cursor`) is a BadResponse,
        never an endless walk. `first_size`: a smaller first page (a screen's worth, shown
        sooner); `keep_first`: that page is kept for reuse (repeated presses of r: the request
        budget answers a small account's whole list again, as it did the unpaged one)."""
        walk = _KeyWalk(self, size)
        walk.ask(first_size or size, None, keep_first)
        first: str | None = None  # the previous page's first id
        try:
            while (page := await walk.next()) is not None:
                head = page.items[0].id if page.items else None
                if (head is not None and head == first) or walk.repeated:
                    raise BadResponse("The server sent a page of the list of keys twice",
                                      "It may not support paging: try again later.")
                first = head
                if not page.items:  # the end, whatever its cursor says
                    walk.stop()
                yield page.items
                walk.done()
        finally:
            walk.stop()  # the caller stopped early, or a page failed

    async def keys_by_id(self, ids: Collection[str]) -> list[ApiCredential] | None:
        """The keys of `ids` (those the server still lists), asked for by id, `KEY_IDS` a
        request (OURS); None when the server does not look keys up by id (it answered with
        others): the caller then walks `key_pages`."""
        wanted = sorted(set(ids))
        chunks = [wanted[start:start + KEY_IDS] for start in range(0, len(wanted), KEY_IDS)]
        # At once: a page of events can name a few hundred keys, and each round trip counts.
        pages = await asyncio.gather(*(self.key_page(limit=len(chunk), ids=chunk, keep=False)
                                       for chunk in chunks))
        found: list[ApiCredential] = []
        for chunk, page in zip(chunks, pages, strict=True):
            if any(key.id not in chunk for key in page.items):
                return None
            found.extend(page.items)
        return found

    async def create_key(self, name: str, expires_at: datetime | None = None) -> CreatedKey:
        body: dict[str, Any] = {"name": name}
        if expires_at is not None:
            body["expires_at"] = format_instant(expires_at)
        # A 2xx that cannot be read still created a key: BadResponse, may_have_succeeded.
        return await self._call("POST", "/v1/me/api-credentials", parse_created_key, body=body,
                                what="the new key")

    async def revoke_key(self, credential_id: str) -> ApiCredential | None:
        """The revoked key as the server now has it; None when the 2xx answer had no usable
        body (empty, or unreadable: the status alone says the key is revoked)."""
        path = f"/v1/me/api-credentials/{quote(_wire(credential_id), safe='')}/revoke"
        try:
            return await self._call("POST", path, _optional(parse_credential),
                                    what="the revoked key")
        except BadResponse as error:
            if error.status_code is not None and 200 <= error.status_code <= 299:
                log.debug("revoke answered %s with an unreadable body", error.status_code)
                return None
            raise

    async def capabilities(self) -> Capabilities:
        return await self._call("GET", "/v1/capabilities", parse_capabilities, auth=False,
                                what="the capabilities")

    async def usage(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        source: str | None = None,
        status: str | None = None,
        credential_id: str | None = None,
        tool: str | None = None,
        client: str | None = None,
        since: datetime | None = None,
        exclude_reads_by: str | None = None,
        keep: bool = True,
    ) -> UsagePage:
        """A page of usage. `exclude_reads_by` (OURS, a User-Agent product): the server
        leaves out that product's successful account reads; a server without it ignores it.
        `keep=False`: the answer is not kept for reuse (an export's page, read once)."""
        params: dict[str, str] = {"limit": str(limit)}
        for name, value in (
            ("cursor", cursor),
            ("source", source),
            ("status", status),
            ("credential_id", credential_id),
            ("tool", tool),
            ("client", client),
            ("exclude_reads_by", exclude_reads_by),
        ):
            if value is not None and value != "":
                params[name] = _wire(value)
        if since is not None:
            params["since"] = format_instant(since)
        return await self._call("GET", "/v1/me/usage", parse_usage, params=params,
                                what="the activity", keep=keep)

    async def call_tool(self, tool: str, arguments: dict[str, Any] | None = None) -> ToolResult:
        path = f"/v1/tools/{quote(_wire(tool), safe='')}"
        return await self._call("POST", path, parse_tool_result, body=arguments or {},
                                what="the tool result")

    # ------------------------------------------------------------------ transport

    def _auth_headers(self) -> dict[str, str]:
        if self._key is None:
            return {}
        raw = self._key.get_secret_value()
        if self._auth_scheme == "x-api-key" and not raw.startswith("eyJ"):
            return {"X-API-Key": raw}
        return {"Authorization": f"Bearer {raw}"}

    async def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        what: str,
        auth: bool = True,
        params: Params | None = None,
        body: Any = None,
        keep: bool = True,
    ) -> T:
        """Send, then decode and validate the answer with `parse`. A GET goes through the
        key's request budget: shared with an identical one in flight, or an answer reused
        (and kept for that unless `keep` is False). A 401 with `renew` set: once more with
        the renewed access token (see the module's docstring)."""
        call = (method, path, parse)
        options: dict[str, Any] = {"what": what, "auth": auth, "params": params, "body": body,
                                   "keep": keep}
        try:
            return await self._call_once(*call, **options)
        except Unauthorized as refused:
            if self.renew is None or not auth or self._key is None or \
                    refused.status_code != 401:
                raise
            token = await self.renew(self._key.get_secret_value())
            if token is None:
                raise
        # The owner holds the renewed client now; this one sends the request once more.
        return await self.with_key(token)._call_once(*call, **options)

    async def _call_once(self, method: str, path: str, parse: Callable[[Any], T], *,
                         what: str, auth: bool, params: Params | None, body: Any,
                         keep: bool) -> T:
        if method == "GET":
            query = tuple(sorted((name, value if isinstance(value, str) else tuple(value))
                                 for name, value in (params or {}).items()))
            # The budget keeps answers of every type (Any); a key is one path and query,
            # always decoded by the same `parse`, so its answer is a T.
            answer: T = await self.budget.get((path, query, auth), lambda: self._fetch(
                method, path, parse, what=what, auth=auth, params=params, body=body),
                keep=keep)
            return answer
        try:
            return await self._fetch(method, path, parse, what=what, auth=auth, params=params,
                                     body=body)
        finally:  # a write, or one that may have happened: earlier reads may be out of date
            self.budget.forget_answers()

    async def _fetch(self, method: str, path: str, parse: Callable[[Any], T], *, what: str,
                     auth: bool, params: Params | None, body: Any) -> T:
        answer = await self._request(method, path, auth=auth, params=params, body=body)
        try:
            if len(answer.content) > PARSE_ON_LOOP_LIMIT:
                return await asyncio.to_thread(_read, answer, parse, what)
            return _read(answer, parse, what)
        except BadResponse as error:
            if method == "GET":
                raise
            # The server took the write (2xx) but its answer is unusable: it happened.
            raise BadResponse(
                f"The server accepted the request ({answer.status_code}), but its answer "
                f"could not be read ({error.message.rstrip('.')})",
                MAY_HAVE_HAPPENED, answer.status_code, may_have_succeeded=True) from None

    async def _request(
        self, method: str, path: str, *, auth: bool, params: Params | None, body: Any
    ) -> Answer:
        """One complete answer within `deadline` seconds, or a typed error."""
        if auth and self._key is None:
            raise Unauthorized("You are not signed in", "Sign in with an API key first.")
        ends_at = asyncio.get_running_loop().time() + self._deadline
        try:
            async with asyncio.timeout_at(ends_at):
                return await self._attempts(method, path, auth=auth, params=params, body=body,
                                            ends_at=ends_at)
        except TimeoutError:
            log.debug("%s %s -> no answer within the deadline", method, path)
            raise no_answer(ApiTimeout, method, None,
                            f"{self._host()} did not answer within {self._deadline:g} s",
                            "Try again shortly.") from None

    async def _attempts(self, method: str, path: str, *, auth: bool,
                        params: Params | None, body: Any, ends_at: float) -> Answer:
        headers = self._auth_headers() if auth else {}
        retryable = method == "GET"
        attempt = 0
        while True:
            try:
                answer = await self._send(method, path, params=params, headers=headers,
                                          body=body)
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

            log.debug("%s %s -> %s", method, path, answer.status_code)
            self._note_rate_limit(answer)
            if answer.is_success:
                return answer
            if retryable and answer.status_code in (429, 503) and attempt < self._max_retries:
                wait = parse_retry_after(answer.headers.get("Retry-After"))
                if wait is None:
                    wait = _BACKOFF[min(attempt, len(_BACKOFF) - 1)]
                elif wait > self._retry_wait_cap:
                    raise self._refused(answer, method)
                if asyncio.get_running_loop().time() + wait >= ends_at:
                    raise self._refused(answer, method)  # the wait would outlast the deadline
                await asyncio.sleep(wait)
                attempt += 1
                continue
            raise self._refused(answer, method)

    async def _send(self, method: str, path: str, *, params: Params | None,
                    headers: dict[str, str], body: Any) -> Answer:
        client = self._pool.get()
        request = client.build_request(method, path.lstrip("/"), params=params, headers=headers,
                                       json=body if method != "GET" else None)
        response = await client.send(request, stream=True)
        try:
            return await read_answer(response, self._max_body, write=method != "GET")
        finally:
            await response.aclose()

    def _refused(self, answer: Answer, method: str) -> ApiError:
        error = error_for_response(answer, write=method != "GET")
        if isinstance(error, Unauthorized) and self._key is not None and \
                self._key.get_secret_value().startswith("eyJ"):
            # A session token: nothing to check or create, only signing in again helps.
            return SessionRefused(SESSION_REFUSED, "", error.status_code, detail=error.detail)
        prefix = urlsplit(self._base_url).path.rstrip("/")
        if isinstance(error, NotFound) and prefix:
            # `https://host/v1` + `/v1/me/...` asks for /v1/v1/me/...: say so, not "deleted".
            error.hint = (f"The API URL ends in a path ({sanitize(prefix, 40)}), and every "
                          "request adds /v1/… after it. Use the server's address alone, e.g. "
                          "https://api.openrush.io.")
        return error

    def _note_rate_limit(self, answer: Answer) -> None:
        self.budget.note(RateLimitInfo.from_headers(answer.headers))

    def _host(self) -> str:
        return sanitize(urlsplit(self._base_url).netloc, 80)

    def _timeout(self, method: str, exc: httpx.TimeoutException) -> NoAnswer:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            message = f"Could not reach {self._host()} within {self._connect_timeout:g} s"
            hint = "Check your network connection and the API URL."
        else:
            message = f"{self._host()} did not answer within {self._read_timeout:g} s"
            hint = "Try again shortly."
        return no_answer(ApiTimeout, method, exc, message, hint)

    def _connection_failed(self, method: str, exc: httpx.TransportError) -> NoAnswer:
        if isinstance(exc, httpx.ConnectError):
            # Whole up to a long one: a TLS reason says what is wrong at its end ("certificate
            # is not valid for …"); a terminal wraps the message (`commands.common.error`).
            reason = sanitize(str(exc), 400)
            message = f"Could not connect to {self._host()}" + (f" ({reason})" if reason else "")
            hint = "Check your network connection and the API URL."
        else:
            message = f"The connection to {self._host()} was dropped before an answer arrived"
            hint = "Try again shortly."
        return no_answer(ConnectionFailed, method, exc, message, hint)


def _read(answer: Answer, parse: Callable[[Any], T], what: str) -> T:
    """Decode and validate a body (in a thread when it is large: it is pure CPU)."""
    content = answer.content
    payload = decode_json(content, what, answer.status_code) if content.strip() else None
    return parse(payload)


class _KeyWalk:
    """The pages of one `key_pages` walk. Page n + 1 is asked for once page n's cursor is read
    (`key_page`'s `on_cursor`, or the page itself when it was a reused answer) and the caller
    is done with page n - 1: then only pages n and n + 1 are held."""

    def __init__(self, client: OpenRushClient, size: int) -> None:
        self._client, self._size = client, size
        self._fetches: dict[int, asyncio.Future[KeyPage]] = {}
        self._cursors: dict[int, str | None] = {}  # each page's cursor, once read
        self._followed: dict[str, int] = {}  # a cursor asked for, by the page that gave it
        self._asked = -1  # the last page asked for
        self._done = 0  # the pages the caller is done with
        self._taken = 0  # the pages handed over
        self._stopped = False
        self.repeated = False  # the page handed over gave a cursor an earlier page gave

    def ask(self, limit: int, cursor: str | None, keep: bool) -> None:
        self._asked += 1
        fetch = asyncio.ensure_future(self._client.key_page(
            limit=limit, cursor=cursor, keep=keep, on_cursor=partial(self._read, self._asked)))
        # Read, so a page that failed while the caller held another is not reported as lost.
        fetch.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._fetches[self._asked] = fetch

    async def next(self) -> KeyPage | None:
        """The next page; None after the last (or after `stop`)."""
        number = self._taken
        fetch = self._fetches.pop(number, None)
        if fetch is None:
            return None
        page = await fetch
        self._taken += 1
        self._read(number, page.next_cursor)
        self.repeated = self._followed.get(self._cursors[number] or "", number) != number
        return page

    def done(self) -> None:
        """The caller is done with the page handed over: the next may ask for its next."""
        self._done += 1
        self._follow(self._done)

    def stop(self) -> None:
        for fetch in self._fetches.values():
            fetch.cancel()
        self._fetches.clear()
        self._stopped = True

    def _read(self, number: int, cursor: str | None) -> None:
        self._cursors.setdefault(number, cursor)
        self._follow(number)

    def _follow(self, number: int) -> None:
        cursor = self._cursors.get(number)
        if self._stopped or number != self._asked or number > self._done or cursor is None \
                or cursor in self._followed:  # asked for already, too soon, the end, a repeat
            return
        self._followed[cursor] = number
        self.ask(self._size, cursor, False)


def _cursor_first(on_cursor: Callable[[str | None], None]) -> Callable[[Any], KeyPage]:
    """`parse_key_page` that hands the page's cursor to `on_cursor` (on the event loop: a
    large page is parsed in a thread) before it validates the keys."""
    loop = asyncio.get_running_loop()

    def parse(payload: Any) -> KeyPage:
        loop.call_soon_threadsafe(on_cursor, key_page_cursor(payload))
        return parse_key_page(payload)

    return parse


def _optional(parse: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """`parse`, except that no body at all (or JSON null) is None: an allowed empty answer."""
    return lambda payload: None if payload is None else parse(payload)


def _wire(text: str) -> str:
    """`text` as UTF-8 can carry it. Ids and names come back from the server, and JSON can
    hold a lone surrogate, which no URL can: it becomes U+FFFD characters instead of an
    exception (and the server answers that no such key exists)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _key_digest(key: SecretStr | None) -> str:
    return "" if key is None else hashlib.sha256(key.get_secret_value().encode()).hexdigest()
