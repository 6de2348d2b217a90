"""Turning server and file strings into text that shows literally: no markup, no escape sequences.

`visible` keeps a string's content and shows its control characters as escapes (for names and
ids shown as they are); `sanitize` makes one short line for a message, with anything that
looks like a secret redacted. Render either with `rich.text.Text`, never as markup.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the bidi overrides that can reorder what a user reads.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}

# Anything that looks like a secret: OpenRush keys, JWTs, and "Bearer <token>".
_SECRET_PATTERNS = (
    re.compile(r"\bor_[A-Za-z0-9_\-]{4,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-\.]{8,}"),
    re.compile(r"(?i)\b(?:authorization|x-api-key)\s*[:=]\s*(?:bearer\s+)?\S+"),
    re.compile(r"(?i)\b(bearer)\s+\S+"),
)
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def visible(text: str | None) -> str:
    """`text` with every control character shown as an escape (``\\n``, ``\\e``, ``\\x07``).

    The result is still plain text: render it with `rich.text.Text`, never as markup.
    """
    if not text:
        return ""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def sanitize(text: str, limit: int = 200) -> str:
    """Server text made safe for a message: one line, no control characters, no secrets."""
    text = _CONTROL_RUN.sub(" ", text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + " [redacted]" if m.lastindex else "[redacted]", text
        )
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
