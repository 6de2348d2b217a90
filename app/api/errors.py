"""Typed errors of the OpenRush client, each with a human sentence and a hint.

Every error carries ``message`` (what happened), ``hint`` (what to do) and ``status_code``
(``None`` when no HTTP answer was received). ``str(error)`` is the two joined. No message ever
contains a key, a token, an ``Authorization`` header or a raw response body: server-provided
text passes through `openrush_tui.text.safe.sanitize` first. The root class, `OpenRushError`,
lives in `openrush_tui.errors`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import sanitize

if TYPE_CHECKING:
    import httpx

BILLING_URL = "https://www.openrush.com/dashboard/billing"

class InsecureURLError(OpenRushError, ValueError):
    """The base URL would send the key unencrypted, or is not a usable URL at all."""


class InvalidKeyFormat(OpenRushError, ValueError):
    """The key contains characters that cannot travel in an HTTP header (e.g. inner spaces)."""


class NoAnswer(OpenRushError):
    """No HTTP answer arrived. `may_have_succeeded`: a POST that may still have taken effect."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        status_code: int | None = None,
        *,
        may_have_succeeded: bool = False,
    ) -> None:
        self.may_have_succeeded = may_have_succeeded
        super().__init__(message, hint, status_code)


class ApiTimeout(NoAnswer):
    """No answer in time (connect or read)."""


class ConnectionFailed(NoAnswer):
    """DNS failure, refused or dropped connection."""


class BadResponse(OpenRushError):
    """The server answered, but not with JSON of the shape the contract describes."""


class ApiError(OpenRushError):
    """An HTTP error answer; ``detail`` is the server's own (sanitized) explanation."""

    def __init__(
        self, message: str, hint: str = "", status_code: int | None = None, *, detail: str = ""
    ) -> None:
        self.detail = detail
        super().__init__(message, hint, status_code)


class BadRequest(ApiError):
    """400."""


class Unauthorized(ApiError):
    """401, or a protected call attempted with no key at all (``status_code`` None)."""


class PaymentRequired(ApiError):
    """402: not enough credits, or a gated feature."""


class NotFound(ApiError):
    """404."""


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class ValidationFailed(ApiError):
    """422 with FastAPI's list of field errors."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        status_code: int | None = None,
        *,
        detail: str = "",
        field_errors: list[FieldError] | None = None,
    ) -> None:
        self.field_errors: list[FieldError] = list(field_errors or [])
        super().__init__(message, hint, status_code, detail=detail)

    def for_field(self, name: str) -> str | None:
        """The first message about ``name``, or None."""
        for error in self.field_errors:
            if error.field == name:
                return error.message
        return None


class RateLimited(ApiError):
    """429; ``retry_after`` in seconds when the server said."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        status_code: int | None = None,
        *,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, hint, status_code, detail=detail)


class ServerError(ApiError):
    """5xx."""


# --------------------------------------------------------------------------- parsing bodies

_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def _field_of(loc: Any) -> str:
    if not isinstance(loc, list | tuple):
        return str(loc) if loc not in (None, "") else ""
    names = [str(p) for p in loc if isinstance(p, str) and p not in _LOCATIONS]
    return names[-1] if names else ""


def _clean_msg(msg: Any) -> str:
    text = sanitize(str(msg or ""), 160)
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def field_errors_from(detail: Any) -> list[FieldError]:
    """FastAPI's ``[{type, loc, msg, input}]`` as FieldErrors (``input`` is never read)."""
    if not isinstance(detail, list):
        return []
    errors = []
    for item in detail:
        if isinstance(item, dict):
            errors.append(FieldError(_field_of(item.get("loc")), _clean_msg(item.get("msg"))))
        elif isinstance(item, str):
            errors.append(FieldError("", _clean_msg(item)))
    return errors


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list):
        parts = []
        for error in field_errors_from(value):
            parts.append(f"{error.field}: {error.message}" if error.field else error.message)
        return sanitize("; ".join(p for p in parts if p))
    if isinstance(value, dict):
        for key in ("message", "msg", "detail"):
            if isinstance(value.get(key), str):
                return sanitize(value[key])
    return ""


def _body_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def detail_of(response: httpx.Response) -> str:
    """``detail`` (string or list), then ``error``, then ``message``, else the status line."""
    body = _body_json(response)
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            text = _text_of(body.get(key))
            if text:
                return text
    return f"{response.status_code} {response.reason_phrase}".strip()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime  # rare: kept off start-up

            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


# --------------------------------------------------------------------------- the mapping


def error_for_response(response: httpx.Response) -> ApiError:
    """The typed error for a non-2xx response (the body must already be read)."""
    code = response.status_code
    detail = detail_of(response)
    status_line = f"{code} {response.reason_phrase}".strip()
    has_detail = detail != status_line

    if code == 400:
        message = (
            f"The server rejected the request: {detail}"
            if has_detail
            else ("The server rejected the request as malformed")
        )
        return BadRequest(
            message, "Check the values you entered and try again.", code, detail=detail
        )
    if code == 401:
        return Unauthorized(
            "The server did not accept the API key",
            "The key is wrong, revoked or expired; sign in again.",
            code,
            detail=detail,
        )
    if code == 402:
        if "credit" in detail.lower() or not has_detail:
            message = "Not enough credits for this request"
        else:
            message = f"This feature is not available on your plan: {detail}"
        return PaymentRequired(
            message,
            f"Buy credits or upgrade on the web Billing page: {BILLING_URL}",
            code,
            detail=detail,
        )
    if code == 404:
        message = detail if has_detail else "The requested item was not found"
        return NotFound(
            message,
            "It may have been deleted or never existed; refresh and try again.",
            code,
            detail=detail,
        )
    if code == 422:
        body = _body_json(response)
        raw = body.get("detail") if isinstance(body, dict) else None
        fields = field_errors_from(raw)
        if fields:
            summary = "; ".join(
                f"{e.field}: {e.message}" if e.field else e.message for e in fields[:3]
            )
            message = f"The server rejected some values ({sanitize(summary)})"
        else:
            message = (
                f"The server rejected some values: {detail}"
                if has_detail
                else ("The server rejected some values")
            )
        return ValidationFailed(
            message, "Correct them and try again.", code, detail=detail, field_errors=fields
        )
    if code == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            hint = f"Wait {_seconds(retry_after)} and try again."
        else:
            hint = "Wait a moment and try again."
        return RateLimited(
            "Too many requests: the rate limit was reached",
            hint,
            code,
            detail=detail,
            retry_after=retry_after,
        )
    if code == 503:
        return ServerError(
            "The OpenRush service is unavailable", "Try again shortly.", code, detail=detail
        )
    if 500 <= code <= 599:
        return ServerError(
            f"The OpenRush service failed ({status_line})",
            "Try again shortly; if it keeps failing, the service may be down.",
            code,
            detail=detail,
        )
    if 300 <= code <= 399:
        return ApiError(
            f"The server answered with an unexpected redirect ({status_line})",
            "Check the API URL.",
            code,
            detail=detail,
        )
    message = f"The server refused the request ({status_line})"
    if has_detail:
        message += f": {detail}"
    return ApiError(message, "Check the request and the API URL.", code, detail=detail)


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return "1 second" if whole == 1 else f"{whole} seconds"
