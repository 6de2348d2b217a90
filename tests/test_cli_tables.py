"""Every CLI table on a terminal 80 and 60 columns wide, with long, emoji and CJK key names:
no line wider than the terminal (in display cells), and no name (or tool, or caller) cut so
that it could be another: a cut reads as any cell that starts with what is before its "…" and
ends with what is after it, so after a rotation "Trial deploy…" beside "Trial deploy" fails.
Run as a user runs them: the console script on a pty against `sandbox serve`, with the same
commands piped as the full-width reference; `keys list`'s widths also in-process."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from rich.cells import cell_len

from openrush_tui.api.models import ApiCredential
from openrush_tui.commands import table
from openrush_tui.commands.keys import print_table
from openrush_tui.keys.rotate import replacement_name
from tests.support.cli_fork import run_cli
from tests.support.sandbox_process import FIXED_NOW, RunningSandbox, SandboxFactory, command
from tests.support.unread_terminal import resize


def rotated(name: str) -> tuple[str, str]:
    """An old key's name and its replacement's, as `keys rotate` names it on the server's day."""
    return name, replacement_name(name, datetime.fromisoformat(FIXED_NOW))


# Pairs share a long start (a rotation's old and new key), one pair a long end.
NAMES = [
    "Production server for the billing service (old)",
    "Production server for the billing service (new)",
    "🔑🚀 Deploy key for the staging cluster 🚀🔑",
    "🔑🚀 Deploy key for the staging cluster, second",
    "本番サーバー用のキー請求サービスの本番環境その一",
    "本番サーバー用のキー請求サービスの本番環境その二",
    "Cafe\u0301 nai\u0308ve integration with combining marks",
    "alpha: the same long ending shared by these two keys",
    "omega: the same long ending shared by these two keys",
    # A rotation: the new key is named like the old one plus the day (`keys rotate`), so a
    # cut may leave the new one reading like the old ("Trial deploy…" beside "Trial deploy").
    *rotated("Trial deploy"),
    *rotated("Payments webhook signer"),
    *rotated("Production server for the billing service"),
]
RAW = [f"or_Tbl{index:02d}{str(index % 10) * 35}" for index in range(len(NAMES))]
EXTRA = [{"name": name, "key": raw, "created_days_ago": 100 + index,
          "last_used_days_ago": 40 + index, "expires_in_days": 400 if index % 2 else None}
         for index, (name, raw) in enumerate(zip(NAMES, RAW, strict=True))]
COMMANDS = [("keys", "list"), ("keys", "list", "--all"), ("keys", "audit"),
            ("activity", "--limit", "60"), ("agents", "list")]
# Columns whose cells tell rows apart: as many different cells cut as whole.
TELLING = ("NAME", "TOOL", "KEY OR CLIENT", "AGENT")
SPLIT = re.compile(r"\s{2,}")
SHORT_TITLES = {"KEY/CLIENT": "KEY OR CLIENT"}  # the one title with a narrow form


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory, tmp_path_factory: pytest.TempPathFactory,
           ) -> RunningSandbox:
    extra = tmp_path_factory.mktemp("tables") / "extra.json"
    extra.write_text(json.dumps(EXTRA), encoding="utf-8")
    running = sandbox_server(extra=("--extra-keys", str(extra)))
    # Calls made with the named keys by another program: rows of Activity under those names.
    with httpx.Client(base_url=running.base_url, headers={"User-Agent": "curl/8.5"}) as http:
        for raw in RAW:
            for path in ("/v1/me/credits", "/v1/me/api-credentials"):
                answer = http.get(path, headers={"Authorization": f"Bearer {raw}"})
                assert answer.status_code == 200, answer.text
    return running


def environment(home: Path, server: RunningSandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENRUSH_") and k not in ("COLUMNS", "LINES")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), TERM="xterm-256color", NO_COLOR="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               OPENRUSH_API_URL=server.base_url, OPENRUSH_KEY=server.bootstrap_key)
    return env


def piped(args: tuple[str, ...], env: dict[str, str], cwd: Path | None = None) -> list[str]:
    result = run_cli(args, input=None, env=env, cwd=cwd, timeout=120)
    assert result.returncode in (0, 3), result.stderr
    return result.stdout.splitlines()


def on_terminal(args: tuple[str, ...], env: dict[str, str], columns: int,
                cwd: Path | None = None) -> list[str]:
    """stdout of the command on a pty `columns` wide (COLUMNS says the same), stderr apart."""
    master, slave = os.openpty()
    resize(slave, columns, 24)
    try:
        process = subprocess.Popen([*command(), *args], stdin=subprocess.DEVNULL, stdout=slave,
                                   stderr=subprocess.PIPE, env={**env, "COLUMNS": str(columns)},
                                   cwd=cwd)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the pty
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.communicate(timeout=120)
    finally:
        os.close(master)
    assert process.returncode in (0, 3)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return text.splitlines()


def columns_of(lines: list[str], audit: bool) -> dict[str, list[str]]:
    """The cells of each column by title (for `keys audit`, its rows' first cells as NAME)."""
    if audit:
        return {"NAME": [SPLIT.split(line.strip())[0] for line in lines
                         if re.match(r"  \S", line)]}
    titles = [SHORT_TITLES.get(title, title) for title in SPLIT.split(lines[0].strip())]
    rows = [SPLIT.split(line.strip()) for line in lines[1:]]
    assert all(len(row) == len(titles) for row in rows), (titles, rows)
    return {title: [row[index] for row in rows] for index, title in enumerate(titles)}


