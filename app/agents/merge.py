"""Merging the OpenRush server entry into an agent's JSON or TOML config text, or taking it
out again (`remove_json`, `remove_toml`: the entry's own text goes, every other byte stays).

Merging touches only our entry (``openrush``) under the agent's container key. Inside it,
the keys that say how to connect are ours and set exactly (a stale ``headers.Authorization``
or ``command`` goes); anything else the person added there stays. If the merged result
equals what the file already says, the original text is kept byte for byte, so a second
install changes nothing; otherwise only our entry's text changes, so what the write does not
touch keeps its line endings (CRLF), duplicate keys and number spellings (``1e400`` stays
``1e400``, not ``Infinity``). A text that cannot be parsed, or whose shape is not what the agent
expects, raises `ConfigFileError` and is never rewritten. Pure functions: no file I/O.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import tomlkit
from tomlkit.items import InlineTable, Table

from openrush_tui.agents import jsonc
from openrush_tui.agents.catalog import SERVER_NAME
from openrush_tui.agents.jsonc import JsoncError, comma_follows, kept, strict_twin
from openrush_tui.errors import OpenRushError

# The keys of a server entry that decide how to connect; we own them in our entry.
_CONNECTION_KEYS = frozenset({"type", "url", "serverUrl", "httpUrl", "command", "args",
                              "transport", "bearer_token_env_var"})


class ConfigFileError(OpenRushError):
    """The config file was left untouched; the message says why and what to do."""


def _merged_entry(current: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """Our entry, keeping whatever else the person put in an existing one."""
    if not isinstance(current, dict):
        return dict(entry)
    merged = {k: v for k, v in current.items() if k not in _CONNECTION_KEYS or k in entry}
    merged.update({k: v for k, v in entry.items() if k != "headers"})
    headers = {k: v for k, v in (merged.get("headers") or {}).items()
               if k.lower() != "authorization"} if isinstance(merged.get("headers"), dict) \
        else {}
    headers.update(entry.get("headers", {}))
    if headers:
        merged["headers"] = headers
    else:
        merged.pop("headers", None)
    return merged


def merge_json(text: str | None, container: str, entry: dict[str, Any], shown: str, *,
               comments: bool = False) -> str:
    """`text` with our entry set under `container`, every other byte of it kept: only the
    entry's own span is replaced (or a member inserted), so line endings, duplicate keys,
    number spellings (``1e400``, ``1.0000000000000001``) and layout elsewhere survive. With
    `comments` the file may be JSONC (`agents.jsonc`): its comments and trailing commas stay
    where they are (those inside our own entry go with it)."""
    if text is None or not text.strip():
        return _dump({container: {SERVER_NAME: entry}}, "  ", "", "\n") + "\n"
    twin = _twin(text, shown, comments, " Fix it, or add the snippet by hand.")
    doc = _parse_json(twin, shown, comments, " Fix it, or add the snippet by hand.")
    servers = doc.get(container, {})
    if not isinstance(servers, dict):
        raise ConfigFileError(f"“{container}” in {shown} is not an object; it was left "
                              "untouched.")
    merged = _merged_entry(servers.get(SERVER_NAME), entry)
    if servers.get(SERVER_NAME) == merged and container in doc:
        return text  # already there: keep the file byte for byte
    result, replaced = _splice(text, twin, container, merged)
    after = _twin(result, shown, comments, "")
    if _loads(after).get(container, {}).get(SERVER_NAME) != merged or (comments and not kept(
            jsonc.comments(text, replaced), jsonc.comments(result))):
        raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was left "
                              "untouched. Add the snippet by hand.")
    return result


def remove_json(text: str | None, container: str, shown: str, *,
                comments: bool = False) -> str | None:
    """`text` without our entry under `container` (None: it has none, nothing to change);
    only the entry's member is cut out (its lines, when it has lines of its own, with a
    comment on them), and one comma, everything else kept byte for byte."""
    if text is None or not text.strip():
        return None
    doc = _parse_json(_twin(text, shown, comments, ""), shown, comments, "")
    servers = doc.get(container)
    if not isinstance(servers, dict) or SERVER_NAME not in servers:
        return None
    result = text
    while True:  # duplicate keys: every one of ours goes, the last first
        twin = _twin(result, shown, comments, "")
        members, _end = _members(twin, _skip_space(twin))
        _key, _start, value, _end = [m for m in members if m[0] == container][-1]
        inner, closing = _members(twin, value)
        ours = [index for index, member in enumerate(inner) if member[0] == SERVER_NAME]
        if not ours:
            break
        cut = _cut_member(result, twin, inner, ours[-1], value, closing)
        if len(cut) >= len(result):  # nothing was cut: never loop
            raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was "
                                  "left untouched. Remove the “openrush” entry by hand.")
        result = cut
    expected = {k: v for k, v in servers.items() if k != SERVER_NAME}
    after = _loads(_twin(result, shown, comments, ""))
    if after.get(container) != expected or {k: v for k, v in after.items() if k != container} \
            != {k: v for k, v in doc.items() if k != container}:
        raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was left "
                              "untouched. Remove the “openrush” entry by hand.")
    return result


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=_Number, parse_int=_Number, parse_constant=_Number)


def _twin(text: str, shown: str, comments: bool, todo: str) -> str:
    """The text the json parser reads: `text` itself, or for JSONC its strict twin."""
    if not comments:
        return text
    try:
        return strict_twin(text)
    except JsoncError as exc:
        raise ConfigFileError(f"{shown} is not valid JSON with comments (line {exc.lineno}, "
                              f"column {exc.colno}: {exc.msg}); it was left untouched.{todo}") \
            from None


def _parse_json(text: str, shown: str, comments: bool = False, todo: str = "") -> dict[str, Any]:
    kind = "JSON with comments" if comments else "JSON"
    try:
        doc = _loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigFileError(
            f"{shown} is not valid {kind} ({_json_problem(exc)}); it was left untouched.{todo}") \
            from None
    if not isinstance(doc, dict):
        raise ConfigFileError(f"{shown} does not hold a JSON object; it was left untouched.")
    return doc


class _Number(str):
    """A JSON number kept as the file spells it: re-written exactly, never as a float."""


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, at: int = 0) -> int:
    """Where the JSON whitespace from `at` ends (`at` when there is none)."""
    found = _SPACE.match(text, at)
    return found.end() if found else at  # the pattern matches nothing too: always found


_Member = tuple[str, int, int, int]  # key, where the key starts, where its value starts/ends


def _members(text: str, brace: int) -> tuple[list[_Member], int]:
    """The members of the (valid) object whose ``{`` is at `brace`, and where its ``}`` is."""
    values = json.JSONDecoder()
    members: list[_Member] = []
    at = _skip_space(text, brace + 1)
    while text[at] != "}":
        # json.decoder.scanstring is CPython's public string scanner; typeshed leaves it out.
        key, after = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
        colon = _skip_space(text, after)
        value = _skip_space(text, colon + 1)
        end = values.raw_decode(text, value)[1]
        members.append((key, at, value, end))
        at = _skip_space(text, end)
        if text[at] == ",":
            at = _skip_space(text, at + 1)
    return members, at


def _line_indent(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    line = text[start:at]
    return line[:len(line) - len(line.lstrip(" \t"))]


def _line_end(text: str, at: int) -> int:
    """Where the line holding `at` ends: its line break (CRLF's CR), or the end of the text."""
    found = text.find("\n", at)
    if found < 0:
        return len(text)
    return found - 1 if found > at and text[found - 1] == "\r" else found


def _break_before(text: str, line_start: int) -> int:
    """Where the line break that ends the line before `line_start` begins."""
    return line_start - 2 if text[line_start - 2:line_start] == "\r\n" else line_start - 1


def _splice(text: str, twin: str, container: str,
            merged: dict[str, Any]) -> tuple[str, tuple[int, int]]:
    """Put `merged` at container.openrush, touching only that span (the last of duplicate
    keys is the one JSON readers use, so that is the one replaced); with the span of `text`
    that was replaced (empty for an insertion). Positions are read on `twin`."""
    newline = "\r\n" if "\r\n" in text else "\n"
    unit = _indent_of(text)
    unit = unit if isinstance(unit, str) else " " * unit
    top = _skip_space(twin)
    members, top_end = _members(twin, top)
    holders = [m for m in members if m[0] == container]
    if not holders:
        return _insert(text, twin, members, top, top_end, container, {SERVER_NAME: merged},
                       unit, newline)
    _key, _start, value, _end = holders[-1]
    inner, inner_end = _members(twin, value)
    ours = [m for m in inner if m[0] == SERVER_NAME]
    if not ours:
        return _insert(text, twin, inner, value, inner_end, SERVER_NAME, merged, unit, newline)
    _key, start, value, end = ours[-1]
    return (text[:value] + _dump(merged, unit, _line_indent(text, start), newline) + text[end:],
            (value, end))


def _insert(text: str, twin: str, members: list[_Member], brace: int, closing: int, key: str,
            value: Any, unit: str, newline: str) -> tuple[str, tuple[int, int]]:
    """A new last member `key` in the object spanning `brace`..`closing`. After a member
    that ends its line (a comment may follow it), ours gets a line of its own below, with a
    trailing comma if that member has one; comments inside an empty object stay above ours."""

    def member(base: str) -> str:
        return f"{json.dumps(key, ensure_ascii=False)}: {_dump(value, unit, base, newline)}"

    if not members and twin[brace:closing + 1] == text[brace:closing + 1]:
        # an empty object with nothing in it: written anew, indented like its line
        base = _line_indent(text, brace)
        return (text[:brace] + _dump({key: value}, unit, base, newline) + text[closing + 1:],
                (brace, closing + 1))
    if not members:  # only comments inside: ours goes after them
        line_start = text.rfind("\n", 0, closing) + 1
        base = _line_indent(text, closing)
        if line_start > brace and not text[line_start:closing].strip(" \t"):
            at = _break_before(text, line_start)
            return text[:at] + newline + base + unit + member(base + unit) + text[at:], (at, at)
        return text[:closing] + member(base) + text[closing:], (closing, closing)
    _key, start, _value, end = members[-1]
    base = _line_indent(text, start)
    line_end = _line_end(text, end)
    if line_end < closing and not twin[end:line_end].strip():
        if comma_follows(text, end, line_end):  # a trailing comma: ours has one too
            return (text[:line_end] + newline + base + member(base) + "," + text[line_end:],
                    (line_end, line_end))
        return (text[:end] + "," + text[end:line_end] + newline + base + member(base)
                + text[line_end:], (end, end))
    return text[:end] + "," + newline + base + member(base) + text[end:], (end, end)


def _cut_member(text: str, twin: str, members: list[_Member], index: int, brace: int,
                closing: int) -> str:
    """`text` without the member at `index` of the object spanning `brace`..`closing`."""
    _key, start, _value, end = members[index]
    alone = len(members) == 1
    if alone and twin[brace:closing + 1] == text[brace:closing + 1]:
        return text[:brace] + "{}" + text[closing + 1:]  # nothing else in it, not a comment
    line_start = text.rfind("\n", 0, start) + 1
    line_end = _line_end(text, end)
    if (brace < line_start and not text[line_start:start].strip(" \t") and line_end < closing
            and not twin[end:line_end].replace(",", "", 1).strip()):
        # the member's own lines: they go, with a comment on them and the line break before
        result = text[:_break_before(text, line_start)] + text[line_end:]
        if index == len(members) - 1 and index > 0 and not comma_follows(text, end, line_end):
            comma = _skip_space(twin, members[index - 1][3])  # the one before ours goes
            result = result[:comma] + result[comma + 1:]
        return result
    if alone:
        return text[:start] + text[end:]
    if index + 1 < len(members):  # up to the next member: our comma goes with us
        return text[:start] + text[members[index + 1][1]:]
    return text[:members[index - 1][3]] + text[end:]  # the last: the comma before it goes


def _dump(value: Any, unit: str, base: str, newline: str) -> str:
    """JSON as ``json.dumps(indent=…)`` writes it, starting at indentation `base`, with the
    file's own line ending, and numbers as the file spelled them."""
    if isinstance(value, _Number):
        return str(value)
    inner = base + unit
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, unit, inner, newline)}"
                 for k, v in value.items()]
        return "{" + newline + ("," + newline).join(items) + newline + base + "}"
    if isinstance(value, list) and value:
        items = [inner + _dump(v, unit, inner, newline) for v in value]
        return "[" + newline + ("," + newline).join(items) + newline + base + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_problem(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return "unreadable"


def _indent_of(text: str | None) -> int | str:
    """The file's own indentation, so re-written lines look like their neighbours."""
    for line in (text or "").splitlines()[1:]:
        match = re.match(r"^([ \t]+)\S", line)
        if match:
            return "\t" if match.group(1).startswith("\t") else len(match.group(1))
    return 2


def merge_toml(text: str | None, container: str, entry: dict[str, Any], shown: str) -> str:
    source = text or ""
    try:
        before = tomllib.loads(source)  # the strict parser decides validity
        doc = tomlkit.parse(source)
    except Exception as exc:  # tomllib.TOMLDecodeError, or tomlkit's own parse errors
        raise ConfigFileError(f"{shown} is not valid TOML ({exc}); it was left untouched. "
                              "Fix it, or add the snippet by hand.") from None
    servers_now = before.get(container, {})
    if not isinstance(servers_now, dict):
        raise ConfigFileError(f"“{container}” in {shown} is not a table; it was left untouched.")
    merged = _merged_entry(servers_now.get(SERVER_NAME), entry)
    if servers_now.get(SERVER_NAME) == merged and text is not None:
        return text

    if container not in doc:
        doc[container] = tomlkit.table(is_super_table=True)
    servers = doc[container]
    current = servers.get(SERVER_NAME)
    if isinstance(current, Table | InlineTable):
        for key in [k for k in current if k not in merged]:
            del current[key]
        for key, value in merged.items():
            if current.get(key) != value:
                current[key] = value
    else:
        table = tomlkit.inline_table() if isinstance(servers, InlineTable) else tomlkit.table()
        table.update(merged)
        servers[SERVER_NAME] = table
    result = tomlkit.dumps(doc)
    if "\r\n" in source and "\n" not in source.replace("\r\n", ""):
        result = re.sub(r"(?<!\r)\n", "\r\n", result)  # lines tomlkit added keep the file's ending
    if tomllib.loads(result).get(container, {}).get(SERVER_NAME) != merged:
        raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was left "
                              "untouched. Add the snippet by hand.")
    return result


def remove_toml(text: str | None, container: str, shown: str) -> str | None:
    """`text` without our table under `container` (None: it has none)."""
    if text is None:
        return None
    try:
        before = tomllib.loads(text)
        doc = tomlkit.parse(text)
    except Exception as exc:  # tomllib.TOMLDecodeError, or tomlkit's own parse errors
        raise ConfigFileError(f"{shown} is not valid TOML ({exc}); it was left untouched.") \
            from None
    servers = before.get(container)
    if not isinstance(servers, dict) or SERVER_NAME not in servers:
        return None
    del doc[container][SERVER_NAME]
    result = tomlkit.dumps(doc)
    expected = {**before, container: {k: v for k, v in servers.items() if k != SERVER_NAME}}
    after = tomllib.loads(result)
    after.setdefault(container, {})  # a table left empty may not be written at all
    if after != expected:
        raise ConfigFileError(f"{shown} has a layout this tool cannot edit safely; it was left "
                              "untouched. Remove the “openrush” table by hand.")
    return result
