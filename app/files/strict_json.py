"""JSON as the standard defines it, for what comes from outside (a server, a file on disk).

Python's `json` accepts ``NaN`` and ``Infinity``, turns ``1e400`` into an infinite float and
recurses once per level of nesting: a value read that way can be written back as invalid JSON
(``Infinity``) or crash with RecursionError. `loads` refuses all of these with `NotStrictJson`
(a ValueError), whose text says why in a few words.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_INTEGER_DIGITS = 40  # beyond any count, id, amount or time this tool reads


class NotStrictJson(ValueError):
    """Not usable JSON; ``str()`` is the reason: "not JSON", "a number is out of range"…"""


class _OutOfRange(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange(text)
    return value


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _OutOfRange(text)
    return int(text)


def _no_constant(text: str) -> Any:
    raise _OutOfRange(text)  # NaN, Infinity, -Infinity: not JSON, whatever Python allows


def loads(content: str | bytes) -> Any:
    """The JSON value in `content`; NotStrictJson when it is not standard, usable JSON."""
    try:
        return json.loads(content, parse_float=_finite, parse_int=_integer,
                          parse_constant=_no_constant)
    except _OutOfRange:
        raise NotStrictJson("a number is out of range") from None
    except RecursionError:
        raise NotStrictJson("it is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise NotStrictJson("not JSON") from None
