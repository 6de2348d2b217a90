"""The sandbox's browser sign-in over real HTTP (docs/oauth.md): metadata, registration, the
device flow and its approval page, the code flow with PKCE, refresh with rotation, revocation.

One sandbox for the module, served from a thread on 127.0.0.1, with a sign-in clock the tests
move by hand (`clocks.skip`): nothing here sleeps, and every expiry is reached exactly.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from openrush_tui.sandbox.oauth import sign_in_seconds
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.ratelimit import FailureLimiter
from tests.support.budget_clocks import Clocks
from tests.support.threaded_sandbox import Served, module_sandbox

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT = "openrush-tui"  # the fixed public client
TOKEN_SECONDS = 60
USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
CSRF = re.compile(r"name='csrf' value='([^']+)'")
VERIFIER = "v" * 20 + "-._~" + "A1" * 12  # 48 characters of RFC 7636's alphabet


clock, served = module_sandbox("oauth", token_seconds=TOKEN_SECONDS, key_seed=3)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        yield client


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


def start_device(http: httpx.Client, client_id: str = CLIENT) -> dict[str, Any]:
    answer = http.post("/oauth/device_authorization", data={"client_id": client_id})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def poll(http: httpx.Client, device_code: str, client_id: str = CLIENT) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": DEVICE, "device_code": device_code,
                                           "client_id": client_id})


def form_token(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def decide(http: httpx.Client, user_code: str, decision: str = "approve") -> httpx.Response:
    """What a person does in the browser: open the link, press a button."""
    page = http.get("/device", params={"user_code": user_code})
    assert page.status_code == 200, page.text
    return http.post("/device", data={"user_code": user_code, "csrf": form_token(page),
                                      "decision": decision})


def signed_in(http: httpx.Client, clock: Clocks) -> dict[str, Any]:
    grant = start_device(http)
    decide(http, grant["user_code"])
    clock.skip(grant["interval"])
    answer = poll(http, grant["device_code"])
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def credits_with(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get("/v1/me/credits", headers={"Authorization": f"Bearer {access_token}"})


def refresh(http: httpx.Client, refresh_token: str, client_id: str = CLIENT) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "refresh_token",
                                           "refresh_token": refresh_token,
                                           "client_id": client_id})


# ---------------------------------------------------------------- discovery and registration


def test_both_metadata_documents_name_this_server(http: httpx.Client, served: Served) -> None:
    resource = http.get("/.well-known/oauth-protected-resource").json()
    assert resource["resource"] == served.base_url
    assert resource["authorization_servers"] == [served.base_url]
    server = http.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == served.base_url
    for name in ("authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
                 "registration_endpoint", "revocation_endpoint"):
        assert server[name].startswith(served.base_url + "/"), name
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert DEVICE in server["grant_types_supported"]


def test_registration_takes_public_loopback_clients_only(http: httpx.Client) -> None:
    made = http.post("/oauth/register", json={
        "client_name": "openrush-tui", "redirect_uris": ["http://127.0.0.1/callback"],
        "grant_types": ["authorization_code", DEVICE, "refresh_token"],
        "token_endpoint_auth_method": "none"})
    assert made.status_code == 201
    assert made.json()["client_id"].startswith("client_")
    for bad, error in (
        ({"redirect_uris": ["https://evil.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://localhost/callback"]}, "invalid_redirect_uri"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "invalid_client_metadata"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
    ):
        refused = http.post("/oauth/register", json={"client_name": "x", **bad})
        assert (refused.status_code, refused.json()["error"]) == (400, error), bad


# ---------------------------------------------------------------- the device flow


def test_the_device_flow_signs_in_once_approved_through_the_page(
        http: httpx.Client, clock: Clocks) -> None:
    grant = start_device(http)
    assert USER_CODE.fullmatch(grant["user_code"])
    assert grant["verification_uri"].endswith("/device")
    assert grant["verification_uri_complete"].endswith(f"?user_code={grant['user_code']}")
    assert (grant["expires_in"], grant["interval"]) == (600, 5)
    pending = poll(http, grant["device_code"])
    assert (pending.status_code, pending.json()["error"]) == (400, "authorization_pending")
    page = http.get(grant["verification_uri_complete"])
    assert grant["user_code"] in page.text  # shown for the person to compare
    assert "script" not in page.text.lower()
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    approved = http.post("/device", data={"user_code": grant["user_code"],
                                          "csrf": form_token(page), "decision": "approve"})
    assert approved.status_code == 200 and "signed in" in approved.text.lower()
    clock.skip(5)
    tokens = poll(http, grant["device_code"])
    assert tokens.status_code == 200
    assert tokens.headers["cache-control"] == "no-store"
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == TOKEN_SECONDS
    assert credits_with(http, body["access_token"]).status_code == 200
    clock.skip(5)
    again = poll(http, grant["device_code"])
    assert again.json()["error"] == "invalid_grant"  # a device code gives tokens once


def test_polling_faster_than_the_interval_slows_the_client_down(
        http: httpx.Client, clock: Clocks) -> None:
    grant = start_device(http)
    assert poll(http, grant["device_code"]).json()["error"] == "authorization_pending"
    clock.skip(4.9)
    assert poll(http, grant["device_code"]).json()["error"] == "slow_down"
    clock.skip(9.9)  # the interval is 10 s now (5 + 5)
    assert poll(http, grant["device_code"]).json()["error"] == "slow_down"
    clock.skip(15)  # and 15 s now
    assert poll(http, grant["device_code"]).json()["error"] == "authorization_pending"


def test_a_denied_or_expired_code_says_so(http: httpx.Client, clock: Clocks) -> None:
    denied = start_device(http)
    assert "denied" in decide(http, denied["user_code"], "deny").text.lower()
    clock.skip(5)
    assert poll(http, denied["device_code"]).json()["error"] == "access_denied"
    late = start_device(http)
    clock.skip(600)
    assert poll(http, late["device_code"]).json()["error"] == "expired_token"
    page = http.get("/device", params={"user_code": late["user_code"]})
    assert page.status_code == 410


def test_the_code_can_be_typed_loosely(http: httpx.Client, clock: Clocks) -> None:
    grant = start_device(http)
    typed = grant["user_code"].replace("-", " ").lower()
    entry = http.get("/device")
    assert "user_code" in entry.text
    page = http.get("/device", params={"user_code": typed})
    assert page.status_code == 200 and grant["user_code"] in page.text


def test_the_approval_form_is_refused_without_its_cookie_or_for_another_code(
        http: httpx.Client, served: Served, clock: Clocks) -> None:
    grant, other = start_device(http), start_device(http)
    page = http.get("/device", params={"user_code": grant["user_code"]})
    token = form_token(page)
    with httpx.Client(base_url=served.base_url) as stranger:  # a cross-site POST: no cookie
        forged = stranger.post("/device", data={"user_code": grant["user_code"], "csrf": token,
                                                "decision": "approve"})
    assert forged.status_code == 403
    wrong_code = http.post("/device", data={"user_code": other["user_code"], "csrf": token,
                                            "decision": "approve"})
    assert wrong_code.status_code == 403
    made_up = http.post("/device", data={"user_code": grant["user_code"],
                                         "csrf": token.split(".")[0] + ".00",
                                         "decision": "approve"})
    assert made_up.status_code == 403
    clock.skip(5)
    for code in (grant, other):  # nothing was approved
        assert poll(http, code["device_code"]).json()["error"] == "authorization_pending"
    clock.skip(601)
    stale = http.post("/device", data={"user_code": grant["user_code"], "csrf": token,
                                       "decision": "approve"})
    assert stale.status_code == 403


def test_wrong_codes_are_limited(http: httpx.Client, served: Served) -> None:
    served.sandbox.oauth.wrong_codes = FailureLimiter(3, clock=lambda: 600.0)
    try:
        statuses = [http.get("/device", params={"user_code": "BBBB-BBBB"}).status_code
                    for _ in range(4)]
    finally:
        served.sandbox.oauth.wrong_codes = FailureLimiter(30)
    assert statuses == [404, 404, 404, 429]


# ---------------------------------------------------------------- the code flow with PKCE


@pytest.fixture(scope="module")
def code_client(served: Served) -> str:
    with httpx.Client(base_url=served.base_url) as http:
        made = http.post("/oauth/register", json={
            "client_name": "a terminal", "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["authorization_code", "refresh_token"]})
    return str(made.json()["client_id"])


def authorize(http: httpx.Client, client_id: str, *, state: str = "s1",
              verifier: str = VERIFIER, port: int = 43210, method: str = "S256",
              decision: str = "approve") -> httpx.Response:
    params = {"response_type": "code", "client_id": client_id,
              "redirect_uri": f"http://127.0.0.1:{port}/callback", "state": state,
              "code_challenge": s256(verifier), "code_challenge_method": method}
    page = http.get("/oauth/authorize", params=params)
    if page.status_code != 200:
        return page
    fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", page.text))
    return http.post("/oauth/authorize", data={**fields, "decision": decision})


def code_of(answer: httpx.Response, state: str = "s1") -> str:
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


def exchange(http: httpx.Client, client_id: str, code: str, verifier: str = VERIFIER,
             port: int = 43210) -> httpx.Response:
    return http.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "redirect_uri": f"http://127.0.0.1:{port}/callback", "code_verifier": verifier})


def test_the_code_flow_gives_tokens_for_the_right_verifier_only(
        http: httpx.Client, code_client: str) -> None:
    answer = authorize(http, code_client, state="xyz")
    location = urlsplit(answer.headers["location"])
    assert (location.hostname, location.port, location.path) == ("127.0.0.1", 43210,
                                                                 "/callback")
    refused = exchange(http, code_client, code_of(answer, "xyz"), verifier="w" * 43)
    assert refused.json()["error"] == "invalid_grant"
    good = code_of(authorize(http, code_client))
    assert exchange(http, code_client, good, port=43211).json()["error"] == "invalid_grant"
    good = code_of(authorize(http, code_client))
    tokens = exchange(http, code_client, good)
    assert tokens.status_code == 200
    access = tokens.json()["access_token"]
    assert credits_with(http, access).status_code == 200
    replayed = exchange(http, code_client, good)  # RFC 6749 §4.1.2: and what it gave ends
    assert replayed.json()["error"] == "invalid_grant"
    assert credits_with(http, access).json()["detail"] == "Session has been signed out."


def test_an_unregistered_redirect_is_never_followed(http: httpx.Client,
                                                    code_client: str) -> None:
    page = http.get("/oauth/authorize", params={
        "response_type": "code", "client_id": code_client,
        "redirect_uri": "http://evil.example/callback", "state": "s",
        "code_challenge": s256(VERIFIER), "code_challenge_method": "S256"})
    assert page.status_code == 400 and "location" not in page.headers
    plain = authorize(http, code_client, method="plain")
    assert plain.status_code == 302
    assert parse_qs(urlsplit(plain.headers["location"]).query)["error"] == ["invalid_request"]


def test_a_denied_or_late_code_gives_nothing(http: httpx.Client, code_client: str,
                                            clock: Clocks) -> None:
    denied = authorize(http, code_client, decision="deny")
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    late = code_of(authorize(http, code_client))
    clock.skip(61)
    assert exchange(http, code_client, late).json()["error"] == "invalid_grant"


def test_the_authorize_form_needs_its_cookie(http: httpx.Client, served: Served,
                                            code_client: str) -> None:
    params = {"response_type": "code", "client_id": code_client,
              "redirect_uri": "http://127.0.0.1:5000/callback", "state": "s",
              "code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}
    page = http.get("/oauth/authorize", params=params)
    fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", page.text))
    with httpx.Client(base_url=served.base_url) as stranger:
        forged = stranger.post("/oauth/authorize", data={**fields, "decision": "approve"})
    assert forged.status_code == 403 and "location" not in forged.headers
    # The token is for this request: sent back with another redirect port, it is refused.
    moved = http.post("/oauth/authorize", data={
        **fields, "redirect_uri": "http://127.0.0.1:5001/callback", "decision": "approve"})
    assert moved.status_code == 403 and "location" not in moved.headers


# ---------------------------------------------------------------- tokens


def test_an_access_token_expires_and_a_refresh_rotates(http: httpx.Client,
                                                       clock: Clocks) -> None:
    first = signed_in(http, clock)
    clock.skip(TOKEN_SECONDS)
    expired = credits_with(http, first["access_token"])
    assert (expired.status_code, expired.json()["detail"]) == (401,
                                                              "Session token has expired.")
    second = refresh(http, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert credits_with(http, rotated["access_token"]).status_code == 200


def test_a_refresh_token_used_twice_ends_the_sign_in(http: httpx.Client,
                                                     clock: Clocks) -> None:
    first = signed_in(http, clock)
    rotated = refresh(http, first["refresh_token"]).json()
    replay = refresh(http, first["refresh_token"])  # a stolen copy, or a second terminal
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    assert refresh(http, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert credits_with(http, rotated["access_token"]).status_code == 401


def test_revocation_ends_the_sign_in(http: httpx.Client, clock: Clocks,
                                     code_client: str) -> None:
    tokens = signed_in(http, clock)
    unknown = http.post("/oauth/revoke", data={"token": "nothing", "client_id": CLIENT})
    assert (unknown.status_code, unknown.json()) == (200, {})
    other = http.post("/oauth/revoke", data={"token": tokens["refresh_token"],
                                             "client_id": code_client})
    assert other.json()["error"] == "unauthorized_client"
    done = http.post("/oauth/revoke", data={"token": tokens["refresh_token"],
                                            "token_type_hint": "refresh_token",
                                            "client_id": CLIENT})
    assert done.status_code == 200
    assert refresh(http, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert credits_with(http, tokens["access_token"]).json()["detail"] == \
        "Session has been signed out."
    access_only = signed_in(http, clock)  # revoking the access token ends its sign-in too
    http.post("/oauth/revoke", data={"token": access_only["access_token"],
                                     "client_id": CLIENT}).raise_for_status()
    assert refresh(http, access_only["refresh_token"]).status_code == 400


def test_codes_and_tokens_are_stored_hashed(http: httpx.Client, served: Served,
                                            clock: Clocks) -> None:
    grant = start_device(http)
    tokens = signed_in(http, clock)
    with sqlite3.connect(served.sandbox.options.db_path) as db:
        dump = "\n".join(db.iterdump())
    for secret in (grant["device_code"], tokens["refresh_token"], tokens["access_token"]):
        assert secret not in dump


def test_forms_are_read_as_rfc_6749_says(http: httpx.Client) -> None:
    twice = http.post("/oauth/token", content=b"grant_type=refresh_token&grant_type=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twice.json()["error"] == "invalid_request"
    as_json = http.post("/oauth/token", json={"grant_type": "refresh_token"})
    assert as_json.json()["error"] == "invalid_request"
    unknown = http.post("/oauth/token", data={"grant_type": "password", "client_id": CLIENT})
    assert unknown.json()["error"] == "unsupported_grant_type"
    stranger = poll(http, "x", client_id="client_unknown")
    assert (stranger.status_code, stranger.json()["error"]) == (401, "invalid_client")


def test_a_fixed_clock_still_lets_sign_in_time_move(tmp_path: Path) -> None:
    """--fixed-now pins the sandbox's clock; the sign-in clock starts there and moves on with
    real time, so codes and tokens can expire (a monotonic clock never goes back)."""
    from datetime import UTC, datetime

    pinned = datetime(2026, 6, 26, 12, tzinfo=UTC)
    clock = sign_in_seconds(SandboxOptions(db_path=tmp_path / "x", now=pinned))
    first = clock()
    assert first >= pinned.timestamp()
    assert clock() >= first
