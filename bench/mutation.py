"""Mutation testing of the business rules: ``/work/venv/bin/python bench/mutation.py``.

Each mutant is one small change to a rule module (a comparison's boundary, an operator, a
constant, a condition, a cap, a returned value, a statement left out). The tests that cover
the module run against it; a failing test kills it, a mutant nobody notices survives and is
printed (file:line and the change), so that a test can be written for the rule it breaks.

    python bench/mutation.py                  # every module, then the kill rates
    python bench/mutation.py audit budget     # some modules
    python bench/mutation.py --list safe      # the mutants only, nothing runs
    python bench/mutation.py --jobs 1         # one pytest at a time (default 2)

Why not mutmut or cosmic-ray (PyPI, checked): mutmut 3 mutates only inside functions (the
thresholds here are also module constants and dataclass defaults: AuditRules' 30/7/90 days,
REUSE_FOR, LOW_RUNWAY_DAYS), builds its ./mutants/ copy inside the working tree (shared here
by several engineers' test runs) and expects import names to follow file paths, which
package-dir breaks (``app/keys/audit.py`` is ``openrush_tui.keys.audit``); cosmic-ray needs a
session database and a config per module. A few hundred lines on `ast` fit this layout.

How: the tree (app/, screens/, widgets/, styles/ as the package ``openrush_tui``, tests/,
pyproject.toml) is copied into a temporary directory once per worker and put first on
``PYTHONPATH`` (the editable install's finder comes after the path finder), so nothing in the
working tree is ever written and concurrent edits do not disturb a run. Per mutant only the
module's own file is rewritten (``ast.unparse``; its stale .pyc removed) and only that
module's test files run: ``-x -q -n 0 -p no:randomly --hypothesis-seed=0``, under a deadline
(3x the unmutated run + 30 s; a mutant that hangs the tests counts as killed). Each worker's
launcher imports pytest, Textual, httpx, pydantic... once and forks one pytest per mutant,
which imports ``openrush_tui`` afresh from the copy. Before its mutants, each module's tests
must pass on the unmutated (unparsed) module and fail on a poisoned one, which proves the
copy is what the tests import.

Not run in CI: a full run takes about 25 minutes on 2 busy cores (one module: 3-8 minutes).
Equivalent mutants (no input the program can get tells them apart) are listed in EQUIVALENT
with the reason, printed, and left out of the rate.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib.util
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where each part of the package lives in the copy (pyproject's package-dir).
PACKAGE_DIRS = {"app": "", "screens": "screens", "widgets": "widgets", "styles": "styles"}


@dataclass(frozen=True)
class Target:
    path: str  # the module, relative to the repository
    tests: tuple[str, ...]  # the test files that pin its rules (missing ones are skipped)
    only: tuple[str, ...] = ()  # top-level functions to mutate (empty: the whole module)


TARGETS = {
    # The pinned rules first: quick unit tests that, with -x, end most runs early.
    "audit": Target("app/keys/audit.py", ("tests/test_rules_audit_pinned.py",
                                          "tests/test_keys_audit.py")),
    "budget": Target("app/api/budget.py", ("tests/test_rules_budget_pinned.py",
                                           "tests/test_budget.py")),
    "safe": Target("app/text/safe.py", ("tests/test_rules_safe_pinned.py",
                                        "tests/test_safe_text.py")),
    # The rules of a rotation, not its flow (the flow's tests drive a sandbox, the rules are
    # what it decides: the name, the lifetime, how often it looks at the old key).
    "rotation": Target("app/keys/rotate.py", ("tests/test_rules_rotation_pinned.py",
                                              "tests/test_keys_rotate.py"),
                       only=("replacement_name", "replacement_expiry", "_lifetime",
                             "_nearest_time_of_day",
                             "lifetime_words", "IdleWatch", "poll_every", "_minutes")),
    "runway": Target("app/activity/runway.py", ("tests/test_rules_runway_pinned.py",
                                                "tests/test_activity_runway.py")),
}

# (module, where, before, after) -> why no test can kill it. Keyed by text, not line, since
# others edit these modules.
_PRINTABLE_ABOVE = ("U+0100 and U+10000 are printable, so they never reach an escape: the "
                    "edge moved by one changes no output")
_FAST_PATH = "a shortcut for all-printable text: the general path gives the same result"
_CONTEXT_NAME = "a ContextVar's name is only shown in its repr"
_NO_LIMIT = ("with a limit of 0 or 1, `remaining < limit / 5` holds only for a negative "
             "count, which `remaining <= reserve` (reserve >= 0) already catches")
_CACHE = "only forgets a hold that has ended; blocked_for() says 0 either way"
_STALE = ("requests older than a minute only fill the deque: the index is counted so that "
          "the request chosen is the same, and older ones give a wait below 0, i.e. none")
_LOW = ("warning words are reached only when low with credits left, when days_left is a "
        "number: the fallback is dead code (reported)")
EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    # -- safe
    ("safe", "_escape", "code < 256", "code <= 256"): _PRINTABLE_ABOVE,
    ("safe", "_escape", "code < 256", "code < 257"): _PRINTABLE_ABOVE,
    ("safe", "_escape", "code < 65536", "code <= 65536"): _PRINTABLE_ABOVE,
    ("safe", "_escape", "code < 65536", "code < 65537"): _PRINTABLE_ABOVE,
    ("safe", "_json_escape", "code < 65536", "code <= 65536"): _PRINTABLE_ABOVE,
    ("safe", "_json_escape", "code < 65536", "code < 65537"): _PRINTABLE_ABOVE,
    ("safe", "visible", "if text.isprintable():", "if False:"): _FAST_PATH,
    ("safe", "strip_unsafe", "if text.isprintable():", "if False:"): _FAST_PATH,
    ("safe", "strip_unsafe",
     "char.isprintable() or unicodedata.category(char) not in _ACTIVE_CATEGORIES",
     "False or unicodedata.category(char) not in _ACTIVE_CATEGORIES"):
        "every printable character's category (letters, marks, numbers, punctuation, "
        "symbols, the space) is outside _ACTIVE_CATEGORIES, so the category alone decides",
    # -- budget
    ("budget", "module", "ContextVar('openrush_budget_reuse', default=REUSE_FOR)",
     "ContextVar('', default=REUSE_FOR)"): _CONTEXT_NAME,
    ("budget", "module", "ContextVar('openrush_budget_live', default=None)",
     "ContextVar('', default=None)"): _CONTEXT_NAME,
    ("budget", "reserve_reached", "info.limit > 0", "info.limit >= 0"): _NO_LIMIT,
    ("budget", "reserve_reached", "info.limit > 0", "info.limit > 1"): _NO_LIMIT,
    ("budget", "reserve_reached", "info.limit > 0 and info.remaining < info.limit * PAUSE_BELOW",
     "True and info.remaining < info.limit * PAUSE_BELOW"): _NO_LIMIT,
    ("budget", "RequestBudget._hold", "self.rate_limit.remaining > 0",
     "self.rate_limit.remaining >= 0"):
        "a count of 0 replaced by a count of 0 is the same count",
    ("budget", "RequestBudget.get", "done.cancelled() or done.exception()",
     "False or done.exception()"):
        "the task is shielded from its callers: nothing cancels it, so cancelled() is False",
    ("budget", "RequestBudget._hold", "self._blocked_until or 0.0",
     "self._blocked_until or False"): "False is 0 to max()",
    ("budget", "RequestBudget.blocked_for", "left <= 0", "left < 0"): _CACHE,
    ("budget", "RequestBudget.blocked_for", "self._blocked_until = None", "(removed)"): _CACHE,
    ("budget", "RequestBudget.live_pace", "self._window_ends or now",
     "self._window_ends or False"):
        "reached only when the window is not over, i.e. when _window_ends is set",
    ("budget", "RequestBudget.live_pace", "max(0.0, wait)", "wait"):
        "wait is never negative already: the window wait counts only requests of the last "
        "minute, and the interval's wait is max()ed with it",
    ("budget", "RequestBudget._window_wait",
     "while self._live_sent and self._live_sent[0] <= now - WINDOW:", "while False:"): _STALE,
    ("budget", "RequestBudget._window_wait", "self._live_sent[0] <= now - WINDOW",
     "self._live_sent[0] < now - WINDOW"): _STALE,
    ("budget", "RequestBudget._window_wait", "len(self._live_sent) - 1",
     "len(self._live_sent) - 2"):
        "the cap on the index binds only when a refresh costs more than the minute's "
        "allowance, and then the pace's interval (60 s x cost / allowance) is the longer wait",
    # -- rotation
    ("rotation", "lifetime_words",
     "expires_at is not None and now is not None and (expires_at == LATEST_EXPIRY) and "
     "(shifted(now, _lifetime(old)) > LATEST_EXPIRY)",
     "expires_at is not None and now is not None and True and "
     "(shifted(now, _lifetime(old)) > LATEST_EXPIRY)"):
        "when the lifetime from now passes LATEST_EXPIRY, replacement_expiry (the one "
        "source of expires_at) is LATEST_EXPIRY",
    ("rotation", "lifetime_words",
     "expires_at is not None and now is not None and (expires_at == LATEST_EXPIRY) and "
     "(shifted(now, _lifetime(old)) > LATEST_EXPIRY)",
     "True and now is not None and (expires_at == LATEST_EXPIRY) and "
     "(shifted(now, _lifetime(old)) > LATEST_EXPIRY)"):
        "`expires_at == LATEST_EXPIRY` is False for None anyway",
    ("rotation", "IdleWatch.quiet_since", "used != self._seen or self._since is None",
     "used != self._seen or False"):
        "_seen and _since are set together and `used` is never None, so on the first call "
        "used != _seen already (dead code, reported)",
    ("rotation", "poll_every", "max(1, rate.limit)", "max(2, rate.limit)"):
        "1 or 2 a minute both give a floor above POLL_MAX: a look every 60 s either way",
    # -- runway
    ("runway", "Runway.warning", "self.days_left or 0.0", "self.days_left or False"): _LOW,
    ("runway", "Runway.warning", "self.days_left or 0.0", "self.days_left or 1.0"): _LOW,
    ("runway", "Runway.lasts", "self.days_left or 0.0", "self.days_left or False"):
        "False is 0 to >= and round()",
    ("runway", "measure_runway", "False", "True"):  # `spent, complete = 0, False`
        "count_pages yields at least one step for pages >= 1, and that step sets complete",
}


@dataclass
class Mutant:
    module: str
    index: int  # the node's place in `_walk` order
    op: str
    line: int
    where: str  # the enclosing function or class
    before: str = ""
    after: str = ""
    source: str = ""  # the mutated module
    outcome: str = ""  # killed, survived, timeout, equivalent

    @property
    def label(self) -> str:
        return f"{TARGETS[self.module].path}:{self.line} ({self.where}): " \
               f"{_cut(self.before)}  ->  {_cut(self.after)}"


# -- finding the mutation points --------------------------------------------------------------

_SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
             ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
             ast.In: ast.NotIn, ast.NotIn: ast.In}
_SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
             ast.FloorDiv: ast.Div, ast.Mod: ast.Mult, ast.LShift: ast.RShift,
             ast.RShift: ast.LShift, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
             ast.Pow: ast.Mult}


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and \
        isinstance(node.value.value, str)


def _skipped(node: ast.AST) -> bool:
    """Code that states no rule: imports, type-only blocks and aliases, docstrings."""
    if isinstance(node, ast.Import | ast.ImportFrom) or _is_docstring(node):  # type: ignore[arg-type]
        return True
    if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
            node.test.id == "TYPE_CHECKING":
        return True
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
        node.value.id == "Literal"


def _walk(tree: ast.AST) -> list[tuple[ast.AST, str]]:
    """Every node that may be mutated, in a fixed order, with its enclosing def or class."""
    found: list[tuple[ast.AST, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        if _skipped(node):
            return
        found.append((node, where))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            where = f"{where}.{node.name}" if where else node.name
            children = node.body  # not decorators, arguments' annotations or defaults
            if not isinstance(node, ast.ClassDef):
                children = [*node.args.defaults, *node.args.kw_defaults, *node.body]
            for child in children:
                if child is not None:
                    visit(child, where)
            return
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                visit(node.value, where)
            return
        if isinstance(node, ast.JoinedStr):  # only the expressions inside an f-string
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    visit(part.value, where)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, "")
    return found


def _ops(node: ast.AST) -> list[str]:
    """The mutations that apply to `node` (names understood by `_apply`)."""
    ops: list[str] = []
    if isinstance(node, ast.Compare):
        ops += [f"cmp{i}" for i, op in enumerate(node.ops) if type(op) in _SWAP_CMP]
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _SWAP_BIN:
        ops.append("binop")
    elif isinstance(node, ast.BoolOp):
        ops += ["boolop", *(f"drop{i}" for i in range(len(node.values)))]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        ops.append("unary")
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or (isinstance(value, int | float) and
                                       not isinstance(value, complex)):
            ops.append("const")
        elif isinstance(value, str):
            ops.append("string")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("min", "max") and len(node.args) == 2 and not node.keywords:
        ops += ["minmax", "cap0", "cap1"]
    elif isinstance(node, ast.If | ast.IfExp | ast.While):
        ops += ["true", "false"] if not isinstance(node, ast.While) else ["false"]
    elif isinstance(node, ast.Return) and node.value is not None and \
            not (isinstance(node.value, ast.Constant) and node.value.value is None):
        ops.append("none")
    # (Leaving out a `return` is `return None`, above.)
    if isinstance(node, ast.Expr | ast.AugAssign | ast.Raise | ast.Delete) or (
            isinstance(node, ast.Assign) and
            not all(isinstance(target, ast.Name) for target in node.targets)):
        ops.append("remove")  # (an assignment to a plain name only gives a NameError)
    return ops


def _apply(node: ast.AST, op: str, parents: dict[int, tuple[ast.AST, str, int | None]],
           ) -> ast.AST:
    """Mutate `node` in place (or replace it in its parent); returns what to show."""
    if op.startswith("cmp"):
        i = int(op[3:])
        node.ops[i] = _SWAP_CMP[type(node.ops[i])]()  # type: ignore[attr-defined]
    elif op == "binop":
        node.op = _SWAP_BIN[type(node.op)]()  # type: ignore[attr-defined]
    elif op == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore[attr-defined]
    elif op.startswith("drop"):  # one condition no longer counts
        neutral = isinstance(node.op, ast.And)  # type: ignore[attr-defined]
        node.values[int(op[4:])] = ast.Constant(neutral)  # type: ignore[attr-defined]
    elif op == "unary":
        return _replace(node, node.operand, parents)  # type: ignore[attr-defined]
    elif op == "const":
        value = node.value  # type: ignore[attr-defined]
        node.value = (not value) if isinstance(value, bool) else value + 1  # type: ignore[attr-defined]
    elif op == "string":
        node.value = "" if node.value else "XX"  # type: ignore[attr-defined]
    elif op == "minmax":
        node.func.id = "max" if node.func.id == "min" else "min"  # type: ignore[attr-defined]
    elif op.startswith("cap"):  # the cap (or floor) is gone: only one side remains
        return _replace(node, node.args[int(op[3:])], parents)  # type: ignore[attr-defined]
    elif op in ("true", "false"):
        node.test = ast.Constant(op == "true")  # type: ignore[attr-defined]
    elif op == "none":
        node.value = ast.Constant(None)  # type: ignore[attr-defined]
    elif op == "remove":
        return _replace(node, ast.Pass(), parents)
    return node


def _replace(node: ast.AST, new: ast.AST, parents: dict[int, tuple[ast.AST, str, int | None]],
             ) -> ast.AST:
    parent, name, index = parents[id(node)]
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new
    return new


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    parents: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, ast.AST):
                parents[id(value)] = (parent, name, None)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        parents[id(item)] = (parent, name, index)
    return parents


def _shown(node: ast.AST) -> str:
    """The first line of `node` (whole: EQUIVALENT's keys are these)."""
    return ast.unparse(node).splitlines()[0] if not isinstance(node, ast.Pass) else "(removed)"


def _cut(text: str) -> str:
    return text if len(text) <= 90 else text[:87] + "..."


def mutants_of(module: str, text: str) -> list[Mutant]:
    target = TARGETS[module]
    original = ast.parse(text)
    found: list[Mutant] = []
    for index, (node, where) in enumerate(_walk(original)):
        if target.only and where.split(".")[0] not in target.only:
            continue
        for op in _ops(node):
            tree = copy.deepcopy(original)
            twin = _walk(tree)[index][0]
            parents = _parents(tree)
            # A constant is shown with what holds it (`code -= 65536`, not `65536`), when
            # short: the list of equivalents tells two alike constants apart by it.
            context = parents.get(id(twin), (twin,))[0]
            if op not in ("const", "string") or len(ast.unparse(context)) > 90 or \
                    isinstance(context, ast.Dict | ast.Tuple | ast.List | ast.Set):
                context = twin
            before = _shown(context)
            shown = _apply(twin, op, parents)
            ast.fix_missing_locations(tree)
            mutant = Mutant(module, index, op, getattr(node, "lineno", 0), where or "module",
                            before, _shown(context if context is not twin else shown))
            try:
                mutant.source = ast.unparse(tree)
                compile(mutant.source, target.path, "exec")
            except (SyntaxError, ValueError):
                continue  # e.g. `return None` in an async generator: not a program
            if mutant.before == mutant.after:
                continue
            found.append(mutant)
    return found


# -- running the tests ------------------------------------------------------------------------


# Imported once by each worker's launcher, before it forks a pytest per mutant: on a busy
# machine these imports are most of a run's time. Never `openrush_tui` or `tests`: each
# child imports those itself, from the copy, mutant included.
PRELOAD = ("pytest", "_pytest.assertion.rewrite", "_pytest.python", "pytest_asyncio.plugin",
           "xdist.plugin", "pytest_timeout", "hypothesis", "hypothesis.strategies",
           "syrupy", "textual.app", "textual.widgets", "textual.pilot", "textual.command",
           "rich.console", "httpx", "pydantic", "fastapi", "uvicorn", "anyio", "jinja2",
           "keyring", "jwt", "tomlkit", "platformdirs")


def serve() -> None:
    """A worker's launcher (``--serve``, in the copy): one line of pytest arguments in, a
    forked pytest's pid and then its exit code out."""
    import importlib
    import json

    sys.path[0] = os.getcwd()  # as `python -m pytest` in the copy would have it
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import pytest

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its own session, so that a deadline kills its servers too
            code = 3
            try:
                os.setsid()
                log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(log, 1)
                os.dup2(log, 2)
                code = int(pytest.main(request["args"]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


@dataclass
class Worker:
    """One temporary copy of the tree and its launcher, running one pytest at a time."""

    home: Path
    texts: dict[str, str]  # each module as it was read, put back after every run
    launcher: subprocess.Popen[bytes]
    timeouts: dict[str, float] = field(default_factory=dict)
    _buffer: bytes = b""

    @classmethod
    def create(cls, base: Path, number: int, texts: dict[str, str]) -> Worker:
        home = base / f"tree{number}"
        ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
        for folder, inside in PACKAGE_DIRS.items():
            shutil.copytree(ROOT / folder, home / "pkg" / "openrush_tui" / inside,
                            ignore=ignore, dirs_exist_ok=True)
        shutil.copytree(ROOT / "tests", home / "tests", ignore=ignore)
        shutil.copy2(ROOT / "pyproject.toml", home / "pyproject.toml")
        # First on the path: the editable install's finder comes after the path finder.
        env = {**os.environ, "PYTHONPATH": str(home / "pkg")}
        with open(home / "launcher.log", "wb") as errors:
            launcher = subprocess.Popen([sys.executable, __file__, "--serve"], cwd=home,
                                        env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=errors, bufsize=0)
        worker = cls(home, texts, launcher)
        for module in texts:
            worker.put(module, texts[module])  # the text the mutants were made from
        return worker

    def close(self) -> None:
        assert self.launcher.stdin is not None  # noqa: S101
        self.launcher.stdin.close()
        self.launcher.wait(timeout=60)

    def put(self, module: str, source: str) -> None:
        path = self.module_file(module)
        path.write_text(source, encoding="utf-8")
        # The next import must compile this text: a mutant of the same size written in the
        # same second would otherwise pass the .pyc's check and run the previous one.
        Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)

    def module_file(self, module: str) -> Path:
        relative = Path(TARGETS[module].path).relative_to("app")
        return self.home / "pkg" / "openrush_tui" / relative

    def run(self, module: str, source: str, timeout: float) -> tuple[str, float]:
        """Run the module's tests against `source`: "passed", "failed" or "timeout"."""
        self.put(module, source)
        try:
            return self._pytest(module, timeout)
        finally:  # only one module is ever a mutant (or poisoned) at a time
            self.put(module, self.texts[module])

    def _pytest(self, module: str, timeout: float) -> tuple[str, float]:
        import json

        shutil.rmtree(self.home / ".hypothesis", ignore_errors=True)  # no replays across mutants
        tests = [name for name in TARGETS[module].tests if (self.home / name).exists()]
        args = ["-x", "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider",
                "--hypothesis-seed=0", *tests]
        assert self.launcher.stdin is not None  # noqa: S101
        started = time.monotonic()
        request = {"args": args, "log": str(self.home / "pytest.log")}
        self.launcher.stdin.write((json.dumps(request) + "\n").encode())
        pid = int(self._line(started + 60) or "0")
        answer = self._line(started + timeout)
        if answer is None:  # past the deadline: the child's whole session goes
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self._line(time.monotonic() + 60)
            return "timeout", time.monotonic() - started
        code = int(answer)
        if code in (4, 5):
            raise RuntimeError(f"pytest could not run {tests} (exit {code})")
        return ("passed" if code == 0 else "failed"), time.monotonic() - started

    def _line(self, deadline: float) -> str | None:
        """The launcher's next line, or None at `deadline` (read raw: no hidden buffer)."""
        assert self.launcher.stdout is not None  # noqa: S101
        fd = self.launcher.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the launcher ended: see {self.home / 'launcher.log'}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


def check(worker: Worker, module: str, text: str) -> float:
    """The tests pass on the unmutated module and fail on a poisoned one; their time."""
    original = ast.unparse(ast.parse(text))
    outcome, took = worker.run(module, original, 600)
    if outcome != "passed":
        tail = (worker.home / "pytest.log").read_text("utf-8", "replace").splitlines()[-25:]
        raise RuntimeError(f"{module}: the tests do not pass on the unmutated module:\n"
                           + "\n".join(tail))
    poisoned, _ = worker.run(module, original + "\nraise RuntimeError('poisoned')\n", 600)
    if poisoned != "failed":
        raise RuntimeError(f"{module}: the tests did not import the copy")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(TARGETS)} (all)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--jobs", type=int, default=2, choices=(1, 2))
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve()
        return 0
    modules = options.modules or list(TARGETS)
    if unknown := set(modules) - set(TARGETS):
        parser.error(f"no module {', '.join(sorted(unknown))}; the modules are "
                     + ", ".join(TARGETS))
    # Read once: the mutants, the checks and the copies' restoring use this text.
    texts = {module: (ROOT / TARGETS[module].path).read_text("utf-8") for module in modules}
    mutants = [mutant for module in modules for mutant in mutants_of(module, texts[module])]
    for mutant in mutants:
        reason = EQUIVALENT.get((mutant.module, mutant.where, mutant.before, mutant.after))
        if reason:
            mutant.outcome = "equivalent"
    if options.list:
        for mutant in mutants:
            print(mutant.label + ("  [equivalent]" if mutant.outcome else ""))
        print(f"{len(mutants)} mutants")
        return 0

    with tempfile.TemporaryDirectory(prefix="openrush-mutation-") as base:
        workers = [Worker.create(Path(base), number, texts) for number in range(options.jobs)]
        for module in list(modules):
            try:
                took = check(workers[0], module, texts[module])
            except RuntimeError as error:  # e.g. someone's edit half done: the others still run
                print(f"{error}\n{module}: left out of this run", flush=True)
                modules.remove(module)
                mutants = [mutant for mutant in mutants if mutant.module != module]
                continue
            print(f"{module}: tests pass in {took:.1f} s unmutated, fail when poisoned",
                  flush=True)
            for worker in workers:
                worker.timeouts[module] = 3 * took + 30
        todo: queue.Queue[Mutant] = queue.Queue()
        for mutant in mutants:
            if not mutant.outcome:
                todo.put(mutant)
        total, done, lock = todo.qsize(), [0], threading.Lock()

        def work(worker: Worker) -> None:
            while True:
                try:
                    mutant = todo.get_nowait()
                except queue.Empty:
                    return
                outcome, _ = worker.run(mutant.module, mutant.source,
                                        worker.timeouts[mutant.module])
                mutant.outcome = {"passed": "survived", "failed": "killed"}.get(outcome,
                                                                                  outcome)
                with lock:
                    done[0] += 1
                    if mutant.outcome != "killed":
                        print(f"[{done[0]}/{total}] {mutant.outcome}: {mutant.label}",
                              flush=True)
            # A worker's copy goes with the temporary directory.

        threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for worker in workers:
            worker.close()

    report(modules, mutants)
    return 0


def report(modules: list[str], mutants: list[Mutant]) -> None:
    print("\nSurviving mutants (write a test that tells them apart):")
    for mutant in mutants:
        if mutant.outcome in ("survived", "timeout"):
            print(f"  {mutant.outcome}: {mutant.label}")
    print("\nLeft out as equivalent:")
    for mutant in mutants:
        if mutant.outcome == "equivalent":
            why = EQUIVALENT[(mutant.module, mutant.where, mutant.before, mutant.after)]
            print(f"  {mutant.label}\n      {why}")
    print(f"\n{'module':<10}{'killed':>8}{'survived':>10}{'timeout':>9}{'equiv.':>8}  kill rate")
    for module in modules:
        mine = [mutant for mutant in mutants if mutant.module == module]
        count = {outcome: sum(m.outcome == outcome for m in mine)
                 for outcome in ("killed", "survived", "timeout", "equivalent")}
        # A mutant that makes the tests hang is noticed: it counts as killed in the rate.
        counted = count["killed"] + count["survived"] + count["timeout"]
        rate = (count["killed"] + count["timeout"]) / counted if counted else 1.0
        print(f"{module:<10}{count['killed']:>8}{count['survived']:>10}{count['timeout']:>9}"
              f"{count['equivalent']:>8}  {rate:6.1%}")


if __name__ == "__main__":
    sys.exit(main())
