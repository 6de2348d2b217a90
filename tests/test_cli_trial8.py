"""What the eighth new-user trial of the command line found (tmux at 60 columns, a sandbox
over HTTP):

1. prompts and progress lines on a terminal's stderr broken between words, never by the
   terminal inside a word (`keys create`, `keys revoke`'s question, `keys rotate`'s steps);
   and no command module writes to stderr around the one writer that does it;
2. a piped ``--help`` laid out at the width of the terminal it ends up on (stderr's, else
   stdin's), `COLUMNS` first, 80 with no terminal at all;
3. a name as a narrow `keys list` cut it names its key (`keys revoke`, `keys rotate`, the
   matcher `activity --key` shares), refused when several keys read so, and a cut name that
   names none is said to be cut;
4. a rotation whose wait cannot check the old key says how to finish, as S does, and backs
   off before giving up.

In this process (`cli.main`) against a threaded sandbox over HTTP on 127.0.0.1; the help's
widths in a fresh process each (the terminal is the process's own: a pty, or none).
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.api.models import ApiCredential
from openrush_tui.cli import main
from openrush_tui.clock import system_clock
from openrush_tui.commands import output
from openrush_tui.commands.rotate import KeyNotFound, find_target
from openrush_tui.keys import rotate as rotate_module
from openrush_tui.keys.revoke import choose_keys
from openrush_tui.keys.rotate import Created, Failed, Rotation, Waiting
from openrush_tui.text import safe
from openrush_tui.text.cells import Apart, cell_width
from openrush_tui.text.cells import cut as cut_cells
from tests.support.apps import FIXED_NOW
from tests.support.patience import PATIENCE
from tests.support.threaded_sandbox import Served, threaded_sandbox

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 60


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("cli-trial8")) as running:
        yield running


@pytest.fixture
def signed_in(served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
              monkeypatch: pytest.MonkeyPatch) -> Served:
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    return served


class Typed(io.StringIO):
    """stdin a terminal on which the person types these lines."""

    def isatty(self) -> bool:
        return True


def on_a_terminal(monkeypatch: pytest.MonkeyPatch, typed: str = "") -> None:
    """stderr (and stdin) a terminal `WIDTH` columns wide, as the trial's tmux pane."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", Typed(typed))


def rows(err: str) -> list[str]:
    """stderr as the terminal shows it: each rewritten status line on its own, and a
    question's row ended by the answer typed after it (echoed by the terminal, with Enter)."""
    return [row for line in err.replace("[y/N] ", "[y/N] y\n").split("\n")
            for row in line.split("\r\x1b[K")]


def too_wide(err: str) -> list[str]:
    return [row for row in rows(err) if cell_width(row) > WIDTH]


def said(err: str) -> str:
    return " ".join(err.split())


def new_key(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["keys", "create", name, "--json"]) == 0
    out = capsys.readouterr().out
    found = re.search(r'"id": "(cred_[^"]+)"', out)
    assert found, out
    return found.group(1)


# -- 1. what commands tell on a terminal, at its width ------------------------------------------


