"""The decode boundary's guard (issue 18, guard 3): code outside the boundary modules neither
parses outside text into dates or JSON by itself nor moves an instant by a span with ``+``/``-``
(which overflows at the calendar's ends). The rule is stated in `api/decode.py`'s docstring.

Checked on the source of app/, screens/ and widgets/, with a small inference of what is a span
(a ``timedelta``): a ``timedelta(...)`` call; a function annotated to return one; a name,
argument or field annotated as one, or assigned one (``max(a - b, timedelta(hours=1))``); a
product of one. The checker is tested on snippets too, so that it cannot pass by seeing
nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("app", "screens", "widgets")
# The boundary, and why each part may parse or shift by itself.
BOUNDARY = {
    "app/clock.py": "the calendar's margins, parse_instant, shifted and day_shifted",
    "app/api/decode.py": "server bodies as strict JSON",
    "app/api/models.py": "every field of every answer, X-RateLimit-Reset",
    "app/api/errors.py": "Retry-After (seconds or an HTTP date)",
}
BOUNDARY_PACKAGES = {
    "app/files/": "local files' JSON, read strictly (files.strict_json)",
    "app/agents/": "agent configs: read for their structure, rewritten as spelt",
    "app/sandbox/": "the server's side: FastAPI validates what it is sent",
}
# Calls that turn text (or a number) into a date or a JSON value.
PARSERS = {"fromisoformat", "strptime", "fromtimestamp", "utcfromtimestamp",
           "parsedate_to_datetime", "parsedate", "parsedate_tz"}
JSON_READERS = {("json", "loads"), ("json", "load"), ("tomllib", "loads"), ("tomllib", "load")}


def sources() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py"))


def in_boundary(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return relative in BOUNDARY or relative.startswith(tuple(BOUNDARY_PACKAGES))


# -- what is a span ---------------------------------------------------------------------------


def _is_timedelta_annotation(node: ast.expr | None) -> bool:
    """``timedelta``, ``timedelta | None``, ``"timedelta"``, ``Optional[timedelta]``."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    return any((isinstance(part, ast.Name) and part.id == "timedelta") or
               (isinstance(part, ast.Attribute) and part.attr == "timedelta")
               for part in ast.walk(node))


@cache
def global_spans() -> tuple[frozenset[str], frozenset[str]]:
    """Functions that return a span and class fields that hold one, across the project."""
    functions, fields = set(), set()
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    _is_timedelta_annotation(node.returns):
                functions.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                            and _is_timedelta_annotation(item.annotation):
                        fields.add(item.target.id)
    return frozenset(functions), frozenset(fields)


class SpanChecker:
    """Finds ``+``/``-`` between a span and something that is not one, in one module."""

    def __init__(self, tree: ast.Module, functions: frozenset[str],
                 fields: frozenset[str]) -> None:
        self.tree = tree
        self.functions = functions
        self.names: set[str] = set(fields)
        self._learn()

    def _learn(self) -> None:
        for _ in range(3):  # a name assigned from a name assigned from a span
            for node in ast.walk(self.tree):
                if isinstance(node, ast.arg) and _is_timedelta_annotation(node.annotation):
                    self.names.add(node.arg)
                elif isinstance(node, ast.AnnAssign) and \
                        (_is_timedelta_annotation(node.annotation) or
                         (node.value is not None and self.is_span(node.value))):
                    self.names.update(_target_names(node.target))
                elif isinstance(node, ast.Assign) and self.is_span(node.value):
                    for target in node.targets:
                        self.names.update(_target_names(target))

    def is_span(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            name = _called(node)
            if name in ("timedelta", *self.functions):
                return True
            return name in ("max", "min", "abs") and any(self.is_span(a) for a in node.args)
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Attribute):
            return node.attr in self.names
        if isinstance(node, ast.UnaryOp):
            return self.is_span(node.operand)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mult | ast.FloorDiv):
                return self.is_span(node.left) or self.is_span(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                return self.is_span(node.left) and self.is_span(node.right)
        if isinstance(node, ast.Subscript):  # a table of spans, e.g. _UNITS["d"]
            return isinstance(node.value, ast.Name) and node.value.id in self.names
        if isinstance(node, ast.IfExp):
            return self.is_span(node.body) or self.is_span(node.orelse)
        return False

    def shifts(self) -> Iterator[ast.AST]:
        """Every ``instant ± span`` (and ``+=``/``-=``) in the module."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
                left, right = self.is_span(node.left), self.is_span(node.right)
                if left != right:
                    yield node
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub) \
                    and self.is_span(node.value) and not self.is_span(node.target):
                yield node


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Attribute):
        return {target.attr}
    if isinstance(target, ast.Tuple):
        return set().union(*(_target_names(item) for item in target.elts))
    return set()


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else None


def parses(tree: ast.Module) -> Iterator[ast.Call]:
    """Calls that parse text into a date or a JSON value."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in PARSERS or (owner, func.attr) in JSON_READERS:
                yield node
        elif isinstance(func, ast.Name) and func.id in PARSERS:
            yield node


def problems_in(source: str, where: str = "<snippet>") -> list[str]:
    tree = ast.parse(source)
    functions, fields = global_spans()
    found = [f"{where}:{node.lineno}: parses outside text by itself ({ast.unparse(node)[:60]});"
             " use clock.parse_instant, api.decode.decode_json or files.strict_json"
             for node in parses(tree)]
    found += [f"{where}:{node.lineno}: moves a time by a span with +/- "  # type: ignore[attr-defined]
              f"({ast.unparse(node)[:60]}); use clock.shifted or clock.day_shifted"
              for node in SpanChecker(tree, functions, fields).shifts()]
    return found


# -- the guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [p for p in sources() if not in_boundary(p)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_outside_values_enter_only_through_the_boundary(path: Path) -> None:
    where = path.relative_to(ROOT).as_posix()
    assert problems_in(path.read_text(encoding="utf-8"), where) == []


def test_the_boundary_modules_exist() -> None:
    for name in (*BOUNDARY, *BOUNDARY_PACKAGES):
        assert (ROOT / name).exists(), name
    assert "tests/test_decode_guard.py" in (ROOT / "app/api/decode.py").read_text()


# -- the checker sees what it must ------------------------------------------------------------


@pytest.mark.parametrize("snippet", [
    "from datetime import datetime\nwhen = datetime.fromisoformat(text)",
    "when = datetime.strptime(text, '%Y')",
    "import json\ndata = json.loads(body)",
    "from email.utils import parsedate_to_datetime\nwhen = parsedate_to_datetime(value)",
    "end = now + timedelta(days=30)",
    "start = now.date() - timedelta(days=6)",
    "lifetime = max(old.expires_at - old.created_at, timedelta(hours=1))\nend = now + lifetime",
    "def f(now, idle: timedelta):\n    return now - idle",
    "class C:\n    after: timedelta | None\ndef f(now, choice):\n    return now + choice.after",
    "now += 3 * timedelta(seconds=1)",
    "end = now + parse_duration(text)",  # rules.parse_duration returns a timedelta
])
def test_the_checker_finds_a_bypass(snippet: str) -> None:
    assert problems_in(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "end = shifted(now, timedelta(days=30))",
    "age = now - created_at",
    "soon = expires - now <= timedelta(days=7)",
    "total = timedelta(days=1) + timedelta(hours=2)",
    "days = (later - earlier) / timedelta(days=1)",
    "count = a + b",
])
def test_the_checker_lets_safe_code_be(snippet: str) -> None:
    assert problems_in(snippet) == [], snippet
