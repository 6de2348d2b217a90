"""Where outside values become data: the decode boundary, and the one JSON decoder of the client.

**The boundary.** A date or a number from outside (the server, the command line, a file) is
checked where it enters, by one of these modules, and nowhere else:

- `api/decode.py` (this module): server bodies as strict JSON (`files.strict_json`, the one
  strict JSON decoder, which the settings file and the credential store are read with too);
- `api/models.py`: every field of every answer, its times in UTC within the calendar's margins
  and its counts within ±10**15; `api/errors.py`'s ``parse_retry_after`` for Retry-After;
- `clock.py`: instants typed on the command line or in a dialog (`parse_instant`), the
  calendar's margins (`EARLIEST`, `LATEST`), the latest expiry this client sends and the
  sandbox accepts (`LATEST_EXPIRY`), and the safe arithmetic (`shifted`, `day_shifted`);
- the `files` package reads local JSON strictly (`strict_json`); `agents` reads agent configs
  for their structure only (no number or date in them is computed with) and rewrites them
  keeping every number as it was spelt; the sandbox is the server side, with FastAPI
  validating its input.

**The rule** (tests/test_decode_guard.py fails when code in app/, screens/ or widgets/ breaks it):

1. Text is parsed into a date or JSON only in those modules: no ``fromisoformat``,
   ``strptime``, ``fromtimestamp``, ``parsedate_to_datetime`` or ``json.load(s)`` elsewhere.
2. A span (a ``timedelta``) is added to or taken from an instant or a day only by
   `clock.shifted` / `clock.day_shifted`, which stop at the calendar's ends instead of raising
   OverflowError (a 1970 key with a 9999 expiry has a lifetime no "now" can be moved by).
   Taking one instant from another, or comparing them, never overflows and needs nothing.
3. What is true of every value that passes: it can be formatted, compared and subtracted; a
   time may still lie in the future (clock skew, or a server's bug), so a rule that waits for
   one (rotation's when-idle wait) counts from when it saw the value, not from the value.

**JSON.** A body is strict JSON (no ``NaN`` or ``Infinity``); a number that does not fit
(``1e400`` is infinite as a float, an integer of thousands of digits), or nesting deep enough
to exhaust Python's recursion, is "a shape this app does not understand" — a `BadResponse`,
never an OverflowError or RecursionError. Nothing here echoes the body beyond a short sanitised
excerpt of text that is not JSON at all (a key may be in there).
"""

from __future__ import annotations

from typing import Any

from openrush_tui.api.errors import BadResponse, bad_shape
from openrush_tui.files import strict_json
from openrush_tui.text.safe import sanitize


def decode_json(content: bytes, what: str, status_code: int | None = None) -> Any:
    """The JSON value in `content`; BadResponse (naming `what`) when it is not usable JSON."""
    try:
        return strict_json.loads(content)
    except strict_json.NotStrictJson as problem:
        if str(problem) != "not JSON":  # a number out of range, nesting too deep
            raise bad_shape(what, str(problem), status_code) from None
    excerpt = sanitize(content[:120].decode("utf-8", "replace"), 60)
    raise BadResponse(
        f"The server sent {what} that is not JSON"
        + (f" (it began “{excerpt}”)" if excerpt else ""),
        "Check that the API URL points at OpenRush, or try again later.",
        status_code,
    )