def test_keys_create_revoke_and_rotate_tell_within_60_columns(
        signed_in: Served, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    on_a_terminal(monkeypatch)
    assert main(["keys", "create", "t8 gamma, the trial's key with a long name"]) == 0
    created = capsys.readouterr().err
    assert "This is the only time the key is shown: store it now." in said(created), created

    key_id = new_key("t8 delta, another key with a long name", capsys)
    on_a_terminal(monkeypatch, "n\n")
    assert main(["keys", "revoke", key_id]) == 0
    asked = capsys.readouterr().err
    assert "stops working at once. This cannot be undone." in said(asked), asked
    assert "Revoke? [y/N] " in asked and "Nothing was revoked." in asked, asked

    on_a_terminal(monkeypatch, "y\n")
    assert main(["keys", "rotate", key_id]) == 0
    rotated = capsys.readouterr().err
    assert f"Revoked the old key “t8 delta, another key with a long name” ({key_id})." \
        in said(rotated), rotated

    on_a_terminal(monkeypatch)
    assert main(["keys", "revoke", "no key is named…like this one at all"]) == 2
    refused = capsys.readouterr().err

    wide = {name: too_wide(err) for name, err in [("create", created), ("revoke", asked),
                                                   ("rotate", rotated), ("refused", refused)]}
    assert wide == {"create": [], "revoke": [], "rotate": [], "refused": []}
    # Each id said whole on one line (a terminal would split it: "cred_ceb6703ea22aa169d11ef15"
    # then "2"), wherever it falls.
    for err in (asked, rotated):
        assert any(key_id in row for row in rows(err)), err


def test_a_question_on_a_terminal_leaves_room_for_the_answer(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from openrush_tui.commands.common import confirm

    on_a_terminal(monkeypatch, "y\n")
    question = "Write these changes to ~/.config/some/agent/with/a/long/path.json? [y/N] "
    assert confirm(question)
    err = capsys.readouterr().err
    assert err.endswith("[y/N] ") and " ".join(err.split()) == question.strip(), err
    assert all(cell_width(row) <= WIDTH - 4 for row in err.split("\n")), err


def test_piped_stderr_is_left_whole_for_grep(capsys: pytest.CaptureFixture[str]) -> None:
    from openrush_tui.commands.common import say

    sentence = "word " * 40
    say(sentence, err=True)
    assert capsys.readouterr().err == sentence + "\n"


def test_no_command_writes_to_stderr_around_the_one_writer() -> None:
    """Everything a command tells a person goes through `common.say`/`error`/`ask`, which
    break lines between words on a terminal: a direct `output.err` would not."""
    commands = ROOT / "app" / "commands"
    around = [f"{path.name}:{number}" for path in sorted(commands.glob("*.py"))
              if path.name not in ("output.py", "common.py")
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if re.search(r"\boutput\.err\(|sys\.stderr\.write", line)]
    assert around == []


# -- 2. a piped --help at the terminal's width --------------------------------------------------


def help_lines(environ: dict[str, str], *, stderr_columns: int | None) -> list[str]:
    """`keys rotate --help | cat`: stdout a pipe; stderr a pty `stderr_columns` wide, or with
    None no terminal anywhere (stdin the null device, a new session: no /dev/tty either)."""
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"} | environ
    command = [sys.executable, "-m", "openrush_tui", "keys", "rotate", "--help"]
    if stderr_columns is None:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL,
                              text=True, env=env, cwd=ROOT, start_new_session=True,
                              timeout=PATIENCE, check=True)
        return done.stdout.splitlines()
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, stderr_columns, 0, 0))
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=slave,
                              stdin=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
                              start_new_session=True, timeout=PATIENCE, check=True)
    finally:
        os.close(slave)
        os.close(master)
    return done.stdout.splitlines()


def test_a_piped_help_fits_the_terminal_stderr_is() -> None:
    lines = help_lines({}, stderr_columns=WIDTH)
    assert lines and max(map(len, lines)) <= WIDTH, lines
    assert any("$OPENRUSH_API_URL" in line for line in lines), lines  # whole, on one line


def test_columns_wins_and_no_terminal_keeps_80() -> None:
    wider = help_lines({"COLUMNS": "100"}, stderr_columns=WIDTH)
    assert max(map(len, wider)) > WIDTH, wider
    nowhere = help_lines({}, stderr_columns=None)
    assert WIDTH < max(map(len, nowhere)) <= 80, nowhere


# -- 3. names as a narrow table cut them ----------------------------------------------------------


def credential(key_id: str, name: str, *, active: bool = True) -> ApiCredential:
    return ApiCredential.model_validate({
        "id": key_id, "name": name, "prefix": f"or_{key_id[-6:]}", "is_active": active,
        "created_at": "2026-12-01T12:00:00Z"})


KEYS = [credential("cred_aaaaaa", "while do something 2026-12-07"),
        credential("cred_bbbbbb", "while do something 2026-11-30"),
        credential("cred_cccccc", "Production server")]


def test_a_cut_name_names_the_one_key_that_reads_so() -> None:
    chosen = choose_keys(["while do…2026-12-07", "Prod...server"], KEYS)
    assert [key.id for key in chosen.keys] == ["cred_aaaaaa", "cred_cccccc"], chosen
    assert find_target(KEYS, "while do…2026-11-30").id == "cred_bbbbbb"


def test_a_cut_name_several_keys_read_as_is_refused() -> None:
    # Only one of the two is active: a cut name is still not taken as that one.
    keys = [KEYS[0], credential("cred_dddddd", "while do other 2026-12-07", active=False)]
    chosen = choose_keys(["while do…2026-12-07"], keys)
    assert chosen.keys == [] and list(chosen.ambiguous) == ["while do…2026-12-07"], chosen
    with pytest.raises(KeyNotFound, match="could be the name of any of 3 keys"):
        find_target([*keys, credential("cred_eeeeee", "while do more 2026-12-07")],
                    "while do…2026-12-07")
    assert choose_keys(["Prod"], KEYS).unknown == ["Prod"]  # no mark: whole names only


