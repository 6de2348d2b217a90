"""Guard: every local file goes through `openrush_tui.files` (docs/reliability.md).

Opening, creating, replacing, linking, removing or chmodding a file, making a folder, and
walking or globbing a tree are allowed only in app/files/ and in the sandbox's one store
(app/sandbox/store.py and db_files.py: SQLite's own files). Anywhere else in the program
such a call fails this test, so a new feature cannot re-implement an edge (a predictable
temporary name, a FIFO that blocks, a symlink followed) by accident. The few exceptions
below are not files at all, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_FOLDERS = (ROOT / "app" / "files",)
# SQLite's own files: the sandbox's store and the vetting of its files.
ALLOWED_FILES = (ROOT / "app" / "sandbox" / "store.py", ROOT / "app" / "sandbox" / "db_files.py")

# Attribute calls that touch the file system, whatever object they are called on (a Path, os).
FILE_METHODS = {
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "touch", "mkdir",
    "makedirs", "chmod", "fchmod", "lchmod", "chown", "unlink", "remove", "rmdir", "rename",
    "link", "symlink", "symlink_to", "hardlink_to", "iterdir", "glob", "rglob", "scandir",
    "walk", "fdopen", "mkfifo", "truncate", "copy", "copy2", "copyfile", "copytree", "move",
    "rmtree", "NamedTemporaryFile", "TemporaryFile", "mkstemp", "mkdtemp", "connect",
}
# `os.replace` only: `str.replace` is everywhere.
MODULE_ONLY = {"replace": {"os"}, "connect": {"sqlite3"}}
BUILTINS = {"open"}

# (file relative to the root, the call as reported): why it is not a file of the user's.
# A method name shared with files (a list's remove, a widget's open) is listed here once,
# on purpose, rather than let the guard guess types.
NOT_FILES = {
    ("app/clipboard.py", "pyperclip.copy()"): "the desktop clipboard",
    ("app/tui/app.py", "clipboard.copy()"): "the one copy path (app/clipboard.py)",
    ("app/commands/table.py", "shown.remove()"): "a list of columns",
    ("app/keys/columns.py", "shown.remove()"): "a list of columns",
    ("screens/activity/page.py", "table.rename()"): "a table's key names",
    ("screens/activity/page.py", "….open()"): "the filter bar",
    ("screens/api_access/page.py", "….open()"): "the filter bar",
    ("screens/setup/page.py", "….open()"): "the filter bar",
    ("screens/api_access/revoke.py", "name.truncate()"): "a rich Text",
    ("screens/api_access/rotate.py", "_steps.copy()"): "a rich Text",
    ("widgets/app_header.py", "line.truncate()"): "a rich Text",
    ("widgets/event_table.py", "cell.truncate()"): "a rich Text",
    # The command-line writer points a closed or full stdout at the null device.
    ("app/commands/common.py", "os.open()"): "os.devnull for a dead stdout",
    ("app/commands/output.py", "os.open()"): "os.devnull for a dead stdout",
    ("app/commands/activity.py", "os.open()"): "os.devnull for a dead stdout",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _files_package_names(tree: ast.AST) -> set[str]:
    """Names bound by ``from openrush_tui.files import trees``: calling them is the point."""
    return {alias.asname or alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "openrush_tui.files") for alias in node.names}


def file_calls(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every call in `path` that touches the file system."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours = _files_package_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in BUILTINS:
            found.append((node.lineno, f"{func.id}()"))
        elif isinstance(func, ast.Attribute):
            owner = _name(func.value)
            if isinstance(func.value, ast.Name) and owner in ours:
                continue
            if func.attr in MODULE_ONLY:
                if owner in MODULE_ONLY[func.attr]:
                    found.append((node.lineno, f"{owner}.{func.attr}()"))
            elif func.attr in FILE_METHODS:
                found.append((node.lineno, f"{owner or '…'}.{func.attr}()"))
    return found


def _checked_sources() -> list[Path]:
    paths = []
    for folder in ("app", "screens", "widgets"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in ALLOWED_FILES or any(path.is_relative_to(f) for f in ALLOWED_FOLDERS):
                continue
            paths.append(path)
    return paths


def test_no_file_is_touched_outside_the_files_package() -> None:
    offences = []
    for path in _checked_sources():
        relative = path.relative_to(ROOT).as_posix()
        for line, what in file_calls(path):
            if (relative, what) in NOT_FILES:
                continue
            offences.append(f"{relative}:{line}: {what}")
    assert not offences, ("Local files go through openrush_tui.files (see its docstring):\n"
                          + "\n".join(offences))


def test_the_guard_sees_what_it_forbids(tmp_path: Path) -> None:
    # The detector itself: each way of touching a file in a snippet is found.
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "import os, sqlite3\n"
        "open('x')\n"
        "path.write_text('x')\n"
        "os.replace(a, b)\n"
        "os.chmod(a, 0o600)\n"
        "os.open(a, 0)\n"
        "'text'.replace('a', 'b')\n"
        "sqlite3.connect(':memory:')\n"
        "folder.iterdir()\n")
    found = [what for _, what in file_calls(snippet)]
    assert found == ["open()", "path.write_text()", "os.replace()", "os.chmod()",
                     "os.open()", "sqlite3.connect()", "folder.iterdir()"]
