"""Where a server's bytes become data: the one JSON decoder of the client.

The rules, stated once: a body is strict JSON (no ``NaN`` or ``Infinity``); a number that
does not fit (``1e400`` is infinite as a float, an integer of thousands of digits), or nesting
deep enough to exhaust Python's recursion, is "a shape this app does not understand" — a
`BadResponse`, never an OverflowError or RecursionError. Nothing here echoes the body beyond
a short sanitised excerpt of text that is not JSON at all (a key may be in there).
"""

from __future__ import annotations

import json
import math
from typing import Any

from openrush_tui.api.errors import BadResponse, bad_shape
from openrush_tui.text.safe import sanitize


class _OutOfRange(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange(text)
    return value


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 40:  # beyond any count, id or time this app reads
        raise _OutOfRange(text)
    return int(text)


def _no_constant(text: str) -> Any:
    raise _OutOfRange(text)  # NaN, Infinity, -Infinity: not JSON, whatever Python allows


def decode_json(content: bytes, what: str, status_code: int | None = None) -> Any:
    """The JSON value in `content`; BadResponse (naming `what`) when it is not usable JSON."""
    try:
        return json.loads(content, parse_float=_finite, parse_int=_integer,
                          parse_constant=_no_constant)
    except _OutOfRange:
        raise bad_shape(what, "a number is out of range", status_code) from None
    except RecursionError:
        raise bad_shape(what, "it is nested too deeply", status_code) from None
    except (ValueError, UnicodeDecodeError):
        excerpt = sanitize(content[:120].decode("utf-8", "replace"), 60)
        raise BadResponse(
            f"The server sent {what} that is not JSON"
            + (f" (it began “{excerpt}”)" if excerpt else ""),
            "Check that the API URL points at OpenRush, or try again later.",
            status_code,
        ) from None
