"""The sandbox over real HTTP: `openrush-tui sandbox serve` in a subprocess, plain httpx.

Each server runs with a fixed clock, so rate-limit windows never roll over: the shared server
gets generous limits, and the tests that need low ones start their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from openrush_tui.clock import format_instant, parse_instant
from openrush_tui.sandbox import SandboxOptions, create_sandbox
from tests.support.sandbox_process import FIXED_NOW, KEY_SEED, RunningSandbox, SandboxFactory

NOW = parse_instant(FIXED_NOW)
DOCUMENTED_COSTS = {
    "inspect_domain": 3, "discover_competitors": 5, "research_keywords": 3,
    "compare_keyword_coverage": 5, "inspect_serp": 2, "inspect_search_visibility": 3,
    "audit_site": 10, "inspect_keyword": 2, "inspect_page": 2, "export_dataset": 0,
    "describe_capabilities": 0,
}  # fmt: skip
GATED = {"inspect_backlinks", "compare_backlink_gap", "inspect_ai_visibility",
         "discover_ai_citations"}  # fmt: skip
CREDENTIAL_FIELDS = {"id", "account_id", "name", "prefix", "is_active", "created_at",
                     "last_used_at", "expires_at"}  # fmt: skip
EVENT_FIELDS = {"id", "created_at", "source", "tool", "endpoint", "status_code", "status",
                "credits", "credential_id", "credential_prefix", "client",
                "duration_ms", "user_agent", "method", "error"}  # fmt: skip
INSUFFICIENT = "Insufficient credits. Refill at https://www.openrush.com/dashboard/billing"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared") / "sandbox.sqlite3"


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory, db_path: Path) -> RunningSandbox:
    return sandbox_server(db_path=db_path, rate_per_minute=10_000, rate_per_hour=100_000,
                          rate_per_day=1_000_000)  # fmt: skip


@pytest.fixture(scope="module")
def http(server: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(http: httpx.Client, admin_key: str, name: str, **extra: str) -> tuple[str, dict]:
    response = http.post("/v1/me/api-credentials", headers=bearer(admin_key),
                         json={"name": name, **extra})  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    return body["key"], body["api_credential"]


def test_create_with_bearer_then_read_credits_with_x_api_key(
    http: httpx.Client, server: RunningSandbox
) -> None:
    key, item = new_key(http, server.bootstrap_key, "  production agent  ")
    assert key.startswith("or_") and len(key) == 43 and key[3:].isalnum()
    assert set(item) == CREDENTIAL_FIELDS
    assert item["name"] == "production agent"  # trimmed
    assert item["prefix"] == key[:9] and item["id"].startswith("cred_")
    assert item["account_id"].startswith("acct_") and item["is_active"] is True
    assert item["created_at"] == FIXED_NOW and item["last_used_at"] is None
    credits = http.get("/v1/me/credits", headers={"X-API-Key": key})
    assert credits.status_code == 200 and credits.json() == {"balance": 1250}


def test_list_is_newest_first_and_never_contains_a_raw_key(
    http: httpx.Client, server: RunningSandbox
) -> None:
    key, item = new_key(http, server.bootstrap_key, "listed")
    response = http.get("/v1/me/api-credentials", headers=bearer(server.bootstrap_key))
    assert response.status_code == 200
    assert key not in response.text and server.bootstrap_key not in response.text
    assert key[9:] not in response.text  # not even the secret part
    items = response.json()["api_credentials"]
    assert all(set(i) == CREDENTIAL_FIELDS for i in items)
    assert items[0]["id"] == item["id"]
    assert [i["created_at"] for i in items] == sorted(
        (i["created_at"] for i in items), reverse=True
    )
    names = {i["name"] for i in items}
    assert {"Production server", "Old laptop", "CI pipeline", "sandbox bootstrap"} <= names
    assert any(not i["is_active"] for i in items)
    assert any(i["expires_at"] and i["expires_at"] < FIXED_NOW for i in items)
    assert any(i["expires_at"] and i["expires_at"] > FIXED_NOW for i in items)
    assert any(i["last_used_at"] is None for i in items)
    assert all(i["account_id"] == item["account_id"] for i in items)


def test_revoke_stops_the_key_at_once_and_is_idempotent(
    http: httpx.Client, server: RunningSandbox
) -> None:
    key, item = new_key(http, server.bootstrap_key, "to revoke")
    assert http.get("/v1/me/credits", headers=bearer(key)).status_code == 200
    url = f"/v1/me/api-credentials/{item['id']}/revoke"
    first = http.post(url, headers=bearer(server.bootstrap_key))
    assert first.status_code == 200
    assert first.json()["is_active"] is False and first.json()["id"] == item["id"]
    assert first.json()["last_used_at"] == FIXED_NOW  # the call above used it
    again = http.post(url, headers=bearer(server.bootstrap_key))
    assert again.status_code == 200 and again.json() == first.json()
    refused = http.get("/v1/me/credits", headers=bearer(key))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert "revoked" in refused.json()["detail"]
    listed = http.get("/v1/me/api-credentials", headers=bearer(server.bootstrap_key)).json()
    assert {"id": item["id"], "is_active": False}.items() <= next(
        i for i in listed["api_credentials"] if i["id"] == item["id"]
    ).items()


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("or_" + "x" * 40), {"X-API-Key": "nope"}, bearer("eyJhbGciOiJIUzI1NiJ9.e30.bad"),
     {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "unknown", "malformed", "bad-jwt", "basic"],
)  # fmt: skip
def test_bad_credentials_get_401(http: httpx.Client, headers: dict[str, str]) -> None:
    response = http.get("/v1/me/credits", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_capabilities_need_no_key(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/v1/capabilities")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["schema_version", "domain", "data", "facts", "entities", "deltas",
                          "coverage", "resources", "next_actions"]  # fmt: skip
    assert body["schema_version"] == "ofe/1.0" and body["domain"] == "core"
    tools = {t["name"]: t for t in body["data"]["tools"]}
    assert {name: tools[name]["credits"] for name in DOCUMENTED_COSTS} == DOCUMENTED_COSTS
    assert all(tools[name]["enabled"] for name in DOCUMENTED_COSTS)
    assert all(tools[name]["enabled"] is False for name in GATED)
    assert all(set(t) == {"name", "domain", "credits", "enabled", "description"}
               for t in tools.values())  # fmt: skip
    assert body["data"]["sources"] and all("source_class" in s for s in body["data"]["sources"])
    assert body["coverage"] == {"returned": len(tools), "total_available": len(tools),
                                "truncated": False, "as_of": None, "scope_note": None}  # fmt: skip
    assert "x-ratelimit-limit" not in response.headers


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 121}, "name"),
     ({"name": "bell\x07"}, "name"), ({}, "name"),
     ({"name": "ok", "expires_at": "2026-06-26T11:59:59Z"}, "expires_at"),
     ({"name": "ok", "expires_at": "next tuesday"}, "expires_at")],
    ids=["empty", "whitespace", "121-chars", "control-char", "missing", "past", "malformed"],
)  # fmt: skip
def test_bad_create_requests_get_fastapi_422(
    http: httpx.Client, server: RunningSandbox, body: dict, field: str
) -> None:
    response = http.post("/v1/me/api-credentials", headers=bearer(server.bootstrap_key), json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert {"type", "loc", "msg", "input"} <= set(error)
    assert error["loc"] == ["body", field]


def test_boundary_names_are_accepted(http: httpx.Client, server: RunningSandbox) -> None:
    _, item = new_key(http, server.bootstrap_key, "y" * 120,
                      expires_at=format_instant(NOW + timedelta(days=1)))  # fmt: skip
    assert item["name"] == "y" * 120 and item["expires_at"] == "2026-06-27T12:00:00Z"
    _, item = new_key(http, server.bootstrap_key, "[red]x — ünïcode ✓")
    assert item["name"] == "[red]x — ünïcode ✓"


def test_another_accounts_credential_is_404(
    http: httpx.Client, server: RunningSandbox, db_path: Path
) -> None:
    with sqlite3.connect(db_path) as db:
        [(other_id,)] = db.execute(
            "SELECT id FROM credentials WHERE account_id LIKE 'acct_other_%'"
        ).fetchall()
    for credential_id in (other_id, "cred_doesnotexist"):
        response = http.post(f"/v1/me/api-credentials/{credential_id}/revoke",
                             headers=bearer(server.bootstrap_key))  # fmt: skip
        assert response.status_code == 404
        assert isinstance(response.json()["detail"], str)
    with sqlite3.connect(db_path) as db:
        assert db.execute(
            "SELECT is_active FROM credentials WHERE id = ?", (other_id,)
        ).fetchone() == (1,)


def test_tool_calls_charge_and_refuse(http: httpx.Client, server: RunningSandbox) -> None:
    headers = bearer(server.bootstrap_key)
    before = http.get("/v1/me/credits", headers=headers).json()["balance"]
    result = http.post("/v1/tools/inspect_serp", headers=headers, json={"query": "coffee"})
    assert result.status_code == 200
    envelope = result.json()
    assert envelope["schema_version"] == "ofe/1.0" and envelope["domain"] == "serp"
    assert envelope["data"]["arguments"] == {"query": "coffee"}
    assert http.get("/v1/me/credits", headers=headers).json()["balance"] == before - 2
    assert http.post("/v1/tools/describe_capabilities", headers=headers).status_code == 200
    assert http.post("/v1/tools/no_such_tool", headers=headers).status_code == 404
    gated = http.post("/v1/tools/inspect_backlinks", headers=headers)
    assert gated.status_code == 402 and isinstance(gated.json()["detail"], str)
    assert http.get("/v1/me/credits", headers=headers).json()["balance"] == before - 2
    assert http.post("/v1/tools/inspect_serp").status_code == 401


def test_insufficient_credits_is_402(sandbox_server: SandboxFactory) -> None:
    url, key = sandbox_server(balance=3)
    with httpx.Client(base_url=url, headers=bearer(key)) as http:
        refused = http.post("/v1/tools/audit_site", json={"url": "https://example.com"})
        assert refused.status_code == 402
        assert refused.json() == {"detail": INSUFFICIENT}
        assert http.get("/v1/me/credits").json() == {"balance": 3}
        assert http.post("/v1/tools/inspect_serp").status_code == 200
        assert http.get("/v1/me/credits").json() == {"balance": 1}
        recent = http.get("/v1/me/usage", params={"limit": 5}).json()["items"]
        [latest, failed] = [i for i in recent if i["tool"]][:2]
        assert (latest["tool"], latest["status_code"], latest["credits"]) == (
            "inspect_serp",
            200,
            2,
        )
        assert (failed["tool"], failed["status_code"], failed["credits"]) == ("audit_site", 402, 0)


def test_rate_limit_headers_then_429_with_retry_after(sandbox_server: SandboxFactory) -> None:
    url, key = sandbox_server(rate_per_minute=3)
    reset = int(datetime(2026, 6, 26, 12, 1, tzinfo=UTC).timestamp())
    with httpx.Client(base_url=url, headers={"X-API-Key": key}) as http:
        for remaining in (2, 1, 0):
            ok = http.get("/v1/me/credits")
            assert ok.status_code == 200
            assert ok.headers["X-RateLimit-Limit"] == "3"
            assert ok.headers["X-RateLimit-Remaining"] == str(remaining)
            assert ok.headers["X-RateLimit-Reset"] == str(reset)
        limited = http.get("/v1/me/credits")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "60"  # the fixed clock sits on 12:00:00
        assert isinstance(limited.json()["detail"], str)
        assert http.get("/v1/capabilities").status_code == 200  # not rate-limited


def test_success_carries_rate_limit_headers(http: httpx.Client, server: RunningSandbox) -> None:
    response = http.get("/v1/me/credits", headers=bearer(server.bootstrap_key))
    assert response.headers["X-RateLimit-Limit"] == "10000"
    assert 0 <= int(response.headers["X-RateLimit-Remaining"]) < 10000
    assert int(response.headers["X-RateLimit-Reset"]) == int(NOW.timestamp()) + 60


def walk(http: httpx.Client, key: str, **params: object) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = http.get("/v1/me/usage", headers=bearer(key), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= int(params.get("limit", 50))  # type: ignore[call-overload]
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_usage_pages_with_a_cursor(http: httpx.Client, server: RunningSandbox) -> None:
    everything = walk(http, server.bootstrap_key, limit=200)
    assert len(everything) > 300  # ~30 days of seeded API and MCP usage
    assert all(set(item) == EVENT_FIELDS for item in everything)
    paged = walk(http, server.bootstrap_key, limit=37)
    # The first walk's own calls were recorded meanwhile: they lead the second walk.
    extra = paged[: len(paged) - len(everything)]
    assert [i["endpoint"] for i in extra] == ["/v1/me/usage"] * len(extra) and extra
    assert [i["id"] for i in paged[len(extra) :]] == [i["id"] for i in everything]
    assert len({i["id"] for i in paged}) == len(paged)
    stamps = [i["created_at"] for i in paged]
    assert stamps == sorted(stamps, reverse=True)
    assert {i["source"] for i in paged} == {"api", "mcp"}
    assert {"Claude Code", "Cursor", "Claude Desktop", "VS Code"} <= {i["client"] for i in paged}
    assert {401, 402, 422, 429, 500} <= {i["status_code"] for i in paged}
    first = http.get("/v1/me/usage", headers=bearer(server.bootstrap_key)).json()
    assert len(first["items"]) == 50 and first["next_cursor"]


@pytest.mark.parametrize(
    ("params", "check"),
    [({"source": "mcp"}, lambda i: i["source"] == "mcp" and i["credential_id"] is None),
     ({"source": "api"}, lambda i: i["source"] == "api"),
     ({"status": "error"}, lambda i: i["status"] == "error" and i["credits"] == 0),
     ({"status": "rate_limited"}, lambda i: i["status_code"] == 429),
     ({"status": "success"}, lambda i: 200 <= i["status_code"] < 300),
     ({"tool": "audit_site"}, lambda i: i["tool"] == "audit_site"
                                        and i["credits"] in (0, 10)),
     ({"since": "2026-06-20T00:00:00Z"}, lambda i: i["created_at"] >= "2026-06-20T00:00:00Z")],
    ids=["mcp", "api", "error", "rate_limited", "success", "tool", "since"],
)  # fmt: skip
def test_usage_filters(http: httpx.Client, server: RunningSandbox, params: dict, check) -> None:
    items = walk(http, server.bootstrap_key, limit=40, **params)
    assert items and all(check(i) for i in items)


def test_usage_filter_by_credential(http: httpx.Client, server: RunningSandbox) -> None:
    keys = http.get("/v1/me/api-credentials", headers=bearer(server.bootstrap_key)).json()
    production = next(k for k in keys["api_credentials"] if k["name"] == "Production server")
    items = walk(http, server.bootstrap_key, limit=15, credential_id=production["id"])
    assert len(items) > 15
    assert all(i["credential_id"] == production["id"] for i in items)
    assert all(i["credential_prefix"] == production["prefix"] for i in items)
    assert items[0]["created_at"] == production["last_used_at"]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}, {"status": "weird"},
     {"source": "web"}, {"since": "yesterday"}],
)  # fmt: skip
def test_usage_rejects_bad_queries(
    http: httpx.Client, server: RunningSandbox, params: dict
) -> None:
    response = http.get("/v1/me/usage", headers=bearer(server.bootstrap_key), params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(params))]


def test_calls_made_with_a_key_are_recorded(http: httpx.Client, server: RunningSandbox) -> None:
    key, item = new_key(http, server.bootstrap_key, "recorded")
    http.post("/v1/tools/inspect_keyword", headers={"X-API-Key": key}, json={"keyword": "tea"})
    http.get("/v1/me/credits", headers={**bearer(key), "User-Agent": "openrush-tui/9.9"})
    items = walk(http, server.bootstrap_key, limit=200, credential_id=item["id"])
    assert [(i["endpoint"], i["status_code"], i["credits"], i["tool"], i["user_agent"])
            for i in items] == [
        ("/v1/me/credits", 200, 0, None, "openrush-tui/9.9"),
        ("/v1/tools/inspect_keyword", 200, 2, "inspect_keyword", http.headers["user-agent"]),
    ]
    assert all(i["source"] == "api" and i["credential_prefix"] == key[:9] for i in items)
    assert all(i["created_at"] == FIXED_NOW and i["duration_ms"] == 0 for i in items)


def test_session_token_is_accepted_and_only_billed_calls_recorded(
    http: httpx.Client, server: RunningSandbox, db_path: Path
) -> None:
    beside = create_sandbox(SandboxOptions(db_path=db_path, now=NOW, key_seed=KEY_SEED))
    try:
        token = beside.session_token()
    finally:
        beside.close()
    assert token.startswith("eyJ")
    headers = bearer(token)
    before = walk(http, token, limit=200)
    assert http.get("/v1/me/credits", headers=headers).status_code == 200
    assert http.get("/v1/me/api-credentials", headers=headers).status_code == 200
    assert http.post("/v1/tools/inspect_page", headers=headers).status_code == 200
    after = walk(http, token, limit=200)
    [new] = after[: len(after) - len(before)]
    assert (new["tool"], new["credits"], new["credential_id"]) == ("inspect_page", 2, None)


def test_expired_key_gets_401(sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    db = tmp_path / "expiry.sqlite3"
    url, admin = sandbox_server(db_path=db)
    with httpx.Client(base_url=url) as http:
        key, _ = new_key(http, admin, "short-lived",
                         expires_at=format_instant(NOW + timedelta(hours=1)))  # fmt: skip
        assert http.get("/v1/me/credits", headers=bearer(key)).status_code == 200
    later_url, _ = sandbox_server(db_path=db, fixed_now=format_instant(NOW + timedelta(hours=2)))
    with httpx.Client(base_url=later_url) as http:
        response = http.get("/v1/me/credits", headers=bearer(key))
        assert response.status_code == 401 and "expired" in response.json()["detail"]
