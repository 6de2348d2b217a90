"""`keys audit|rotate|scan`, `activity --csv` and the `credits` runway as a script runs them:
the real console script against `sandbox serve` over HTTP, on the real clock, with keys of
chosen ages (`--extra-keys`). No client is mocked."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.lifecycle import (
    ACTIVE_KEY,
    EXPIRED_KEY,
    REVOKED_KEY,
    cli_env,
    lifecycle_server,
    run_cli,
)
from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command
from tests.support.scripted_server import Reply, ScriptedServer

KEY_LINE = re.compile(r"or_[A-Za-z0-9]{40}\n")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory,
           tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    return lifecycle_server(sandbox_server, tmp_path_factory.mktemp("lifecycle"))


def keys_of(server: RunningSandbox) -> dict[str, dict[str, Any]]:
    """Every key by name, read with the bootstrap key straight over HTTP."""
    reply = httpx.get(f"{server.base_url}/v1/me/api-credentials",
                      headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    return {item["name"]: item for item in reply.json()["api_credentials"]}


def works(server: RunningSandbox, key: str) -> bool:
    reply = httpx.get(f"{server.base_url}/v1/me/credits",
                      headers={"Authorization": f"Bearer {key}"})
    return reply.status_code == 200


def create(server: RunningSandbox, name: str) -> str:
    """A new key of the demo account (straight over HTTP: it is not what is tested here)."""
    reply = httpx.post(f"{server.base_url}/v1/me/api-credentials", json={"name": name},
                       headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    assert reply.status_code == 201, reply.text
    return reply.json()["key"]


# -- keys audit ---------------------------------------------------------------------------------


def test_audit_lists_each_kind_and_gates_on_fail_on(tmp_path: Path,
                                                    server: RunningSandbox) -> None:
    result = run_cli(tmp_path, server, "keys", "audit", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    kinds = {item["name"]: item["kinds"] for item in data["keys"]}
    assert kinds["Legacy integration"] == ["idle", "no-expiry"]
    assert kinds["Old and unused"] == ["never-used", "no-expiry"]
    assert kinds["Expiring soon"] == ["expiring"]
    assert kinds["Planted expired"] == kinds["Contractor (temporary)"] == ["expired"]
    assert "Planted revoked" not in kinds and "Planted active" not in kinds
    assert data["counts"]["idle"] >= 1 and data["summary"].endswith("need attention")
    assert "need attention (of" in result.stderr

    text = run_cli(tmp_path, server, "keys", "audit", "--fail-on", "idle,expired")
    assert text.returncode == 3
    assert "idle (" in text.stdout and "Legacy integration" in text.stdout
    assert "last used 2 months ago" in text.stdout
    assert text.stderr.strip().endswith("keys audit: findings of kind expired, idle (--fail-on)")
    assert run_cli(tmp_path, server, "keys", "audit", "--fail-on", "stale").returncode == 2
    quiet = run_cli(tmp_path, server, "keys", "audit", "--idle-days", "365",
                    "--fail-on", "idle")
    assert quiet.returncode == 0, quiet.stderr


# -- keys rotate --------------------------------------------------------------------------------


def test_rotate_by_name_prints_only_the_new_key_and_revokes_the_old(
        tmp_path: Path, server: RunningSandbox) -> None:
    old_key = create(server, "rotate me")
    refused = run_cli(tmp_path, server, "keys", "rotate", "rotate me")
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    assert works(server, old_key)

    result = run_cli(tmp_path, server, "keys", "rotate", "rotate me", "--yes")
    assert result.returncode == 0, result.stderr
    assert KEY_LINE.fullmatch(result.stdout)  # the new key, once, and nothing else
    new_key = result.stdout.strip()
    assert works(server, new_key) and not works(server, old_key)
    names = keys_of(server)
    new_name = next(name for name in names if name.startswith("rotate me 2"))
    assert names[new_name]["is_active"] and not names["rotate me"]["is_active"]
    assert "Revoked the old key “rotate me”" in result.stderr
    assert new_key not in result.stderr and old_key not in result.stderr + result.stdout


def test_rotate_asks_on_a_terminal_and_keeps_stdout_for_the_key(
        tmp_path: Path, server: RunningSandbox) -> None:
    create(server, "ask first")
    main, terminal = pty.openpty()
    try:
        os.write(main, b"n\n")
        result = subprocess.run([*command(), "keys", "rotate", "ask first"], stdin=terminal,
                                capture_output=True, text=True, env=cli_env(tmp_path, server),
                                timeout=60, check=False)
    finally:
        os.close(terminal)
        os.close(main)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # the question went to stderr
    assert "Rotate? [y/N] Nothing was changed." in result.stderr
    assert [name for name in keys_of(server) if name.startswith("ask first")] == ["ask first"]


def test_rotate_refuses_an_unknown_or_ambiguous_name(tmp_path: Path,
                                                     server: RunningSandbox) -> None:
    create(server, "twin")
    create(server, "twin")
    ambiguous = run_cli(tmp_path, server, "keys", "rotate", "twin", "--yes")
    assert ambiguous.returncode == 2 and "2 active keys are named “twin”" in ambiguous.stderr
    unknown = run_cli(tmp_path, server, "keys", "rotate", "nobody", "--yes")
    assert unknown.returncode == 2 and "no active key has the id or name" in unknown.stderr


async def test_rotate_when_idle_waits_until_production_stops_using_the_old_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The command's own rotation (parsed as typed, printed as on a pipe) on a clock the test
    # moves, shared with an in-process sandbox: "idle for 3 s" takes no real time, and how
    # much work a busy machine fits in 3 s no longer matters (issue 18).
    from openrush_tui.api.budget import RequestBudget
    from openrush_tui.auth.credentials import Lookup
    from openrush_tui.cli import build_parser
    from openrush_tui.commands.common import Target
    from openrush_tui.commands.rotate import _rotate
    from openrush_tui.config import Settings
    from openrush_tui.errors import OpenRushError
    from tests.support.apps import FIXED_NOW
    from tests.support.lifecycle import asgi_client, fixed_sandbox

    now = [FIXED_NOW]
    box = fixed_sandbox(tmp_path / "sandbox.sqlite3", per_minute=600)
    box.clock = lambda: now[0]  # the sandbox reads every "now" through this attribute

    def budget() -> RequestBudget:
        return RequestBudget(monotonic=lambda: now[0].timestamp(), wall=lambda: now[0])

    async def works(key: str) -> bool:
        async with asgi_client(box, key, budget=budget()) as client:
            try:
                await client.credits()
            except OpenRushError:
                return False
            return True

    try:
        async with asgi_client(box, box.mint_bootstrap_key(), budget=budget()) as admin:
            old_key = (await admin.create_key("busy server")).key.get_secret_value()
            answers = [await works(old_key)]  # production, just now
            last_use = now[0]

            async def sleep(seconds: float) -> None:  # production calls during 4 waits
                nonlocal last_use
                now[0] += timedelta(seconds=seconds)
                if len(answers) < 5:
                    answers.append(await works(old_key))
                    last_use = now[0]

            argv = ["keys", "rotate", "busy server", "--yes", "--revoke-old", "when-idle",
                    "--idle-minutes", "0.05"]
            args = build_parser(argv).parse_args(argv)
            not_signed_in = Target(Settings(api_url="http://127.0.0.1"), Lookup(None))
            code = await _rotate(admin, args, not_signed_in, clock=lambda: now[0], sleep=sleep)
            result = capsys.readouterr()
            assert code == 0, result.err
            assert "old key last used just now; it is revoked once unused for 3 s" in result.err
            assert answers == [True] * 5, result.err  # never cut off while in use
            assert now[0] - last_use >= timedelta(seconds=3)  # revoked once idle for 3 s
            assert not await works(old_key) and await works(result.out.strip())
    finally:
        box.close()


def test_rotating_the_terminals_own_saved_key_switches_it_first(
        tmp_path: Path, server: RunningSandbox) -> None:
    old_key = create(server, "my laptop")
    home = tmp_path / "home"
    login = run_cli(home, server, "login", "--insecure-storage", key="", stdin=old_key + "\n")
    assert login.returncode == 0, login.stderr
    result = run_cli(home, server, "keys", "rotate", "my laptop", "--yes", key="")
    assert result.returncode == 0, result.stderr
    new_key = result.stdout.strip()
    assert "now signs in with the new key, kept in the file" in result.stderr
    saved = json.loads((home / "config" / "openrush-tui" / "credentials.json").read_text())
    assert saved["profiles"]["default"]["key"] == new_key
    assert not works(server, old_key)
    status = run_cli(home, server, "status", "--json", key="")
    assert json.loads(status.stdout)["key"]["key"] == f"{new_key[:9]}…{new_key[-4:]}"


def test_rotating_the_key_in_openrush_key_says_what_to_do(tmp_path: Path,
                                                          server: RunningSandbox) -> None:
    old_key = create(server, "env terminal")
    result = run_cli(tmp_path, server, "keys", "rotate", "env terminal", "--yes",
                     "--revoke-old", "never", key=old_key)
    assert result.returncode == 0, result.stderr
    assert "set OPENRUSH_KEY to the new key" in result.stderr
    assert "Revoke the old key later with: openrush-tui keys revoke cred_" in result.stderr
    assert works(server, old_key)  # kept, as asked


# -- keys scan ----------------------------------------------------------------------------------


def plant(tree: Path, fresh_key: str) -> None:
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "settings.py").write_text(f"API_KEY = '{ACTIVE_KEY}'\n")
    (tree / ".env").write_text(f"# old\nOPENRUSH_KEY={REVOKED_KEY}\nNEW={fresh_key}\n")
    (tree / "notes.md").write_text(f"expired: {EXPIRED_KEY}\nnot ours: or_Zz9{'q' * 30}\n")
    (tree / ".git").mkdir()
    (tree / ".git" / "config").write_text(ACTIVE_KEY)  # skipped
    (tree / "link.txt").symlink_to(tree / "app" / "settings.py")  # not followed


def test_scan_names_each_key_and_never_prints_one(tmp_path: Path,
                                                  server: RunningSandbox) -> None:
    fresh_key = create(server, "fresh for scan")
    tree = tmp_path / "project"
    plant(tree, fresh_key)
    result = run_cli(tmp_path, server, "keys", "scan", cwd=tree)
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        f".env:2:14  {REVOKED_KEY[:9]}…{REVOKED_KEY[-4:]}  revoked key “Planted revoked”: "
        "harmless, remove it",
        f".env:3:5  {fresh_key[:9]}…{fresh_key[-4:]}  ACTIVE key “fresh for scan” (never "
        "used): revoke or rotate it, and move it to a secret store",
        f"app/settings.py:1:12  {ACTIVE_KEY[:9]}…{ACTIVE_KEY[-4:]}  ACTIVE key “Planted "
        "active” (last used 1 day ago): revoke or rotate it, and move it to a secret store",
        f"notes.md:1:10  {EXPIRED_KEY[:9]}…{EXPIRED_KEY[-4:]}  expired key “Planted expired”: "
        "harmless, remove it",
        "notes.md:2:11  or_Zz9qqq…qqqq  not a key of this account",
    ]
    assert "5 keys found: 1 revoked, 2 active, 1 expired, 1 unknown." in result.stderr
    assert "1 folder" in result.stderr and "1 symbolic link" in result.stderr

    as_json = run_cli(tmp_path, server, "keys", "scan", str(tree), "--json")
    assert as_json.returncode == 3
    hits = json.loads(as_json.stdout)["hits"]
    assert [hit["status"] for hit in hits] == ["revoked", "active", "active", "expired",
                                               "unknown"]
    assert hits[2]["key_name"] == "Planted active" and hits[2]["key"].endswith("GHIJ")
    for output in (result.stdout, result.stderr, as_json.stdout, as_json.stderr):
        for full in (fresh_key, ACTIVE_KEY, REVOKED_KEY, EXPIRED_KEY):
            assert full not in output
            assert full[9:-4] not in output  # not even the hidden middle


def test_scan_without_keys_asks_nothing_and_unchecked_hits_fail(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("color_AbCdEf0123456789abcdef = or_else_something_long\n")
    # No server and not signed in: nothing found, so the account is never asked.
    result = run_cli(tmp_path, None, "keys", "scan", str(clean))
    assert result.returncode == 0, result.stderr
    assert "0 keys found" in result.stderr
    (clean / "b.txt").write_text(ACTIVE_KEY)
    unchecked = run_cli(tmp_path, None, "keys", "scan", str(clean))
    assert unchecked.returncode == 3
    assert "not checked against the account's keys" in unchecked.stdout
    assert ACTIVE_KEY not in unchecked.stdout + unchecked.stderr
    missing = run_cli(tmp_path, None, "keys", "scan", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


# -- activity --csv and the credits runway -------------------------------------------------------


def test_activity_csv_respects_every_filter(tmp_path: Path, server: RunningSandbox) -> None:
    for filters in (("--source", "mcp", "--since", "7d"),
                    ("--key", "Data notebook", "--status", "success", "--limit", "30")):
        as_json = run_cli(tmp_path, server, "activity", "--json", "--limit", "300", *filters)
        as_csv = run_cli(tmp_path, server, "activity", "--csv", "--limit", "300", *filters)
        assert as_csv.returncode == 0, as_csv.stderr
        reader = csv.DictReader(io.StringIO(as_csv.stdout))
        rows = list(reader)
        assert reader.fieldnames and reader.fieldnames[0] == "time" and "id" in reader.fieldnames
        assert [row["id"] for row in rows] == [event["id"] for event in json.loads(as_json.stdout)]
        assert rows


def test_credits_show_the_runway_and_warn_when_it_is_short(
        tmp_path: Path, server: RunningSandbox, sandbox_server: SandboxFactory) -> None:
    result = run_cli(tmp_path, server, "credits")
    assert result.returncode == 0, result.stderr
    _, runway = result.stdout.splitlines()
    assert re.fullmatch(r"Lasts about [\d,]+ days at the last 7 days' spend \([\d.,]+ credits "
                        r"a day\)", runway), runway
    data = json.loads(run_cli(tmp_path, server, "credits", "--json").stdout)
    assert data["runway"]["complete"] and data["runway"]["spent"] > 0

    poor = sandbox_server(db_path=tmp_path / "poor.sqlite3", fixed_now=None, balance=20)
    low = run_cli(tmp_path, poor, "credits")
    assert low.returncode == 0
    assert re.search(r"Credits run out in about \d+ (hours|day)", low.stderr), low.stderr


def test_scan_shows_progress_on_a_terminal_and_clears_it(tmp_path: Path) -> None:
    tree = tmp_path / "many"
    tree.mkdir()
    for number in range(50):
        (tree / f"f{number}.txt").write_text(f"line {number}\n")
    main, terminal = pty.openpty()
    try:
        process = subprocess.run([*command(), "keys", "scan", str(tree)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=terminal,
                                 env=cli_env(tmp_path, None), timeout=60, check=False)
        os.close(terminal)
        shown = b""
        while chunk := _read(main):
            shown += chunk
    finally:
        os.close(main)
    assert process.returncode == 0
    text = shown.decode()
    assert "\r\x1b[Kscanning: " in text and "files, 0 keys found" in text
    assert "\r\x1b[KScanned 50 files" in text.replace("\r\n", "\n")  # cleared, then the summary


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the other side is closed and drained
        return b""


def test_rotate_interrupted_while_creating_says_the_replacement_may_exist(
        tmp_path: Path) -> None:
    old = {"id": "cred_1", "account_id": "acct_1", "name": "ci", "prefix": "or_abc001",
           "is_active": True, "created_at": "2026-06-10T12:00:00Z", "last_used_at": None,
           "expires_at": None}
    with ScriptedServer() as server:
        server.add(Reply(200, {"api_credentials": [old]}), Reply(delay=10))  # no answer yet
        env = {**cli_env(tmp_path, None), "OPENRUSH_API_URL": server.url,
               "OPENRUSH_KEY": "or_" + "k" * 40}
        process = subprocess.Popen([*command(), "keys", "rotate", "ci", "--yes"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not any(r.method == "POST" for r in server.requests):
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)  # Ctrl+C
            out, err = process.communicate(timeout=20)
        finally:
            process.kill()
    said = " ".join(err.split())
    assert process.returncode == 130 and out == ""
    assert "Interrupted. The new key “ci 2" in said
    assert "may have been created without being shown" in said  # never "was not created"
    assert "the old key “ci” (cred_1) is still active" in said
    assert "openrush-tui keys list --all" in said
