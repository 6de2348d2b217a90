"""JSON with comments (JSONC), as VS Code's ``mcp.json`` and Gemini CLI's ``settings.json``
allow: ``//`` and ``/* */`` comments, and a comma before a closing ``}`` or ``]``.

`strict_twin` gives the same text with each comment and such trailing comma blanked to spaces
(line breaks kept): strict JSON of the same length, so a position in the twin is the same
position in the original. The merge (`agents.merge`) lets Python's own json decide what is
valid and where each member lies, on the twin, and edits the original at those positions:
every comment and the layout around our entry stay as the person wrote them. No JSONC library
does both the reading and an in-place edit with the care `merge` already takes (json5 and the
"jsonc" packages only read; round-trip editors are young or unmaintained), and the twin needs
no more than this tokenizer. Pure functions.
"""

from __future__ import annotations

_SPACE = " \t\r\n"


class JsoncError(ValueError):
    """Not JSONC: a comment that is never closed."""

    def __init__(self, msg: str, text: str, at: int) -> None:
        self.msg = msg
        self.lineno = text.count("\n", 0, at) + 1
        self.colno = at - text.rfind("\n", 0, at)
        super().__init__(f"{msg}: line {self.lineno} column {self.colno}")


def strict_twin(text: str) -> str:
    """`text` with its comments and trailing commas blanked (see the module's docstring).
    Anything else that is not JSON is left for the json parser to refuse."""
    spans, commas = _scan(text)
    out = list(text)
    for start, end in spans:
        for index in range(start, end):
            if text[index] not in "\r\n":
                out[index] = " "
    for index in commas:
        out[index] = " "
    return "".join(out)


def comments(text: str, outside: tuple[int, int] = (0, 0)) -> list[str]:
    """The comments of `text` in order, but those within `outside`'s span."""
    return [text[start:end] for start, end in _scan(text)[0]
            if end <= outside[0] or start >= outside[1] or outside[0] == outside[1]]


def _scan(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """The spans of the comments, and where the trailing commas are."""
    spans: list[tuple[int, int]] = []
    commas: list[int] = []
    at, size = 0, len(text)
    comma: int | None = None  # a comma followed so far only by space and comments
    before = ""  # the last character of JSON before `comma`: not one a comma cannot follow
    while at < size:
        char = text[at]
        if char == '"':
            at = _string_end(text, at)
            comma, before = None, '"'
            continue
        if text.startswith("//", at):
            end = at
            while end < size and text[end] not in "\r\n":
                end += 1
            spans.append((at, end))
            at = end
            continue
        if text.startswith("/*", at):
            end = text.find("*/", at + 2)
            if end < 0:
                raise JsoncError("a /* comment is not closed", text, at)
            spans.append((at, end + 2))
            at = end + 2
            continue
        if char in "}]" and comma is not None:
            commas.append(comma)  # trailing: JSONC allows it, JSON does not
        if char == ",":
            comma = at if before not in ("", "{", "[", ",") else None
        elif char not in _SPACE:
            comma = None
        if char not in _SPACE:
            before = char
        at += 1
    return spans, commas


def _string_end(text: str, quote: int) -> int:
    """Just past the string whose opening quote is at `quote` (the end of the text when it is
    never closed: the parser says so)."""
    at = quote + 1
    while at < len(text) and text[at] != '"':
        at += 2 if text[at] == "\\" else 1
    return min(at + 1, len(text))


def comma_follows(text: str, at: int, limit: int) -> bool:
    """Whether a comma comes after `at` (before `limit`), past space and block comments."""
    while at < limit:
        if text[at] in _SPACE:
            at += 1
        elif text.startswith("/*", at):
            end = text.find("*/", at + 2)
            at = limit if end < 0 else end + 2
        else:
            return text[at] == ","
    return False


def kept(before: list[str], after: list[str]) -> bool:
    """Whether each of `before` is in `after`, in the same order (others may come between)."""
    rest = iter(after)
    return all(any(item == other for other in rest) for item in before)
