"""One connection per app: the API client, built lazily, and the in-process sandbox behind it.

Nothing here runs at import or construction time, so the first frame never waits for httpx,
pydantic, FastAPI or SQLite: the first `client()` call pays for them, inside a worker.
"""

from __future__ import annotations

import asyncio
from importlib import import_module
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
        self._signed_out = False

    @property
    def signed_in(self) -> bool:
        # In the sandbox the demo session signs in when the client is built, unless the
        # user signed out.
        return self.key is not None or (self.settings.sandbox is not None
                                        and not self._signed_out)

    @property
    def client_if_ready(self) -> OpenRushClient | None:
        return self._client

    async def client(self) -> OpenRushClient:
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
            return self._client

    async def _connect(self) -> OpenRushClient:
        settings = self.settings
        # httpx, pydantic and FastAPI take a few hundred milliseconds to import: do it in a
        # thread so the event loop keeps drawing while they load.
        await asyncio.to_thread(import_module, "openrush_tui.api.client")
        from openrush_tui.api.client import OpenRushClient

        transport = None
        if settings.sandbox is not None:
            await asyncio.to_thread(import_module, "openrush_tui.sandbox.app")
            import httpx

            from openrush_tui.sandbox.app import create_sandbox
            from openrush_tui.secret import Secret

            # Importing FastAPI, opening SQLite and seeding all run off the event loop.
            self._sandbox = await asyncio.to_thread(create_sandbox, settings.sandbox)
            transport = httpx.ASGITransport(app=self._sandbox.app)
            if self.key is None and not self._signed_out:
                self.key = StoredKey(Secret(self._sandbox.session_token()), "sandbox")
        return OpenRushClient(
            settings.effective_api_url,
            self.key.secret.reveal() if self.key else None,
            auth_scheme=settings.auth_scheme,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            transport=transport,
        )

    async def use_key(self, key: StoredKey) -> None:
        """Sign this session in with another key (the next request uses it)."""
        async with self._lock:
            self.key = key
            self._signed_out = False
            if self._client is not None:
                self._client = self._client.with_key(key.secret.reveal())

    async def sign_out(self) -> None:
        """Forget the key held in memory; where it is stored is the credential store's business."""
        async with self._lock:
            self.key = None
            self._signed_out = True
            if self._client is not None:
                self._client = self._client.with_key(None)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
