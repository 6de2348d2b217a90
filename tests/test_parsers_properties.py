"""Property-based tests for every parser of server and file data: whatever comes in, the
answer is a value the views can show, or the app's own error — never another exception.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrush_tui.agents.merge import ConfigFileError, merge_json
from openrush_tui.api.decode import decode_json
from openrush_tui.api.errors import (
    LONGEST_WAIT,
    ApiError,
    BadResponse,
    error_for_response,
    parse_retry_after,
    wait_text,
)
from openrush_tui.api.models import (
    RateLimitInfo,
    parse_capabilities,
    parse_created_key,
    parse_credential,
    parse_credentials,
    parse_credits,
    parse_tool_result,
    parse_usage,
)
from openrush_tui.auth.status import balance_text
from openrush_tui.errors import OpenRushError
from openrush_tui.text.times import exact, relative, short

NOW = datetime(2026, 6, 26, 12, tzinfo=UTC)
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-1)), timezone(timedelta(hours=14)),
                         timezone(-timedelta(hours=23, minutes=59))])
TIMES = st.one_of(
    st.datetimes(timezones=ZONES).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # no zone: taken as UTC
    st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
                     "2026-06-26T12:00:00Z", "", "yesterday", "2026-02-30T00:00:00Z"]),
)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=-(10**40), max_value=10**40),
                    st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none())
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20), TIMES)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def field(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: usually of the expected kind, sometimes anything at all."""
    return st.one_of(strategy, JSON)


CREDENTIAL = st.fixed_dictionaries({
    "id": field(st.text(min_size=1, max_size=12)), "name": field(st.text(max_size=12)),
    "prefix": field(st.text(max_size=12)), "is_active": field(st.booleans()),
    "created_at": field(TIMES), "last_used_at": field(TIMES), "expires_at": field(TIMES),
})
EVENT = st.fixed_dictionaries({
    "id": field(st.text(min_size=1, max_size=8)), "created_at": field(TIMES),
    "source": field(st.sampled_from(["api", "mcp"])), "status_code": field(NUMBERS),
    "credits": field(NUMBERS), "duration_ms": field(NUMBERS), "status": field(st.text()),
})
TOOL = st.fixed_dictionaries({"name": field(st.text(max_size=8)), "credits": field(NUMBERS),
                              "enabled": field(st.booleans())})


def shown(instant: datetime | None) -> None:
    """Everything a view does with a time from the server."""
    exact(instant)
    relative(instant, NOW)
    if instant is not None:
        short(instant, NOW)


@SETTINGS
@given(st.one_of(JSON, st.lists(CREDENTIAL, max_size=3),
                 st.fixed_dictionaries({"api_credentials": st.lists(CREDENTIAL, max_size=3)})))
def test_key_lists_parse_or_say_so(payload: Any) -> None:
    try:
        keys = parse_credentials(payload)
    except BadResponse:
        return
    for key in keys:
        key.status(NOW)
        for instant in (key.created_at, key.last_used_at, key.expires_at):
            shown(instant)


@SETTINGS
@given(st.one_of(JSON, CREDENTIAL, st.fixed_dictionaries({"api_credential": CREDENTIAL}),
                 st.fixed_dictionaries({"key": field(st.text()), "api_credential": CREDENTIAL})))
def test_single_keys_parse_or_say_so(payload: Any) -> None:
    for parse in (parse_credential, parse_created_key):
        with contextlib.suppress(BadResponse):
            parse(payload)


@SETTINGS
@given(st.one_of(JSON, st.fixed_dictionaries({"items": st.lists(EVENT, max_size=3),
                                              "next_cursor": field(st.text())})))
def test_usage_pages_parse_or_say_so(payload: Any) -> None:
    try:
        page = parse_usage(payload)
    except BadResponse:
        return
    for event in page.items:
        shown(event.created_at)
        assert f"{event.credits:,}" and event.status


@SETTINGS
@given(st.one_of(JSON, st.fixed_dictionaries({"balance": field(NUMBERS)}),
                 st.fixed_dictionaries({"data": st.fixed_dictionaries(
                     {"tools": st.lists(TOOL, max_size=3)})})))
def test_balances_capabilities_and_tool_results_parse_or_say_so(payload: Any) -> None:
    try:
        credits = parse_credits(payload)
    except BadResponse:
        pass
    else:
        assert not isinstance(credits.balance, bool)
        balance_text(credits.balance)
        assert math.isfinite(credits.dollars)
    try:
        for tool in parse_capabilities(payload).tools:
            assert str(tool.credits)
    except BadResponse:
        pass
    with contextlib.suppress(BadResponse):
        parse_tool_result(payload)


@SETTINGS
@given(st.one_of(st.binary(max_size=64), JSON.map(lambda v: json.dumps(v).encode()),
                 st.sampled_from([b"[" * 100_000, b"1e400", b"-1e400", b"NaN", b"Infinity",
                                  b"1" * 5000, b'{"a": 1e999}', b"\xff\xfe"])))
def test_bodies_decode_or_say_so(content: bytes) -> None:
    try:
        value = decode_json(content, "a body")
    except BadResponse:
        return
    json.dumps(value, allow_nan=False)  # nothing infinite got through


