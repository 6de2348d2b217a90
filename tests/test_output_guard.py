"""Guard: every byte the program prints goes through `commands.output`, the one writer.

The writer is where a closed, gone or full stdout becomes one line and the right exit code,
where what a command made is named when it could not be shown, and where server text is made
safe for a terminal. Code that prints around it (``print()``, ``sys.stdout.write``,
``json.dump(…, sys.stdout)``, ``sys.stderr.isatty()``, ``os.write(1, …)``) would miss all of
that, so this test fails on any of it anywhere under app/, outside the writer.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITER = ROOT / "app" / "commands" / "output.py"
STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
# Known, each with why; an entry that no longer offends must go (see the last test).
ALLOWED: dict[str, str] = {
    "app/tui/signals.py": "the dashboard's last resort: it finds the terminal's descriptors to put "
                          "the terminal back after a signal; no command output",
}


def offences(path: Path) -> list[str]:
    """Each place in `path` that prints around the writer, as "line: what"."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Call):
            what = _call(node)
        elif isinstance(node, ast.Attribute) and node.attr in STREAMS and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            what = f"sys.{node.attr}"
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and \
                any(alias.name in STREAMS for alias in node.names):
            what = "from sys import a stream"
        if what:
            found.append(f"{node.lineno}: {what}")
    return found


def _call(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name) and func.id in ("print", "input", "pprint"):
        return f"{func.id}()"
    name = _dotted(func)
    if name in ("os.write", "os.fdopen", "open", "io.open", "os.dup2") and node.args:
        # Writing to, or replacing, descriptor 1 or 2 by number.
        numbers = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        if any(number in (1, 2) for number in numbers):
            return f"{name} on descriptor 1 or 2"
    if name in ("json.dump", "pprint.pprint", "traceback.print_exc", "traceback.print_exception"):
        return f"{name}()" if name != "json.dump" or len(node.args) < 2 else None
    return None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def program_sources() -> list[Path]:
    return sorted(path for path in (ROOT / "app").rglob("*.py") if path != WRITER)


def test_nothing_under_app_prints_around_the_writer() -> None:
    found = {str(path.relative_to(ROOT)): places for path in program_sources()
             if (places := offences(path)) and str(path.relative_to(ROOT)) not in ALLOWED}
    assert not found, ("print through openrush_tui.commands.output (out, out_json, err, "
                       f"receipt…), not around it: {found}")


def test_the_guard_sees_each_way_around(tmp_path: Path) -> None:
    """The checker itself: each way of printing around the writer is caught."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import json, os, sys\n"
        "print('x')\n"
        "sys.stdout.write('x')\n"
        "sys.stderr.write('x')\n"
        "json.dump({}, sys.stdout)\n"
        "json.dumps({})\n"  # a string: fine
        "os.write(1, b'x')\n"
        "sys.stdout.isatty()\n"
        "from sys import stderr\n"
        "def f(out=sys.__stdout__): pass\n"
        "traceback.print_exc()\n")
    lines = {int(place.split(":")[0]) for place in offences(source)}
    assert lines == {2, 3, 4, 5, 7, 8, 9, 10, 11}


def test_the_exceptions_still_need_to_be_excepted() -> None:
    stale = [name for name in ALLOWED if not offences(ROOT / name)]
    assert not stale, f"these print through the writer now: take them off ALLOWED: {stale}"