@given(name=st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")),
                    min_size=1, max_size=40),
       room=st.integers(2, 40), keep_end=st.integers(0, 12))
def test_every_cut_a_table_makes_names_its_name(name: str, room: int, keep_end: int) -> None:
    # A cell cut down to its mark alone ("…") tells nothing: not taken for any name.
    for shown in (cut_cells(name, room, keep_end),
                  Apart([name, name + " (old)"], "…").cuts([name], room)[0]):
        assert shown == "…" or safe.names(name, shown), shown


@given(st.text(max_size=12), st.text(max_size=12))
def test_a_cut_leaves_something_out(start: str, end: str) -> None:
    assert not safe.cut_names(start + end, f"{start}…{end}")


def test_a_cut_name_that_names_no_key_is_said_to_be_cut(
        signed_in: Served, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "revoke", "no key is named…like this"]) == 2
    err = said(capsys.readouterr().err)
    assert "cut a name: give the id shown beside it" in err, err
    assert main(["keys", "revoke", "no key is named like this"]) == 2
    assert "cut" not in capsys.readouterr().err


def test_keys_revoke_takes_a_name_cut_as_the_table_shows_it(
        signed_in: Served, capsys: pytest.CaptureFixture[str]) -> None:
    key_id = new_key("while do the trial 2026-12-07", capsys)
    assert main(["keys", "revoke", "while do…2026-12-07", "--yes"]) == 0
    assert f"revoked {key_id}" in capsys.readouterr().out


# -- 4. a rotation's wait that cannot check the old key ------------------------------------------


class _Down:
    """A client whose looks at the old key all fail, as a server that went away."""

    rate_limit = None

    def __init__(self, client: object) -> None:
        self._client = client

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)


def test_a_wait_that_gives_up_says_how_to_finish_and_backed_off(
        signed_in: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    from openrush_tui.api.errors import ConnectionFailed
    from openrush_tui.config import Settings
    from openrush_tui.session import build_client

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def rotate() -> tuple[list[object], Rotation]:
        settings = Settings(api_url=signed_in.base_url)
        from openrush_tui.auth.secret import Secret

        async with build_client(settings, Secret(os.environ["OPENRUSH_KEY"])) as client:
            old = (await client.list_keys())[0]

            async def unreachable(*_args: object) -> None:
                raise ConnectionFailed("Could not connect to the server")

            rotation = Rotation(client, old, revoke_old="when-idle", sleep=sleep,
                                idle=timedelta(minutes=1), clock=system_clock)
            steps: list[object] = []
            async for step in rotation.run():
                steps.append(step)
                if isinstance(step, Created):  # from here on the server is away
                    monkeypatch.setattr(rotation, "_look", unreachable)
            return steps, rotation

    steps, rotation = asyncio.run(rotate())
    assert [type(step) for step in steps] == [Created, *[Waiting] * 4, Failed], steps
    assert "Stopped waiting" in steps[-1].text  # type: ignore[attr-defined]
    finish = rotation.revoke_by_hand("d on it here")
    assert finish == ("Revoke the old key once nothing uses it (d on it here, or openrush-tui "
                      f"keys revoke {rotation.old.id}).")
    # Twice as long after each failed look (up to a cap), not five looks at the usual pace.
    # (The trial's one-minute wait gave up after four looks 10 s apart: some 50 s.)
    cap = rotate_module.FAILED_LOOK_WAIT_MAX
    assert slept[0] == 10 and all(later == min(cap, 2 * earlier)
                                  for earlier, later in pairwise(slept)), slept


async def test_the_dashboard_says_how_to_finish_a_failed_wait(tmp_path: Path) -> None:
    """API access's wait line: the server goes away while it waits; its end says, as S's,
    "Revoke the old key once nothing uses it (d on it here, or openrush-tui keys revoke …)"."""
    from openrush_tui.api.errors import ConnectionFailed
    from tests.support.apps import sandbox_app, until
    from tests.test_rotation_background import MovingClock, said, start_waiting, table_of

    async def unreachable() -> None:
        raise ConnectionFailed("Could not connect to the server")

    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        line = await start_waiting(pilot, app)
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        line._rotation._look = unreachable  # type: ignore[union-attr, method-assign]

        def failed() -> bool:
            line.look_now()  # each pause between two looks ended at once
            return "Stopped waiting" in said(app)

        await until(pilot, failed)
        assert ("Revoke the old key once nothing uses it (d on it here, or openrush-tui keys "
                f"revoke {production}).") in said(app), said(app)
