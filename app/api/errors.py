"""Typed errors of the OpenRush client, each with a human sentence and a hint.

Every error carries ``message`` (what happened), ``hint`` (what to do) and ``status_code``
(``None`` when no HTTP answer was received). ``str(error)`` is the two joined. No message ever
contains a key, a token, an ``Authorization`` header or a raw response body: server-provided
text passes through `openrush_tui.text.safe.sanitize` first. The root class, `OpenRushError`,
lives in `openrush_tui.errors`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from openrush_tui.errors import SIGN_IN_AGAIN, OpenRushError, key_refusal
from openrush_tui.text.safe import sanitize

if TYPE_CHECKING:
    from collections.abc import Mapping

BILLING_URL = "https://www.openrush.com/dashboard/billing"
# Said after a write (create, revoke) that was sent but not answered readably.
MAY_HAVE_HAPPENED = ("The request may still have gone through; check (for example by "
                     "refreshing) before trying again.")
# The longest wait a Retry-After is taken to ask for: `inf`, `1e400` or a date in the year
# 9999 are read as "more than a day", never as a number to print or to sleep.
LONGEST_WAIT = 86_400.0


class HttpAnswer(Protocol):
    """What the error mapping reads of an answer (an httpx.Response, or the client's own)."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...

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
    """The server answered, but not with JSON of the shape the contract describes.

    After a write, `may_have_succeeded` is True: a 2xx that cannot be read still means done.
    """

    def __init__(self, message: str, hint: str = "", status_code: int | None = None, *,
                 may_have_succeeded: bool = False) -> None:
        self.may_have_succeeded = may_have_succeeded
        super().__init__(message, hint, status_code)


def bad_shape(what: str, problem: str = "", status_code: int | None = None) -> BadResponse:
    """Data the app cannot use: a wrong type, a missing field, a number or date out of range."""
    message = f"The server sent {what} in a shape this app does not understand"
    if problem:
        message += f" ({problem})"
    return BadResponse(message, "Check that the API URL points at OpenRush, or try again later.",
                       status_code)


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


# A 401 to a Dashboard session token (a JWT) that nothing here can renew: pasted, or the
# sandbox's demo session (a browser sign-in's is renewed first: `api.client`).
SESSION_REFUSED = "This session token has expired or was revoked: sign in again"


class SessionRefused(Unauthorized):
    """401 to a session token (`SESSION_REFUSED`); `detail` keeps the server's words."""


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


def _body_json(response: HttpAnswer) -> Any:
    # lazy: cycle (decode raises these errors)
    from openrush_tui.api.decode import decode_json

    try:
        return decode_json(response.content, "an error") if response.content else None
    except BadResponse:
        return None


def detail_of(response: HttpAnswer) -> str:
    """``detail`` (string or list), then ``error``, then ``message``, else the status line."""
    body = _body_json(response)
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            text = _text_of(body.get(key))
            if text:
                return text
    return f"{response.status_code} {response.reason_phrase}".strip()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), at most `LONGEST_WAIT`; None
    when absent or unreadable. `inf`, `1e400` and far dates are capped, never an error."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            # lazy: start-up (an HTTP-date Retry-After is rare)
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), LONGEST_WAIT)


def wait_text(seconds: float) -> str:
    """A wait as people say it: "42 seconds", "3 minutes", "2 hours", "more than a day"."""
    if seconds >= LONGEST_WAIT:
        return "more than a day"
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 1.5 * size:
            count = round(seconds / size)
            return f"{count} {unit}s"
    whole = max(1, round(seconds))
    return "1 second" if whole == 1 else f"{whole} seconds"


# --------------------------------------------------------------------------- the mapping


def error_for_response(response: HttpAnswer, *, write: bool = False) -> ApiError:
    """The typed error for a non-2xx response (the body must already be read).

    `write`: the request was a create or revoke. Only a 4xx says it was refused; after any
    other answer it may have happened (`may_have_succeeded`), and the hint says so.
    """
    error = _error_for(response)
    if write and not 400 <= response.status_code <= 499:
        error.may_have_succeeded = True
        error.hint = MAY_HAVE_HAPPENED
    return error


def _error_for(response: HttpAnswer) -> ApiError:
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
    if code == 401:  # the one wording of a refused key (Setup's says the same)
        refusal = key_refusal(detail if has_detail else "")
        return Unauthorized(refusal.sentence, SIGN_IN_AGAIN, code, detail=detail)
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
        if retry_after is not None and retry_after >= LONGEST_WAIT:
            hint = "The server asked to wait more than a day; try again later."
        elif retry_after is not None:
            hint = f"Wait {wait_text(retry_after)} and try again."
        else:
            hint = "Wait a moment and try again."
        return RateLimited(
            "Too many requests: the rate limit was reached",
            hint,
            code,
            detail=detail,
            retry_after=retry_after,
        )
    # The server's own words say what failed (e.g. "the sandbox database is locked").
    said = f": {detail}" if has_detail else ""
    if code == 503:
        return ServerError(
            f"The OpenRush service is unavailable{said}", "Try again shortly.", code,
            detail=detail
        )
    if 500 <= code <= 599:
        return ServerError(
            f"The OpenRush service failed ({status_line}){said}",
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

