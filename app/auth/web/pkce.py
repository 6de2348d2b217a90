"""Authorization code + PKCE (RFC 7636, RFC 8252): the browser on this machine, or the address
pasted back over SSH.

`CodeRequest.new` makes the verifier (kept here, a `Secret`), its S256 challenge and a
`state`, and the address to open. `LoopbackListener` receives the browser's redirect on
``http://127.0.0.1:<random port>/callback``: bound to 127.0.0.1 only, it takes exactly one
request (whatever it is), checks `state`, answers a short page and closes. Over SSH nothing
listens; the person pastes the address the browser ended on and `code_from_address` reads it,
checking `state` the same way. `exchange` trades the code and the verifier for tokens.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from openrush_tui.api.oauth_http import OAuthHttp
from openrush_tui.api.oauth_models import parse_tokens
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.web.device import SignInDenied, SignInFailed
from openrush_tui.auth.web.discovery import WebSignIn
from openrush_tui.auth.web.tokens import WebSession
from openrush_tui.text.safe import sanitize

LOOPBACK = "127.0.0.1"
CALLBACK_PATH = "/callback"
REGISTERED_REDIRECT = f"http://{LOOPBACK}{CALLBACK_PATH}"  # any port matches (RFC 8252 §7.3)
# Over SSH nothing listens here: the browser shows "cannot connect" on this address, which the
# person copies back (`code_from_address`). Whatever might answer on it gets a code that is
# useless without the verifier (PKCE).
PASTE_REDIRECT = REGISTERED_REDIRECT
MAX_REQUEST = 16 * 1024  # bytes of the browser's request read, at most
READ_SECONDS = 30.0  # a connection that sends nothing is dropped after this
_PAGE = ("<!doctype html><meta charset=utf-8><title>openrush-tui</title>"
         "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p>")
STATE_MISMATCH = ("The browser's answer does not belong to this sign-in (its state differs), so "
                  "it was not used")


def challenge_of(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(verifier)), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class CodeRequest:
    """One authorization request: open `address` in a browser."""

    address: str
    redirect_uri: str
    state: str
    client_id: str
    verifier: Secret = field(repr=False)

    @classmethod
    def new(cls, plan: WebSignIn, client_id: str, redirect_uri: str) -> CodeRequest:
        if plan.authorization_endpoint is None:
            raise SignInFailed("This server offers no browser sign-in", "Use a device code.")
        verifier = secrets.token_urlsafe(48)  # 64 characters of RFC 7636's alphabet
        state = secrets.token_urlsafe(24)
        query = urlencode({"response_type": "code", "client_id": client_id,
                           "redirect_uri": redirect_uri, "state": state,
                           "code_challenge": challenge_of(verifier),
                           "code_challenge_method": "S256"})
        joiner = "&" if urlsplit(plan.authorization_endpoint).query else "?"
        return cls(plan.authorization_endpoint + joiner + query, redirect_uri, state,
                   client_id, Secret(verifier))


def code_from_query(query: str, state: str) -> str:
    """The code in a redirect's query, once `state` matches; SignInDenied when the person
    denied, SignInFailed for any other answer (the server's error said safely)."""
    values = parse_qs(query, keep_blank_values=True)
    given = values.get("state", [""])
    if not state or len(given) != 1 or not hmac.compare_digest(given[0].encode(),
                                                                state.encode()):
        raise SignInFailed(STATE_MISMATCH, "Start the sign-in again.")
    error = values.get("error", [""])[0]
    if error == "access_denied":
        raise SignInDenied
    codes = values.get("code", [])
    if error or len(codes) != 1 or not codes[0]:
        said = sanitize(values.get("error_description", [error or "no code"])[0], 120)
        raise SignInFailed(f"The sign-in did not finish ({said})", "Start the sign-in again.")
    return codes[0]


def code_from_address(address: str, request: CodeRequest) -> str:
    """The code in the address the browser ended on, pasted by the person (over SSH)."""
    text = address.strip()
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    if not query:
        raise SignInFailed("That is not the address the browser ended on (it has no ?code=…)",
                           "Copy the whole address from the browser's address bar.")
    return code_from_query(query, request.state)


async def exchange(http: OAuthHttp, plan: WebSignIn, request: CodeRequest, code: str,
                   now: datetime) -> WebSession:
    answer = await http.form(plan.token_endpoint, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri,
        "client_id": request.client_id, "code_verifier": request.verifier.reveal()},
        parse_tokens, "the sign-in tokens")
    return WebSession.from_answer(
        answer, api_url=plan.api_url, issuer=plan.issuer, client_id=request.client_id,
        token_endpoint=plan.token_endpoint, revocation_endpoint=plan.revocation_endpoint,
        now=now)


class LoopbackListener:
    """``async with LoopbackListener() as listener:``, then a `CodeRequest` for its
    `redirect_uri`, ``listener.expect(request)`` before the browser opens, and ``await
    listener.code()`` for the answer. One request, then closed; a request that arrives before
    `expect` is refused (no state to match)."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._answer: asyncio.Future[str] | None = None
        self._state = ""
        self.address = ""  # where it listens (tests: 127.0.0.1 only)
        self.port = 0
        self.requests = 0  # connections taken (tests: exactly one)

    async def __aenter__(self) -> LoopbackListener:
        self._answer = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._take, LOOPBACK, 0,
                                                  reuse_address=False)
        self.address, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def redirect_uri(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{CALLBACK_PATH}"

    @property
    def open(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def expect(self, request: CodeRequest) -> None:
        self._state = request.state

    async def code(self) -> str:
        """The code from the one request the browser makes (see `code_from_query`)."""
        assert self._answer is not None, "use it in `async with`"  # noqa: S101 (a bug)
        return await self._answer

    async def _take(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.requests += 1
        if self._server is not None:  # one request: nobody else gets in
            self._server.close()
        answer = self._answer
        try:
            if answer is None or answer.done():
                return
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_SECONDS)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                answer.set_exception(SignInFailed("The browser's answer could not be read",
                                                  "Start the sign-in again."))
                return
            title, text = self._judge(head[:MAX_REQUEST], answer)
            page = _PAGE.format(title=title, text=text).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                         b"Cache-Control: no-store\r\nConnection: close\r\n"
                         + f"Content-Length: {len(page)}\r\n\r\n".encode() + page)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _judge(self, head: bytes, answer: asyncio.Future[str]) -> tuple[str, str]:
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = line.partition(" ")
        target = rest.rpartition(" ")[0]
        parts = urlsplit(target)
        try:
            if method != "GET" or parts.path != CALLBACK_PATH:
                raise SignInFailed("Something other than the browser's sign-in reached this "
                                   "terminal's listener", "Start the sign-in again.")
            answer.set_result(code_from_query(parts.query, self._state))
        except (SignInFailed, SignInDenied) as failed:
            answer.set_exception(failed)
            return "Not signed in", "Go back to your terminal: it says why."
        return "Signed in", "You can close this tab and go back to your terminal."