@SETTINGS
@given(st.one_of(st.text(max_size=30), st.sampled_from(
    ["inf", "-inf", "1e400", "nan", "2300090217", "Fri, 31 Dec 9999 23:59:59 GMT",
     "Mon, 01 Jan 0001 00:00:00 GMT", "-5", "0.5"])))
def test_retry_after_is_a_sensible_wait_or_none(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    if wait is not None:
        assert 0 <= wait <= LONGEST_WAIT
        assert wait_text(wait)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["X-RateLimit-Limit", "X-RateLimit-Remaining",
                                        "X-RateLimit-Reset"]),
                       st.one_of(st.text(max_size=12), NUMBERS.map(str), TIMES)))
def test_rate_limit_headers_are_read_or_ignored(headers: dict[str, str]) -> None:
    info = RateLimitInfo.from_headers(headers, NOW)
    if info is not None and info.reset is not None:
        shown(info.reset)


@SETTINGS
@given(st.integers(min_value=300, max_value=599),
       st.one_of(st.binary(max_size=40), JSON.map(lambda v: json.dumps({"detail": v}).encode())),
       st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["inf", "1e400"])),
       st.booleans())
def test_error_answers_become_one_sentence(status: int, body: bytes, retry_after: str | None,
                                           write: bool) -> None:
    headers = {"Retry-After": retry_after} if retry_after and retry_after.isprintable() else {}
    try:
        answer = httpx.Response(status, content=body, headers=headers)
    except (ValueError, UnicodeEncodeError):
        return  # a header httpx itself refuses to carry
    error = error_for_response(answer, write=write)
    assert isinstance(error, ApiError) and str(error)
    assert error.may_have_succeeded == (write and not 400 <= status <= 499)


# ------------------------------------------------------------------ local files


@SETTINGS
@given(JSON)
def test_saved_files_are_read_or_refused_with_the_file_named(isolated_home: Path,
                                                              data: Any) -> None:
    from openrush_tui.auth.credentials import CredentialStoreError, credentials_path, read_file_key
    from openrush_tui.auth.profiles import profiles_path, remembered_api_url
    from openrush_tui.files.private import PrivateFileError, ensure_private_dir

    for path in (credentials_path(), profiles_path()):
        ensure_private_dir(path.parent)
        path.write_text(json.dumps(data))
        path.chmod(0o600)
    for shape in (data, {"profiles": data}, {"profiles": {"default": data}}):
        for path in (credentials_path(), profiles_path()):
            path.write_text(json.dumps(shape))
        try:
            read_file_key("default")
        except CredentialStoreError as exc:
            assert "credentials.json" in str(exc)
        try:
            remembered_api_url("default")
        except PrivateFileError as exc:
            assert "profiles.json" in str(exc)


@SETTINGS
@given(st.dictionaries(st.text(max_size=6), JSON, max_size=5), st.booleans(),
       st.sampled_from([0, 2, 4, "\t"]))
def test_agent_configs_keep_what_the_install_does_not_touch(doc: dict[str, Any], crlf: bool,
                                                            indent: int | str) -> None:
    text = json.dumps(doc, indent=indent or None)
    if crlf:
        text = text.replace("\n", "\r\n")
    entry = {"url": "https://api.openrush.com/mcp"}
    try:
        merged = merge_json(text, "mcpServers", entry, "mcp.json")
    except ConfigFileError:
        assert not isinstance(doc.get("mcpServers", {}), dict)
        return
    after = json.loads(merged)
    assert after["mcpServers"]["openrush"]["url"] == entry["url"]
    assert {k: v for k, v in after.items() if k != "mcpServers"} == \
        {k: v for k, v in doc.items() if k != "mcpServers"}
    if "\r\n" in text:
        assert "\n" not in merged.replace("\r\n", "")


@pytest.mark.parametrize("spelling", ["1e400", "1.0000000000000001", "-0.0", "1E+2"])
def test_number_spellings_and_duplicate_keys_survive_an_install(spelling: str) -> None:
    text = f'{{\r\n  "a": {spelling},\r\n  "a": 2,\r\n  "mcpServers": {{}}\r\n}}\r\n'
    merged = merge_json(text, "mcpServers", {"url": "https://x/mcp"}, "mcp.json")
    assert merged.startswith(f'{{\r\n  "a": {spelling},\r\n  "a": 2,\r\n')
    assert "\n" not in merged.replace("\r\n", "")


def test_out_of_range_values_are_bad_shapes_not_exceptions() -> None:
    with pytest.raises(BadResponse, match="shape this app does not understand"):
        parse_credits({"balance": True})
    with pytest.raises(BadResponse):
        parse_credentials([{"id": "c", "name": "n", "prefix": "or_abcdef",
                            "created_at": "9999-12-31T23:59:59-01:00"}])
    with pytest.raises(BadResponse, match="out of range"):
        decode_json(b'{"balance": 1e400}', "a credit balance")
    with pytest.raises(BadResponse, match="nested too deeply"):
        decode_json(b"[" * 200_000, "the list of keys")
    assert isinstance(BadResponse("x"), OpenRushError)
