"""Indented JSON, fast: what ``text.safe.json_text(data, indent=2)`` gives, byte for byte, in
a seventh of the time, for the writer's streams (`output.JsonArray`).

Why: Python's `json` module indents with its pure-Python encoder (only compact output has
the C one), and at 50,000 keys that was half of `keys list --json`'s time. pydantic-core's
encoder (already loaded: the models are pydantic's) writes the same text for the values it
is given here: strings, whole numbers, true/false/null, lists, and objects whose keys are
strings. Anything else (a float: Rust spells ``1e+16`` as ``1e16``; a null key; a lone
surrogate), and any text with characters `text.safe` escapes (everything outside printable
ASCII), goes through `json_text` itself. So the output is always the reference's; this is
only faster where it can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from openrush_tui.text.safe import json_text

_SCALARS = frozenset({str, int, bool, type(None)})
_KEYS = frozenset({str})
_ALLOWED = _SCALARS | {dict, list}


def indented(value: Any, depth: int = 0) -> str:
    """`value` as ``json_text(value, indent=2)`` prints it, nested `depth` levels deep (its
    lines after the first indented two spaces a level), safe for a terminal."""
    text = _fast(value)
    if text is None:  # the reference
        text = json_text(value, indent=2)
    # A string holds no line break (JSON spells it \n): every "\n" is the indentation's.
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def items(values: Sequence[Any], depth: int) -> str:
    """The elements of an array nested `depth` deep, as its indented text has them between
    its first line (``[``) and its last (``]``): each at `depth` + 1, after its indentation,
    separated by ``,`` and a line break. The whole page at once where it can be."""
    if not values:
        return ""
    inner = "  " * (depth + 1)
    text = _fast(list(values))
    if text is None:  # each alone: only those that need it take the long way
        return inner + (",\n" + inner).join(indented(value, depth + 1) for value in values)
    text = text.replace("\n", "\n" + "  " * depth) if depth else text
    return text[2:len(text) - 2 - 2 * depth]  # less "[\n" and "\n]" with its indentation


def dumped_items(values: Sequence[Any], depth: int) -> str | None:
    """`items` of `values` as pydantic-core writes them, for values it writes as the reference
    does once made JSON (`model_dump(mode="json")`: its times are its own); None where the
    text may not be the reference's (anything outside printable ASCII), for the caller to
    take the long way. Not checked as `items` checks: the caller knows its values."""
    if not values:
        return ""
    try:
        text = to_json(values, indent=2).decode()
    except (PydanticSerializationError, UnicodeDecodeError, ValueError):
        return None
    if not text.isascii() or "\x7f" in text:
        return None
    text = text.replace("\n", "\n" + "  " * depth) if depth else text
    return text[2:len(text) - 2 - 2 * depth]


def _fast(value: Any) -> str | None:
    """pydantic-core's indented text of `value`; None where it may not be the reference's."""
    if not _plain(value):
        return None
    try:
        text = to_json(value, indent=2).decode()
    except (PydanticSerializationError, UnicodeDecodeError, ValueError):
        return None
    return text if text.isascii() and "\x7f" not in text else None


def _plain(value: Any) -> bool:
    """Only strings, whole numbers, true/false/null, lists and objects keyed by strings. Level
    by level, each level's types taken at once: a page of 5,000 keys in a few milliseconds."""
    level = [value]
    while level:
        kinds = set(map(type, level))
        if kinds <= _SCALARS:
            return True
        if not kinds <= _ALLOWED:
            return False
        objects = [item for item in level if type(item) is dict]
        if not set(map(type, chain.from_iterable(objects))) <= _KEYS:
            return False
        level = [*chain.from_iterable(map(dict.values, objects)),
                 *chain.from_iterable(item for item in level if type(item) is list)]
    return True
