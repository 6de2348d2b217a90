"""The HTTP endpoints. Those touching SQLite are plain `def`: FastAPI runs them in its thread
pool, so the in-process sandbox never blocks the UI's event loop."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, StringConstraints
from pydantic_core import PydanticCustomError, to_json

from openrush_tui.clock import LATEST_EXPIRY, format_instant
from openrush_tui.sandbox import catalog, cursor
from openrush_tui.sandbox.auth import Principal
from openrush_tui.sandbox.store import UsageFilter, credential_items

if TYPE_CHECKING:
    from openrush_tui.sandbox.app import Sandbox

MAX_KEY_PAGE = 5000  # OURS: the largest page of the key list
MAX_KEY_IDS = 100  # OURS: ids at most in one look-up of the key list
INSUFFICIENT = "Insufficient credits. Refill at https://www.openrush.com/dashboard/billing"

router = APIRouter()


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in value):
        # A custom error keeps the 422 body plain JSON (a ValueError's ctx would not be).
        raise PydanticCustomError(
            "value_error", "Value error, name must not contain control characters"
        )
    return value


KeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(_no_control_characters),
]


class NewCredential(BaseModel):
    name: KeyName
    expires_at: datetime | None = None


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox  # set where the app is built
    return sandbox


async def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.principal  # set by the Guard middleware
    return principal


Caller = Annotated[Principal, Depends(principal_of)]


def invalid(loc: tuple[str, ...], message: str, value: Any) -> RequestValidationError:
    """A 422 in FastAPI's own `detail` list shape, for checks pydantic cannot make alone."""
    return RequestValidationError(
        [{"type": "value_error", "loc": loc, "msg": f"Value error, {message}", "input": value}]
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/v1/capabilities", operation_id="get_capabilities")
@router.post("/v1/capabilities", operation_id="post_capabilities")
async def capabilities() -> dict[str, Any]:
    return catalog.capabilities()  # no SQLite, so async is fine


@router.get("/v1/me/credits")
def credits(request: Request, caller: Caller) -> dict[str, Any]:
    return {"balance": sandbox_of(request).store.balance(caller.account_id)}


@router.get("/v1/me/api-credentials")
def list_credentials(
    request: Request,
    caller: Caller,
    # OURS (docs/openrush-api.md): a page of `limit` keys, from `cursor` on; only the keys
    # `id` names. Without any of them, every key, as the list has always been answered.
    limit: Annotated[int | None, Query(ge=1, le=MAX_KEY_PAGE)] = None,
    cursor_text: Annotated[str | None, Query(alias="cursor")] = None,
    ids: Annotated[list[str] | None, Query(alias="id", max_length=MAX_KEY_IDS)] = None,
) -> Response:
    store = sandbox_of(request).store
    paged = limit is not None or cursor_text is not None or bool(ids)
    try:
        after = None if cursor_text is None else cursor.decode(cursor_text)
    except ValueError:
        raise invalid(("query", "cursor"), "invalid cursor", cursor_text) from None
    rows, next_key = store.credential_rows(caller.account_id, limit, after, ids or ())
    answer: dict[str, Any] = {"api_credentials": credential_items(rows)}
    if paged:
        answer["next_cursor"] = None if next_key is None else cursor.encode(*next_key)
    # The bytes FastAPI made of the returned dict (tests/test_key_list_bytes.py), without
    # its validation of the dict and second pass over it: 5,000 keys are ~1.2 MB.
    return Response(to_json(answer), media_type="application/json")


@router.post("/v1/me/api-credentials", status_code=201)
def create_credential(body: NewCredential, request: Request, caller: Caller) -> dict[str, Any]:
    sandbox = sandbox_of(request)
    expires_at = None if body.expires_at is None else _utc(body.expires_at)
    if expires_at is not None and expires_at > LATEST_EXPIRY:  # compared safely across zones
        # What the client would refuse to read back (and near the calendar's end): refused.
        raise invalid(("body", "expires_at"), "expires_at must be "
                      f"{format_instant(LATEST_EXPIRY)} or earlier", expires_at.isoformat())
    if expires_at is not None and expires_at <= sandbox.now():
        # 0001-01-01T00:00:00+01:00 has no UTC spelling: echoed as it came.
        shown = expires_at.isoformat() if expires_at.year < 2 else format_instant(expires_at)
        raise invalid(("body", "expires_at"), "expires_at must be in the future", shown)
    raw, item = sandbox.create_key(caller.account_id, body.name, expires_at)
    return {"key": raw, "api_credential": item}


@router.post("/v1/me/api-credentials/{credential_id}/revoke")
def revoke_credential(credential_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    item = sandbox_of(request).store.revoke_credential(caller.account_id, credential_id)
    if item is None:
        raise HTTPException(404, "API credential not found.")
    return item


@router.post("/v1/tools/{tool}")
def call_tool(
    tool: str,
    request: Request,
    caller: Caller,
    arguments: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    sandbox = sandbox_of(request)
    known = catalog.TOOLS_BY_NAME.get(tool)
    if known is None:
        raise HTTPException(404, f"Unknown tool: {tool}")
    if not known.enabled:
        raise HTTPException(402, f"{tool} is not enabled for this account.")
    # Billed tools pay before the work, as the real service does.
    if known.credits and sandbox.store.charge(caller.account_id, known.credits) is None:
        raise HTTPException(402, INSUFFICIENT)
    request.state.credits_charged = known.credits
    return catalog.tool_result(known, arguments, format_instant(sandbox.now()))


@router.get("/v1/me/usage")
def usage(
    request: Request,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor_text: Annotated[str | None, Query(alias="cursor")] = None,
    source: Literal["api", "mcp"] | None = None,
    status: Literal["success", "error", "rate_limited"] | None = None,
    credential_id: str | None = None,
    since: datetime | None = None,
    tool: str | None = None,
    client: str | None = None,
    # OURS: a User-Agent product (`openrush-tui`) whose successful account reads are left
    # out, so a dashboard's polling costs no pages of its own (`store.UsageFilter`).
    exclude_reads_by: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    try:
        after = None if cursor_text is None else cursor.decode(cursor_text)
    except ValueError:
        raise invalid(("query", "cursor"), "invalid cursor", cursor_text) from None
    usage_filter = UsageFilter(
        source=source,
        status=status,
        credential_id=credential_id,
        tool=tool,
        client=client,
        since=None if since is None else format_instant(_utc(since)),
        exclude_reads_by=exclude_reads_by,
    )
    items, next_key = sandbox_of(request).store.usage_page(
        caller.account_id, usage_filter, limit, after
    )
    return {"items": items, "next_cursor": None if next_key is None else cursor.encode(*next_key)}
