"""Response models of the OpenRush API (pydantic v2), tolerant where the contract says so.

Models ignore unknown fields, parse ``…Z`` timestamps into timezone-aware UTC datetimes
(naive ones are taken as UTC) and default optional fields to None. The ``parse_*`` helpers
take a decoded JSON payload and return models, turning any shape mismatch into
:class:`~openrush_tui.api.errors.BadResponse` (without echoing the payload, which may hold a key).

Out of range is a shape mismatch too: a time that cannot be converted to UTC (or lies within a
day of the calendar's ends, `clock.as_utc`), a count beyond ±10**15, a ``true`` where a number
belongs. So every value that reaches a view can be formatted and compared without an
OverflowError; a rule that adds a span to one of these times uses `clock.shifted`. These models
are part of the decode boundary (`api/decode.py` states its rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
)

from openrush_tui.api.errors import bad_shape
from openrush_tui.clock import as_utc, shifted
from openrush_tui.text.glyphs import plain

CREDIT_DOLLARS = 0.01
LARGEST_COUNT = 10**15  # credits, balances: far beyond any account, small enough for floats


def _whole_number(value: Any) -> Any:
    """A JSON number that is a whole number; ``true``/``false`` are not numbers."""
    if isinstance(value, bool):
        raise ValueError("a number was expected, not true or false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _default_if_none(default: Any) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        return default if value is None else value

    return fix


def _text_or_none(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _method_or_none(value: Any) -> Any:
    """An HTTP method as one upper-case word (``post`` reads ``POST``); anything else,
    unknown."""
    if not isinstance(value, str):
        return None
    word = value.strip().upper()
    return word if 0 < len(word) <= 16 and word.isascii() and word.isalpha() else None


def _problem(item: Any) -> str | None:
    """One of FastAPI's 422 problems as "field: message" (``body``/``query`` left out)."""
    if not isinstance(item, dict) or not isinstance(item.get("msg"), str):
        return None
    loc = item.get("loc")
    where = ".".join(str(part) for part in loc[1:] if isinstance(part, str | int)) \
        if isinstance(loc, list) else ""
    return f"{where}: {item['msg']}" if where else str(item["msg"])


def _message_or_none(value: Any) -> Any:
    """A failed call's message from the usual shapes: text, ``{"message"|"detail": text}``,
    or FastAPI's list of problems; anything else (or nothing), unknown."""
    if isinstance(value, dict):
        value = next((value[k] for k in ("message", "detail") if isinstance(value.get(k), str)),
                     None)
    elif isinstance(value, list):
        value = "; ".join(part for part in map(_problem, value[:5]) if part)
    return value if isinstance(value, str) and value.strip() else None


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]  # the calendar's margins (`clock`)
Count = Annotated[int, BeforeValidator(_whole_number),
                  Field(ge=-LARGEST_COUNT, le=LARGEST_COUNT)]
CreditCount = Annotated[Count, BeforeValidator(_default_if_none(0))]
# A field only used to tell things apart: anything but a string reads as unknown.
LooseText = Annotated[str | None, BeforeValidator(_text_or_none)]
LooseList = Annotated[list[Any], BeforeValidator(_default_if_none([]))]
HttpMethod = Annotated[str | None, BeforeValidator(_method_or_none)]
ErrorMessage = Annotated[str | None, BeforeValidator(_message_or_none)]
Flag = Annotated[bool, BeforeValidator(_default_if_none(True))]


class _Model(BaseModel):
    # Validators are built at first use, so a page builds only the models it reads.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Credits(_Model):
    balance: Count

    @property
    def dollars(self) -> float:
        """The balance in US dollars (1 credit = $0.01)."""
        return round(self.balance * CREDIT_DOLLARS, 2)


CredentialStatus = Literal["active", "revoked", "expired"]


