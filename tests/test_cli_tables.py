"""Every CLI table on a terminal 80 and 60 columns wide, with long, emoji and CJK key names:
no line wider than the terminal (in display cells), and no two different names (or tools, or
callers) cut so that they read the same. Run as a user runs them: the console script on a
pty against `sandbox serve`, with the same commands piped as the full-width reference."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from rich.cells import cell_len

from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command
from tests.support.unread_terminal import resize

# Two pairs share a long start (a rotation's old and new key), one pair a long end.
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
]
RAW = [f"or_{'Tbl' + str(index) * 37}" for index in range(len(NAMES))]
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
    result = subprocess.run([*command(), *args], capture_output=True, text=True, env=env,
                            timeout=120, check=False, cwd=cwd)
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
