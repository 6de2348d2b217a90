"""One browser sign-in from start to tokens: what Setup's screen and ``login --web`` drive.

    async with BrowserSignIn(api_url, profile, clock=clock) as signing:
        plan = await signing.discover()           # WebSignIn, or NotOffered (`.line`)
        code = await signing.start_device(plan)   # show code.user_code, code.uri_to_open
        session = await signing.wait(plan, code)  # cancel the task to stop

    # or, with a browser on this machine:
        async with LoopbackListener() as listener:
            request = await signing.code_request(plan, listener.redirect_uri)
            listener.expect(request)              # then open request.address
            session = await signing.finish(plan, request, await listener.code())
    # or over SSH (nothing listens; the person pastes the address the browser ended on):
        request = await signing.code_request(plan, pkce.PASTE_REDIRECT)
        session = await signing.finish(plan, request, code_from_address(pasted, request))

The client id comes from `client_id` (registered once per profile and server, remembered in
profiles.json; the fixed public id without a registration endpoint); a remembered id the
server no longer knows (``invalid_client``) is registered anew once. Then keep the session
with `keeping.keep` and, on every later use, `keeping.fresh_session`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Self, TypeVar

import httpx

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.oauth_http import OAuthHttp, OAuthRefused
from openrush_tui.api.oauth_models import parse_registration
from openrush_tui.auth.profiles import remember_web_client, remembered_web_client
from openrush_tui.auth.web import device, pkce
from openrush_tui.auth.web.discovery import DEVICE_GRANT, NotOffered, WebSignIn, discover
from openrush_tui.auth.web.tokens import WebSession
from openrush_tui.clock import Clock, system_clock
from openrush_tui.files.private import PrivateFileError

FIXED_CLIENT_ID = "openrush-tui"  # the public client id without registration (docs/oauth.md)
CLIENT_NAME = "openrush-tui"
T = TypeVar("T")


class BrowserSignIn:
    """The steps of a sign-in for `profile` at `api_url` (None: remember nothing, e.g. the
    in-process sandbox). `transport`, `clock`, `sleep` and `budget` as the rest of the client
    takes them (tests inject all four)."""

    def __init__(self, api_url: str, profile: str | None, *,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Clock = system_clock,
                 sleep: device.Sleep = asyncio.sleep, budget: RequestBudget | None = None,
                 user_agent: str = "openrush-tui") -> None:
        self.api_url = api_url.rstrip("/")
        self.profile = profile
        self.clock = clock
        self.sleep = sleep
        self.budget = budget
        self.http = OAuthHttp(transport=transport, user_agent=user_agent)
        self._client_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"BrowserSignIn(api_url={self.api_url!r}, profile={self.profile!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.http.aclose()

    async def discover(self) -> WebSignIn | NotOffered:
        return await discover(self.http, self.api_url)

    # -- the client id ---------------------------------------------------------------------

    async def client_id(self, plan: WebSignIn, *, fresh: bool = False) -> str:
        """This profile's client id at `plan`'s server: remembered, else registered (RFC
        7591), else the fixed public one. `fresh`: register again."""
        if not fresh and plan.issuer in self._client_ids:
            return self._client_ids[plan.issuer]
        if plan.registration_endpoint is None:
            return FIXED_CLIENT_ID
        remembered = None
        if not fresh and self.profile is not None:
            with contextlib.suppress(PrivateFileError):  # unreadable: register anew
                remembered = await asyncio.to_thread(remembered_web_client, self.profile,
                                                     plan.issuer)
        if remembered is None:
            grants = [grant for grant, offered in (("authorization_code", plan.offers_code),
                                                   (DEVICE_GRANT, plan.offers_device),
                                                   ("refresh_token", True)) if offered]
            made = await self.http.json(plan.registration_endpoint, {
                "client_name": CLIENT_NAME, "redirect_uris": [pkce.REGISTERED_REDIRECT],
                "grant_types": grants, "response_types": ["code"],
                "token_endpoint_auth_method": "none"}, parse_registration,
                "the client registration")
            remembered = made.client_id
            if self.profile is not None and remembered.isprintable() and " " not in remembered:
                with contextlib.suppress(PrivateFileError):  # next time it registers again
                    await asyncio.to_thread(remember_web_client, self.profile, plan.issuer,
                                            remembered)
        self._client_ids[plan.issuer] = remembered
        return remembered

    async def _as_client(self, plan: WebSignIn, step: Callable[[str], Awaitable[T]]) -> T:
        """`step` with the client id; once more with a new registration when the server no
        longer knows a remembered one."""
        client_id = await self.client_id(plan)
        try:
            return await step(client_id)
        except OAuthRefused as refused:
            if refused.error != "invalid_client" or client_id == FIXED_CLIENT_ID:
                raise
        return await step(await self.client_id(plan, fresh=True))

    # -- the device flow -------------------------------------------------------------------

    async def start_device(self, plan: WebSignIn) -> device.DeviceCode:
        return await self._as_client(
            plan, lambda client_id: device.start(self.http, plan, client_id, self.clock()))

    async def wait(self, plan: WebSignIn, code: device.DeviceCode, *,
                   waited: float = 0.0) -> WebSession:
        return await device.wait(self.http, plan, code, clock=self.clock, sleep=self.sleep,
                                 budget=self.budget, waited=waited)

    # -- the code flow ---------------------------------------------------------------------

    async def code_request(self, plan: WebSignIn, redirect_uri: str) -> pkce.CodeRequest:
        client_id = await self.client_id(plan)
        return pkce.CodeRequest.new(plan, client_id, redirect_uri)

    async def finish(self, plan: WebSignIn, request: pkce.CodeRequest, code: str) -> WebSession:
        return await pkce.exchange(self.http, plan, request, code, self.clock())
