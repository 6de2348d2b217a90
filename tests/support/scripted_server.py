"""A real HTTP server on 127.0.0.1 that answers from a script, for misbehaviour tests.

    with ScriptedServer() as server:
        server.add(Reply(503, headers={"Retry-After": "0"}), Reply(200, {"balance": 5}))
        ... point a client at server.url ...
        assert len(server.requests) == 2

Each request takes the next scripted Reply; when the script is empty the server answers 599
("unscripted request"). A Reply can be delayed (``delay``) or can ``drop`` the connection after
reading the request, without answering a single byte. Every request is recorded.

For a page that sends several requests at once, ``route(method, path_pattern, reply)`` answers
every request whose method and path (a regular expression, matched whole) fit, as often as
they come, before the script is consulted.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # bytes/str sent as-is; anything else JSON-encoded; None = empty body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def drop() -> Reply:
    return Reply(drop=True)


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.target).query).items()}

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        owner._record(
            Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        reply = owner._routed(self.command, urlsplit(self.path).path)
        if reply is None:
            try:
                reply = owner._replies.get_nowait()
            except queue.Empty:
                reply = Reply(599, {"detail": "unscripted request"})
        if reply.delay and owner._stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = reply.encoded()
        self.send_response(reply.status)
        headers = {"Content-Type": "application/json", **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_CONNECT = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout tests) is expected


class ScriptedServer:
    def __init__(self) -> None:
        self._replies: queue.Queue[Reply] = queue.Queue()
        self._requests: list[Received] = []
        self._routes: list[tuple[str, re.Pattern[str], Reply]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, *replies: Reply) -> ScriptedServer:
        for reply in replies:
            self._replies.put(reply)
        return self

    def reply(self, status: int = 200, body: Any = None, **kwargs: Any) -> ScriptedServer:
        return self.add(Reply(status, body, **kwargs))

    def route(self, method: str, path: str, reply: Reply) -> ScriptedServer:
        """Answer every `method` request whose path fully matches `path` with `reply`."""
        with self._lock:
            self._routes.append((method.upper(), re.compile(path), reply))
        return self

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    def _routed(self, method: str, path: str) -> Reply | None:
        with self._lock:
            return next((reply for verb, pattern, reply in self._routes
                         if verb == method and pattern.fullmatch(path)), None)

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    def _record(self, received: Received) -> None:
        with self._lock:
            self._requests.append(received)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def unused_port() -> int:
    """A loopback port with nothing listening (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
