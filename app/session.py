"""One connection per app: the API client, built lazily, and the in-process sandbox behind it.

Nothing here runs at import or construction time, so the first frame never waits for httpx,
pydantic, FastAPI or SQLite: the first `client()` call pays for them, inside a worker.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from openrush_tui.config import Settings
from openrush_tui.credentials import StoredKey

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.sandbox.app import Sandbox


class Session:
    def __init__(self, settings: Settings, key: StoredKey | None) -> None:
        self.settings = settings
        self.key = key
        self._client: OpenRushClient | None = None
        self._sandbox: Sandbox | None = None
        self._lock = asyncio.Lock()

    @property
    def signed_in(self) -> bool:
        return self.key is not None or self.settings.sandbox is not None

    @property
    def client_if_ready(self) -> OpenRushClient | None:
        return self._client

    async def client(self) -> OpenRushClient:
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
            return self._client

    async def _connect(self) -> OpenRushClient:
        from openrush_tui.api.client import OpenRushClient

        settings = self.settings
        transport = None
        if settings.sandbox is not None:
            import httpx

            from openrush_tui.credentials import StoredKey
            from openrush_tui.sandbox.app import create_sandbox
            from openrush_tui.secret import Secret

            # SQLite work and seeding run in a thread so the event loop keeps drawing.
            self._sandbox = await asyncio.to_thread(create_sandbox, settings.sandbox)
            transport = httpx.ASGITransport(app=self._sandbox.app)
            if self.key is None:
                self.key = StoredKey(Secret(self._sandbox.session_token()), "sandbox")
        return OpenRushClient(
            settings.effective_api_url,
            self.key.secret.reveal() if self.key else None,
            auth_scheme=settings.auth_scheme,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
