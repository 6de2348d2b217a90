"""`openrush-tui completion bash|zsh|fish`: each script names every command of the real parser
(so a new subcommand is covered by construction), bash's and fish's complete for real in those
shells, and profile names come from the config folder (a local read, quiet on any problem)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.cli import build_parser, main
from openrush_tui.commands.help_topics import subcommands, walk

pytestmark = pytest.mark.usefixtures("isolated_home")
SHELLS = ("bash", "zsh", "fish")


def tree() -> dict[tuple[str, ...], set[str]]:
    """Each command with subcommands → their names, from the real parser."""
    return {path: {name for name, _ in subcommands(parser)}
            for path, parser in walk(build_parser(["--help"])) if any(subcommands(parser))}


def script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def prefix(path: tuple[str, ...]) -> str:
    return "_shtab_openrush_tui" + "".join(f"_{re.sub(r'[^A-Za-z0-9]', '_', p)}" for p in path)


def test_the_tree_is_the_whole_program() -> None:
    commands = tree()
    assert {"keys", "agents", "sandbox", "completion", "help", "login"} <= commands[()]
    assert {"list", "create", "revoke", "audit", "rotate", "scan"} <= commands[("keys",)]


def test_bash_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    text = script("bash", capsys)
    listed = {name: set(shlex.split(words))
              for name, words in re.findall(r"^(\w+)_subparsers=\((.*)\)$", text, re.MULTILINE)}
    assert listed == {prefix(path): names for path, names in tree().items()}


def test_zsh_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    text = script("zsh", capsys)
    assert text.startswith("#compdef openrush-tui")
    listed = {name: set(re.findall(r"^ {4}([\w-]+):'", body, re.MULTILINE))
              for name, body in re.findall(r"^(\w+)_commands\(\) \{\n(.*?)\n\}", text,
                                           re.MULTILINE | re.DOTALL)}
    assert listed == {prefix(path): names for path, names in tree().items()}


def test_fish_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    text = script("fish", capsys)
    line = re.search(r"^set -g _shtab_openrush_tui_commands (.*)$", text, re.MULTILINE)
    assert line is not None
    every = {" ".join(path) for path, _ in walk(build_parser(["--help"])) if path}
    assert set(shlex.split(line.group(1))) == every


def test_a_shell_is_needed_and_a_wrong_one_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    for argv, says in ((["completion"], "which shell?"),
                       (["completion", "bsh"], "did you mean bash?")):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1


def test_profiles_are_those_of_the_config_folder(capsys: pytest.CaptureFixture[str],
                                                 isolated_home: Path) -> None:
    assert main(["completion", "--profiles"]) == 0
    assert capsys.readouterr().out.split() == ["default"]
    remember_api_url("work", "https://api.openrush.io")
    remember_api_url("staging", "http://127.0.0.1:8787")
    assert main(["completion", "--profiles"]) == 0
    assert capsys.readouterr().out.split() == ["default", "staging", "work"]

    # A file it cannot use: completion says nothing (every other command says why).
    path = isolated_home / ".config" / "openrush-tui" / "profiles.json"
    path.write_text('{"profiles": "oops"}')
    assert main(["completion", "--profiles"]) == 0
    assert capsys.readouterr() == ("default\n", "")


# -- in the real shells ---------------------------------------------------------------------------


def shell_env(home: Path, config: Path) -> dict[str, str]:
    """The program on PATH (the scripts run it for profile names), a config folder of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    env.update(HOME=str(home), OPENRUSH_CONFIG_DIR=str(config),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    return env


@pytest.fixture
def config(isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder knowing the profile "work"."""
    folder = tmp_path / "config"
    monkeypatch.setenv("OPENRUSH_CONFIG_DIR", str(folder))
    remember_api_url("work", "https://api.openrush.io")
    return folder


BASH_COMPLETE = """
source "$1"
complete -p openrush-tui
shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_shtab_openrush_tui openrush-tui "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "${COMPREPLY[@]}"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")
@pytest.mark.parametrize(("words", "expected"), [
    (("ke",), {"keys"}),
    (("keys", ""), {"list", "create", "revoke", "audit", "rotate", "scan"}),
    (("keys", "rotate", "x", "--revoke-old", ""), {"now", "when-idle", "never"}),
    (("keys", "list", "--profile", ""), {"default", "work"}),
    (("--profile", "w"), {"work"}),
])
def test_bash_completes_for_real(words: tuple[str, ...], expected: set[str], config: Path,
                                 isolated_home: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "openrush-tui.bash"
    path.write_text(script("bash", capsys))
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH_COMPLETE, "bash",
                             str(path), "openrush-tui", *words],
                            capture_output=True, text=True, timeout=60,
                            env=shell_env(isolated_home, config), check=False)
    assert result.returncode == 0, result.stderr
    registered, *offered = result.stdout.splitlines()
    assert registered == "complete -o bashdefault -F _shtab_openrush_tui openrush-tui"
    assert {word.strip() for word in offered} == expected


@pytest.mark.skipif(shutil.which("fish") is None, reason="no fish here")
def test_fish_completes_for_real(config: Path, isolated_home: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "openrush-tui.fish"
    path.write_text(script("fish", capsys))
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {shlex.quote(str(path))}; "
         "complete -C 'openrush-tui keys '; echo ::; complete -C 'openrush-tui --profile '"],
        capture_output=True, text=True, timeout=60, env=shell_env(isolated_home, config),
        check=False)
    assert result.returncode == 0, result.stderr
    commands, profiles = result.stdout.split("::\n")
    assert {line.split("\t")[0] for line in commands.splitlines()} >= {"list", "rotate", "scan"}
    assert {line.split("\t")[0] for line in profiles.splitlines()} == {"default", "work"}


@pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh here")
def test_zsh_loads_the_script(isolated_home: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "functions"
    folder.mkdir()
    (folder / "_openrush-tui").write_text(script("zsh", capsys))
    result = subprocess.run(
        ["zsh", "-f", "-c", f"fpath=({shlex.quote(str(folder))} $fpath); autoload -Uz compinit; "
         "compinit -u -D; autoload -Uz _openrush-tui; whence -w _openrush-tui; "
         "echo ${_comps[openrush-tui]}"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(isolated_home)},
        check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["_openrush-tui:", "function", "_openrush-tui"]
