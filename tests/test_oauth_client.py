"""The browser sign-in's client core (app/auth/web) against the sandbox over real HTTP on
127.0.0.1, and against scripted servers for documents the real service could get wrong.

The sandbox runs in a thread of this process with a sign-in clock the tests move; the client
shares that clock and a `sleep` that moves it instead of sleeping, so polling intervals,
expiries and refreshes are exact and nothing waits on real time. "The person" approves
through the approval pages with plain HTTP requests, as a browser would send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import (
    SESSION_REFUSED,
    BadResponse,
    InsecureURLError,
    SessionRefused,
    Unauthorized,
)
from openrush_tui.api.oauth_http import OAuthRefused
from openrush_tui.api.oauth_models import (
    parse_device_authorization,
    parse_resource_metadata,
    parse_server_metadata,
    parse_tokens,
)
from openrush_tui.auth.profiles import profiles_path, remember_web_client
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import NeedsChoice
from openrush_tui.auth.web import keeping, pkce, tokens
from openrush_tui.auth.web.device import DeviceCode, SignInDenied, SignInExpired, SignInFailed
from openrush_tui.auth.web.discovery import NotOffered, WebSignIn
from openrush_tui.auth.web.flow import BrowserSignIn
from openrush_tui.auth.web.tokens import SIGNED_OUT, SignedOut, WebSession, revoke
from tests.support.browser_sign_in import browse
from tests.support.budget_clocks import Clocks
from tests.support.scripted_server import Reply, ScriptedServer
from tests.support.threaded_sandbox import Served, module_sandbox

TOKEN_SECONDS = 600
CSRF = re.compile(r"name='csrf' value='([^']+)'")


clock, served = module_sandbox("oauth-client", token_seconds=TOKEN_SECONDS, key_seed=5)


class Person:
    """The person at the browser, and the waiting: `sleep` moves the shared clock by what
    the client asked for (recorded), and before the `approve_at`-th sleep returns, the person
    decides on the approval page."""

    def __init__(self, base_url: str, clock: Clocks, *, decision: str = "approve",
                 approve_at: int = 1, short_second: float = 0.0) -> None:
        self.base_url, self.clock = base_url, clock
        self.decision, self.approve_at, self.short_second = decision, approve_at, short_second
        self.sleeps: list[float] = []
        self.code: DeviceCode | None = None

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        # `short_second`: the second wait ends early (a machine that wakes too soon), so the
        # server sees a poll too soon after the first and says slow_down.
        self.clock.skip(seconds - self.short_second if len(self.sleeps) == 2 else seconds)
        if len(self.sleeps) == self.approve_at and self.code is not None:
            await self.decide(self.code.user_code)

    async def decide(self, user_code: str) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as browser:
            page = await browser.get("/device", params={"user_code": user_code})
            token = CSRF.search(page.text)
            assert token, page.text
            await browser.post("/device", data={"user_code": user_code,
                                                "csrf": token.group(1),
                                                "decision": self.decision})


def signing(served: Served, clock: Clocks, person: Person | None = None,
            profile: str | None = None, **kwargs: object) -> BrowserSignIn:
    return BrowserSignIn(served.base_url, profile, clock=clock.wall,
                         sleep=person.sleep if person else asyncio.sleep, **kwargs)


async def device_session(served: Served, clock: Clocks, **person_options: object
                         ) -> tuple[WebSession, Person]:
    person = Person(served.base_url, clock, **person_options)
    async with signing(served, clock, person) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        person.code = await flow.start_device(plan)
        return await flow.wait(plan, person.code), person


async def credits_with(served: Served, session: WebSession) -> int:
    async with OpenRushClient(served.base_url, session.access_token.reveal()) as client:
        return (await client.credits()).balance


# ---------------------------------------------------------------- discovery


async def test_the_sandbox_offers_both_flows(served: Served, clock: Clocks) -> None:
    async with signing(served, clock) as flow:
        plan = await flow.discover()
    assert isinstance(plan, WebSignIn)
    assert plan.offers_device and plan.offers_code
    assert plan.issuer == served.base_url
    assert plan.token_endpoint == f"{served.base_url}/oauth/token"


def scripted_documents(api: ScriptedServer, server_url: str, **metadata: object) -> None:
    api.route("GET", "/.well-known/oauth-protected-resource", Reply(200, {
        "resource": api.url, "authorization_servers": [server_url]}))
    document = {"issuer": server_url, "token_endpoint": f"{server_url}/token",
                "device_authorization_endpoint": f"{server_url}/device",
                "grant_types_supported": ["urn:ietf:params:oauth:grant-type:device_code"],
                **metadata}
    api.route("GET", "/.well-known/oauth-authorization-server", Reply(200, document))


async def discover(url: str) -> WebSignIn | NotOffered:
    async with BrowserSignIn(url, None) as flow:
        return await flow.discover()


async def test_an_authorization_server_on_another_host_is_allowed_when_named() -> None:
    with ScriptedServer() as api, ScriptedServer() as other:
        api.route("GET", "/.well-known/oauth-protected-resource", Reply(200, {
            "resource": api.url, "authorization_servers": [other.url]}))
        scripted_documents(other, other.url)
        plan = await discover(api.url)
    assert isinstance(plan, WebSignIn) and plan.token_endpoint == f"{other.url}/token"


async def test_an_endpoint_on_a_third_host_is_refused() -> None:
    with ScriptedServer() as api, ScriptedServer() as third:
        scripted_documents(api, api.url, token_endpoint=f"{third.url}/token")
        plan = await discover(api.url)
    assert isinstance(plan, NotOffered)
    assert f"token endpoint is on another host (127.0.0.1:{third.port})" in plan.line
    assert not third.requests  # nothing was sent there


@pytest.mark.parametrize(("change", "why"), [
    ({"authorization_servers": ["http://login.example"]}, "uses http:// for login.example"),
    ({"authorization_servers": ["https://user:pw@login.example"]}, "user name or password"),
    ({"resource": "https://api.elsewhere.example"}, "describes another server"),
    ({"authorization_servers": []}, "names no authorization server"),
])
async def test_a_resource_document_that_points_elsewhere_is_refused(change: dict[str, object],
                                                                   why: str) -> None:
    with ScriptedServer() as api:
        api.route("GET", "/.well-known/oauth-protected-resource", Reply(200, {
            "resource": api.url, "authorization_servers": [api.url], **change}))
        plan = await discover(api.url)
        assert all(r.path == "/.well-known/oauth-protected-resource" for r in api.requests)
    assert isinstance(plan, NotOffered) and why in plan.line, plan


@pytest.mark.parametrize(("metadata", "why"), [
    ({"issuer": "https://another.example"}, "names another issuer"),
    ({"token_endpoint": None}, "no token endpoint"),
    ({"token_endpoint": "https://api.openrush.io.evil.example/token"}, "on another host"),
    ({"grant_types_supported": ["authorization_code"]}, "neither a device code"),
    ({"device_authorization_endpoint": "http://[::1]:1/x"}, "on another host"),
])
async def test_server_metadata_without_a_usable_flow_is_not_offered(
        metadata: dict[str, object], why: str) -> None:
    with ScriptedServer() as api:
        scripted_documents(api, api.url, **metadata)
        plan = await discover(api.url)
    assert isinstance(plan, NotOffered) and why in plan.line, plan


async def test_no_metadata_or_no_server_is_one_line() -> None:
    with ScriptedServer() as api:
        api.route("GET", "/.*", Reply(404, {"detail": "Not Found"}))
        missing = await discover(api.url)
        api.clear_routes()
        api.route("GET", "/.*", Reply(200, b"<html>hello</html>"))
        not_json = await discover(api.url)
    assert isinstance(missing, NotOffered)
    assert missing.line == ("Sign-in with the browser is not offered here: the server "
                            "publishes no sign-in metadata.")
    assert isinstance(not_json, NotOffered) and "\n" not in not_json.line
    with ScriptedServer() as gone:
        url = gone.url
    unreachable = await discover(url)
    assert isinstance(unreachable, NotOffered) and "could not be read" in unreachable.line


async def test_a_verification_address_on_another_host_is_refused() -> None:
    with ScriptedServer() as api:
        scripted_documents(api, api.url)
        api.route("POST", "/device", Reply(200, {
            "device_code": "d", "user_code": "BCDF-GHJK", "expires_in": 600,
            "verification_uri": "https://openrush-login.example/device"}))
        async with BrowserSignIn(api.url, None) as flow:
            plan = await flow.discover()
            assert isinstance(plan, WebSignIn)
            with pytest.raises(InsecureURLError, match="another host"):
                await flow.start_device(plan)


# ---------------------------------------------------------------- the device flow


async def test_the_device_flow_signs_in_and_the_token_reads_the_account(
        served: Served, clock: Clocks) -> None:
    session, person = await device_session(served, clock)
    assert person.sleeps == [5.0]  # one interval, then the approved poll
    assert session.account_id == served.sandbox.demo_account_id
    assert session.expires_at is not None
    assert (session.expires_at - session.issued_at).total_seconds() == TOKEN_SECONDS
    assert await credits_with(served, session) > 0


async def test_polling_obeys_the_interval_and_slow_down(served: Served, clock: Clocks) -> None:
    budget_calls: list[int] = []
    from openrush_tui.api.budget import RequestBudget

    budget = RequestBudget()
    person = Person(served.base_url, clock, approve_at=3, short_second=1.0)
    async with signing(served, clock, person, budget=budget) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        person.code = await flow.start_device(plan)
        await flow.wait(plan, person.code)
        budget_calls.append(budget.sent)
    # Pending; then the second wait ended a second early: the server said slow_down, and the
    # wait after it is the grown interval, 10 s; then approved.
    assert person.sleeps == [5.0, 5.0, 10.0]
    assert budget_calls == [3]  # each poll counted


def limits(clock: Clocks, remaining: int, *, limit: int = 60, reset_in: int = 40
           ) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(clock.wall().timestamp()) + reset_in)}


async def test_polls_spend_the_budget_and_slow_down_when_it_runs_low() -> None:
    """The request budget decides each wait between polls: the server's interval while the
    rate limit has room, twice it below half of the window, until the window resets below a
    fifth, a 429's Retry-After; never sooner than the interval. Each poll is counted."""
    clock = Clocks()
    budget = RequestBudget(monotonic=clock.monotonic, wall=clock.wall)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.skip(seconds)

    pending = {"error": "authorization_pending"}
    with ScriptedServer() as api:
        scripted_documents(api, api.url)
        api.route("POST", "/device", Reply(200, {
            "device_code": "d", "user_code": "BCDF-GHJK", "expires_in": 600, "interval": 5,
            "verification_uri": f"{api.url}/device"}))
        api.add(Reply(400, pending, limits(clock, 50)),   # room: the interval
                Reply(400, pending, limits(clock, 25)),   # below half: twice it
                Reply(400, pending, limits(clock, 5, reset_in=80)),  # a fifth: its end
                Reply(429, pending, {"Retry-After": "30"}),  # held as the server asks
                Reply(400, pending, limits(clock, 59, reset_in=60)),  # a new window
                Reply(200, {"access_token": "a", "token_type": "Bearer", "expires_in": 60}))
        async with BrowserSignIn(api.url, None, clock=clock.wall, sleep=sleep,
                                 budget=budget) as flow:
            plan = await flow.discover()
            assert isinstance(plan, WebSignIn)
            code = await flow.start_device(plan)
            session = await flow.wait(plan, code)
    assert session.access_token.reveal() == "a"
    # 5 (first), 5 (room), 10 (below half), 60 (to the window's end, 80 s after the start),
    # 30 (Retry-After), 5 (room).
    assert sleeps == [5.0, 5.0, 10.0, 60.0, 30.0, 5.0]
    assert budget.polls == 6 and budget.sent == 6
    assert budget.rate_limit is not None and budget.rate_limit.remaining == 59


