"""The OpenRush client over real HTTP: headers, retries, URL policy and tolerant parsing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import (
    ApiTimeout,
    BadResponse,
    ConnectionFailed,
    InsecureURLError,
    InvalidKeyFormat,
    RateLimited,
    ServerError,
)
from openrush_tui.api.models import ApiCredential, RateLimitInfo, Tool, UsageEvent
from openrush_tui.api.safety import check_base_url
from tests.support.scripted_server import Reply, ScriptedServer, drop

KEY = "or_Abc123def456ghi789jkl012mno345pqr678stu9"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)

ITEM = {
    "id": "cred_1",
    "account_id": "acct_1",
    "name": "Production server",
    "prefix": "or_abc123",
    "is_active": True,
    "created_at": "2026-06-26T12:00:00Z",
    "last_used_at": None,
    "expires_at": None,
}


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
async def client(server):
    async with OpenRushClient(server.url, KEY, connect_timeout=1, read_timeout=2) as c:
        yield c


# ---------------------------------------------------------------- headers


async def test_bearer_by_default(server, client):
    server.reply(200, {"balance": 500})
    credits = await client.credits()
    assert credits.balance == 500 and credits.dollars == 5.0
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("GET", "/v1/me/credits")
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in seen.headers
    assert seen.headers["user-agent"].startswith("openrush-tui/")
    assert seen.headers["accept"] == "application/json"


async def test_x_api_key_scheme(server):
    server.reply(200, {"balance": 1})
    async with OpenRushClient(server.url, SecretStr(KEY), auth_scheme="x-api-key") as client:
        await client.credits()
    seen = server.requests[0].headers
    assert seen["x-api-key"] == KEY
    assert "authorization" not in seen


async def test_jwt_always_sent_as_bearer(server):
    server.reply(200, {"balance": 1})
    async with OpenRushClient(server.url, JWT, auth_scheme="x-api-key") as client:
        await client.credits()
    seen = server.requests[0].headers
    assert seen["authorization"] == f"Bearer {JWT}"
    assert "x-api-key" not in seen


async def test_capabilities_sent_without_auth(server):
    server.reply(200, {"data": {"tools": []}})
    async with OpenRushClient(server.url) as anonymous:
        await anonymous.capabilities()
    server.reply(200, {"data": {"tools": []}})
    async with OpenRushClient(server.url, KEY) as signed_in:
        await signed_in.capabilities()
    for seen in server.requests:
        assert (seen.method, seen.path) == ("GET", "/v1/capabilities")
        assert "authorization" not in seen.headers and "x-api-key" not in seen.headers


async def test_key_is_stripped_and_blank_means_none(server):
    assert OpenRushClient(server.url, f"  {KEY}\n").has_key
    assert not OpenRushClient(server.url, "  ").has_key
    assert not OpenRushClient(server.url, SecretStr("")).has_key
    with pytest.raises(InvalidKeyFormat) as caught:
        OpenRushClient(server.url, "or_abc def")
    assert "or_abc" not in str(caught.value)


async def test_with_key_keeps_settings_and_changes_key(server, client):
    server.reply(200, {"balance": 1}).reply(200, {"balance": 2})
    other = client.with_key(JWT)
    assert other is not client and other.base_url == client.base_url
    assert (await client.credits()).balance == 1
    assert (await other.credits()).balance == 2
    first, second = server.requests
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert second.headers["authorization"] == f"Bearer {JWT}"
    assert not client.with_key(None).has_key


async def test_client_can_be_reused_after_aclose(server, client):
    server.reply(200, {"balance": 1}).reply(200, {"balance": 2})
    await client.credits()
    await client.aclose()
    assert (await client.credits()).balance == 2


# ---------------------------------------------------------------- retries


async def test_get_retried_after_a_dropped_connection(server, client):
    server.add(drop(), Reply(200, {"balance": 7}))
    assert (await client.credits()).balance == 7
    assert len(server.requests) == 2


async def test_get_gives_up_after_max_retries(server):
    server.add(drop(), drop(), drop(), Reply(200, {"balance": 7}))
    async with OpenRushClient(server.url, KEY, max_retries=1) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.credits()
    assert caught.value.may_have_succeeded is False
    assert len(server.requests) == 2


async def test_get_retried_on_503_and_429(server, client):
    server.add(
        Reply(503, {"detail": "provider unavailable"}, headers={"Retry-After": "0"}),
        Reply(429, {"detail": "slow down"}, headers={"Retry-After": "0.1"}),
        Reply(200, {"balance": 9}),
    )
    started = time.monotonic()
    assert (await client.credits()).balance == 9
    assert time.monotonic() - started >= 0.1
    assert len(server.requests) == 3


async def test_503_without_retry_after_uses_short_backoff(server, client):
    server.add(Reply(503), Reply(200, {"balance": 3}))
    started = time.monotonic()
    assert (await client.credits()).balance == 3
    assert 0.15 <= time.monotonic() - started < 1.0


async def test_429_retries_exhausted(server):
    server.add(*[Reply(429, headers={"Retry-After": "0"}) for _ in range(3)])
    async with OpenRushClient(server.url, KEY, max_retries=2) as client:
        with pytest.raises(RateLimited) as caught:
            await client.credits()
    assert caught.value.retry_after == 0
    assert len(server.requests) == 3


async def test_no_retry_when_retry_after_exceeds_cap(server):
    server.add(Reply(429, headers={"Retry-After": "30"}), Reply(200, {"balance": 1}))
    async with OpenRushClient(server.url, KEY, retry_wait_cap=1.0) as client:
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught:
            await client.credits()
    assert caught.value.retry_after == 30
    assert time.monotonic() - started < 0.5
    assert len(server.requests) == 1


async def test_503_with_long_retry_after_not_retried(server):
    server.add(Reply(503, headers={"Retry-After": "60"}), Reply(200, {"balance": 1}))
    async with OpenRushClient(server.url, KEY, retry_wait_cap=2.0) as client:
        with pytest.raises(ServerError):
            await client.credits()
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "call"),
    [
        (drop(), lambda c: c.create_key("agent")),
        (Reply(503, headers={"Retry-After": "0"}), lambda c: c.revoke_key("cred_1")),
        (Reply(429, headers={"Retry-After": "0"}), lambda c: c.call_tool("inspect_serp")),
    ],
)
async def test_post_never_retried(server, client, reply, call):
    server.add(reply, Reply(200, ITEM), Reply(200, ITEM))
    with pytest.raises((ConnectionFailed, ServerError, RateLimited)) as caught:
        await call(client)
    assert len(server.requests) == 1
    if isinstance(caught.value, ConnectionFailed):
        assert caught.value.may_have_succeeded is True


async def test_read_timeout_not_retried(server):
    server.add(Reply(200, {"balance": 1}, delay=1.5), Reply(200, {"balance": 2}))
    async with OpenRushClient(server.url, KEY, read_timeout=0.3) as client:
        with pytest.raises(ApiTimeout):
            await client.credits()
    assert len(server.requests) == 1


# ---------------------------------------------------------------- rate limits


async def test_rate_limit_headers_are_recorded(server, client):
    assert client.rate_limit is None
    server.reply(
        200,
        {"balance": 1},
        headers={
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "59",
            "X-RateLimit-Reset": "1782475260",
        },
    )
    server.reply(200, {"balance": 1})  # no headers: the last seen value stays
    await client.credits()
    await client.credits()
    assert client.rate_limit == RateLimitInfo(
        limit=60, remaining=59, reset=datetime(2026, 6, 26, 12, 1, tzinfo=UTC)
    )


async def test_rate_limit_recorded_from_error_responses(server, client):
    server.reply(
        402,
        {"detail": "Insufficient credits"},
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "3"},
    )
    with pytest.raises(Exception):  # noqa: B017
        await client.call_tool("audit_site")
    assert client.rate_limit is not None
    assert (client.rate_limit.remaining, client.rate_limit.reset) == (3, None)


# ---------------------------------------------------------------- URL policy


@pytest.mark.parametrize(
    "url",
    [
        "http://api.openrush.io",
        "http://10.0.0.5:8000",
        "http://0.0.0.0:8000",
        "http://localhost.evil.com",
        "http://[::2]:80",
        # Resolved through DNS by glibc: a DNS answer can send them anywhere.
        "http://evil.localhost:8787",
        "http://a.b.localhost",
        "http://localhost.:8787",
    ],
)
def test_http_refused_for_non_loopback(url):
    with pytest.raises(InsecureURLError) as caught:
        OpenRushClient(url, KEY)
    assert "unencrypted" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000/",
        "http://127.1.2.3",
        "http://[::1]:9",
        "HTTP://LOCALHOST",
        "https://api.openrush.io",
        "https://10.0.0.5/api/",
    ],
)
def test_allowed_urls(url):
    assert OpenRushClient(url).base_url == url.rstrip("/")
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "api.openrush.io",
        "ftp://api.openrush.io",
        "https://",
        "https://exa mple.com",
        "https://host:notaport",
        "https://user:pw@api.openrush.io",
        "https://h/?q=1",
    ],
)
def test_malformed_urls(url):
    with pytest.raises(InsecureURLError) as caught:
        OpenRushClient(url)
    assert "pw" not in str(caught.value)


async def test_base_url_with_path_prefix(server):
    server.reply(200, {"balance": 1})
    async with OpenRushClient(server.url + "/api/", KEY) as client:
        await client.credits()
    assert server.requests[0].path == "/api/v1/me/credits"


# ---------------------------------------------------------------- tolerant parsing: keys


@pytest.mark.parametrize("body", [{"api_credentials": [ITEM]}, [ITEM]])
async def test_list_keys_wrapped_or_bare(server, client, body):
    server.reply(200, body)
    keys = await client.list_keys()
    assert [k.id for k in keys] == ["cred_1"]
    assert keys[0].created_at == NOW
    assert keys[0].display_prefix == "or_abc123…"


async def test_list_keys_not_a_list(server, client):
    server.reply(200, {"api_credentials": "nope"})
    with pytest.raises(BadResponse):
        await client.list_keys()


async def test_missing_optional_fields_and_unknown_fields(server, client):
    server.reply(
        200,
        [
            {
                "id": "cred_2",
                "name": "n",
                "prefix": "or_xyz789...",
                "created_at": "2026-06-26T12:00:00",
                "fingerprint": "ignored",
            }
        ],
    )
    (key,) = await client.list_keys()
    assert key.account_id is None and key.last_used_at is None and key.expires_at is None
    assert key.is_active is True
    assert key.created_at.tzinfo is not None
    assert key.display_prefix == "or_xyz789…"


async def test_create_key_sends_body_and_accepts_any_2xx(server, client):
    server.reply(200, {"key": KEY, "api_credential": ITEM})
    created = await client.create_key(
        "production agent", expires_at=datetime(2026, 12, 31, tzinfo=UTC)
    )
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/me/api-credentials")
    assert seen.json() == {"name": "production agent", "expires_at": "2026-12-31T00:00:00Z"}
    assert created.key.get_secret_value() == KEY
    assert created.api_credential.id == "cred_1"
    assert KEY not in repr(created) and KEY not in str(created)


async def test_create_key_without_expiry(server, client):
    server.reply(201, {"key": KEY, "api_credential": ITEM})
    await client.create_key("x")
    assert server.requests[0].json() == {"name": "x"}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {**ITEM, "is_active": False}),
        (200, {"api_credential": {**ITEM, "is_active": False}}),
        (204, None),
        (200, b""),
    ],
)
async def test_revoke_item_wrapped_or_empty(server, client, status, body):
    server.reply(status, body)
    revoked = await client.revoke_key("cred_1")
    seen = server.requests[0]
    assert (seen.method, seen.path, seen.body) == (
        "POST",
        "/v1/me/api-credentials/cred_1/revoke",
        b"",
    )
    if body:
        assert revoked is not None and revoked.status() == "revoked"
    else:
        assert revoked is None


async def test_revoke_quotes_the_id(server, client):
    server.reply(200, b"")
    await client.revoke_key("../credits")
    assert server.requests[0].path == "/v1/me/api-credentials/..%2Fcredits/revoke"


def test_credential_status():
    active = ApiCredential.model_validate(ITEM)
    assert active.status(NOW) == "active"
    assert active.model_copy(update={"is_active": False}).status(NOW) == "revoked"
    expiring = ApiCredential.model_validate({**ITEM, "expires_at": "2026-06-26T12:00:01Z"})
    assert expiring.status(NOW) == "active"
    assert expiring.status(NOW + timedelta(seconds=1)) == "expired"
    assert expiring.status(datetime(2026, 6, 27)) == "expired"  # naive now taken as UTC
    revoked_and_expired = ApiCredential.model_validate(
        {**ITEM, "is_active": False, "expires_at": "2020-01-01T00:00:00Z"}
    )
    assert revoked_and_expired.status(NOW) == "revoked"


# ---------------------------------------------------------------- capabilities and tools


async def test_capabilities_from_data_envelope(server, client):
    server.reply(
        200,
        {
            "schema_version": "ofe/1.0",
            "domain": "core",
            "data": {
                "tools": [
                    {
                        "name": "inspect_serp",
                        "domain": "serp",
                        "credits": 2,
                        "enabled": True,
                        "description": "Live search results page",
                    },
                    {"name": "audit_site", "credit_cost": 10},
                    {"name": "inspect_domain", "cost": 3, "enabled": False},
                    {"name": "describe_capabilities", "credits": None},
                ],
                "sources": [{"source_class": "live_serp"}, "junk"],
            },
        },
    )
    caps = await client.capabilities()
    assert caps.schema_version == "ofe/1.0"
    assert [(t.name, t.credits, t.enabled) for t in caps.tools] == [
        ("inspect_serp", 2, True),
        ("audit_site", 10, True),
        ("inspect_domain", 3, False),
        ("describe_capabilities", 0, True),
    ]
    assert caps.tools[0].description == "Live search results page"
    assert caps.tools[1].domain is None
    assert caps.sources == [{"source_class": "live_serp"}]
    assert caps.tool("audit_site") is caps.tools[1]


async def test_capabilities_top_level_tools(server, client):
    server.reply(200, {"tools": [{"name": "inspect_page", "cost": 2}]})
    caps = await client.capabilities()
    assert caps.tools == [Tool(name="inspect_page", credits=2)]
    assert caps.schema_version is None and caps.sources == []


async def test_capabilities_without_tools_is_bad_response(server, client):
    server.reply(200, {"data": {"nothing": []}})
    with pytest.raises(BadResponse):
        await client.capabilities()


async def test_call_tool(server, client):
    server.reply(
        200,
        {
            "schema_version": "ofe/1.0",
            "domain": "serp",
            "data": {"results": [1, 2]},
            "facts": None,
            "coverage": {"returned": 2, "truncated": False},
        },
    )
    result = await client.call_tool("inspect_serp", {"query": "shoes"})
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/tools/inspect_serp")
    assert seen.json() == {"query": "shoes"}
    assert result.data == {"results": [1, 2]}
    assert result.facts == [] and result.next_actions == []
    assert result.coverage == {"returned": 2, "truncated": False}


async def test_call_tool_bare_payload_becomes_data(server, client):
    server.reply(200, [{"url": "https://example.com"}])
    result = await client.call_tool("inspect_page")
    assert server.requests[0].json() == {}
    assert result.data == [{"url": "https://example.com"}]
    assert result.schema_version is None


# ---------------------------------------------------------------- usage


EVENT = {
    "id": "use_1",
    "created_at": "2026-06-26T12:00:00Z",
    "source": "mcp",
    "tool": "inspect_serp",
    "endpoint": "/v1/tools/inspect_serp",
    "status_code": 200,
    "status": "success",
    "credits": 2,
    "credential_id": None,
    "credential_prefix": None,
    "client": "Claude Code",
    "duration_ms": 1840,
}


async def test_usage_query_parameters(server, client):
    server.reply(200, {"items": [EVENT], "next_cursor": "c2"})
    page = await client.usage(
        limit=20,
        cursor="c1",
        source="api",
        status="error",
        credential_id="cred_1",
        tool="inspect_serp",
        since=datetime(2026, 6, 25, 16, 0, tzinfo=timezone(timedelta(hours=2))),
    )
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("GET", "/v1/me/usage")
    assert seen.query == {
        "limit": "20",
        "cursor": "c1",
        "source": "api",
        "status": "error",
        "credential_id": "cred_1",
        "tool": "inspect_serp",
        "since": "2026-06-25T14:00:00Z",
    }
    assert page.next_cursor == "c2"
    assert page.items[0].client == "Claude Code"


async def test_usage_defaults_send_only_limit(server, client):
    server.reply(200, {"items": []})
    page = await client.usage()
    assert server.requests[0].query == {"limit": "50"}
    assert page.items == [] and page.next_cursor is None


async def test_usage_bare_list_and_missing_fields(server, client):
    server.reply(
        200,
        [
            {
                "id": "use_2",
                "created_at": "2026-06-26T12:00:00Z",
                "source": "api",
                "status_code": 429,
                "credit_cost": 0,
            },
            {
                "id": "use_3",
                "created_at": "2026-06-26T12:00:00Z",
                "source": "api",
                "status_code": 500,
                "cost": 3,
            },
            {
                "id": "use_4",
                "created_at": "2026-06-26T12:00:00Z",
                "source": "api",
                "status_code": 201,
            },
            {
                "id": "use_5",
                "created_at": "2026-06-26T12:00:00Z",
                "source": "mcp",
                "status": "ERROR",
            },
        ],
    )
    page = await client.usage()
    assert page.next_cursor is None
    assert [(e.status, e.credits) for e in page.items] == [
        ("rate_limited", 0),
        ("error", 3),
        ("success", 0),
        ("error", 0),
    ]
    assert page.items[0].tool is None and page.items[0].duration_ms is None


def test_usage_event_model_directly():
    event = UsageEvent.model_validate(EVENT)
    assert event.created_at == NOW
    assert event.status == "success" and event.credits == 2


# ---------------------------------------------------------------- proxies

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                   "all_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A 'proxy' that records what reaches it, named in every proxy variable."""
    with ScriptedServer() as recorder:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, recorder.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        yield recorder


async def test_a_loopback_url_never_goes_through_a_proxy(proxy: ScriptedServer) -> None:
    with ScriptedServer() as server:
        server.reply(200, {"balance": 7})
        async with OpenRushClient(server.url, KEY) as client:
            assert (await client.credits()).balance == 7
    assert proxy.requests == []  # the key in clear text never reached the proxy
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_a_remote_url_still_uses_the_proxy_it_is_given(proxy: ScriptedServer) -> None:
    # Behind a corporate proxy, https goes through it (as a CONNECT tunnel the proxy cannot
    # read); this recorder refuses the tunnel, so the call fails after reaching it.
    async with OpenRushClient("https://api.openrush.io", KEY, max_retries=0) as client:
        with pytest.raises(ConnectionFailed):
            await client.credits()
    assert [request.method for request in proxy.requests] == ["CONNECT"]
    assert KEY not in repr(proxy.requests)
