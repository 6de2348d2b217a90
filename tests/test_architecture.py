"""What the design promises of the source that the import contracts cannot say.

The order of the layers (entry point → tui → screens → widgets → core, and inside the core
cli → commands → domain → sandbox | api → files → text, clock, errors), the core's packages
without cycles, the API client and the sandbox apart: import-linter contracts in
pyproject.toml, checked by tests/test_import_contracts.py. Here, on the source:

- The core (everything under app/ but the App's package, app/tui/) never imports Textual or
  Rich, not even for type checkers, so the CLI, the sandbox and the tests of the core need no
  terminal; nor do the App package's `__init__`, `startup` and `signals`, which the command
  line loads first.
- Textual's private API only in its one place; a command prints only through one path.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every module `path` imports by absolute name: at the top, inside functions and under
    ``if TYPE_CHECKING:`` alike."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module or "")
    return frozenset(found)


TUI = ROOT / "app" / "tui"  # the App's own package: Textual's side of app/
CORE = [path for path in sources("app") if TUI not in path.parents]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_textual_or_rich(path: Path) -> None:
    used = {name for name in imports_of(path)
            if name.split(".")[0] in ("textual", "rich")}
    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


@pytest.mark.parametrize("name", ["__init__.py", "startup.py", "signals.py"])
def test_what_the_command_line_loads_of_the_app_package_needs_no_textual(name: str) -> None:
    # startup.pause() runs before Textual is imported, so that start-up's objects are built
    # with garbage collection paused.
    used = {module for module in imports_of(TUI / name)
            if module.split(".")[0] in ("textual", "rich")}
    assert not used, f"app/tui/{name} imports {sorted(used)}"


def test_app_keeps_at_most_ten_modules_at_its_top() -> None:
    top = sorted(path.name for path in (ROOT / "app").glob("*.py"))
    assert len(top) <= 10, top


TEXTUAL_PRIVATE = ROOT / "widgets" / "textual_private.py"  # the one module that may


@pytest.mark.parametrize("folder", ["app", "screens", "widgets"])
def test_textual_private_api_is_used_only_in_one_low_level_module(folder: str) -> None:
    """`app._x`, `self._driver`…, and overrides of Textual's private hooks (`def _log`): only
    in `widgets/textual_private.py`, which the App and the widgets both import (the App binds
    its hooks to functions there)."""
    private = ("_driver", "_clipboard", "_fatal_error", "_exit_renderables",
               "_close_messages_no_wait", "_screen_stacks", "_notifications", "_log",
               "LOG_FILE", "_clear_caches")
    offenders = []
    for path in sources(folder):
        if path == TEXTUAL_PRIVATE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else \
                node.name if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None
            if name in private:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not offenders, offenders


def test_commands_print_only_through_the_one_output_path() -> None:
    """Every line a command prints goes through `commands.common` (`say`, `error`, `ask`,
    `print_json`), which keeps server and file text from acting on the terminal."""
    offenders = []
    for path in sources("app/commands"):
        if path.name == "common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            direct = isinstance(func, ast.Name) and func.id in ("print", "input")
            stream = (isinstance(func, ast.Attribute) and func.attr in ("write", "writelines")
                      and isinstance(func.value, ast.Attribute)
                      and func.value.attr in ("stdout", "stderr"))
            if direct or stream:
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


def _unmarked_function_imports(source: str) -> list[int]:
    """Lines of imports inside functions that do not say why they wait: a `# lazy: …` comment
    on the import's line, or just above the run of imports it belongs to."""
    lines = source.splitlines()
    unmarked = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for field in ("body", "orelse", "finalbody", "handlers"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for index, child in enumerate(body):
                if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                    first = index
                    while first and isinstance(body[first - 1], ast.Import | ast.ImportFrom):
                        first -= 1
                    if "# lazy:" not in lines[child.lineno - 1] \
                            and not _comment_says_lazy(lines, body[first]):
                        unmarked.append(child.lineno)
                visit(child, in_function or isinstance(child, ast.FunctionDef
                                                       | ast.AsyncFunctionDef))

    visit(ast.parse(source), False)
    return unmarked


def _comment_says_lazy(lines: list[str], node: ast.stmt) -> bool:
    """The block of comment lines just above `node` holds `lazy:`."""
    number = node.lineno - 2
    while number >= 0 and lines[number].strip().startswith("#"):
        if "# lazy:" in lines[number]:
            return True
        number -= 1
    return False


def test_imports_inside_functions_of_the_core_say_why() -> None:
    """An import waits inside a function only to keep start-up light (`--version`, `--help`,
    the dashboard's first frame), to break a cycle, or for a module some systems lack, and
    says which: ``# lazy: start-up (…)``, ``# lazy: cycle (…)``, ``# lazy: not on Windows``.
    The rest sit at the top, where a reader (and import-linter) sees them."""
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in CORE
                 for line in _unmarked_function_imports(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_an_unmarked_import_inside_a_function_is_found() -> None:
    source = ("def f():\n    import json\n\n\ndef g():\n    # lazy: start-up\n"
              "    import csv\n    import json\n\n\ndef h():\n    import csv  # lazy: cycle\n")
    assert _unmarked_function_imports(source) == [2]
