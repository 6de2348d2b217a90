"""The sign-in endpoints over HTTP (docs/oauth.md): metadata, registration, the device and
token endpoints, revocation, and the approval pages (`/device`, `/oauth/authorize`).

None of them sits under ``/v1/``, so the Guard neither authenticates nor records them; the
body limit applies as everywhere. Work that touches SQLite runs in the thread pool (the
in-process sandbox shares the UI's event loop). Forms are read as RFC 6749 wants them
(``application/x-www-form-urlencoded``, each parameter once) with the standard library: the
sandbox does not depend on python-multipart.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from openrush_tui.sandbox import oauth_pages as pages
from openrush_tui.sandbox.oauth import OAuthError, OAuthServer, user_code_shown, user_code_typed
from openrush_tui.sandbox.oauth_store import DeviceCode

if TYPE_CHECKING:
    from openrush_tui.sandbox.app import Sandbox

CSRF_COOKIE = "openrush_csrf"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "state", "code_challenge",
                    "code_challenge_method")
T = TypeVar("T")

oauth_router = APIRouter()


def _server(request: Request) -> OAuthServer:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox.oauth


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _json(body: Mapping[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(dict(body), status, headers=NO_STORE)


def _refused(error: OAuthError) -> JSONResponse:
    return _json(error.body(), error.status)


async def _form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "Send the parameters as "
                         "application/x-www-form-urlencoded.")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True,
                          strict_parsing=False, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The form could not be read.") from None
    return _once(pairs)


def _once(pairs: list[tuple[str, str]]) -> dict[str, str]:
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 §3.1: a parameter sent twice is an invalid request
            raise OAuthError("invalid_request", f"The parameter {name} was sent twice.")
        form[name] = value
    return form


async def _answer(work: Callable[[], T]) -> T:
    return await run_in_threadpool(work)


# -- metadata and registration -------------------------------------------------------------


@oauth_router.get("/.well-known/oauth-protected-resource")
async def resource_metadata(request: Request) -> JSONResponse:
    return JSONResponse(OAuthServer.resource_metadata(_base(request)))


@oauth_router.get("/.well-known/oauth-authorization-server")
async def server_metadata(request: Request) -> JSONResponse:
    return JSONResponse(OAuthServer.server_metadata(_base(request)))


@oauth_router.post("/oauth/register")
async def register(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        return _refused(OAuthError("invalid_client_metadata", "The body must be JSON."))
    try:
        return _json(await _answer(lambda: _server(request).register(body)), 201)
    except OAuthError as error:
        return _refused(error)


# -- the device and token endpoints, revocation --------------------------------------------


@oauth_router.post("/oauth/device_authorization")
async def device_authorization(request: Request) -> JSONResponse:
    try:
        form = await _form(request)
        server = _server(request)
        return _json(await _answer(lambda: server.device_authorization(form, _base(request))))
    except OAuthError as error:
        return _refused(error)


@oauth_router.post("/oauth/token")
async def token(request: Request) -> JSONResponse:
    try:
        form = await _form(request)
        server = _server(request)
        return _json((await _answer(lambda: server.token(form))).body())
    except OAuthError as error:
        return _refused(error)


@oauth_router.post("/oauth/revoke")
async def revoke(request: Request) -> JSONResponse:
    try:
        form = await _form(request)
        server = _server(request)
        await _answer(lambda: server.revoke(form))
    except OAuthError as error:
        return _refused(error)
    return _json({})


# -- the device approval page --------------------------------------------------------------


def _cookie(request: Request) -> tuple[str, bool]:
    """The CSRF cookie this browser has (if it looks like ours), or a new one."""
    have = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(have) <= 64 and have.replace("-", "").replace("_", "").isalnum():
        return have, False
    return secrets.token_urlsafe(24), True


def _with_cookie(response: Response, request: Request, cookie: str, new: bool) -> Response:
    if new:
        response.set_cookie(CSRF_COOKIE, cookie, max_age=3600, path="/", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")
    return response


def _device_problem(device: DeviceCode | None, now: float) -> Response | None:
    if device is None:
        return pages.enter_code("No sign-in has that code. Check it and type it again.", 404)
    if device.expires_at <= now:
        return pages.problem("Code expired", "This code has expired. Start the sign-in in "
                             "your terminal again.", 410)
    if device.state != "pending":
        return pages.problem("Code already used", "This code was already approved or denied.",
                             409)
    return None


def _too_many(server: OAuthServer) -> Response | None:
    wait = server.wrong_codes.retry_after("user_code")
    if wait is None:
        return None
    return pages.problem("Too many wrong codes", f"Too many wrong codes were typed. Try again "
                         f"in {wait} seconds.", 429)


@oauth_router.get("/device")
async def device_page(request: Request) -> Response:
    server = _server(request)
    typed = request.query_params.get("user_code")
    if typed is None:
        return pages.enter_code()
    if (busy := _too_many(server)) is not None:
        return busy
    code = user_code_typed(typed)
    device = await _answer(lambda: server.store.device_by_user_code(code))
    if device is None:
        server.wrong_codes.failed("user_code")
    if (shown := _device_problem(device, server.now())) is not None:
        return shown
    assert device is not None  # noqa: S101 (`_device_problem` said so)
    client = await _answer(lambda: server.store.client(device.client_id))
    cookie, new = _cookie(request)
    response = pages.confirm_device(user_code_shown(code),
                                    client.client_name if client else device.client_id,
                                    server.account_id,
                                    server.form_token(cookie, f"device:{code}"))
    return _with_cookie(response, request, cookie, new)


@oauth_router.post("/device")
async def device_decision(request: Request) -> Response:
    server = _server(request)
    try:
        form = await _form(request)
    except OAuthError as error:
        return pages.problem("Not understood", error.description, 400)
    code = user_code_typed(form.get("user_code", ""))
    if not server.form_token_ok(request.cookies.get(CSRF_COOKIE), f"device:{code}",
                                form.get("csrf", "")):
        return pages.problem("Form expired", "This form is not valid any more (or did not "
                             "come from this page). Open the link from your terminal again.",
                             403)
    decision = form.get("decision")
    if decision not in ("approve", "deny"):
        return pages.problem("Not understood", "Choose Approve or Deny.", 400)
    outcome = await _answer(lambda: server.decide(code, decision == "approve"))
    if outcome == "done":
        return pages.done(decision == "approve")
    return _device_problem(await _answer(lambda: server.store.device_by_user_code(code)),
                           server.now()) or pages.problem("Not done", "Nothing changed.", 409)


# -- the authorization endpoint ------------------------------------------------------------


def _back(redirect_uri: str, params: Mapping[str, str]) -> RedirectResponse:
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), 302, headers=NO_STORE)


def _authorization_subject(params: Mapping[str, str]) -> str:
    return "authorize:" + urlencode([(name, params.get(name, "")) for name in AUTHORIZE_FIELDS])


async def _checked_request(server: OAuthServer, params: Mapping[str, str]) -> Response | str:
    """The client's name, or the answer for a request that cannot go on."""
    try:
        client = await _answer(lambda: server.check_authorization(params))
    except OAuthError as error:  # never redirected to: the redirect is not trusted
        return pages.problem("Sign-in request not valid", error.description, 400)
    problem = server.redirect_problem(params)
    if problem is not None:
        back = {"error": "invalid_request", "error_description": problem}
        if params.get("state"):
            back["state"] = params["state"]
        return _back(params["redirect_uri"], back)
    return client.client_name


