"""The command line's own help: examples on every command (each one parses), a description on
every command, `help environment` (every variable the code reads) and `help exit-codes` (every
code it defines), -V, "did you mean" on a typo, and OPENRUSH_PROFILE / OPENRUSH_CONFIG_DIR
over the real program."""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrush_tui.cli import build_parser, main
from openrush_tui.commands.examples import EXAMPLES, command_line
from openrush_tui.commands.help_topics import ENVIRONMENT, walk
from tests.support.accounts import subprocess_env
from tests.support.cli_fork import run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")
ROOT = Path(__file__).resolve().parents[1]
# The package's folders (pyproject's package-dir): everything that ships.
SOURCES = [ROOT / "app", ROOT / "screens", ROOT / "widgets"]


def every_command() -> list[tuple[str, ...]]:
    return [path for path, _ in walk(build_parser(["--help"]))]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`main` in-process; argparse's own exits (help, a usage error) are caught here."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- examples and descriptions --------------------------------------------------------------------


def test_every_command_has_examples_and_none_is_left_for_a_gone_command() -> None:
    commands = every_command()
    assert len(commands) > 20  # the whole tree, not only the top
    assert [path for path in commands if not EXAMPLES.get(path)] == []
    assert sorted(set(EXAMPLES) - set(commands)) == []


@pytest.mark.parametrize(("path", "example"), [
    (path, example) for path, examples in EXAMPLES.items() for example in examples])
def test_each_example_parses_with_the_real_parser(path: tuple[str, ...], example: str) -> None:
    words = shlex.split(command_line(example))
    assert words[0] == "openrush-tui"
    argv = words[1:]
    assert argv[:len(path)] == list(path), "an example of a command runs that command"
    try:
        build_parser(argv).parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{example!r} does not parse (exit {exc.code})")


@pytest.mark.parametrize("path", [("keys", "rotate"), ("agents", "list"), ()])
def test_a_command_s_help_ends_with_its_examples(path: tuple[str, ...],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main([*path, "--help"], capsys)
    assert code == 0
    tail = out.split("\nexamples:\n", 1)[1]
    assert [line.strip() for line in tail.splitlines()] == list(EXAMPLES[path])


def test_every_command_has_a_description() -> None:
    parsers = dict(walk(build_parser(["--help"])))
    assert [" ".join(path) for path, parser in parsers.items() if not parser.description] == []
    assert parsers[("agents", "list")].description.startswith("The agents")


# -- help environment -----------------------------------------------------------------------------


# Library calls of ours that read a variable on our behalf.
READ_FOR_US = {"get_terminal_size": {"COLUMNS"}, "user_config_path": {"XDG_CONFIG_HOME"},
               "user_data_path": {"XDG_DATA_HOME"}}


def variables_read(source: Path) -> Iterator[str]:
    """The environment variables a module reads: os.environ.get(X), os.getenv(X),
    os.environ[X], X in os.environ, with X a string or a constant of the package."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    module = module_of(source)

    def value_of(node: ast.expr) -> object:
        """A string, or a constant of the module (or imported into it)."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return getattr(importlib.import_module(module), node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return getattr(getattr(importlib.import_module(module), node.value.id), node.attr)
        raise AttributeError(ast.unparse(node))

    # `for name in SSH_VARIABLES: environ.get(name)`, in a loop or a comprehension.
    loops: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
            try:
                values = value_of(node.iter)
            except AttributeError:
                continue
            if isinstance(values, tuple | list) and all(isinstance(v, str) for v in values):
                loops[node.target.id] = tuple(values)

    def names_of(node: ast.expr) -> tuple[str, ...]:
        if isinstance(node, ast.Name) and node.id in loops:
            return loops[node.id]
        try:
            value = value_of(node)
        except AttributeError:
            value = None
        if not isinstance(value, str):
            raise AssertionError(f"{source}:{node.lineno}: cannot tell which variable is read")
        return (value,)

    def is_environ(node: ast.expr) -> bool:
        return ast.unparse(node) in ("os.environ", "environ")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("os.environ.get", "environ.get", "os.getenv", "getenv"):
                yield from names_of(node.args[0])
            for reader, names in READ_FOR_US.items():
                if called.endswith(reader):
                    yield from names
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            yield from names_of(node.slice)
        elif (isinstance(node, ast.Compare) and len(node.comparators) == 1
              and is_environ(node.comparators[0])):
            yield from names_of(node.left)


def module_of(source: Path) -> str:
    relative = source.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    parts = parts[1:] if parts[0] == "app" else parts
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["openrush_tui", *parts])


