"""The one path from server and file strings to a terminal: nothing but printable text.

A string from a server (or from a file this tool did not write) may hold escape sequences
that move the cursor, retitle the window or write to the clipboard (OSC 52), or invisible
format characters that reorder or hide what a person reads. What is *unsafe* here is every
character `str.isprintable` rejects: C0 and C1 controls and DEL (ESC and BEL among them),
format characters (category Cf: zero-width characters, bidi embeddings, overrides and
isolates, tag characters), line and paragraph separators, spaces other than the plain one,
surrogates, private-use and unassigned code points. Each shows as an escape instead.

- `visible(value)`: one value shown as it is (a name, an id, a status): unsafe characters
  as escapes (``\\e``, ``\\n``, ``\\x07``, ``\\u202e``, ``\\U000e0041``).
- `sanitize(text, limit)`: server text for a message: one line, secrets redacted, the rest
  as `visible` shows it.
- `printable_lines(text)`: a finished block of output (a CLI line or table): as `visible`,
  but its own line breaks stay line breaks.
- `json_text(data)`: JSON for ``--json``: valid, the same data, every unsafe character in a
  string written as a ``\\u`` escape (non-ASCII letters stay as they are).
- `strip_unsafe(text, cells)`: the last line of defence under a whole screen (the TUI's line
  filter): removes what can act on a terminal, keeping every cell where it was.

Render the results with `rich.text.Text` / `Content`, never as markup.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# What can act on a terminal or hide text: the strip_unsafe net removes these.
_ACTIVE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

# Anything that looks like a secret: OpenRush keys, JWTs, common vendors' API keys and
# tokens, and "Authorization: Bearer <token>". A `$VAR`/`${VAR}` reference is not a secret.
_WORD = r"(?!\$)[^\s\"',;]+"  # one header value, unless a $VAR reference
_SECRET_PATTERNS = (
    re.compile(r"\bor_[A-Za-z0-9_\-]{4,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-\.]{8,}"),
    re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\b(?:gh[pousr]_|github_pat_|glpat-|xox[abprs]-)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),
    re.compile(rf"(?i)\b(?:authorization|x-api-key)\s*[:=]\s*(?:bearer\s+)?{_WORD}"),
    re.compile(rf"(?i)\b(bearer)\s+{_WORD}"),
)
# A value under a name that says it is secret: `"api_key": "…"`, `token = "…"`. Values that
# name an environment variable (`OPENRUSH_KEY`, `${env:X}`) are references, not secrets.
_SECRET_FIELD = re.compile(
    r"""(?ix)
    (?P<name>["']?[A-Za-z0-9_.\-]*(?:key|token|secret|passw(?:or)?d|pwd|credentials?
       |auth(?:orization)?)["']?\s*[:=]\s*)
    (?P<quote>["'])(?P<value>(?![^"'\n]*\$)(?-i:(?![A-Z][A-Z0-9_]*["']))[^"'\n]+)(?P=quote)
    """)
REDACTED = "[redacted]"


# Every escape `_escape` writes, whole: a cut of visible text keeps or drops one whole
# (`text.cells`), never "\\u20…", which reads as another character.
ESCAPE = re.compile(r"\\(?:[nrte]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str | None) -> str:
    """`text` with every unsafe character shown as an escape (``\\e``, ``\\n``, ``\\u202e``).

    The result is still plain text: render it with `rich.text.Text`, never as markup.
    """
    if not text:
        return ""
    if text.isprintable():  # the usual case, checked at C speed
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def printable_lines(text: str) -> str:
    """A block of output made safe as a whole: like `visible`, but "\\n" stays a line break."""
    return "\n".join(visible(line) for line in text.split("\n"))


def redact_secrets(text: str) -> str:
    """`text` with anything that looks like a key, token or password replaced by [redacted]."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)} {REDACTED}" if m.lastindex else REDACTED,
                           text)
    return _SECRET_FIELD.sub(lambda m: f"{m['name']}{m['quote']}{REDACTED}{m['quote']}", text)


def sanitize(text: str, limit: int = 200) -> str:
    """Server text made safe for a message: one line, no secrets, unsafe characters visible."""
    text = visible(redact_secrets(" ".join(text.split())))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_JSON_UNSAFE = re.compile(r"[^\x00-\x7e]")  # where json.dumps(ensure_ascii=False) leaves
# characters as they are; C0 controls are always escaped by json itself.


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """`data` as JSON a terminal can show: unsafe characters in strings as ``\\u`` escapes.

    Only string contents can hold such characters (JSON's own syntax is ASCII), so escaping
    them after `json.dumps` keeps the JSON valid and the data the same.
    """
    dumped = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    return _JSON_UNSAFE.sub(_json_escape, dumped)


def strip_unsafe(text: str, cells: Callable[[str], int]) -> str:
    """`text` without anything that could act on a terminal (controls, format characters,
    separators, surrogates). Each goes in place: replaced by as many U+FFFD as the cells
    `cells` (the renderer's width function) counts for it, usually none, so that nothing
    else on the line moves."""
    if text.isprintable():
        return text
    kept = []
    for char in text:
        if char.isprintable() or unicodedata.category(char) not in _ACTIVE_CATEGORIES:
            kept.append(char)  # a no-break space, a private-use symbol: inert
        else:
            kept.append("\ufffd" * cells(char))
    return "".join(kept)
