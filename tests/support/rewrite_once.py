"""The test modules' assert rewriting done once before the xdist workers start, not once in
each of them.

pytest rewrites every test module's asserts as it imports it (~50 ms of CPU per module here:
7 to 9 s for the suite) and keeps the result in __pycache__, unless bytecode is not written
(PYTHONDONTWRITEBYTECODE, as on our machines and CI): then each worker, all collecting the
whole suite at once, rewrote every module again (4 workers: half a minute of CPU on 2 cores
before the first test). Here the controller rewrites each test module that has no valid
rewritten copy yet and writes it where pytest looks (tests/__pycache__, ignored by git);
each worker then reads it as pytest does (it reads a cached copy even when it writes none),
and rewrites anything this did not cover itself. Only pytest's private functions do this:
if they are not there as expected (a new pytest), nothing is done, and nothing changes but
the time.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest


def modules(config: pytest.Config) -> list[Path]:
    """The test modules the run's arguments name (a folder: its test_*.py)."""
    found: set[Path] = set()
    # Arguments from pyproject's testpaths are relative to the root, typed ones to the cwd.
    source = getattr(config, "args_source", None)
    base = (config.rootpath if source == pytest.Config.ArgsSource.TESTPATHS
            else config.invocation_params.dir)
    for argument in config.args:
        path = Path(base, argument.split("::")[0])
        if path.is_dir():
            found.update(path.rglob("test_*.py"))
        elif path.name.startswith("test_") and path.suffix == ".py":
            found.add(path)
    return sorted(found)


def plugin_modules() -> list[Path]:
    """The modules pytest has rewritten as plugins (anyio's, syrupy's, xdist's…: 70 to 140,
    some 2 s of CPU in each worker when each rewrote them again), as they are loaded now."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook
    except ImportError:
        return []
    found = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(getattr(module, "__loader__", None), AssertionRewritingHook) and file \
                and file.endswith(".py"):
            found.add(Path(file))
    return sorted(found)


def warm(config: pytest.Config, paths: list[Path]) -> int:
    """Rewrite those of `paths` that lack a valid cached rewrite; how many were written."""
    try:
        from _pytest.assertion import rewrite
        state = config.stash[rewrite.assertstate_key]
        functions = (rewrite._read_pyc, rewrite._rewrite_test, rewrite._write_pyc,
                     rewrite.get_cache_dir, rewrite.try_makedirs)
        tail = rewrite.PYC_TAIL
    except (ImportError, AttributeError, KeyError):  # another pytest, or --assert=plain
        return 0
    read_pyc, rewrite_test, write_pyc, cache_dir_of, makedirs = functions
    written = 0
    for module in paths:
        cache_dir = cache_dir_of(module)
        pyc = cache_dir / (module.name[:-3] + tail)
        with contextlib.suppress(Exception):  # whatever fails here, the worker does it
            if read_pyc(module, pyc) is not None or not makedirs(cache_dir):
                continue
            source_stat, code = rewrite_test(module, config)
            written += bool(write_pyc(state, code, source_stat, pyc))
    return written
