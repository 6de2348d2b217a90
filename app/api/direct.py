"""An HTTP/1.1 transport for httpx on asyncio itself (h11 over an asyncio protocol), used when
the client connects directly, with no proxy.

Why not httpx's own: its async transport is httpcore's pool, whose locks are anyio's, and
anyio loads its asyncio backend for them at the first request. That is ~25 ms of CPU (with
httpcore and anyio themselves, ~35 ms) on a start-up that is CPU-bound and measured against a
bare Textual + httpx + pydantic app (bench/startup.py, issue 23). Here the same protocol
library (h11) runs on asyncio's own streams, so neither loads. A proxy in the environment still
goes through httpx's transport (`transport.Pool`), which knows proxies.

What it keeps of httpcore's behaviour, because the client's rules rely on it: httpx's
exceptions for each failure (a refused or timed-out connect is a ConnectError or ConnectTimeout,
so a write is known not to have been sent; a server that hangs up before answering is a
RemoteProtocolError; a reset while reading is a ReadError); the connect, read and write
timeouts of each request; keep-alive, where an idle connection the server has closed (or that
was idle for `KEEPALIVE_SECONDS`) is never reused; and a response body that streams, read as
it arrives, the connection going back to the pool only once its body was read to the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

KEEPALIVE_SECONDS = 5.0  # as httpcore's default: a server may close an idle connection soon after
MAX_IDLE = 10  # idle connections kept per server
READ_SIZE = 64 * 1024
HIGH_WATER = 1024 * 1024  # bytes buffered before the socket stops being read


def _timeout(extensions: dict[str, Any], name: str) -> float | None:
    value = extensions.get("timeout", {}).get(name)
    return float(value) if value is not None else None


class _Wire(asyncio.Protocol):
    """One connection's bytes: what arrived (up to `HIGH_WATER` before reading pauses), and
    whether the server closed it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # the server ended it (EOF, reset) or we did
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # noqa: S101  (a stream, never datagrams)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > HIGH_WATER and self.transport is not None and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self, seconds: float | None) -> bytes:
        """What has arrived, waiting at most `seconds` for some; b"" once the server has
        closed."""
        if not self.buffer and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(seconds):
                    await self._waiter
            except TimeoutError:
                raise httpx.ReadTimeout("Timed out while receiving data from the host") from None
            finally:
                self._waiter = None
        if not self.buffer and self.error is not None:
            raise httpx.ReadError(str(self.error) or type(self.error).__name__)
        data, self.buffer = bytes(self.buffer), bytearray()
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("The connection was closed before the request was sent")
        self.transport.write(data)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class _Connection:
    def __init__(self, wire: _Wire, origin: tuple[str, str, int]) -> None:
        self.wire = wire
        self.origin = origin
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    def reusable(self) -> bool:
        """Idle, not closed by the server, nothing unasked for waiting, not idle too long."""
        return (not self.wire.closed and not self.wire.buffer
                and time.monotonic() - self.idle_since < KEEPALIVE_SECONDS)

    async def send(self, request: httpx.Request) -> None:
        timeout = _timeout(request.extensions, "write")
        target = request.url.raw_path
        try:
            self.wire.write(self.h11.send(h11.Request(
                method=request.method, target=target, headers=list(request.headers.raw))) or b"")
            assert isinstance(request.stream, httpx.AsyncByteStream)  # noqa: S101  (AsyncClient's)
            async with asyncio.timeout(timeout):
                async for chunk in request.stream:
                    self.wire.write(self.h11.send(h11.Data(data=chunk)) or b"")
            self.wire.write(self.h11.send(h11.EndOfMessage()) or b"")
        except TimeoutError:
            raise httpx.WriteTimeout("Timed out while sending the request") from None
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc)) from None

    async def next_event(self, seconds: float | None) -> Any:
        """The server's next h11 event (a response, data, the end of the message), each read
        waiting at most `seconds`."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from None
            if event is not h11.NEED_DATA:
                return event
            data = await self.wire.read(seconds)
            if not data and self.h11.their_state == h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            self.h11.receive_data(data)

    def release(self) -> bool:
        """Ready for the next request, if the exchange ended cleanly (else closed)."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            self.idle_since = time.monotonic()
            return True
        self.wire.close()
        return False


class _Body(httpx.AsyncByteStream):
    def __init__(self, connection: _Connection, pool: DirectTransport, timeout: float | None
                 ) -> None:
        self._connection = connection
        self._pool = pool
        self._timeout = timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while not self._done:
                event = await self._connection.next_event(self._timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self._done = True
                elif isinstance(event, h11.ConnectionClosed):
                    raise httpx.RemoteProtocolError("Server disconnected during the body")
        except BaseException:
            self._connection.wire.close()
            raise

    async def aclose(self) -> None:
        if self._done and self._connection.release():
            self._pool.keep(self._connection)
        else:
            self._connection.wire.close()  # a body not read to its end: the connection is spent


class DirectTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 straight to the server (no proxy), TLS with `ssl_context` for https."""

    def __init__(self, ssl_context: ssl.SSLContext | None) -> None:
        self._ssl = ssl_context
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    def keep(self, connection: _Connection) -> None:
        idle = self._idle.setdefault(connection.origin, [])
        if len(idle) < MAX_IDLE:
            idle.append(connection)
        else:
            connection.wire.close()

    def _idle_connection(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.wire.close()
        return None

    async def _connect(self, origin: tuple[str, str, int], seconds: float | None
                       ) -> _Connection:
        scheme, host, port = origin
        if scheme == "https" and self._ssl is None:
            raise httpx.UnsupportedProtocol("https needs a TLS context")  # never made so
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, wire = await loop.create_connection(
                    _Wire, host, port, ssl=self._ssl if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"Timed out while connecting to {host}") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        return _Connection(wire, origin)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Unsupported protocol '{url.scheme}://'")
        default_port = 443 if url.scheme == "https" else 80
        origin = (url.scheme, url.raw_host.decode("ascii"), url.port or default_port)
        connection = self._idle_connection(origin) or await self._connect(
            origin, _timeout(request.extensions, "connect"))
        read_timeout = _timeout(request.extensions, "read")
        try:
            await connection.send(request)
            while True:
                event = await connection.next_event(read_timeout)
                if isinstance(event, h11.Response):
                    break
                if not isinstance(event, h11.InformationalResponse):
                    raise httpx.RemoteProtocolError(f"Unexpected {type(event).__name__}")
        except BaseException:
            connection.wire.close()
            raise
        return httpx.Response(
            event.status_code, headers=event.headers.raw_items(),
            stream=_Body(connection, self, read_timeout),
            extensions={"http_version": b"HTTP/" + event.http_version,
                        "reason_phrase": event.reason})

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                with contextlib.suppress(Exception):
                    connection.wire.close()
        self._idle.clear()