class ApiCredential(_Model):
    id: str
    account_id: str | None = None
    name: str
    prefix: str
    is_active: Flag = True
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None
    # Not in the documented item: used by `keys scan` when a server sends one, ignored if odd.
    fingerprint: Annotated[str | None, BeforeValidator(_text_or_none)] = None

    def status(self, now: datetime | None = None) -> CredentialStatus:
        """``revoked`` if inactive, ``expired`` once ``expires_at`` has passed, else ``active``."""
        if not self.is_active:
            return "revoked"
        if self.expires_at is not None:
            moment = as_utc(now) if now is not None else datetime.now(UTC)
            if self.expires_at <= moment:
                return "expired"
        return "active"

    @property
    def display_prefix(self) -> str:
        """The prefix as shown to people: ``or_abc123…`` (trailing dots from the server dropped)."""
        return self.prefix_ended_by(plain("…"))  # "..." under LANG=C

    def prefix_ended_by(self, ellipsis: str) -> str:
        """`display_prefix` with `ellipsis` worked out by the caller: once for a table of
        50,000 keys (`plain` reads the locale's variables, ~9 µs, each time)."""
        return self.prefix.rstrip(".…") + ellipsis


class KeyPage(_Model):
    """A page of the key list (OURS paging, docs/openrush-api.md): its keys, newest first, and
    where the next page starts; None on the last page, and from a server that answers every
    key at once (one that ignores `limit`)."""

    items: list[ApiCredential] = Field(default_factory=list)
    next_cursor: str | None = None


class CreatedKey(_Model):
    """The create response. The raw key is here once; it never shows in repr or str."""

    key: SecretStr
    api_credential: ApiCredential


class Tool(_Model):
    name: str
    domain: str | None = None
    credits: CreditCount = Field(
        default=0, validation_alias=AliasChoices("credits", "credit_cost", "cost")
    )
    enabled: Flag = True
    description: str | None = None


class Capabilities(_Model):
    tools: list[Tool] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    schema_version: str | None = None

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)


UsageStatus = Literal["success", "error", "rate_limited"]


def _status_from_code(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code == 429:
        return "rate_limited"
    return "success" if 200 <= code < 400 else "error"


class UsageEvent(_Model):
    id: str
    created_at: UtcDatetime
    source: str
    tool: str | None = None
    endpoint: str | None = None
    status_code: Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=999)] | None = None
    status: str = ""
    credits: CreditCount = Field(
        default=0, validation_alias=AliasChoices("credits", "credit_cost", "cost")
    )
    credential_id: str | None = None
    credential_prefix: str | None = None
    client: str | None = None
    duration_ms: Annotated[int, BeforeValidator(_whole_number),
                           Field(ge=0, le=LARGEST_COUNT)] | None = None
    user_agent: LooseText = None  # OURS: the caller's User-Agent (API events)
    # OURS: the call's HTTP method, and the message a failed call was answered with.
    method: HttpMethod = Field(default=None,
                               validation_alias=AliasChoices("method", "http_method"))
    error: ErrorMessage = Field(default=None,
                                validation_alias=AliasChoices("error", "error_message"))

    def model_post_init(self, context: Any, /) -> None:
        status = (self.status or "").strip().lower()
        object.__setattr__(self, "status", status or _status_from_code(self.status_code))


class UsagePage(_Model):
    items: list[UsageEvent] = Field(default_factory=list)
    next_cursor: str | None = None


