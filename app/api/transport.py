"""The client's HTTP plumbing: the shared connection pool, a body read with a size cap, and the
errors for answers that never came.

The rules, stated once (docs/reliability.md): every request has an overall deadline (the
client's `deadline`, covering connect, send, retries and every byte of the answer, so a server
that trickles a byte at a time still ends on time); a body is read up to `MAX_BODY` bytes and
no further; a write that may have reached the server and got no readable answer says so
(`may_have_succeeded`), because it is never retried behind the user's back.
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from openrush_tui.api.errors import MAY_HAVE_HAPPENED, BadResponse, NoAnswer
from openrush_tui.api.safety import uses_proxy_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from openrush_tui.api.budget import RequestBudget

# httpcore loads anyio's asyncio backend at the first request, on the event loop (~15 ms);
# loaded with this module it comes in the thread that loads the client. A private module name:
# if it moves, the first request loads it as before.
with contextlib.suppress(ImportError):
    import anyio._backends._asyncio  # noqa: F401

MAX_BODY = 32 * 1024 * 1024  # far above 50,000 keys or events; a 200 MB answer is refused
# Exceptions after which a request certainly did not reach the server.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Pool:
    """The httpx.AsyncClient shared by a client and its ``with_key`` copies, made again after
    `aclose`. Made at once: it loads httpcore and (for https) the CA bundle, tens of
    milliseconds that the dashboard spends in a thread by building its client there."""

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
        # Environment proxies (and httpx's other environment settings) only off loopback.
        self.trust_env = uses_proxy_settings(base_url)
        # Plain http (only ever to loopback, see `safety`) never speaks TLS: a context that
        # trusts no certificate at all rather than loading the CA bundle (~35 ms) for nothing.
        self.verify: ssl.SSLContext | bool = (
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if base_url.lower().startswith("http://")
            else True)
        self.budgets: dict[str, RequestBudget] = {}  # one per key (by digest), shared by copies
        # httpx's event hooks, given to every client made here (`OpenRushClient.watch`).
        self._hooks: dict[str, list[Callable[..., Awaitable[None]]]] = {"request": [],
                                                                       "response": []}
        self._client: httpx.AsyncClient | None = self._new()

    def get(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = self._new()
        return self._client

    def add_hooks(self, request: Callable[..., Awaitable[None]],
                  response: Callable[..., Awaitable[None]]) -> None:
        """httpx event hooks for the client in use and every one made later (httpx copies
        the hooks it is given, so the client in use is given them too)."""
        self._hooks["request"].append(request)
        self._hooks["response"].append(response)
        if self._client is not None:
            self._client.event_hooks = self._hooks

    def _new(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url + "/",
            timeout=self.timeout,
            transport=self.transport,
            follow_redirects=False,
            verify=self.verify,
            trust_env=self.trust_env,
            headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            event_hooks=self._hooks,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer, its body read within the size cap."""

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code <= 299


def too_large(limit: int, status_code: int, *, write: bool) -> BadResponse:
    megabytes = f"{limit / 1_048_576:g} MB"
    done = write and 200 <= status_code <= 299
    return BadResponse(
        f"The server sent an answer larger than {megabytes}, which this app does not read",
        MAY_HAVE_HAPPENED if write else "Check that the API URL points at OpenRush.",
        status_code,
        may_have_succeeded=done or (write and not 400 <= status_code <= 499),
    )


async def read_answer(response: httpx.Response, limit: int, *, write: bool) -> Answer:
    """The whole body of a streamed `response`, refusing more than `limit` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit, response.status_code, write=write)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise too_large(limit, response.status_code, write=write)
            chunks.append(chunk)
    except httpx.DecodingError:
        raise BadResponse("The server sent an answer whose compression is broken",
                          MAY_HAVE_HAPPENED if write else "Try again later.",
                          response.status_code, may_have_succeeded=write) from None
    return Answer(response.status_code, response.reason_phrase, response.headers,
                  b"".join(chunks))


def no_answer(kind: type[NoAnswer], method: str, exc: BaseException | None, message: str,
              hint: str) -> NoAnswer:
    """A POST whose request may have left (not refused, not stuck in connect) may have
    taken effect: say so, because it is never retried behind the user's back."""
    may = method != "GET" and not isinstance(exc, NOT_SENT)
    if may:
        hint = MAY_HAVE_HAPPENED
    return kind(message, hint, may_have_succeeded=may)
