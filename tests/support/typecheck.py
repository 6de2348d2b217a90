"""mypy over the package `openrush_tui` as it is installed, and over the helpers the tests share
(tests/support/), with pyproject's [tool.mypy]. The test modules themselves are not checked.

The package is several folders (app/, screens/, widgets/, styles/) mapped into one namespace by
pyproject's `package-dir`. An editable install reaches them through an import hook that mypy
cannot follow (`mypy -p openrush_tui` says "Can't find package"), and `mypy app screens widgets`
would name the modules `app.x`, `screens.y`. So the namespace is laid out as a folder of
symlinks, each folder where the installed package has it, and mypy runs on that. mypy reports
paths in that layout; they are mapped back to the repository's (`openrush_tui/screens/base.py`
→ `screens/base.py`).

The layout and mypy's cache live in one folder per checkout under the system's temporary
folder (never in the repository), so a second run only re-checks what changed (a cold run, as
on CI, takes about half a minute on 2 cores; a warm one a few seconds). The layout sits at the
same path every run because mypy's cache is keyed on each module's path. A lock keeps two
suites of the same checkout from rebuilding the layout under each other.

By hand: `python -m tests.support.typecheck` (the exit status is mypy's).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "openrush_tui"
HELPERS = "tests.support"


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str  # mypy's report, paths as in the repository


def package_dirs() -> dict[str, Path]:
    """pyproject's package-dir: each package of ours and the folder that holds it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {package: ROOT / folder for package, folder in mapping.items()}


def sources() -> list[Path]:
    """Every module checked, in the repository's folders (app/, screens/…, tests/support/)."""
    folders = set(package_dirs().values())
    tops = [f for f in folders if not any(g in f.parents for g in folders)]
    tops.append(ROOT.joinpath(*HELPERS.split(".")))
    return sorted(path for top in tops for path in top.rglob("*.py")
                  if "__pycache__" not in path.parts)


def workdir() -> Path:
    """This checkout's folder for the layout and the cache (another clone gets its own)."""
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"openrush-tui-mypy-{os.getuid()}-{tag}"


def _folder_of(package: str, dirs: dict[str, Path]) -> Path:
    """Where `package` lives: its own package-dir entry, else inside its parent's folder."""
    if package in dirs:
        return dirs[package]
    parent, _, name = package.rpartition(".")
    return _folder_of(parent, dirs) / name


def lay_out(tree: Path) -> None:
    """Rebuild `tree/openrush_tui` as the installed package: the top package's folder entry by
    entry (symlinks), with each subpackage that lives in another folder linked in its place."""
    dirs = package_dirs()
    top = tree / PACKAGE
    shutil.rmtree(top, ignore_errors=True)  # removes the links, never what they point at
    top.mkdir(parents=True)
    elsewhere = {}
    for package, folder in dirs.items():
        parent, _, name = package.rpartition(".")
        if package == PACKAGE or folder == _folder_of(parent, dirs) / name:
            continue
        if parent != PACKAGE:
            raise ValueError(f"{package} → {folder}: only a top-level subpackage may live apart")
        elsewhere[name] = folder
    for entry in dirs[PACKAGE].iterdir():
        if entry.name not in elsewhere and entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry)
    for name, folder in elsewhere.items():
        (top / name).symlink_to(folder, target_is_directory=True)
    tests = tree / "tests"  # the helpers, as `tests.support` (as the test modules import them)
    if tests.is_symlink():
        tests.unlink()
    tests.symlink_to(ROOT / "tests", target_is_directory=True)


def to_repository_paths(text: str) -> str:
    """`openrush_tui/screens/x.py` → `screens/x.py` in mypy's report (longest package first)."""
    prefixes = sorted(package_dirs().items(), key=lambda item: -len(item[0]))
    lines = []
    for line in text.splitlines():
        for package, folder in prefixes:
            prefix = package.replace(".", "/") + "/"
            if line.startswith(prefix):
                line = folder.relative_to(ROOT).as_posix() + "/" + line[len(prefix):]
                break
        lines.append(line)
    return "\n".join(lines)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run(*, cache: Path | None = None, extra: dict[str, str] | None = None) -> Result:
    """mypy over the package. `cache` overrides the cache folder (a fresh one for a cold run);
    `extra` adds modules (name → source) to the top package of the layout only, never to the
    repository: the tests use it to show that an error is caught."""
    folder = workdir()
    with _locked(folder):
        tree = folder / "tree"
        lay_out(tree)
        for name, source in (extra or {}).items():
            probe = tree / PACKAGE / f"{name}.py"
            if probe.exists():  # a link: writing would go through to the repository's file
                raise ValueError(f"{name} is a module of the package")
            probe.write_text(source, encoding="utf-8")
        # Colours off and a fixed width: the report is read by a test, not a terminal.
        env = {**os.environ, "MYPYPATH": str(tree), "NO_COLOR": "1", "COLUMNS": "200"}
        env.pop("MYPY_FORCE_COLOR", None)
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
             "--cache-dir", str(cache or folder / "cache"), "-p", PACKAGE, "-p", HELPERS],
            cwd=tree, env=env, capture_output=True, text=True, check=False)
        if extra:
            lay_out(tree)  # the next run checks the package alone
    return Result(done.returncode, to_repository_paths(done.stdout + done.stderr))


def main() -> int:
    result = run()
    print(result.output)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
