"""The one path from server and file strings to a terminal: nothing but printable text.

A string from a server (or from a file this tool did not write) may hold escape sequences
that move the cursor, retitle the window or write to the clipboard (OSC 52), or invisible
format characters that reorder or hide what a person reads. What is *unsafe* here is every
character `str.isprintable` rejects: C0 and C1 controls and DEL (ESC and BEL among them),
format characters (category Cf: zero-width characters, bidi embeddings, overrides and
isolates, tag characters), line and paragraph separators, spaces other than the plain one,
surrogates, private-use and unassigned code points. Each shows as an escape instead.

One exception: a zero-width joiner inside an emoji ZWJ sequence (a pictograph, perhaps a
variation selector or skin tone after it, the joiner, a pictograph: "👩‍💻") is left out, so
the emoji show side by side ("👩💻"). That looks the same in every terminal, and each emoji
keeps the two cells every width table gives it, where a joined glyph takes two cells in some
terminals and four in others (a table's columns would not line up). A joiner anywhere else,
and every non-joiner, stays an escape: invisible between letters, it would let two names
that differ look the same.

- `visible(value)`: one value shown as it is (a name, an id, a status): unsafe characters
  as escapes (``\\e``, ``\\n``, ``\\x07``, ``\\u202e``, ``\\U000e0041``), a joiner
  between two emoji left out.
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
from bisect import bisect_right
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


_JOINER = "\u200d"
# Unicode's Extended_Pictographic property (emoji-data.txt; Python's unicodedata lacks it),
# as the first and last code point of each range.
_PICTOGRAPHIC = (
    (0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)
_PICTOGRAPHIC_STARTS = tuple(start for start, _end in _PICTOGRAPHIC)
# What may stand between a pictograph and its joiner: variation selectors, skin tones.
_EMOJI_MODIFIERS = frozenset("\ufe0e\ufe0f" + "".join(map(chr, range(0x1F3FB, 0x1F400))))


def pictographic(char: str) -> bool:
    """Whether `char` is Extended_Pictographic (what an emoji ZWJ sequence joins)."""
    code = ord(char)
    index = bisect_right(_PICTOGRAPHIC_STARTS, code) - 1
    return index >= 0 and code <= _PICTOGRAPHIC[index][1]


def _joins_emoji(text: str, at: int) -> bool:
    """Whether the joiner at `at` joins two emoji: a pictograph (modifiers after it allowed)
    before it, a pictograph right after it."""
    if at + 1 >= len(text) or not pictographic(text[at + 1]):
        return False
    before = at - 1
    while before >= 0 and text[before] in _EMOJI_MODIFIERS:
        before -= 1
    return before >= 0 and pictographic(text[before])


def visible(text: str | None) -> str:
    """`text` with every unsafe character shown as an escape (``\\e``, ``\\n``, ``\\u202e``),
    but a joiner between two emoji left out ("👩‍💻" shows as "👩💻"; see the module's notes).

    The result is still plain text: render it with `rich.text.Text`, never as markup.
    """
    if not text:
        return ""
    if text.isprintable():  # the usual case, checked at C speed
        return text
    return "".join(
        char if char.isprintable()
        else "" if char == _JOINER and _joins_emoji(text, index)
        else _escape(char)
        for index, char in enumerate(text))


# What a narrow table puts where it cut a name (`text.cells.cut`; "..." under LANG=C).
CUT_MARKS = ("…", "...")


def names(name: str, text: str) -> bool:
    """Whether `text` names `name`: as it is, as `visible` shows it (`shown_as`), or as a
    narrow table cut it (`cut_names`). A cut is to be taken only when it names one key."""
    return shown_as(name, text) or cut_names(name, text)


def shown_as(name: str, text: str) -> bool:
    """Whether `text` is `name` as it is, or as `visible` shows it (a name copied from the
    output: an emoji joiner left out, an escape as written)."""
    return name == text or visible(name) == text


def is_cut(text: str) -> bool:
    """Whether `text` reads as a name cut by a table: a cut mark and something beside it."""
    return any(mark in text and text != mark for mark in CUT_MARKS)


def cut_names(name: str, text: str) -> bool:
    """Whether `text` is `name` as a narrow table shows it cut (`text.cells.cut`, `Apart`):
    what is before the mark its start, what is after it its end, and at least a character
    left out between them (the table cuts only what does not fit). A cut at the start, in
    the middle or at the end alike; one mark only (the table puts one)."""
    for mark in CUT_MARKS:
        if text.count(mark) != 1 or text == mark:
            continue
        start, _, end = text.partition(mark)
        return any(len(shown) > len(start) + len(end) and shown.startswith(start)
                   and shown.endswith(end) for shown in {name, visible(name)})
    return False


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
