"""Typed errors from real HTTP answers of a scripted server (no mocks of httpx or the client)."""

from __future__ import annotations

import time

import pytest

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.errors import (
    ApiError,
    ApiTimeout,
    BadRequest,
    BadResponse,
    ConnectionFailed,
    FieldError,
    InsecureURLError,
    NotFound,
    PaymentRequired,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from openrush_tui.errors import OpenRushError
from tests.support.scripted_server import Reply, ScriptedServer, drop, unused_port

KEY = "or_SuperSecretKeyValue0123456789abcdefghijkl"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlc2lnbmF0dXJl"


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
def client(server):
    return OpenRushClient(server.url, KEY, max_retries=0, connect_timeout=1, read_timeout=2)


async def _error_of(client: OpenRushClient, call=None) -> OpenRushError:
    with pytest.raises(OpenRushError) as caught:
        await (call or client.credits)()
    await client.aclose()
    return caught.value


def _no_secret(error: BaseException) -> None:
    for text in (str(error), repr(error), *(str(a) for a in error.args)):
        assert KEY not in text
        assert "SuperSecret" not in text
        assert "Authorization" not in text


# ---------------------------------------------------------------- each status


async def test_400_bad_request(server, client):
    server.reply(400, {"detail": "Cursor is malformed"})
    error = await _error_of(client)
    assert type(error) is BadRequest
    assert error.status_code == 400
    assert error.detail == "Cursor is malformed"
    assert "Cursor is malformed" in error.message


async def test_401_unauthorized_hint_says_sign_in_again(server, client):
    server.reply(401, {"detail": "Invalid API key"})
    error = await _error_of(client)
    assert type(error) is Unauthorized
    assert error.status_code == 401
    assert "it is invalid" in error.message  # the server's own word (issue 20)
    assert "sign in again" in error.hint.lower()
    assert str(error) == f"{error.message} {error.hint}"


async def test_402_points_at_billing(server, client):
    server.reply(
        402,
        {"detail": "Insufficient credits. Refill at https://www.openrush.com/dashboard/billing"},
    )
    error = await _error_of(client, lambda: client.call_tool("audit_site", {"url": "x"}))
    assert type(error) is PaymentRequired
    assert "credits" in error.message.lower()
    assert "https://www.openrush.com/dashboard/billing" in error.hint


async def test_402_gated_feature(server, client):
    server.reply(402, {"detail": "Backlink tools require a paid plan"})
    error = await _error_of(client, lambda: client.call_tool("inspect_backlinks"))
    assert isinstance(error, PaymentRequired)
    assert "plan" in error.message


async def test_404_not_found(server, client):
    server.reply(404, {"detail": "Credential not found"})
    error = await _error_of(client, lambda: client.revoke_key("cred_missing"))
    assert type(error) is NotFound
    assert error.message == "Credential not found."
    assert server.requests[0].path == "/v1/me/api-credentials/cred_missing/revoke"


async def test_422_fastapi_detail_list_becomes_field_errors(server, client):
    server.reply(
        422,
        {
            "detail": [
                {
                    "type": "string_too_short",
                    "loc": ["body", "name"],
                    "msg": "String should have at least 1 character",
                    "input": KEY,
                },
                {
                    "type": "value_error",
                    "loc": ["body", "expires_at"],
                    "msg": "Value error, expires_at must be in the future",
                    "input": "2000-01-01",
                },
            ]
        },
    )
    error = await _error_of(client, lambda: client.create_key(""))
    assert type(error) is ValidationFailed
    assert error.field_errors == [
        FieldError("name", "String should have at least 1 character"),
        FieldError("expires_at", "expires_at must be in the future"),
    ]
    assert error.for_field("name") == "String should have at least 1 character"
    assert error.for_field("expires_at") == "expires_at must be in the future"
    assert error.for_field("nope") is None
    assert "name: String should have at least 1 character" in error.message
    _no_secret(error)  # the echoed `input` is never read


async def test_429_with_retry_after(server, client):
    server.reply(429, {"detail": "Rate limit exceeded"}, headers={"Retry-After": "42"})
    error = await _error_of(client)
    assert type(error) is RateLimited
    assert error.retry_after == 42
    assert "42 seconds" in error.hint


async def test_429_with_http_date_retry_after(server, client):
    server.reply(429, None, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    error = await _error_of(client)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 0  # a date in the past


async def test_500_server_error(server, client):
    server.reply(500, b"Internal Server Error", headers={"Content-Type": "text/plain"})
    error = await _error_of(client)
    assert type(error) is ServerError
    assert error.status_code == 500
    assert error.detail == "500 Internal Server Error"


async def test_503_service_unavailable(server, client):
    server.reply(503, {"detail": "provider unavailable"})
    error = await _error_of(client)
    assert type(error) is ServerError
    assert "unavailable" in error.message
    assert "try again shortly" in error.hint.lower()


async def test_unknown_4xx_is_plain_api_error(server, client):
    server.reply(418, {"detail": "short and stout"})
    error = await _error_of(client)
    assert type(error) is ApiError
    assert error.status_code == 418
    assert "short and stout" in error.message


# ---------------------------------------------------------------- where the detail comes from


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"detail": "plain string"}, "plain string"),
        ({"detail": [{"loc": ["query", "limit"], "msg": "too big"}]}, "limit: too big"),
        ({"error": "from error"}, "from error"),
        ({"error": {"message": "nested error"}}, "nested error"),
        ({"message": "from message"}, "from message"),
        ({"detail": "", "error": "", "message": "last resort"}, "last resort"),
        (None, "400 Bad Request"),
        (b"<html>proxy says no</html>", "400 Bad Request"),
        ({"something": "else"}, "400 Bad Request"),
    ],
)
async def test_detail_sources(server, client, body, detail):
    server.reply(400, body)
    error = await _error_of(client)
    assert isinstance(error, BadRequest)
    assert error.detail == detail