@oauth_router.get("/oauth/authorize")
async def authorize_page(request: Request) -> Response:
    server = _server(request)
    try:
        params = _once(list(request.query_params.multi_items()))
    except OAuthError as error:
        return pages.problem("Sign-in request not valid", error.description, 400)
    checked = await _checked_request(server, params)
    if not isinstance(checked, str):
        return checked
    cookie, new = _cookie(request)
    fields = {name: params[name] for name in AUTHORIZE_FIELDS}
    fields["csrf"] = server.form_token(cookie, _authorization_subject(params))
    host = urlsplit(params["redirect_uri"]).netloc
    return _with_cookie(pages.confirm_authorization(checked, server.account_id, fields, host),
                        request, cookie, new)


@oauth_router.post("/oauth/authorize")
async def authorize_decision(request: Request) -> Response:
    server = _server(request)
    try:
        form = await _form(request)
    except OAuthError as error:
        return pages.problem("Not understood", error.description, 400)
    checked = await _checked_request(server, form)
    if not isinstance(checked, str):
        return checked
    if not server.form_token_ok(request.cookies.get(CSRF_COOKIE),
                                _authorization_subject(form), form.get("csrf", "")):
        return pages.problem("Form expired", "This form is not valid any more (or did not "
                             "come from this page). Start the sign-in again.", 403)
    state = form["state"]
    if form.get("decision") != "approve":
        return _back(form["redirect_uri"], {"error": "access_denied", "state": state})
    client = await _answer(lambda: server.client(form.get("client_id")))
    code = await _answer(lambda: server.new_code(client, form))
    return _back(form["redirect_uri"], {"code": code, "state": state})
