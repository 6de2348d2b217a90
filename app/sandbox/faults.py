"""The sandbox's database faults as answers: a locked, full or corrupt SQLite file becomes a 503
whose ``detail`` says what failed, instead of an exception that reaches the client (in-process)
or a traceback on the terminal (``sandbox serve``)."""

from __future__ import annotations

import sqlite3

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DatabaseFaults:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except sqlite3.Error as exc:
            if started:  # half an answer is out: nothing truthful can follow it
                raise
            detail = f"The sandbox's database failed ({exc}). Check the file given with --db."
            await JSONResponse({"detail": detail}, 503)(scope, receive, send)
