"""Real HTTP servers on 127.0.0.1 that misbehave on purpose.

`ScriptedServer` answers from a script; `FaultServer` puts the real sandbox behind a faulty
front (see its docstring) for the fault matrix.

    with ScriptedServer() as server:
        server.add(Reply(503, headers={"Retry-After": "0"}), Reply(200, {"balance": 5}))
        ... point a client at server.url ...
        assert len(server.requests) == 2

Each request takes the next scripted Reply; when the script is empty the server answers 599
("unscripted request"). A Reply can be delayed (``delay``) or can ``drop`` the connection after
reading the request, without answering a single byte. Every request is recorded.

For a page that sends several requests at once, ``route(method, path_pattern, reply)`` answers
every request whose method and path (a regular expression, matched whole) fit, as often as
they come, before the script is consulted. The dashboard's credit-runway look
(``GET /v1/me/usage?status=success…``) is answered "nothing spent" unless routed.
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
        target = urlsplit(self.path)
        reply = owner._routed(self.command, target.path, parse_qs(target.query)) or _runway(self)
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


def _runway(request: BaseHTTPRequestHandler) -> Reply | None:
    """The dashboard's look at the last 7 days' spend (the header's credit runway, once per
    balance and 10 minutes): nothing spent, unless a test routes it. Scripts stay about what
    they test."""
    target = urlsplit(request.path)
    if request.command == "GET" and target.path == "/v1/me/usage" and \
            parse_qs(target.query).get("status") == ["success"]:
        return Reply(200, {"items": [], "next_cursor": None})
    return None


class ScriptedServer:
    def __init__(self) -> None:
        self._replies: queue.Queue[Reply] = queue.Queue()
        self._requests: list[Received] = []
        self._routes: list[tuple[str, re.Pattern[str], Reply, dict[str, str]]] = []
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

    def route(self, method: str, path: str, reply: Reply, *,
              query: dict[str, str] | None = None) -> ScriptedServer:
        """Answer every `method` request whose path fully matches `path` (and whose query
        holds each of `query`'s parameters with that value) with `reply`."""
        with self._lock:
            self._routes.append((method.upper(), re.compile(path), reply, query or {}))
        return self

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    def _routed(self, method: str, path: str,
                query: dict[str, list[str]]) -> Reply | None:
        with self._lock:
            return next((reply for verb, pattern, reply, wanted in self._routes
                         if verb == method and pattern.fullmatch(path)
                         and all(query.get(name) == [value] for name, value in wanted.items())),
                        None)

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
        port: int = sock.getsockname()[1]  # an address is a tuple of Any to typeshed
        return port


# --------------------------------------------------------------------------- the fault front

# The API's endpoints by name: (method or None for any, path pattern).
ENDPOINTS: dict[str, tuple[str | None, re.Pattern[str]]] = {
    "credits": ("GET", re.compile(r"/v1/me/credits$")),
    "keys": ("GET", re.compile(r"/v1/me/api-credentials$")),
    "create": ("POST", re.compile(r"/v1/me/api-credentials$")),
    "revoke": ("POST", re.compile(r"/v1/me/api-credentials/[^/]+/revoke$")),
    "usage": ("GET", re.compile(r"/v1/me/usage$")),
    "capabilities": (None, re.compile(r"/v1/capabilities/?$")),
}
KEEP = object()  # Fault.body: send the API's own body


@dataclass(frozen=True)
class Fault:
    """One way an answer goes wrong.

    The request reaches the real API (and takes effect) unless `drop` is "before" or `commit`
    says otherwise (by default a 4xx `status` means it did not); then `status`, `headers` and
    `body` replace the API's, `drop="after"` closes the connection without a byte of answer
    (the write is done), and `trickle` sends the answer one byte every `trickle` seconds.
    """

    status: int | None = None
    body: Any = KEEP  # bytes/str as-is, anything else JSON-encoded
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float = 0.0
    drop: str = ""  # "before" or "after"
    commit: bool | None = None
    # A frozen server: the request is noted, then no answer until this is set (or the front
    # stops). With `hold_answer`, the API answers at once (what was true then) and it is that
    # answer which waits: a read asked before a write, arriving after it.
    hold: threading.Event | None = None
    hold_answer: bool = False
    once: bool = False  # for one request only (to each endpoint it was injected on)

    @property
    def reaches_api(self) -> bool:
        if self.drop == "before":
            return False
        if self.commit is not None:
            return self.commit
        return self.status is None or not 400 <= self.status <= 499


def endpoint_of(method: str, path: str) -> str | None:
    for name, (verb, pattern) in ENDPOINTS.items():
        if (verb is None or verb == method) and pattern.match(path):
            return name
    return None


class _FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _FaultHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        name = endpoint_of(self.command, path)
        fault = owner.fault_for(name)
        headers: dict[str, str]
        if fault is not None and fault.hold is not None and not fault.hold_answer:
            owner.hold(name, fault.hold)
            fault = None
        if fault is not None and not fault.reaches_api:
            owner.note(name, reached=False)
            if fault.drop == "before":
                self._drop()
                return
            status, headers, content = 200, {}, b""
        else:
            owner.note(name, reached=True)
            status, headers, content = owner.forward(self.command, self.path, self.headers, body)
            if fault is not None and fault.hold is not None:  # hold_answer
                owner.hold(name, fault.hold)
                fault = None
        if fault is not None:
            if fault.drop == "after":
                self._drop()
                return
            status = fault.status or status
            headers = {**headers, **fault.headers}
            if fault.body is not KEEP:
                content = Reply(body=fault.body).encoded()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if fault is None or not fault.trickle:
            self.wfile.write(content)
            return
        self.wfile.flush()
        for index in range(len(content)):  # a byte at a time, until done or told to stop
            if owner.aborting.wait(fault.trickle):
                self.close_connection = True
                return
            self.wfile.write(content[index:index + 1])
            self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = _handle


class _FaultHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up mid-trickle is expected


_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-type", "date",
                "server"}


