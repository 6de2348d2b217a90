"""Activity says which call an event was and what the server said when it failed (issue 20).

The usage events carry two OURS fields: `method` (the HTTP method) and `error` (the message
the server answered a failed call with). The sandbox records them from the very answers it
gives (tested here over HTTP through its ASGI app, in-process); the client reads them
tolerantly (absent or odd: not shown); the table, the event's dialog and the CLI show them.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.activity.events import call_label
from openrush_tui.activity.export import CsvWriter
from openrush_tui.api.models import UsageEvent, parse_usage
from openrush_tui.commands.activity import event_json, format_table
from openrush_tui.commands.table import cell_width
from openrush_tui.sandbox import Sandbox
from openrush_tui.sandbox.store import UsageFilter
from tests.support.lifecycle import fixed_sandbox

REVOKE = "/v1/me/api-credentials/cred_0123456789abcdef01234567/revoke"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def http_of(sandbox: Sandbox, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                             base_url="http://127.0.0.1", headers=bearer(key))


def newest(sandbox: Sandbox, count: int) -> list[dict[str, Any]]:
    """The account's newest events as the usage endpoint serves them (its store query)."""
    items, _ = sandbox.store.usage_page(sandbox.demo_account_id, UsageFilter(), count)
    return items


# -- the sandbox records them ------------------------------------------------------------------


async def test_the_sandbox_records_each_call_s_method_and_the_error_it_answered(
        tmp_path: Path) -> None:
    sandbox = fixed_sandbox(tmp_path / "sandbox.sqlite3")
    try:
        key = sandbox.mint_bootstrap_key()
        async with http_of(sandbox, key) as http:
            created = (await http.post("/v1/me/api-credentials", json={"name": "gone"})).json()
            cred, doomed = created["api_credential"]["id"], created["key"]
            assert (await http.post(f"/v1/me/api-credentials/{cred}/revoke")).status_code == 200
            assert (await http.post(REVOKE)).status_code == 404
            assert (await http.post("/v1/me/api-credentials", json={"name": " "})).status_code \
                == 422
            assert (await http.post("/v1/tools/inspect_backlinks")).status_code == 402
            assert (await http.get("/v1/me/api-credentials")).status_code == 200
            assert (await http.get("/v1/me/credits", headers=bearer(doomed))).status_code == 401
            served = (await http.get("/v1/me/usage", params={"limit": 7})).json()["items"]
    finally:
        sandbox.close()
    assert [(i["method"], i["endpoint"], i["status_code"], i["error"]) for i in served] == [
        ("GET", "/v1/me/credits", 401, "API key has been revoked."),
        ("GET", "/v1/me/api-credentials", 200, None),
        ("POST", "/v1/tools/inspect_backlinks", 402,
         "inspect_backlinks is not enabled for this account."),
        ("POST", "/v1/me/api-credentials", 422,
         "name: String should have at least 1 character"),
        ("POST", REVOKE, 404, "API credential not found."),
        ("POST", f"/v1/me/api-credentials/{cred}/revoke", 200, None),
        ("POST", "/v1/me/api-credentials", 201, None),
    ]


async def test_a_rate_limited_call_keeps_the_limit_s_message(tmp_path: Path) -> None:
    sandbox = fixed_sandbox(tmp_path / "sandbox.sqlite3", per_minute=1)
    try:
        key = sandbox.mint_bootstrap_key()
        async with http_of(sandbox, key) as http:
            assert (await http.get("/v1/me/credits")).status_code == 200
            limited = await http.delete("/v1/me/credits")
        [event, _] = newest(sandbox, 2)
    finally:
        sandbox.close()
    assert limited.status_code == 429
    assert (event["method"], event["status"]) == ("DELETE", "rate_limited")
    assert event["error"] == limited.json()["detail"]
    assert event["error"].startswith("Rate limit exceeded: 1 requests per minute.")


def test_seeded_demo_events_say_their_method_and_why_they_failed(tmp_path: Path) -> None:
    sandbox = fixed_sandbox(tmp_path / "sandbox.sqlite3")
    try:
        events = newest(sandbox, 400)
    finally:
        sandbox.close()
    assert {e["method"] for e in events if e["tool"]} == {"POST"}
    assert {e["method"] for e in events if not e["tool"]} == {"GET"}
    failed = [e for e in events if e["status"] != "success"]
    assert failed and all(e["error"] for e in failed)
    assert all(e["error"] is None for e in events if e["status"] == "success")
    assert "API key has been revoked." in {e["error"] for e in failed if e["status_code"] == 401}


# -- the client reads them tolerantly ----------------------------------------------------------