async def test_a_denied_or_expired_code_ends_the_wait(served: Served, clock: Clocks) -> None:
    with pytest.raises(SignInDenied):
        await device_session(served, clock, decision="deny")
    person = Person(served.base_url, clock, approve_at=99)
    async with signing(served, clock, person) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        code = await flow.start_device(plan)
        person.sleep = _jump(person.sleep, clock, 600)
        with pytest.raises(SignInExpired):
            await flow.wait(plan, code)


def _jump(sleep: Callable[[float], Awaitable[None]], clock: Clocks,
          seconds: float) -> Callable[[float], Awaitable[None]]:
    async def longer(asked: float) -> None:
        await sleep(asked)
        clock.skip(seconds)
    return longer


async def test_the_wait_can_be_cancelled(served: Served, clock: Clocks) -> None:
    from openrush_tui.api.budget import RequestBudget

    forever = asyncio.Event()
    asleep = asyncio.Event()

    async def sleep(_: float) -> None:
        asleep.set()
        await forever.wait()

    budget = RequestBudget()
    async with BrowserSignIn(served.base_url, None, clock=clock.wall, sleep=sleep,
                             budget=budget) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        code = await flow.start_device(plan)
        waiting = asyncio.ensure_future(flow.wait(plan, code))
        await asleep.wait()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert budget.sent == 0


