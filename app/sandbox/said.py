"""What a usage event keeps of the answer to a failed call: the server's message (OURS `error`).

The Guard records the message the sandbox answered with, read back from the error body it
sends (`error_text`): FastAPI's ``{"detail": "…"}`` as it is, its 422 list as "field:
message" items, Starlette's plain-text 500 as its text. Only the human part is kept, never a
422's ``input`` (what the caller sent may be a key), on one line and at most ERROR_LIMIT
characters. The demo data's failures say what the sandbox would have said (`seeded_error`).
"""

from __future__ import annotations

import json
from typing import Any

from openrush_tui.sandbox.routes import INSUFFICIENT

ERROR_LIMIT = 500  # characters of a message kept
BODY_LIMIT = 16 * 1024  # bytes of an error body read for it (the sandbox's are far smaller)
SERVER_ERROR = "Internal Server Error"  # Starlette's text for an exception
# Where FastAPI's 422 says a value came from: left out of "name: String should…".
_PLACES = frozenset({"body", "query", "path", "header", "cookie"})


def one_line(text: str) -> str | None:
    """`text` on one line, at most ERROR_LIMIT characters; None when empty."""
    line = " ".join(text.split())[:ERROR_LIMIT]
    return line or None


def detail_text(detail: Any) -> str | None:
    """A ``detail`` (or ``message``) as one line: a string, or FastAPI's list of problems."""
    if isinstance(detail, str):
        return one_line(detail)
    if isinstance(detail, list):
        parts = []
        for item in detail[:5]:
            if not isinstance(item, dict) or not isinstance(item.get("msg"), str):
                continue
            loc = [str(part) for part in item.get("loc") or () if isinstance(part, str | int)]
            where = ".".join(loc[1:] if loc and loc[0] in _PLACES else loc)
            parts.append(f"{where}: {item['msg']}" if where else item["msg"])
        return one_line("; ".join(parts))
    return None


def error_text(body: bytes) -> str | None:
    """The message of an error body the sandbox sent: its JSON ``detail``, else its text."""
    try:
        payload = json.loads(body)
    except ValueError:  # not JSON (UnicodeDecodeError is one): a plain-text answer
        return one_line(body.decode("utf-8", "replace"))
    if isinstance(payload, dict):
        return detail_text(payload.get("detail", payload.get("message")))
    return None


# -- the demo data's failures ------------------------------------------------------------------


def seeded_error(code: int, tool: str | None, *, gated: bool = False,
                 revoked: bool = False) -> str | None:
    """What the sandbox answers a call that failed with `code` (None for a success)."""
    if 200 <= code < 300:
        return None
    if code == 401:
        return "API key has been revoked." if revoked else "API key has expired."
    if code == 402:
        return f"{tool} is not enabled for this account." if gated else INSUFFICIENT
    if code == 422:
        return "Input should be a valid dictionary"  # arguments that are not an object
    if code == 429:
        return "Rate limit exceeded: 60 requests per minute. Retry in 30 seconds."
    return SERVER_ERROR