def readings(cell: str, whole: list[str]) -> set[str]:
    """The whole cells a cell could be: a cut ("Trial deploy…", "Trial d…06-26") reads as
    any that starts with what is before the "…" and ends with what is after it."""
    if "…" not in cell:
        return {cell} & set(whole)
    start, _, end = cell.partition("…")
    return {text for text in whole if text.startswith(start) and text.endswith(end)
            and text != cell}


@pytest.fixture(scope="module")
def env(server: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return environment(tmp_path_factory.mktemp("home"), server)


WHOLE: dict[tuple[str, ...], list[str]] = {}  # each command piped once, for both widths


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_table_fits_the_terminal_and_keeps_rows_apart(
        env: dict[str, str], args: tuple[str, ...], columns: int) -> None:
    whole = WHOLE.get(args) or WHOLE.setdefault(args, piped(args, env))
    fitted = on_terminal(args, env, columns)
    wide = [line for line in fitted if cell_len(line) > columns]
    assert not wide, "\n".join(fitted)
    audit = args[:2] == ("keys", "audit")
    full, shown = columns_of(whole, audit), columns_of(fitted, audit)
    assert {len(cells) for cells in full.values()} == {len(cells) for cells in shown.values()}
    assert set(shown) <= set(full), fitted  # every title whole: the table fits, not its lines
    if audit or args[0] == "keys":
        assert any(name in " ".join(whole) for name in NAMES), whole  # the seed is there
    for title in TELLING:
        if title in full and title in shown:
            assert len(set(shown[title])) == len(set(full[title])), (title, fitted)
            for cell in shown[title]:
                read = readings(cell, full[title])
                assert len(read) <= 1, f"{cell!r} reads as any of {read}\n" + "\n".join(fitted)
    assert "NAME" in shown or "AGENT" in shown or "KEY OR CLIENT" in shown, fitted


def test_a_pipe_keeps_every_cell_whole(env: dict[str, str]) -> None:
    listed = "\n".join(piped(("keys", "list"), env))
    assert all(name in listed for name in NAMES), listed


@pytest.mark.parametrize("columns", [80, 60])
def test_scan_findings_break_between_words(env: dict[str, str], tmp_path: Path,
                                           columns: int) -> None:
    planted = tmp_path / "deploy"
    planted.mkdir()
    (planted / "settings.env").write_text(f"KEY={RAW[4]}\nOLD={RAW[0]}\n", encoding="utf-8")
    args = ("keys", "scan", "deploy")
    whole, fitted = piped(args, env, tmp_path), on_terminal(args, env, columns, tmp_path)
    assert len(whole) == 2 and "本番サーバー" in whole[0], whole
    assert not [line for line in fitted if cell_len(line) > columns], "\n".join(fitted)
    assert " ".join(fitted).split() == " ".join(whole).split()  # no word broken
    # Each hit starts a line with where it is, as editors read it; its rest goes on under it.
    starts = [line for line in fitted if not line.startswith(" ")]
    assert len(starts) == 2 and all(line.startswith("deploy/settings.env:") for line in starts)


def test_keys_list_at_80_columns_keeps_the_id_and_every_column_but_created(
        env: dict[str, str]) -> None:
    # The id (what `keys revoke` and `keys rotate` take) stays, at its unique start (trial
    # 8); CREATED goes first, then long names give way (cut to 28 cells).
    titles = SPLIT.split(on_terminal(("keys", "list"), env, 80)[0].strip())
    assert titles == ["ID", "NAME", "PREFIX", "STATUS", "LAST USED", "EXPIRES"], titles


# -- in-process: the widths of a typical account ------------------------------------------------

NOW = datetime.fromisoformat(FIXED_NOW)
TYPICAL = ["sandbox bootstrap", "CI pipeline", "reporting [beta]", "Data notebook",
           *rotated("Staging deploy"), "Production server EU 24", "本番サーバー用のキー鍵"]


def key(index: int, name: str) -> ApiCredential:
    return ApiCredential(id=f"cred_{index:02d}{'0' * 22}", name=name, prefix=f"or_k{index:02d}",
                         created_at=NOW - timedelta(days=40 + index),
                         last_used_at=NOW - timedelta(hours=index) if index % 3 else None,
                         expires_at=NOW + timedelta(days=30 * index) if index % 2 else None)


def listed(names: list[str], columns: int, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> list[str]:
    monkeypatch.setattr(table, "terminal_width", lambda: columns)
    keys = [key(index, name) for index, name in enumerate(names)]
    print_table(keys, NOW, among=[item.id for item in keys])
    return capsys.readouterr().out.splitlines()


def test_a_typical_account_shows_ids_whole_names_and_the_dates_to_act_on_at_80_columns(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = listed(TYPICAL, 80, monkeypatch, capsys)
    assert SPLIT.split(lines[0].strip()) == ["ID", "NAME", "PREFIX", "STATUS",
                                             "LAST USED", "EXPIRES"], lines
    assert [SPLIT.split(line)[1] for line in lines[1:]] == TYPICAL
    assert all(cell_len(line) <= 80 for line in lines), lines
    # The dates keep their day where there is room, else say their age ("3d ago", "in 30d").
    assert re.search(r"20\d\d-\d\d-\d\d|\d+[dhmy] ago|in \d+[dhmy]", lines[2]), lines


@pytest.mark.parametrize("columns", [100, 80, 72, 60, 50, 40, 30])
def test_a_rotated_key_s_name_never_reads_like_the_old_one_s(
        columns: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    names = [*NAMES, *TYPICAL]
    lines = listed(names, columns, monkeypatch, capsys)
    assert all(cell_len(line) <= columns for line in lines), lines
    shown = columns_of(lines, audit=False)["NAME"]
    for cell in shown:
        assert len(readings(cell, names)) == 1, (cell, readings(cell, names), lines)