# ---------------------------------------------------------------- the code flow


async def test_the_loopback_listener_takes_one_request_and_closes(served: Served,
                                                                  clock: Clocks) -> None:
    async with signing(served, clock) as flow, pkce.LoopbackListener() as listener:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        assert listener.address == "127.0.0.1"
        request = await flow.code_request(plan, listener.redirect_uri)
        listener.expect(request)
        landing = await browse(request.address)
        assert landing.startswith(listener.redirect_uri + "?")
        async with httpx.AsyncClient() as browser:
            shown = await browser.get(landing)
        assert "Signed in" in shown.text
        session = await flow.finish(plan, request, await listener.code())
        assert not listener.open and listener.requests == 1
        async with httpx.AsyncClient() as late:
            with pytest.raises(httpx.ConnectError):
                await late.get(landing)
    assert await credits_with(served, session) > 0


async def test_a_redirect_with_another_state_is_refused(served: Served, clock: Clocks) -> None:
    async with signing(served, clock) as flow, pkce.LoopbackListener() as listener:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        request = await flow.code_request(plan, listener.redirect_uri)
        listener.expect(request)
        landing = await browse(request.address)
        forged = re.sub(r"state=[^&]+", "state=someone-else", landing)
        async with httpx.AsyncClient() as browser:
            await browser.get(forged)
        with pytest.raises(SignInFailed, match="state differs"):
            await listener.code()
        assert not listener.open


