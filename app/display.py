"""Turning server strings into text that shows literally: no markup, no escape sequences."""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the bidi overrides that can reorder what a user reads.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def visible(text: str | None) -> str:
    """`text` with every control character shown as an escape (``\\n``, ``\\e``, ``\\x07``).

    The result is still plain text: render it with `rich.text.Text`, never as markup.
    """
    if not text:
        return ""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)