def listed_variables(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", text))


def test_the_scan_finds_what_the_code_reads() -> None:
    """The scan itself: a direct read, one through a constant, and one through a library."""
    found = {name for folder in SOURCES for source in folder.rglob("*.py")
             for name in variables_read(source)}
    assert {"OPENRUSH_KEY", "OPENRUSH_API_URL", "TMUX", "COLUMNS"} <= found
    assert {"OPENRUSH_PROFILE", "OPENRUSH_CONFIG_DIR"} <= found


def test_help_environment_lists_every_variable_the_code_reads(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["help", "environment"], capsys)
    assert code == 0
    listed = listed_variables(out)
    missing = {f"{name} ({source.relative_to(ROOT)})"
               for folder in SOURCES for source in folder.rglob("*.py")
               for name in variables_read(source) if name not in listed}
    assert sorted(missing) == [], "read by the code but not in `help environment`"
    assert {name for names, _ in ENVIRONMENT for name in listed_variables(names)} <= listed


def test_help_exit_codes_lists_every_code_the_code_defines(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["help", "exit-codes"], capsys)
    assert code == 0
    listed = set(re.findall(r"^  (\d+) ", out, re.MULTILINE))
    defined = {match for source in (ROOT / "app").rglob("*.py")
               for match in re.findall(r"^EXIT_\w+ = (\d+)$", source.read_text("utf-8"),
                                       re.MULTILINE)}
    assert defined and defined <= listed
    assert {"129", "130", "143"} <= listed  # 128 + SIGHUP, SIGINT, SIGTERM


def test_help_on_a_command_is_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["help", "keys", "rotate"], capsys)[1] == \
        run_main(["keys", "rotate", "--help"], capsys)[1]
    code, out, _ = run_main(["help"], capsys)
    assert code == 0 and out.startswith("usage: openrush-tui")


# -- version and typos ---------------------------------------------------------------------------


def test_dash_v_is_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["-V"], capsys)
    assert code == 0 and out.startswith("openrush-tui ")
    assert out == run_main(["--version"], capsys)[1]


@pytest.mark.parametrize(("argv", "suggestion"), [
    (["kyes"], "did you mean keys?"),
    (["keys", "lst"], "did you mean list?"),
    (["agents", "unistall", "cursor"], "did you mean uninstall?"),
    (["keys", "rotate", "x", "--revoke-old", "when_idle"], "did you mean when-idle?"),
    (["help", "enviroment"], "did you mean environment?"),
    (["help", "keys", "rotat"], "did you mean rotate?"),
])
def test_a_typo_gets_one_suggestion_not_every_choice(argv: list[str], suggestion: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert suggestion in err and "choose from" not in err


def test_a_word_far_from_every_choice_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["activity", "--source", "ftp"], capsys)
    assert code == 2 and "invalid choice: 'ftp' (choose from api, mcp)" in err


# -- OPENRUSH_PROFILE and OPENRUSH_CONFIG_DIR, over the real program ---------------------------


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


def run(home: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(args, input=stdin, env={**subprocess_env(home), **env})


def test_the_profile_and_the_config_folder_from_the_environment(
        server: RunningSandbox, isolated_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere" / "openrush"
    env = {"OPENRUSH_CONFIG_DIR": str(folder), "OPENRUSH_PROFILE": "work"}
    login = run(isolated_home, "login", "--api-url", server.base_url, "--insecure-storage",
                stdin=server.bootstrap_key + "\n", **env)
    assert login.returncode == 0, login.stderr
    # Everything it keeps moved there, for the profile the environment named.
    assert not (isolated_home / ".config" / "openrush-tui").exists()
    profiles = json.loads((folder / "profiles.json").read_text())["profiles"]
    assert list(profiles) == ["work"] and profiles["work"]["api_url"] == server.base_url
    assert list(json.loads((folder / "credentials.json").read_text())["profiles"]) == ["work"]
    assert (folder.stat().st_mode & 0o777) == 0o700

    status = run(isolated_home, "status", "--json", **env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["signed_in"] is True and data["profile"] == "work"
    assert data["server"]["api_url"] == server.base_url  # remembered in that folder

    # --profile wins over the variable; without the folder, nothing is known.
    other = run(isolated_home, "status", "--json", "--profile", "default", **env)
    assert other.returncode == 1 and json.loads(other.stdout)["signed_in"] is False
    home_only = run(isolated_home, "status", "--json", OPENRUSH_PROFILE="work")
    assert home_only.returncode == 1 and json.loads(home_only.stdout)["signed_in"] is False

    # Completion offers the profiles of that folder.
    listed = run(isolated_home, "completion", "--profiles", **env)
    assert listed.stdout.split() == ["default", "work"]


def test_a_profile_name_from_the_environment_is_checked_naming_it(isolated_home: Path) -> None:
    result = run(isolated_home, "status", OPENRUSH_PROFILE="no such/profile")
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "OPENRUSH_PROFILE: not a usable profile name" in lines[0]


def test_every_file_kept_moves_with_the_config_folder(isolated_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from openrush_tui.agents.install import lock_path
    from openrush_tui.auth.credentials import credentials_path
    from openrush_tui.auth.profiles import profiles_path
    from openrush_tui.prefs.settings import settings_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENRUSH_CONFIG_DIR", "relative/cfg")
    folder = tmp_path / "relative" / "cfg"
    paths = [credentials_path(), profiles_path(), settings_path(),
             lock_path(isolated_home / ".cursor" / "mcp.json")]
    assert all(path.is_relative_to(folder) for path in paths), paths
    monkeypatch.setenv("OPENRUSH_CONFIG_DIR", "")  # empty is unset, as for the other variables
    assert credentials_path().is_relative_to(isolated_home / ".config" / "openrush-tui")


def test_argparse_namespace_has_no_profile_until_main_resolves_it() -> None:
    """Why `_main` can tell a --profile given from none: the parser leaves it out."""
    args = build_parser(["keys", "list"]).parse_args(["keys", "list"])
    assert not hasattr(args, "profile")
    assert isinstance(args, argparse.Namespace)
