"""The layering the design promises, checked on the source (as harlequin's import contracts do).

- The core (everything under app/ but the App's package, app/tui/) never imports Textual or
  Rich, so the CLI, the sandbox and the tests of the core need no terminal; nor do the
  App package's `__init__`, `startup` and `signals`, which the command line loads first.
- Dependencies point one way: the packages of the core form no cycle; the base error module
  imports nothing of ours; the sandbox uses only the clock, the local files, the base error
  and the text of the core; the API client knows nothing of where keys are stored or how
  pages show data; config does not start a sandbox.
- Widgets never reach up into screens.

Imports inside ``if TYPE_CHECKING:`` are for type checkers only and are not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"app": "openrush_tui", "screens": "openrush_tui.screens",
           "widgets": "openrush_tui.widgets"}


def module_name(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [FOLDERS[folder], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_runtime(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            yield from (n for stmt in child.orelse for n in (stmt, *_walk_runtime(stmt)))
            continue
        yield child
        yield from _walk_runtime(child)


@cache
def imports_of(path: Path, *, runtime_only: bool = True) -> frozenset[str]:
    """Every module `path` imports, at the top or inside functions, as absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _walk_runtime(tree) if runtime_only else ast.walk(tree)
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


TUI = ROOT / "app" / "tui"  # the App's own package: Textual's side of app/
CORE = [path for path in sources("app") if TUI not in path.parents]


def core_package(name: str) -> str | None:
    """The core package or top-level module a module name belongs to: "auth", "clock"…"""
    parts = name.split(".")
    if parts[0] != "openrush_tui" or len(parts) < 2:
        return None
    if parts[1] in ("screens", "widgets", "styles", "tui"):
        return None
    return parts[1]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_textual_or_rich(path: Path) -> None:
    used = {name for name in imports_of(path, runtime_only=False)
            if name.split(".")[0] in ("textual", "rich")}
    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


@pytest.mark.parametrize("name", ["__init__.py", "startup.py", "signals.py"])
def test_what_the_command_line_loads_of_the_app_package_needs_no_textual(name: str) -> None:
    # startup.pause() runs before Textual is imported, so that start-up's objects are built
    # with garbage collection paused.
    used = {module for module in imports_of(TUI / name, runtime_only=False)
            if module.split(".")[0] in ("textual", "rich")}
    assert not used, f"app/tui/{name} imports {sorted(used)}"


def test_the_core_packages_form_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in CORE:
        own = core_package(module_name(path))
        if own is None or own in ("cli", "__main__"):  # the entry points sit on top
            continue
        for name in imports_of(path):
            other = core_package(name)
            if other is not None and other != own and other not in ("__version__",):
                graph.setdefault(own, set()).add(other)
    # The version string lives in the package's __init__: it is a leaf, not a layer.
    for targets in graph.values():
        targets.discard("__version__")

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, route = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*route, nxt]
                if nxt not in route:
                    stack.append((nxt, [*route, nxt]))
        return None

    cycles = [cycle for node in graph if (cycle := cycle_from(node))]
    assert not cycles, "dependency cycles: " + "; ".join(" → ".join(c) for c in cycles)


def _project_imports(path: Path) -> set[str]:
    return {name for name in imports_of(path) if name.startswith("openrush_tui")}


def test_the_base_error_module_imports_nothing_of_ours() -> None:
    assert _project_imports(ROOT / "app" / "errors.py") == set()


@pytest.mark.parametrize("path", sources("app/sandbox"), ids=lambda p: p.name)
def test_the_sandbox_uses_only_the_clock_and_the_files_of_the_core(path: Path) -> None:
    # The base error (one-line errors) and the safe text path (paths shown in them) are the
    # bottom layer of the core, which imports nothing above them.
    allowed = {"openrush_tui", "openrush_tui.__version__", "openrush_tui.clock",
               "openrush_tui.files", "openrush_tui.errors", "openrush_tui.text"}
    stray = {name for name in _project_imports(path)
             if not name.startswith(("openrush_tui.sandbox", "openrush_tui.clock.",
                                     "openrush_tui.files.", "openrush_tui.errors.",
                                     "openrush_tui.text."))
             and name not in allowed}
    assert not stray, f"{path.name} imports {sorted(stray)}"


@pytest.mark.parametrize("path", sources("app/api"), ids=lambda p: p.name)
def test_the_api_client_knows_nothing_of_storage_or_pages(path: Path) -> None:
    forbidden = ("auth", "keys", "activity", "agents", "commands", "sandbox", "session",
                 "config", "tui", "screens", "widgets", "cli")
    stray = {name for name in _project_imports(path) if core_package(name) in forbidden
             or name.split(".")[1:2] in (["screens"], ["widgets"], ["tui"])}
    assert not stray, f"{path.name} imports {sorted(stray)}"


def test_config_does_not_start_a_sandbox() -> None:
    assert not {name for name in _project_imports(ROOT / "app" / "config.py")
                if name.startswith("openrush_tui.sandbox")}


@pytest.mark.parametrize("path", sources("widgets"), ids=lambda p: p.name)
def test_widgets_never_import_screens(path: Path) -> None:
    assert not {name for name in _project_imports(path)
                if name.startswith("openrush_tui.screens")}


def test_app_keeps_at_most_ten_modules_at_its_top() -> None:
    top = sorted(path.name for path in (ROOT / "app").glob("*.py"))
    assert len(top) <= 10, top


@pytest.mark.parametrize("folder", ["app", "screens", "widgets"])
def test_textual_private_api_is_used_only_in_tui(folder: str) -> None:
    """`app._x`, `self._driver`…: Textual's private attributes, outside our own classes."""
    private = ("_driver", "_clipboard", "_fatal_error", "_exit_renderables",
               "_close_messages_no_wait", "_screen_stacks", "_notifications", "_log",
               "LOG_FILE", "_clear_caches")
    offenders = []
    for path in sources(folder):
        if TUI in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.name}:{node.lineno} {node.attr}" for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr in private]
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
