"""A limit on request bodies: past it, 413 with a JSON `detail`, before the body is kept whole.

OURS: 64 KiB. The largest body the API takes is a tool's arguments or a key's name (120
characters), far below it; without a limit, one request could make the sandbox hold any
amount in memory. A declared `Content-Length` over the limit is refused before a byte is
read; a body without one (chunked) is counted as it arrives and refused once past it.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024


def too_large(limit: int) -> str:
    return f"Request body too large: at most {limit} bytes."


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"detail": too_large(self.limit)}, 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI re-raises an HTTPException met while reading the body, and its
                    # handler answers it as {"detail": ...}, like any other error here.
                    raise HTTPException(413, too_large(self.limit))
            return message

        await self.app(scope, counted, send)
