"""The one place that decides whether the terminal can show Unicode glyphs (blocks, box
lines, ✓, …, ›, ·, arrows), and their ASCII stand-ins where it cannot.

Python runs in UTF-8 mode under the C locale (PEP 540), so its stdout says "utf-8" even where
the terminal shows only ASCII: like tmux, this reads the locale variables a terminal program
goes by, the first set of LC_ALL, LC_CTYPE and LANG. Its codeset must be UTF-8 (``C.UTF-8``,
``en_GB.utf8``); ``C``, ``POSIX``, ``en_US.ISO-8859-1`` or a name without one mean ASCII. With
none set, glyphs stay (a bare environment, not a limited terminal, is the usual cause), unless
stdout's encoding cannot write them (``PYTHONIOENCODING=ascii``).

Two forms of stand-in: `plain` for text that is laid out after it is made (a CLI table, a
chart's label: "…" becomes "...", "≥" ">="), and `cell_table` for what is already laid out
(every line the dashboard draws, Textual's borders included: one ASCII character per cell,
`widgets.plain_glyphs`). Strings from the server are never passed through `plain`; on the
dashboard, the cell table changes how their punctuation is drawn, never the strings.
"""

from __future__ import annotations

import locale
import os
import sys
import unicodedata
from collections.abc import Mapping
from functools import cache

_PROBE = "…│█✓›·→"  # glyphs this tool draws: an encoding that cannot write them cannot show them

# Our glyphs in ASCII, for text measured after it is made.
WORDS = {"…": "...", "·": "-", "›": ">", "‹": "<", "✓": "*", "✗": "x", "→": "->", "←": "<-",
         "↑": "^", "↓": "v", "≥": ">=", "≤": "<=", "—": "--", "–": "-", "“": '"', "”": '"',
         "‘": "'", "’": "'", "•": "*", "▲": "^", "▼": "v", "●": "*", "○": "o", "│": "|",
         "─": "-", "┤": "+", "└": "+", "█": "#", "▒": "%", "░": ".", "\ufffd": "?"}


def ascii_only(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> bool:
    """Whether glyphs must be ASCII here (see the module's docstring). `environ` and
    `encoding` default to this process's environment and the encoding Python gives stdout."""
    env = os.environ if environ is None else environ
    chosen = _locale_name(env)
    if chosen is not None and not _is_utf8(chosen):
        return True
    if encoding is None:  # what Python gives stdout (never read from it: `commands.output`)
        encoding = (env.get("PYTHONIOENCODING", "").partition(":")[0]
                    or ("utf-8" if sys.flags.utf8_mode else locale.getpreferredencoding(False)))
    try:
        _PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


# What Python sets LC_CTYPE to when it coerces a C locale (PEP 538): under LANG=C it does, so
# LC_CTYPE=C.UTF-8 then says nothing about the terminal, and LANG is what the user chose.
_COERCED = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})


def _locale_name(env: Mapping[str, str]) -> str | None:
    """The locale that decides the character set: LC_ALL, else LC_CTYPE, else LANG (POSIX's
    order), seeing through Python's own coercion of LANG=C."""
    if env.get("LC_ALL"):
        return env["LC_ALL"]
    ctype, lang = env.get("LC_CTYPE"), env.get("LANG")
    if ctype in _COERCED and lang and not _is_utf8(lang):
        return lang
    return ctype or lang or None


def _is_utf8(name: str) -> bool:
    codeset = name.partition(".")[2].partition("@")[0]
    return codeset.replace("-", "").replace("_", "").lower() == "utf8"


def plain(text: str, ascii: bool | None = None) -> str:
    """`text` (ours, never a server's string) with its glyphs in ASCII where they cannot be
    shown (`ascii`: decided by the caller; None: `ascii_only()`)."""
    if text.isascii() or not (ascii_only() if ascii is None else ascii):
        return text
    return "".join(WORDS.get(char, char) for char in text)


# Ranges of one-cell symbols with an ASCII look-alike (by their Unicode names below).
_RANGES = ((0x2010, 0x2027), (0x2030, 0x205E), (0x2190, 0x21FF), (0x2264, 0x2265),
           (0x23CE, 0x23CE), (0x2500, 0x25FF), (0x2700, 0x2718), (0x00B7, 0x00B7),
           (0xFFFD, 0xFFFD))
# Block elements, first match wins: the lower eighths of a bar, the half blocks of Textual's
# tall and thick borders, and a toggle's sides (▐X▌ reads [X]).
_BLOCKS = (("LOWER ONE EIGHTH", "_"), ("LOWER ONE QUARTER", "_"), ("LOWER THREE EIGHTHS", "_"),
           ("LOWER HALF", "="), ("LOWER", "#"), ("UPPER", "-"), ("RIGHT HALF", "["),
           ("LEFT HALF", "]"), ("LEFT", "|"), ("RIGHT", "|"), ("LIGHT SHADE", "."),
           ("MEDIUM SHADE", "%"), ("", "#"))
_SYMBOLS = (("LEFT-POINTING", "<"), ("RIGHT-POINTING", ">"), ("LEFTWARDS", "<"),
            ("RIGHTWARDS", ">"), ("UPWARDS", "^"), ("DOWNWARDS", "v"), ("UP-POINTING", "^"),
            ("DOWN-POINTING", "v"), ("SINGLE", "'"), ("APOSTROPHE", "'"), ("QUOTATION", '"'),
            ("DASH", "-"), ("HYPHEN", "-"), ("BULLET", "*"), ("CHECK", "*"), ("BALLOT", "x"),
            ("MULTIPLICATION", "x"), ("ELLIPSIS", "."), ("MIDDLE DOT", "-"),
            ("BLACK CIRCLE", "*"), ("CIRCLE", "o"), ("GREATER", ">"), ("LESS", "<"),
            ("SQUARE", "#"), ("DIAMOND", "*"), ("REPLACEMENT", "?"),
            ("RETURN SYMBOL", "<"))  # the footer's Enter


def _stand_in(name: str) -> str | None:
    if name.startswith("BOX DRAWINGS"):
        if "DIAGONAL" in name:
            return "X" if "CROSS" in name else "/" if "UPPER RIGHT" in name else "\\"
        if " AND " in name or "ARC" in name:
            return "+"  # a corner, a tee or a cross
        if "HORIZONTAL" in name or name.endswith(("LEFT", "RIGHT")):
            return "-"
        return "|"  # vertical, or half of it (UP, DOWN)
    if name.endswith("BLOCK") or "SHADE" in name or "QUADRANT" in name:
        return next(ascii for part, ascii in _BLOCKS if part in name)
    return next((ascii for part, ascii in _SYMBOLS if part in name), None)


@cache
def cell_table() -> dict[int, str]:
    """For `str.translate`: each symbol of `_RANGES` that has a stand-in, as one ASCII
    character (it takes one cell, so nothing drawn moves)."""
    table: dict[int, str] = {}
    for low, high in _RANGES:
        for code in range(low, high + 1):
            stand_in = _stand_in(unicodedata.name(chr(code), ""))
            if stand_in is not None and unicodedata.east_asian_width(chr(code)) not in "WF":
                table[code] = stand_in
    return table