async def test_detail_is_sanitized(server, client):
    server.reply(400, {"detail": f"bad key {KEY}\x1b[31m\nAuthorization: Bearer {JWT}"})
    error = await _error_of(client)
    assert "\x1b" not in error.detail and "\n" not in error.detail
    assert JWT not in str(error)
    _no_secret(error)


# ---------------------------------------------------------------- bodies on success


async def test_malformed_json_on_2xx_is_bad_response(server, client):
    server.reply(200, b'{"balance": 5', headers={"Content-Type": "application/json"})
    error = await _error_of(client)
    assert type(error) is BadResponse
    assert error.status_code == 200


async def test_wrong_shape_on_2xx_is_bad_response(server, client):
    server.reply(200, {"balance": "lots"})
    error = await _error_of(client)
    assert type(error) is BadResponse
    assert "balance" in error.message


async def test_created_key_bad_shape_never_echoes_the_key(server, client):
    server.reply(201, {"key": KEY, "api_credential": {"id": "cred_1"}})
    error = await _error_of(client, lambda: client.create_key("x"))
    assert type(error) is BadResponse
    _no_secret(error)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


async def test_html_body_excerpt_is_short_and_clean(server, client):
    server.reply(
        200, b"<html>\x1b[2J" + b"x" * 5000 + b"</html>", headers={"Content-Type": "text/html"}
    )
    error = await _error_of(client)
    assert isinstance(error, BadResponse)
    assert "\x1b" not in str(error)
    assert len(str(error)) < 300


# ---------------------------------------------------------------- no answer at all


async def test_read_timeout(server):
    server.reply(200, {"balance": 1}, delay=2)
    client = OpenRushClient(server.url, KEY, read_timeout=0.3, max_retries=2)
    started = time.monotonic()
    error = await _error_of(client)
    assert type(error) is ApiTimeout
    assert error.may_have_succeeded is False
    assert time.monotonic() - started < 1.5
    assert len(server.requests) == 1  # read timeouts are not retried


async def test_read_timeout_on_post_may_have_succeeded(server):
    server.reply(201, {}, delay=2)
    client = OpenRushClient(server.url, KEY, read_timeout=0.3)
    error = await _error_of(client, lambda: client.create_key("slow"))
    assert type(error) is ApiTimeout
    assert error.may_have_succeeded is True
    assert "may still have gone through" in error.hint


async def test_connection_refused():
    client = OpenRushClient(f"http://127.0.0.1:{unused_port()}", KEY, max_retries=0)
    error = await _error_of(client)
    assert type(error) is ConnectionFailed
    assert error.may_have_succeeded is False
    assert error.status_code is None


async def test_connection_refused_on_post_did_not_succeed():
    client = OpenRushClient(f"http://127.0.0.1:{unused_port()}", KEY)
    error = await _error_of(client, lambda: client.create_key("x"))
    assert type(error) is ConnectionFailed
    assert error.may_have_succeeded is False


async def test_dropped_connection_on_post(server, client):
    server.add(drop(), Reply(201, {}))
    error = await _error_of(client, lambda: client.create_key("x"))
    assert type(error) is ConnectionFailed
    assert error.may_have_succeeded is True
    assert len(server.requests) == 1


async def test_not_signed_in_makes_no_request(server):
    client = OpenRushClient(server.url)
    error = await _error_of(client)
    assert type(error) is Unauthorized
    assert error.status_code is None
    assert "not signed in" in error.message
    assert server.requests == []


# ---------------------------------------------------------------- secrets


@pytest.mark.parametrize("status", [400, 401, 402, 404, 422, 429, 500, 503, 418])
async def test_key_never_in_error_text(server, status):
    server.reply(status, {"detail": f"echo {KEY}"})
    client = OpenRushClient(server.url, KEY, max_retries=0)
    error = await _error_of(client)
    _no_secret(error)


def test_key_never_in_client_repr():
    for key in (KEY, JWT):
        client = OpenRushClient("https://api.openrush.io", key)
        for text in (repr(client), str(client), repr(vars(client))):
            assert key not in text
        assert repr(client) == "OpenRushClient(base_url='https://api.openrush.io', has_key=True)"
    assert "has_key=False" in repr(OpenRushClient("https://api.openrush.io"))


def test_insecure_url_errors_are_openrush_errors():
    with pytest.raises(InsecureURLError) as caught:
        OpenRushClient("http://api.openrush.io", KEY)
    assert "unencrypted" in caught.value.message
    assert "https://" in caught.value.hint
    _no_secret(caught.value)
    with pytest.raises(InsecureURLError):
        OpenRushClient("not a url", KEY)