def _wrap_scalar(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return {"value": value}


class ToolResult(_Model):
    """The ``ofe/1.0`` envelope; every part optional."""

    schema_version: str | None = None
    domain: str | None = None
    data: Annotated[dict[str, Any] | list[Any] | None, BeforeValidator(_wrap_scalar)] = None
    facts: LooseList = Field(default_factory=list)
    entities: LooseList = Field(default_factory=list)
    deltas: LooseList = Field(default_factory=list)
    coverage: dict[str, Any] | None = None
    resources: LooseList = Field(default_factory=list)
    next_actions: LooseList = Field(default_factory=list)


class RateLimitInfo(_Model):
    limit: int
    remaining: int
    reset: UtcDatetime | None = None

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], now: datetime | None = None
    ) -> RateLimitInfo | None:
        """From ``X-RateLimit-Limit/-Remaining/-Reset``; None when absent or unreadable.

        ``Reset`` is a Unix time (DOC); a small number is read as seconds from now and an
        ISO-8601 string is accepted too.
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            limit = int(float(lowered["x-ratelimit-limit"]))
            remaining = int(float(lowered["x-ratelimit-remaining"]))
        except (KeyError, ValueError, OverflowError):
            return None
        if not (0 <= limit <= LARGEST_COUNT and -LARGEST_COUNT <= remaining <= LARGEST_COUNT):
            return None  # out of range: as unreadable as a missing header
        return cls(
            limit=limit,
            remaining=max(0, remaining),  # "-1 left" (over the limit) is none left
            reset=_reset_time(lowered.get("x-ratelimit-reset"), now),
        )


def _reset_time(raw: str | None, now: datetime | None) -> datetime | None:
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        try:
            return as_utc(datetime.fromisoformat(raw.strip().replace("Z", "+00:00")))
        except (ValueError, OverflowError):
            return None
    try:
        if number < 1_000_000_000:  # a delta in seconds, not a Unix time
            return as_utc(shifted(as_utc(now) if now else datetime.now(UTC),
                                   timedelta(seconds=number)))
        return as_utc(datetime.fromtimestamp(number, UTC))
    except (OverflowError, OSError, ValueError):
        return None


# --------------------------------------------------------------------------- parse helpers

M = TypeVar("M", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_input=False, include_url=False)[:2]:
        loc = ".".join(str(p) for p in item.get("loc", ()))
        parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
    return "; ".join(parts)[:160]


def parse_model(model: type[M], payload: Any, what: str) -> M:
    """Validate ``payload`` as ``model``; a mismatch becomes BadResponse (input never echoed)."""
    if not isinstance(payload, dict):
        raise bad_shape(what, f"expected an object, got {_kind(payload)}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problem = _describe(exc)
    except RecursionError:
        problem = "it is nested too deeply"
    raise bad_shape(what, problem)


def _kind(payload: Any) -> str:
    if payload is None:
        return "nothing"
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return kinds.get(type(payload), "a value")


def _list_from(payload: Any, keys: tuple[str, ...], what: str) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in keys:
            if isinstance(items := payload.get(key), list):
                return items
    raise bad_shape(what, f"no list of items in {_kind(payload)}")


def parse_credits(payload: Any) -> Credits:
    return parse_model(Credits, payload, "a credit balance")


def parse_credentials(payload: Any) -> list[ApiCredential]:
    """``{"api_credentials": [...]}`` or a bare list."""
    items = _list_from(payload, ("api_credentials", "items", "data"), "the list of keys")
    return [parse_model(ApiCredential, item, "the list of keys") for item in items]


def parse_key_page(payload: Any) -> KeyPage:
    """``{"api_credentials": [...], "next_cursor": ...}``, or what `parse_credentials` reads
    (no cursor: the whole list). The items are validated in one call (a page of 5,000 in a
    third of the time of one call each); when one does not fit, each again, so the error
    is the one `parse_credentials` gives."""
    items = _list_from(payload, ("api_credentials", "items", "data"), "the list of keys")
    _share_account_ids(items)
    try:
        keys = _credential_list().validate_python(items)
    except (ValidationError, RecursionError):
        keys = [parse_model(ApiCredential, item, "the list of keys") for item in items]
    _share_fields_sets(keys)
    return KeyPage.model_construct(items=keys, next_cursor=key_page_cursor(payload))


# What every key of a list repeats is kept once (issue 23: 50,000 keys in 110 MiB), here
# where the keys are made, so that every holder of a key list gets it (not one view of it).
# pydantic keeps a string it is given as it is: equal account ids given as one string stay
# one (4 MB at 50,000 keys). And pydantic gives each model a set of the fields it was given,
# 728 bytes a key (36 MB at 50,000): the keys given the same fields share one set, put where
# `model_construct(_fields_set=…)` puts it (pydantic's documented `__pydantic_fields_set__`;
# constructing each key again instead would cost 5 µs a key). The models are frozen, so
# nothing adds to the set in place; `model_copy(update=…)` copies it first.
_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_ACCOUNT_IDS: dict[str, str] = {}


def _share_account_ids(items: list[Any]) -> None:
    for item in items:
        if isinstance(item, dict) and isinstance(account := item.get("account_id"), str):
            if account not in _ACCOUNT_IDS and len(_ACCOUNT_IDS) < 64:  # a list is one account's
                _ACCOUNT_IDS[account] = account
            item["account_id"] = _ACCOUNT_IDS.get(account, account)


def _share_fields_sets(keys: list[ApiCredential]) -> None:
    shared: set[str] | None = None
    for key in keys:
        given = key.__pydantic_fields_set__
        if shared is None or given != shared:  # a page's keys mostly give the same fields
            shared = _FIELD_SETS.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(key, "__pydantic_fields_set__", shared)


def key_page_cursor(payload: Any) -> str | None:
    """Where the next page of the key list starts (`parse_key_page`'s `next_cursor`), read
    before the page's keys are validated: a walk asks for it meanwhile (`key_pages`)."""
    cursor = payload.get("next_cursor") if isinstance(payload, dict) else None
    return str(cursor) if cursor not in (None, "") else None


_adapters: dict[str, TypeAdapter[list[ApiCredential]]] = {}


def _credential_list() -> TypeAdapter[list[ApiCredential]]:
    """Built at first use, as the models are (start-up)."""
    if "keys" not in _adapters:
        _adapters["keys"] = TypeAdapter(list[ApiCredential])
    return _adapters["keys"]


def keys_json(keys: list[ApiCredential]) -> str:
    """The keys as ``json.dumps([key.model_dump(mode="json") …], indent=2,
    ensure_ascii=False)`` writes them (pydantic-core writes the same bytes), a page at once."""
    return _credential_list().dump_json(keys, indent=2).decode()


def parse_credential(payload: Any) -> ApiCredential:
    """An item, or ``{"api_credential": item}``."""
    if isinstance(payload, dict) and isinstance(payload.get("api_credential"), dict):
        payload = payload["api_credential"]
    return parse_model(ApiCredential, payload, "a key")


def parse_created_key(payload: Any) -> CreatedKey:
    created = parse_model(CreatedKey, payload, "the new key")
    if not created.key.get_secret_value():
        raise bad_shape("the new key", "the key is empty")
    return created


def parse_capabilities(payload: Any) -> Capabilities:
    """Tools and sources from ``data`` (the ofe/1.0 envelope), falling back to the top level."""
    if not isinstance(payload, dict):
        raise bad_shape("the capabilities", f"expected an object, got {_kind(payload)}")
    data: dict[str, Any] = payload["data"] if isinstance(payload.get("data"), dict) else {}
    tools = data.get("tools") if isinstance(data.get("tools"), list) else payload.get("tools")
    sources = (
        data.get("sources") if isinstance(data.get("sources"), list) else payload.get("sources")
    )
    if not isinstance(tools, list):
        raise bad_shape("the capabilities", "no list of tools")
    parsed = [parse_model(Tool, item, "the capabilities") for item in tools]
    clean_sources = [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []
    version = payload.get("schema_version")
    return Capabilities(
        tools=parsed,
        sources=clean_sources,
        schema_version=version if isinstance(version, str) else None,
    )


def parse_usage(payload: Any) -> UsagePage:
    """``{"items": [...], "next_cursor": ...}`` or a bare list."""
    items = _list_from(payload, ("items", "usage", "events", "data"), "the activity")
    events = [parse_model(UsageEvent, item, "the activity") for item in items]
    cursor = payload.get("next_cursor") if isinstance(payload, dict) else None
    return UsagePage(items=events, next_cursor=str(cursor) if cursor not in (None, "") else None)


_ENVELOPE_KEYS = frozenset(ToolResult.model_fields)


def parse_tool_result(payload: Any) -> ToolResult:
    """An ofe/1.0 envelope; a bare payload (no envelope keys) becomes its ``data``."""
    if isinstance(payload, dict) and _ENVELOPE_KEYS.intersection(payload):
        return parse_model(ToolResult, payload, "the tool result")
    return ToolResult(data=payload)
