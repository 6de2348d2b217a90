"""Run the import contracts of pyproject.toml (`[tool.importlinter]`) over the source tree.

import-linter's graph builder (grimp) finds a package by name and walks its one folder. Ours
is spread over several (`app/` → openrush_tui, `screens/` → openrush_tui.screens, …, mapped
by pyproject's package-dir), and the editable install's finder tells grimp only of `app/`. So
the check lays the package out as Python sees it: a temporary folder `openrush_tui/` of
symbolic links to the source files, put first on the path of a `lint-imports` subprocess
(a fresh interpreter, where nothing has imported openrush_tui from elsewhere yet). Laying
it out takes a few milliseconds; the check about a second.

`python -m tests.support.import_contracts` prints the check of the working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
# The console script of import-linter, run by the interpreter running the tests (a venv's
# bin/ need not be on PATH).
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; " \
               "sys.exit(lint_imports_command())"


def package_folders() -> dict[str, Path]:
    """Each package name and its folder, from pyproject's package-dir."""
    setup = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]
    return {name: ROOT / folder for name, folder in setup["package-dir"].items()}


def lay_out(dest: Path, replaced: Mapping[str, str] | None = None) -> Path:
    """The package's source files under `dest` as their module names say (openrush_tui/
    screens/base.py …), as links; a file named (relative to the repository) in `replaced`
    holds that text instead. Returns `dest`, the folder to put on the path."""
    replaced = dict(replaced or {})
    for name, folder in package_folders().items():
        base = dest.joinpath(*name.split("."))
        for source in folder.rglob("*.py"):
            target = base / source.relative_to(folder)
            if target.exists():  # a subpackage is mapped on its own as well
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            text = replaced.pop(source.relative_to(ROOT).as_posix(), None)
            if text is None:
                target.symlink_to(source)
            else:
                target.write_text(text, encoding="utf-8")
    if replaced:
        raise ValueError(f"not part of the package: {sorted(replaced)}")
    return dest


def check(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the contracts of pyproject.toml over the package laid out in
    `tree`. Exit status 0 when every contract is kept."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tree), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "COLUMNS": "200", "NO_COLOR": "1"}  # one line per import in the report
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, str(PYPROJECT), "--no-cache", "--no-logo"],
        cwd=tree, env=env, capture_output=True, text=True, timeout=120, check=False)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        result = check(lay_out(Path(folder)))
    print(result.stdout + result.stderr, end="")
    sys.exit(result.returncode)