async def test_a_request_before_the_state_is_known_is_refused() -> None:
    async with pkce.LoopbackListener() as listener:
        async with httpx.AsyncClient() as browser:
            await browser.get(f"{listener.redirect_uri}?code=x&state=")
        with pytest.raises(SignInFailed):
            await listener.code()


async def test_the_pasted_address_and_the_verifier(served: Served, clock: Clocks) -> None:
    async with signing(served, clock) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        request = await flow.code_request(plan, pkce.PASTE_REDIRECT)
        landing = await browse(request.address)
        with pytest.raises(SignInFailed, match="state differs"):
            pkce.code_from_address(re.sub(r"state=[^&]+", "state=x", landing), request)
        with pytest.raises(SignInFailed, match="no \\?code="):
            pkce.code_from_address("http://127.0.0.1/callback", request)
        code = pkce.code_from_address(f"  {landing}\n", request)
        other = await flow.code_request(plan, pkce.PASTE_REDIRECT)  # another verifier
        with pytest.raises(OAuthRefused, match="code_verifier"):
            await flow.finish(plan, pkce.CodeRequest(
                request.address, request.redirect_uri, request.state, request.client_id,
                other.verifier), code)
        fresh = await flow.code_request(plan, pkce.PASTE_REDIRECT)
        session = await flow.finish(plan, fresh, pkce.code_from_address(
            await browse(fresh.address), fresh))
    assert await credits_with(served, session) > 0


# ---------------------------------------------------------------- the client id


async def test_the_client_id_is_remembered_per_profile_and_registered_again_when_unknown(
        served: Served, clock: Clocks, isolated_home: Path) -> None:
    async with signing(served, clock, profile="work") as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        first = await flow.client_id(plan)
    assert first.startswith("client_") and first in profiles_path().read_text()
    async with signing(served, clock, profile="work") as flow:
        assert await flow.client_id(plan) == first
    remember_web_client("work", plan.issuer, "client_forgotten_by_the_server")
    async with signing(served, clock, profile="work") as flow:
        code = await flow.start_device(plan)
    assert code.client_id not in (first, "client_forgotten_by_the_server")


# ---------------------------------------------------------------- keeping and refreshing


@pytest.fixture
def no_keyring(isolated_home: Path, use_keyring: Callable[[object], object]) -> None:
    use_keyring(fail.Keyring())


async def test_kept_in_the_file_refreshed_before_expiry_and_signed_out_when_refused(
        served: Served, clock: Clocks, no_keyring: None) -> None:
    session, _ = await device_session(served, clock)
    asked = keeping.keep("default", session)
    assert isinstance(asked, NeedsChoice)  # no keyring: the person chooses, as for keys
    kept = keeping.keep("default", session, choice="file")
    assert isinstance(kept, keeping.Kept) and kept.source == "file"
    mode = stat.S_IMODE(os.stat(keeping.sessions_path()).st_mode)
    assert mode == 0o600
    assert "plain text, readable only by you" in kept.source_label
    found = keeping.find("default")
    assert found is not None and found.session == session
    async with BrowserSignIn(served.base_url, None) as flow:
        assert await keeping.fresh_session("default", found, flow.http, clock.wall) is found
        clock.skip(TOKEN_SECONDS - 59)  # within the last tenth of its life: refreshed
        renewed = await keeping.fresh_session("default", found, flow.http, clock.wall)
        assert renewed.session.refresh_token != session.refresh_token
        assert keeping.find("default") == renewed
        clock.skip(100)  # past the old access token's end: the new one works
        with pytest.raises(Unauthorized):
            await credits_with(served, session)
        assert await credits_with(served, renewed.session) > 0
        # The sign-in ends at the server (another terminal signed out): the next refresh is
        # refused, the kept copy goes, and the sentence is the one to show.
        await revoke(flow.http, renewed.session)
        clock.skip(TOKEN_SECONDS)
        with pytest.raises(SignedOut) as refused:
            await keeping.fresh_session("default", renewed, flow.http, clock.wall)
    assert str(refused.value).startswith(SIGNED_OUT.rstrip("."))
    assert keeping.find("default") is None


