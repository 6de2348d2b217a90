"""The device flow (RFC 8628): a code to type on any device, then polling until approved.

`start` asks for a `DeviceCode` (what Setup and ``login --web`` show: the verification URL and
the user code, a QR of `complete_uri`); `wait` polls the token endpoint until the person
decides, obeying the server: never sooner than `interval` seconds after the last poll, 5 s
more after each ``slow_down`` (RFC 8628 §3.5); ``authorization_pending`` waits on,
``access_denied`` is `SignInDenied`, ``expired_token`` (or the code's own end on the caller's
clock) `SignInExpired`. The request budget (`api.budget`: `poll`, `poll_wait`) counts every
poll and decides each wait: a 429's Retry-After, slower when the rate limit runs low (the
X-RateLimit-* headers of the polls themselves are noted when the token endpoint is on the
API's origin). `sleep` and `clock` are injected (tests move them by hand);
cancelling the task that awaits `wait` stops it at once (it is only ever sleeping or in one
request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.errors import RateLimited
from openrush_tui.api.oauth_http import OAuthHttp, OAuthRefused, origin
from openrush_tui.api.oauth_models import parse_device_authorization, parse_tokens
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.web.discovery import DEVICE_GRANT, WebSignIn
from openrush_tui.auth.web.tokens import WebSession
from openrush_tui.clock import Clock, shifted
from openrush_tui.errors import OpenRushError

SLOW_DOWN_STEP = 5.0  # RFC 8628 §3.5: seconds added to the interval on each slow_down
SHORTEST_INTERVAL = 1.0  # a server that says 0 is asked once a second, not in a loop
Sleep = Callable[[float], Awaitable[None]]


class SignInDenied(OpenRushError):
    def __init__(self) -> None:
        super().__init__("The sign-in was denied in the browser",
                         "Start again if that was not you.")


class SignInExpired(OpenRushError):
    def __init__(self) -> None:
        super().__init__("The sign-in code expired before it was approved",
                         "Start again for a new code.")


class SignInFailed(OpenRushError):
    """The server refused the sign-in for another reason (its sentence, made safe)."""


@dataclass(frozen=True)
class DeviceCode:
    """What to show, and what polling needs. `device_code` is a `Secret` (whoever holds it
    gets the tokens once approved). `user_code` and the URIs are the server's text: show them
    through the safe-text path."""

    user_code: str
    verification_uri: str
    complete_uri: str | None  # the URL with the code in it (for a QR code), when given
    device_code: Secret
    expires_at: datetime
    interval: float
    client_id: str

    @property
    def uri_to_open(self) -> str:
        return self.complete_uri or self.verification_uri


async def start(http: OAuthHttp, plan: WebSignIn, client_id: str, now: datetime) -> DeviceCode:
    """Ask for a code. `OAuthRefused` (``invalid_client``: register again), `InsecureURLError`
    for a verification URL the host rule refuses, or the client's usual errors."""
    if plan.device_endpoint is None:
        raise SignInFailed("This server offers no device code", "Use the browser sign-in.")
    answer = await http.form(plan.device_endpoint, {"client_id": client_id},
                             parse_device_authorization, "the sign-in code")
    complete = answer.verification_uri_complete
    return DeviceCode(
        user_code=answer.user_code,
        verification_uri=plan.allowed(answer.verification_uri, "verification address"),
        complete_uri=plan.allowed(complete, "verification address") if complete else None,
        device_code=Secret(answer.device_code.get_secret_value()),
        expires_at=shifted(now, timedelta(seconds=answer.expires_in)),
        interval=max(float(answer.interval), SHORTEST_INTERVAL), client_id=client_id)


async def wait(http: OAuthHttp, plan: WebSignIn, code: DeviceCode, *, clock: Clock,
               sleep: Sleep = asyncio.sleep, budget: RequestBudget | None = None,
               waited: float = 0.0) -> WebSession:
    """Poll until the person decides (see the module's docstring). `waited`: seconds since the
    last poll or the code's issue (``login --web --resume`` counts them). Without a `budget`,
    one of its own (the same rules, counted nowhere else)."""
    budget = RequestBudget() if budget is None else budget
    same_host = origin(plan.token_endpoint) == origin(plan.api_url)
    interval = code.interval
    form = {"grant_type": DEVICE_GRANT, "device_code": code.device_code.reveal(),
            "client_id": code.client_id}
    since = waited  # seconds since the last poll
    while True:
        pause = max(0.0, budget.poll_wait(interval) - since)
        if pause > 0:
            await sleep(pause)
        since = 0.0
        if clock() >= code.expires_at:
            raise SignInExpired
        try:
            answer = await budget.poll(lambda: http.form(plan.token_endpoint, form, parse_tokens,
                                                         "the sign-in tokens"))
        except OAuthRefused as refused:
            if refused.error == "authorization_pending":
                continue
            if refused.error == "slow_down":
                interval += SLOW_DOWN_STEP
                continue
            if refused.error == "access_denied":
                raise SignInDenied from None
            if refused.error == "expired_token":
                raise SignInExpired from None
            raise SignInFailed(refused.message, "Start again.") from None
        except RateLimited:
            continue  # the budget holds the next poll until the server's Retry-After
        finally:
            if same_host:
                budget.note(http.rate_limit)
        return WebSession.from_answer(
            answer, api_url=plan.api_url, issuer=plan.issuer, client_id=code.client_id,
            token_endpoint=plan.token_endpoint, revocation_endpoint=plan.revocation_endpoint,
            now=clock())
