"""Words of the command line that read wrong (issue 20): `help environment` wraps at the
terminal's width (COLUMNS, then the terminal; at most a readable width), not at 80 whatever
it is; the completion scripts say to install them where the README and `completion --help`
do (shtab's own header named another folder for bash and zsh)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openrush_tui.cli import main
from openrush_tui.commands.help_topics import ENVIRONMENT, TOPICS
from openrush_tui.text.cells import cell_width

pytestmark = pytest.mark.usefixtures("isolated_home")
README = Path(__file__).resolve().parents[1] / "README.md"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("topic", list(TOPICS))
@pytest.mark.parametrize("columns", [40, 60, 120, 300])
def test_a_help_topic_wraps_at_the_terminal_s_width(topic: str, columns: int,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = run(["help", topic], capsys)
    widest = max(cell_width(line) for line in out.splitlines())
    assert widest <= columns, out
    if columns == 120:  # the room is used: wider than the old fixed 80
        assert widest > 80, out
    if columns == 300:  # but lines stay readable
        assert widest <= 100, out
    # Nothing lost to the wrapping: every name and every meaning, in order.
    heading, rows = TOPICS[topic]
    assert "".join(words(out)) == "".join(
        words(heading) + [word for name, meaning in rows for word in words(name + meaning)])
    if columns >= 60:  # room for every word whole
        assert words(out) == words(heading) + [word for name, meaning in rows
                                               for word in words(name) + words(meaning)]


def test_help_environment_at_60_and_120_columns(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    outs = {}
    for columns in (60, 120):
        monkeypatch.setenv("COLUMNS", str(columns))
        outs[columns] = run(["help", "environment"], capsys)
    assert len(outs[120].splitlines()) < len(outs[60].splitlines())
    name, meaning = ENVIRONMENT[0]
    assert f"  {name}" in outs[60] and meaning.split()[0] in outs[60]


def readme_install_lines() -> dict[str, str]:
    """The README's `openrush-tui completion SHELL > PATH` lines, by shell."""
    found = re.findall(r"^(openrush-tui completion (bash|zsh|fish) > .+)$",
                       README.read_text(encoding="utf-8"), re.MULTILINE)
    return {shell: line for line, shell in found}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_script_says_to_install_it_where_the_readme_does(
        shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    readme = readme_install_lines()[shell]
    script = run(["completion", shell], capsys)
    header = script[:script.index("\n\n", script.index("# "))]
    assert readme in header, header
    assert "bash_completion/" not in header and "zsh_completion" not in header, header
    with pytest.raises(SystemExit):
        main(["completion", "--help"])
    # The command's own examples say the same (a line too wide for the terminal continued
    # on the next with a shell continuation, `examples.continued`).
    assert readme in capsys.readouterr().out.replace(" \\\n    ", " ")
    if shell == "zsh":
        assert script.startswith("#compdef openrush-tui\n")  # zsh reads its first line