async def test_a_401_renews_once_and_sends_even_a_write_again(served: Served,
                                                              clock: Clocks) -> None:
    """The access token is over at the server (its clock ran ahead): the client's `renew`
    gives a new one and the request goes once more, a POST too (a 401 means nothing was
    done); without a renewal, a session token's 401 says to sign in again; a renewal the
    server refuses is `SignedOut`."""
    session, _ = await device_session(served, clock)
    clock.skip(TOKEN_SECONDS + 60)
    renewals: list[str] = []
    async with BrowserSignIn(served.base_url, None) as flow:
        current = session

        async def renew(refused: str) -> str:
            nonlocal current
            renewals.append(refused)
            current = await tokens.refresh(flow.http, current, clock.wall())
            return current.access_token.reveal()

        async with OpenRushClient(served.base_url, session.access_token.reveal()) as client:
            with pytest.raises(SessionRefused) as refused:
                await client.credits()
            assert str(refused.value) == SESSION_REFUSED + "."
            client.renew = renew
            created = await client.create_key("made after a 401")
            assert renewals == [session.access_token.reveal()]  # renewed once, then sent
        async with OpenRushClient(served.base_url, current.access_token.reveal()) as fresh:
            names = [key.name for key in await fresh.list_keys()]
        assert names.count("made after a 401") == 1 and created.api_credential.is_active

        await revoke(flow.http, current)  # another terminal signed out
        async with OpenRushClient(served.base_url, current.access_token.reveal()) as client:
            client.renew = renew
            with pytest.raises(SignedOut):
                await client.credits()
        assert len(renewals) == 2


async def test_revoking_on_sign_out_ends_the_tokens(served: Served, clock: Clocks) -> None:
    session, _ = await device_session(served, clock)
    async with BrowserSignIn(served.base_url, None) as flow:
        assert await revoke(flow.http, session)
    with pytest.raises(Unauthorized) as refused:
        await credits_with(served, session)
    assert refused.value.detail == "Session has been signed out."


async def test_tokens_never_reach_a_repr_a_log_or_an_error(
        served: Served, clock: Clocks, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session, person = await device_session(served, clock)
    assert person.code is not None
    secrets = [session.access_token.reveal(), person.code.device_code.reveal()]
    assert session.refresh_token is not None
    secrets.append(session.refresh_token.reveal())
    async with BrowserSignIn(served.base_url, None, clock=clock.wall,
                             sleep=person.sleep) as flow:
        kept = await keeping.fresh_session("default", keeping.Kept(session, "session"),
                                           flow.http, lambda: session.expires_at)
        secrets.append(kept.session.access_token.reveal())
        try:
            await flow.wait(await flow.discover(), person.code)
        except SignInFailed as used:
            said = f"{used} {used!r}"
    shown = " ".join([repr(session), str(session), repr(kept), repr(person.code), said,
                      caplog.text])
    for secret in secrets:
        assert secret not in shown


# ---------------------------------------------------------------- outside text, any text

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from([
                        "resource", "authorization_servers", "issuer", "token_endpoint",
                        "device_code", "user_code", "verification_uri", "expires_in",
                        "interval", "access_token", "token_type", "refresh_token",
                        "grant_types_supported", "x"]), inner, max_size=8), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_document_is_read_or_refused_as_a_bad_shape(payload: object) -> None:
    for parse in (parse_resource_metadata, parse_server_metadata, parse_device_authorization,
                  parse_tokens):
        with contextlib.suppress(BadResponse):
            parse(payload)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_pasted_address_gives_a_code_only_with_its_state(text: str) -> None:
    request = pkce.CodeRequest("http://x/authorize", pkce.PASTE_REDIRECT, "the-state",
                               "client", Secret("v" * 43))
    try:
        code = pkce.code_from_address(text, request)
    except (SignInFailed, SignInDenied):
        return
    assert code and "state=the-state" in text
