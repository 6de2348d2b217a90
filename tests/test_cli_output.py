"""The command line's output and endings, defect by defect (issue 18): a rotation whose new key
could not be shown, a pasted full key given to `keys revoke`, a stream cut by a server error,
SIGTERM and SIGHUP while a command waits, one large write on a nearly full disk, and each
output format on a closed or full stdout. (Every command under every condition is the matrix's
business: tests/test_command_matrix.py.)
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from openrush_tui.cli import main
from tests.support.accounts import UseKeyring
from tests.support.command_matrix import CliRunner, runner_env
from tests.support.faults import FaultySandbox, faulty_sandbox
from tests.support.lifecycle import cli_env
from tests.support.sandbox_process import command
from tests.support.scripted_server import Reply, ScriptedServer

KEY = re.compile(r"or_[A-Za-z0-9]{40}")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("cli-output")) as env:
        yield env


def run_here(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def signed_in(faulty: FaultySandbox, isolated_home: Path, use_keyring: UseKeyring,
              monkeypatch: pytest.MonkeyPatch) -> FaultySandbox:
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", faulty.server.url)
    monkeypatch.setenv("OPENRUSH_KEY", faulty.key)
    return faulty


def active(faulty: FaultySandbox, key_id: str) -> bool:
    answer = faulty.server._api.get("/v1/me/api-credentials",
                                    headers={"Authorization": f"Bearer {faulty.key}"})
    return next(item["is_active"] for item in answer.json()["api_credentials"]
                if item["id"] == key_id)


# -- keys rotate … | true ----------------------------------------------------------------------


def test_a_rotation_whose_new_key_nobody_reads_stops_and_names_it(
        faulty: FaultySandbox, tmp_path: Path) -> None:
    old_id = faulty.new_key("rotated into a closed pipe")
    reader, writer = os.pipe()
    os.close(reader)  # `| true`, once true has ended
    env = {**cli_env(tmp_path, None), "OPENRUSH_API_URL": faulty.server.url,
           "OPENRUSH_KEY": faulty.key}
    try:
        done = subprocess.run([*command(), "keys", "rotate", old_id, "--yes"], stdout=writer,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                              text=True, timeout=60, check=False)
    finally:
        os.close(writer)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1, done.stderr
    found = re.search(r"The new key “rotated into a closed pipe [\d-]+” \((cred_\w+)\) exists; "
                      rf"the old key “rotated into a closed pipe” \({old_id}\) is still active\."
                      r".* revoke it with `openrush-tui keys revoke (cred_\w+)` and rotate again",
                      last)
    assert found and found.group(1) == found.group(2), last
    assert last.startswith("openrush-tui: could not write the output (")
    assert active(faulty, old_id)  # never revoked: nothing could switch to the new key


# -- keys revoke <full key> ---------------------------------------------------------------------


def test_revoke_finds_a_pasted_full_key_by_its_prefix_and_never_echoes_it(
        signed_in: FaultySandbox) -> None:
    raw, item = signed_in.sandbox.create_key(signed_in.sandbox.demo_account_id, "pasted", None)
    code, out, err = run_here(["keys", "revoke", "--yes", raw])
    assert code == 0, err
    assert out == f"revoked {item['id']} “pasted”\n"
    assert raw not in out + err and not active(signed_in, str(item["id"]))

    unknown = "or_" + "Z" * 40
    code, out, err = run_here(["keys", "revoke", "--yes", unknown])
    assert code == 2 and out == ""
    assert unknown not in err and "or_ZZZZZZ…ZZZZ" in err
    code, out, err = run_here(["keys", "rotate", "--yes", unknown])
    assert code == 2 and unknown not in out + err and "or_ZZZZZZ…ZZZZ" in err


# -- activity --csv / --jsonl cut by a server error ------------------------------------------------


def _event(number: int) -> dict[str, Any]:
    return {"id": f"use_{number}", "created_at": "2026-06-26T12:00:00Z", "source": "api",
            "tool": "search", "status": "success", "status_code": 200, "credits": 1}


@pytest.mark.parametrize("flag", ["--csv", "--jsonl"])
def test_a_stream_cut_by_a_server_error_says_it_is_partial(
        flag: str, isolated_home: Path, use_keyring: UseKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(fail.Keyring())
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": []}))
        server.add(Reply(200, {"items": [_event(1), _event(2)], "next_cursor": "c2"}),
                   Reply(500, {"detail": "the database failed"}))
        monkeypatch.setenv("OPENRUSH_API_URL", server.url)
        monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)
        code, out, err = run_here(["activity", "--limit", "300", "--own", flag])
    assert code == 1
    assert "use_1" in out and "use_2" in out  # the first page was streamed
    assert "The output written before this is incomplete." in err.strip().splitlines()[-1]


# -- SIGTERM / SIGHUP while a command waits ---------------------------------------------------


def _credential(key_id: str, name: str, prefix: str, **dates: str | None) -> dict[str, Any]:
    return {"id": key_id, "account_id": "acct_1", "name": name, "prefix": prefix,
            "is_active": True, "created_at": "2026-06-10T12:00:00Z", "last_used_at": None,
            "expires_at": None, **dates}


def _until(condition: Any, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_while_the_rotation_waits_says_where_both_keys_stand(
        signum: int, tmp_path: Path) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = _credential("cred_1", "ci", "or_abc001", last_used_at=now)  # in use: a wait
    new = _credential("cred_2", "ci 2026", "or_new002", created_at=now)
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": [old]}))
        server.add(Reply(201, {"key": "or_new002" + "n" * 34, "api_credential": new}))
        env = {**cli_env(tmp_path, None), "OPENRUSH_API_URL": server.url,
               "OPENRUSH_KEY": "or_" + "k" * 40}
        process = subprocess.Popen([*command(), "keys", "rotate", "ci", "--yes", "--revoke-old",
                                    "when-idle"], env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:  # the second look at the key list is the wait's first
            _until(lambda: sum(r.method == "GET" for r in server.requests) >= 2, process)
            process.send_signal(signum)
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    said = " ".join(err.split())
    assert process.returncode == 128 + signum, err
    assert KEY.fullmatch(out.strip())  # the new key was shown before the wait
    assert ("Interrupted. The new key “ci 2026” (cred_2) exists; the old key “ci” (cred_1) is "
            "still active. Revoke the old key later with: openrush-tui keys revoke cred_1"
            in said), err
    assert f"openrush-tui: stopped by {signal.Signals(signum).name}." in said
    assert not any(r.method == "POST" and r.path.endswith("/revoke") for r in server.requests)


def test_sigterm_while_login_checks_the_key_saves_nothing(tmp_path: Path) -> None:
    with ScriptedServer() as server:
        server.add(Reply(200, {"balance": 5}, delay=30))  # the check hangs
        env = {**cli_env(tmp_path, None), "OPENRUSH_API_URL": server.url}
        piped = tmp_path / "key.txt"
        piped.write_text("or_" + "k" * 40 + "\n")
        with piped.open() as stdin:
            process = subprocess.Popen([*command(), "login", "--insecure-storage"], env=env,
                                       stdin=stdin, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        try:
            _until(lambda: bool(server.requests), process)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 143 and out == ""
    assert err.strip() == ("openrush-tui: stopped by SIGTERM. The key was not saved: this "
                           "terminal's sign-in is unchanged.")
    assert not list((tmp_path / "config").rglob("credentials*"))


# -- each format on a closed, full or filling stdout -------------------------------------------


def test_every_format_on_a_lost_stdout_is_one_line_and_exit_1(
        faulty: FaultySandbox, tmp_path: Path) -> None:
    """Text, JSON, JSONL and CSV alike; "short" is a disk with 4 KiB left under an answer of
    ~80 KiB. Unbuffered (PYTHONUNBUFFERED=1, common in containers), Python's own stdout makes
    one write(2) of a large JSON chunk, ignores that it took only part, and exits 0."""
    (tmp_path / "home").mkdir()
    runner = CliRunner(runner_env(tmp_path / "home", faulty.server.url, faulty.key), tmp_path)
    failures = []
    try:
        for fmt in ([], ["--json"], ["--jsonl"], ["--csv"]):
            argv = ["activity", "--limit", "200", *fmt]  # without its own reads: the same
            whole = runner.run(argv, "file")
            assert whole.code == 0 and len(whole.stdout) > 3 * 4096, whole.stderr
            if fmt == ["--json"]:
                assert len(json.loads(whole.stdout)) == 200
            for how, unbuffered in (("closed", False), ("full", False), ("short", False),
                                    ("short", True)):
                result = runner.run(argv, how, disk_left=4096, unbuffered=unbuffered)
                lines = result.stderr.strip().splitlines()
                case = f"{fmt} {how}{' unbuffered' if unbuffered else ''}"
                if result.code != 1 or len(lines) != 1 or \
                        not lines[0].startswith("openrush-tui: could not write the output ("):
                    failures.append(f"{case}: exit {result.code}, {result.stderr!r}")
                if how == "short" and not whole.stdout.startswith(result.stdout):
                    failures.append(f"{case}: not a prefix of the whole output")
        for how in ("closed", "full"):  # argparse's help goes through the writer too
            result = runner.run(["keys", "--help"], how)
            if result.code != 1 or not result.stderr.startswith(
                    "openrush-tui: could not write the output ("):
                failures.append(f"keys --help {how}: exit {result.code}, {result.stderr!r}")
    finally:
        runner.stop()
    assert not failures, "\n".join(failures)
