"""The tests' forked console script (tests/support/cli_fork.py) meets the world as a fresh
`openrush-tui` process does: the same output, exit status and streams for the same run, the
run's own environment and folder (never the zygote's or the previous run's), a lost stdout's
exit status, and a fresh process where what Python settles as it starts differs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.accounts import subprocess_env
from tests.support.cli_fork import _the_zygote, run_cli
from tests.support.sandbox_process import command

pytestmark = pytest.mark.usefixtures("isolated_home")

RUNS = [
    ("help", "environment"),
    ("--version",),
    ("nonsense",),  # a usage error: exit 2, said on stderr
    ("status", "--json"),  # the unreachable server below: exit 1, one line
]


@pytest.mark.parametrize("args", RUNS, ids=[" ".join(a) for a in RUNS])
def test_a_forked_run_is_a_fresh_runs_equal(tmp_path: Path, args: tuple[str, ...]) -> None:
    env = {**subprocess_env(tmp_path), "OPENRUSH_API_URL": "http://127.0.0.1:9",
           "OPENRUSH_KEY": "or_" + "x" * 40}
    fresh = subprocess.run([*command(), *args], capture_output=True, text=True, env=env,
                           timeout=60, check=False, stdin=subprocess.DEVNULL)
    forked = run_cli(args, input=None, env=env)
    assert (forked.returncode, forked.stdout, forked.stderr) \
        == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_each_run_has_its_own_environment_and_folder(tmp_path: Path) -> None:
    # The profile named in the environment, then none: nothing of the first run stays.
    env = subprocess_env(tmp_path)
    named = run_cli(["status", "--json"], env={**env, "OPENRUSH_PROFILE": "bad name!"},
                    cwd=tmp_path)
    plain = run_cli(["status", "--json"], env=env, cwd=tmp_path)
    assert "bad name!" in named.stderr, named.stderr
    assert "bad name!" not in plain.stdout + plain.stderr
    # The folder: a relative path is the run's.
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "notes.txt").write_text("nothing to find\n")
    here = run_cli(["keys", "scan", "tree", "--json"], env=env, cwd=tmp_path)
    elsewhere = run_cli(["keys", "scan", "tree", "--json"], env=env, cwd=tmp_path / "tree")
    assert here.returncode == 0 and '"files": 1' in here.stdout, here
    assert elsewhere.returncode == 2, elsewhere
    assert "no such file or folder: tree" in elsewhere.stderr, elsewhere.stderr


def test_a_run_whose_locale_differs_starts_afresh(tmp_path: Path) -> None:
    env = {**subprocess_env(tmp_path), "LC_ALL": "C", "LANG": "C"}
    assert env.get("LC_ALL") != _the_zygote().env.get("LC_ALL")
    forked = run_cli(["help", "environment"], env=env)
    fresh = subprocess.run([*command(), "help", "environment"], capture_output=True,
                           text=True, env=env, timeout=60, check=False)
    assert forked.stdout == fresh.stdout
    assert forked.stdout.isascii()  # under LC_ALL=C the CLI prints only ASCII
    assert os.environ.get("LC_ALL") != "C"  # the test's own environment untouched
