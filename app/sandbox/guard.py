"""ASGI middleware around every protected route: authenticate, rate-limit, record usage.

A revoked or expired key that failed to authenticate too often (`FailureLimiter`, which
says why it counts per key, not per address) is refused with 429 before it is looked up,
and such refusals are not recorded as usage: a flood of calls with a revoked key cannot fill
its owner's Activity. Calls with no key or an unknown one are never counted, so they cannot
lock anyone out.

Pure ASGI (not BaseHTTPMiddleware) so it can see the final status of every response, including
FastAPI's own 422s, and record the usage event before the response body goes out: a client that
reads Activity right after a call sees that call. SQLite work runs in the thread pool, never on
the event loop (in-process mode shares the loop with the UI). The event keeps the call's method
and, for a failure, the message its answer carried (OURS: read back from the body, `said`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openrush_tui.sandbox.auth import AuthError, credential_handle
from openrush_tui.sandbox.said import BODY_LIMIT, SERVER_ERROR, error_text

if TYPE_CHECKING:
    from openrush_tui.sandbox.app import Sandbox

PUBLIC_PATHS = frozenset({"/v1/capabilities", "/v1/capabilities/"})


def is_protected(path: str) -> bool:
    return path.startswith("/v1/") and path not in PUBLIC_PATHS


class Guard:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        sandbox, path, method = self.sandbox, scope["path"], scope["method"]
        started = sandbox.now()
        headers = Headers(scope=scope)
        handle = credential_handle(headers)
        wait = None if handle is None else sandbox.failures.retry_after(handle)
        if wait is not None:
            response = JSONResponse(
                {"detail": "Too many failed authentications with this key. "
                           f"Retry in {wait} seconds."},
                429, headers={"Retry-After": str(wait)})
            await response(scope, receive, send)
            return
        agent = headers.get("user-agent")  # recorded: OURS, see the contract
        try:
            principal = await run_in_threadpool(sandbox.authenticate, headers)
        except AuthError as error:
            if error.owner is not None:  # a revoked or expired key: its owner sees the attempt
                if handle is not None:
                    sandbox.failures.failed(handle)
                await run_in_threadpool(sandbox.record, error.owner, path, 401, 0, started,
                                        agent, method, error.message)
            response = JSONResponse(
                {"detail": error.message}, 401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        verdict = sandbox.limiter.hit(principal.account_id, sandbox.now())
        limit_headers = verdict.headers()
        if not verdict.allowed:
            detail = (
                f"Rate limit exceeded: {verdict.limit} requests per {verdict.window}. "
                f"Retry in {verdict.retry_after} seconds."
            )
            await run_in_threadpool(sandbox.record, principal, path, 429, 0, started, agent,
                                    method, detail)
            response = JSONResponse(
                {"detail": detail},
                429,
                headers={**limit_headers, "Retry-After": str(verdict.retry_after)},
            )
            await response(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state["principal"] = principal
        status = 500
        held: Message | None = None
        recorded = False
        answer = bytearray()  # an error answer's body, for its message

        async def record(error: str | None = None) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                credits = int(state.get("credits_charged", 0))
                if error is None and status >= 400:
                    error = error_text(bytes(answer))
                await run_in_threadpool(sandbox.record, principal, path, status, credits,
                                        started, agent, method, error)

        async def guarded_send(message: Message) -> None:
            nonlocal status, held
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).update(limit_headers)
                held = message  # sent together with the final body, after recording
                return
            if message["type"] == "http.response.body":
                if status >= 400 and len(answer) < BODY_LIMIT:
                    answer.extend(message.get("body", b"")[: BODY_LIMIT - len(answer)])
                if not message.get("more_body", False):
                    await record()
            if held is not None:
                await send(held)
                held = None
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            status = 500
            await record(SERVER_ERROR)  # what Starlette answers it with
            raise