BASE = {"id": "use_1", "created_at": "2026-06-26T12:00:00Z", "source": "api",
        "endpoint": "/v1/me/api-credentials", "status_code": 422}


def event_with(**fields: Any) -> UsageEvent:
    return parse_usage({"items": [{**BASE, **fields}]}).items[0]


def test_an_older_server_s_events_have_no_method_or_error() -> None:
    event = event_with()
    assert (event.method, event.error) == (None, None)
    assert call_label(event) == "/v1/me/api-credentials"


@pytest.mark.parametrize(("sent", "read"), [
    ("POST", "POST"), ("post", "POST"), (" Delete ", "DELETE"), ("", None), ("GE T", None),
    ("G\x1bT", None), ("X" * 17, None), (3, None), (None, None), (["GET"], None)])
def test_a_method_is_a_short_word_or_nothing(sent: Any, read: str | None) -> None:
    assert event_with(method=sent).method == read


@pytest.mark.parametrize(("sent", "read"), [
    ("Name taken.", "Name taken."), ({"message": "Nope."}, "Nope."),
    ({"detail": "Gone."}, "Gone."),
    ([{"loc": ["body", "name"], "msg": "Field required"}], "name: Field required"),
    (7, None), ({"code": 3}, None), ("", None)])
def test_an_error_is_text_from_any_usual_shape(sent: Any, read: str | None) -> None:
    assert event_with(error=sent).error == read


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@given(method=JSON, error=JSON)
def test_any_json_for_method_or_error_decodes(method: Any, error: Any) -> None:
    event = event_with(method=method, error=error)
    assert event.method is None or re.fullmatch(r"[A-Z]{1,16}", event.method)
    assert event.error is None or (isinstance(event.error, str) and event.error)


# -- the one label of a call -------------------------------------------------------------------


def test_a_call_is_named_by_its_tool_else_its_method_and_endpoint() -> None:
    assert call_label(event_with(tool="inspect_serp", method="POST")) == "inspect_serp"
    assert call_label(event_with(method="POST")) == "POST /v1/me/api-credentials"
    assert call_label(event_with(method="GET")) == "GET /v1/me/api-credentials"


@pytest.mark.parametrize("room", [11, 12, 13, 15, 20, 34])
def test_a_call_cut_to_fit_keeps_its_method_and_what_tells_it_apart(room: int) -> None:
    calls = {"create": event_with(method="POST"), "list": event_with(method="GET"),
             "revoke": event_with(method="POST", endpoint=REVOKE)}
    shown = {name: call_label(event, room) for name, event in calls.items()}
    assert all(len(label) <= room for label in shown.values()), shown
    assert len(set(shown.values())) == 3, shown
    assert shown["list"].startswith("GET ") and shown["create"].startswith("POST ")
    assert shown["revoke"].startswith("POST ") and "…/rev" in shown["revoke"].replace(
        "…rev", "…/rev")
    if room >= 12:  # from 12 cells the last part is whole
        assert shown["revoke"].endswith(("…/revoke", "…revoke")), shown


# -- the command line --------------------------------------------------------------------------


def test_the_cli_says_the_method_where_it_shows_an_endpoint() -> None:
    events = [event_with(id=f"use_{n}", method=method, endpoint=endpoint, tool=tool)
              for n, (method, endpoint, tool) in enumerate([
                  ("POST", "/v1/me/api-credentials", None), ("GET", "/v1/me/api-credentials", None),
                  ("POST", REVOKE, None), ("POST", "/v1/tools/inspect_serp", "inspect_serp")])]
    whole = format_table(events, {}, None).splitlines()
    assert [line.split()[3:5] for line in whole[1:4]] == [
        ["POST", "/v1/me/api-credentials"], ["GET", "/v1/me/api-credentials"], ["POST", REVOKE]]
    assert whole[4].split()[3] == "inspect_serp"
    for width in (80, 60):
        lines = format_table(events, {}, width).splitlines()
        assert all(cell_width(line) <= width for line in lines), lines
        tools = [re.search(r"\b(GET|POST) \S+", line) for line in lines[1:4]]
        assert all(tools) and len({m.group() for m in tools if m}) == 3, lines
    assert {"method": "POST", "error": None}.items() <= event_json(events[0]).items()


def test_a_csv_export_has_the_method_and_the_message() -> None:
    out = io.StringIO()
    CsvWriter(out, {}).write([event_with(method="POST", error="=cmd|' /C calc'!A0")])
    header, row = csv.reader(io.StringIO(out.getvalue()))
    record = dict(zip(header, row, strict=True))
    assert record["method"] == "POST"
    assert record["error"] == "'=cmd|' /C calc'!A0"  # never read as a formula