class FaultServer:
    """The real sandbox (an ASGI app) behind a front that injects `Fault`s per endpoint.

        with FaultServer(sandbox.app) as server:
            server.inject(Fault(status=500), "create")   # or every endpoint: no names
            ... point the program at server.url ...
            server.clear()
    """

    def __init__(self, app: Any) -> None:
        import warnings

        with warnings.catch_warnings():  # starlette's notice about its httpx use: not ours
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

        self._api = TestClient(app, raise_server_exceptions=False)
        self._faults: dict[str | None, Fault] = {}
        self._lock = threading.Lock()
        self.aborting = threading.Event()
        self.reached: list[str | None] = []  # endpoints whose requests reached the API
        self.refused: list[str | None] = []  # ... and those that never did
        self.held: list[str | None] = []  # endpoints whose requests a `Fault.hold` held
        self._held_more = threading.Condition(self._lock)
        self._httpd = _FaultHTTPServer(("127.0.0.1", 0), _FaultHandler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def inject(self, fault: Fault, *endpoints: str) -> None:
        """`fault` on these endpoints (all of them when none is named) until `clear`."""
        with self._lock:
            self.aborting.clear()
            for name in endpoints or (None,):
                self._faults[name] = fault

    def clear(self) -> None:
        """No more faults; answers still trickling out are cut short."""
        with self._lock:
            self._faults.clear()
            self.aborting.set()
            self.reached.clear()
            self.refused.clear()

    def fault_for(self, endpoint: str | None) -> Fault | None:
        with self._lock:
            key = endpoint if endpoint in self._faults else None
            fault = self._faults.get(key)
            if fault is not None and fault.once:
                del self._faults[key]
            return fault

    def hold(self, endpoint: str | None, release: threading.Event) -> None:
        """Note a request held on `endpoint`, then wait for `release` (or the front's end)."""
        with self._lock:
            self.held.append(endpoint)
            self._held_more.notify_all()
        while not release.wait(0.05) and not self.aborting.is_set():
            pass

    def wait_held(self, endpoint: str | None, timeout: float) -> bool:
        """Whether a request to `endpoint` is (or was) held, waiting up to `timeout` s."""
        with self._lock:
            return self._held_more.wait_for(lambda: endpoint in self.held, timeout)

    def note(self, endpoint: str | None, *, reached: bool) -> None:
        with self._lock:
            (self.reached if reached else self.refused).append(endpoint)

    def forward(self, method: str, target: str, headers: Any,
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        sent = {k: v for k, v in headers.items()
                if k.lower() not in {"content-length", "transfer-encoding", "connection", "host"}}
        answer = self._api.request(method, target, headers=sent, content=body)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_HEADERS}
        return answer.status_code, kept, answer.content

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.aborting.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)
        self._api.close()
