"""`openrush-tui keys …` as a script runs it: the real console script against `sandbox serve`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.cli_fork import run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory, command


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> RunningSandbox:
    return sandbox_server()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def run(home: Path, server: RunningSandbox | None, *args: str, key: str | None = None,
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The console script with only OPENRUSH_API_URL/OPENRUSH_KEY pointing it somewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENRUSH_")}
    # A home of its own: no saved credentials, and no desktop keyring to wait for.
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    if server is not None:
        env["OPENRUSH_API_URL"] = server.base_url
        env["OPENRUSH_KEY"] = key or server.bootstrap_key
    return run_cli(["keys", *args], input=stdin, env=env)


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def active_ids(home: Path, server: RunningSandbox) -> set[str]:
    return {key["id"] for key in json.loads(run(home, server, "list", "--json").stdout)}


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_list_json_parses_and_hides_inactive_keys_unless_all(home: Path,
                                                              server: RunningSandbox) -> None:
    active = run(home, server, "list", "--json")
    assert active.returncode == 0, active.stderr
    keys = json.loads(active.stdout)
    assert keys and {key["status"] for key in keys} == {"active"}
    assert "Old laptop" not in {key["name"] for key in keys}
    everything = json.loads(run(home, server, "list", "--all", "--json").stdout)
    by_name = {key["name"]: key for key in everything}
    assert by_name["Old laptop"]["status"] == "revoked"
    assert by_name["Old laptop"]["is_active"] is False
    assert by_name["Contractor (temporary)"]["status"] == "expired"
    assert set(everything[0]) >= {"id", "name", "prefix", "created_at", "last_used_at",
                                  "expires_at", "status"}


def test_list_prints_a_table_with_server_strings_shown_literally(home: Path,
                                                                  server: RunningSandbox) -> None:
    result = run(home, server, "list", "--all")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["ID", "NAME", "PREFIX", "STATUS"]
    assert any("reporting [beta]" in row for row in rows)
    assert all("\x1b" not in row for row in rows)


def test_create_prints_the_key_once_and_it_works(home: Path, server: RunningSandbox) -> None:
    name = unique("cli plain")
    result = run(home, server, "create", name)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert result.stdout == key + "\n" and key.startswith("or_") and len(key) == 43
    assert "only time the key is shown" in one_line(result.stderr)
    assert key not in result.stderr
    with_new_key = run(home, server, "list", "--json", key=key)
    assert with_new_key.returncode == 0, with_new_key.stderr
    assert name in {item["name"] for item in json.loads(with_new_key.stdout)}


def test_create_json_with_an_expiry(home: Path, server: RunningSandbox) -> None:
    name = unique("cli json")
    result = run(home, server, "create", name, "--expires-at", "2099-12-31", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["key"].startswith("or_")
    assert created["api_credential"]["name"] == name
    assert created["api_credential"]["expires_at"] == "2099-12-31T00:00:00Z"
    later = run(home, server, "create", unique("cli in"), "--expires-in", "30d", "--json")
    assert later.returncode == 0, later.stderr
    assert json.loads(later.stdout)["api_credential"]["expires_at"] is not None


@pytest.mark.parametrize(("args", "says"), [
    (("   ",), "name is required"),
    (("x" * 121,), "at most 120"),
    (("line\nbreak",), "control character"),
    (("fine", "--expires-in", "30x"), "--expires-in"),
    (("fine", "--expires-at", "2020-01-01"), "in the future"),
    (("fine", "--expires-at", "next week"), "not a date"),
])
def test_create_refuses_bad_input_with_exit_2_before_any_request(
        home: Path, server: RunningSandbox, args: tuple[str, ...], says: str) -> None:
    result = run(home, server, "create", *args)
    assert result.returncode == 2
    assert says in one_line(result.stderr)
    assert result.stdout == ""


def test_a_422_from_the_server_is_one_line_and_exit_1(home: Path,
                                                      sandbox_server: SandboxFactory) -> None:
    # A sandbox whose clock is far ahead: a 30-day expiry is in its past, so it answers 422.
    future = sandbox_server(fixed_now="2099-06-01T00:00:00Z")
    result = run(home, future, "create", unique("too soon"), "--expires-in", "30d")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "expires_at" in line and "must be in the future" in line
    assert result.stdout == ""


def test_revoke_refuses_to_ask_when_stdin_is_not_a_terminal(home: Path,
                                                             server: RunningSandbox) -> None:
    created = json.loads(run(home, server, "create", unique("keep me"), "--json").stdout)
    key_id = created["api_credential"]["id"]
    result = run(home, server, "revoke", key_id, stdin="y\n")
    assert result.returncode == 2
    assert "--yes" in one_line(result.stderr)
    still = run(home, server, "list", "--json", key=created["key"])
    assert still.returncode == 0


def test_revoke_with_yes_revokes_and_the_key_then_gets_401(home: Path,
                                                           server: RunningSandbox) -> None:
    created = json.loads(run(home, server, "create", unique("revoke me"), "--json").stdout)
    key_id = created["api_credential"]["id"]
    result = run(home, server, "revoke", key_id, "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"revoked {key_id}")
    refused = run(home, server, "list", key=created["key"])
    assert refused.returncode == 1
    assert "did not accept the API key" in one_line(refused.stderr)
    again = run(home, server, "revoke", key_id, "--yes")  # idempotent, and said so
    assert again.returncode == 0 and again.stdout == ""
    assert f"{key_id} “{created['api_credential']['name']}” is already revoked" in \
        one_line(again.stderr)


def test_revoke_by_name_or_prefix_and_nothing_when_one_names_no_key(
        home: Path, server: RunningSandbox) -> None:
    name = unique("cli key")
    created = json.loads(run(home, server, "create", name, "--json").stdout)
    key_id = created["api_credential"]["id"]
    result = run(home, server, "revoke", key_id, "cred_doesnotexist", "--yes")
    assert result.returncode == 2
    assert "“cred_doesnotexist”" in result.stderr and "Nothing was revoked" in result.stderr
    assert active_ids(home, server) >= {key_id}
    by_name = run(home, server, "revoke", name, "--yes")
    assert by_name.returncode == 0 and f"revoked {key_id}" in by_name.stdout
    other = json.loads(run(home, server, "create", unique("by prefix"), "--json").stdout)
    start = other["api_credential"]["prefix"][:7]
    by_prefix = run(home, server, "revoke", start, "--yes")
    assert by_prefix.returncode == 0, by_prefix.stderr
    assert f"revoked {other['api_credential']['id']}" in by_prefix.stdout


def test_a_name_shared_by_keys_lists_them_and_revokes_nothing(
        home: Path, server: RunningSandbox) -> None:
    name = unique("twin")
    ids = [json.loads(run(home, server, "create", name, "--json").stdout)["api_credential"]["id"]
           for _ in range(2)]
    result = run(home, server, "revoke", name, "--yes")
    assert result.returncode == 2 and "names 2 keys" in result.stderr
    assert all(key_id in result.stderr for key_id in ids)
    assert active_ids(home, server) >= set(ids)
    ambiguous_start = run(home, server, "revoke", "cred_", "--yes")
    assert ambiguous_start.returncode == 2 and "Nothing was revoked" in ambiguous_start.stderr


def test_without_a_key_it_says_how_to_sign_in(home: Path) -> None:
    result = run(home, None, "list")
    assert result.returncode == 1
    assert "not signed in" in one_line(result.stderr)


def test_usage_errors_exit_2(home: Path, server: RunningSandbox) -> None:
    both = run(home, server, "create", "x", "--expires-in", "7d", "--expires-at", "2099-01-01")
    assert both.returncode == 2
    missing = run(home, server, "revoke")
    assert missing.returncode == 2


def test_revoking_its_own_key_among_others_revokes_that_one_last(
        home: Path, server: RunningSandbox) -> None:
    own = json.loads(run(home, server, "create", unique("own"), "--json").stdout)
    other = json.loads(run(home, server, "create", unique("other"), "--json").stdout)
    own_id, other_id = own["api_credential"]["id"], other["api_credential"]["id"]
    # Signed in with `own`, which is named first: revoked first, the second would get a 401.
    result = run(home, server, "revoke", own_id, other_id, "--yes", key=own["key"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"revoked {other_id} “{other['api_credential']['name']}”",
                                          f"revoked {own_id} “{own['api_credential']['name']}”"]
    assert "Warning: this terminal is signed in with “own " in result.stderr


@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) is not installed")
def test_a_terminal_is_asked_and_warned_before_its_own_key_goes(
        home: Path, server: RunningSandbox) -> None:
    own = json.loads(run(home, server, "create", unique("mine"), "--json").stdout)
    name = own["api_credential"]["name"]
    # A pseudo-terminal on stdin: asked, and told that this terminal's own key is among them.
    result = subprocess.run(
        ["script", "-qec", " ".join([*command(), "keys", "revoke", f"'{name}'"]), "/dev/null"],
        input="n\n", capture_output=True, text=True, timeout=60,
        env={**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
             "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
             "OPENRUSH_API_URL": server.base_url, "OPENRUSH_KEY": own["key"]})
    assert f"this terminal is signed in with “{name}”" in result.stdout
    assert "Revoke? [y/N]" in result.stdout and "Nothing was revoked" in result.stdout
    assert own["api_credential"]["id"] in active_ids(home, server)


def test_the_table_fits_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from openrush_tui.api.models import ApiCredential
    from openrush_tui.commands import keys as keys_command
    from openrush_tui.commands import table

    when = datetime(2026, 6, 1, 8, 30, 15, tzinfo=UTC)
    # Ids as the service makes them (random hex): a short start of each is unique.
    rows = [ApiCredential(id=f"cred_{n}{n * 0x9E3779B97F4A7C15 % 16**23:023x}",
                          name=f"A rather long key name number {n}",
                          prefix="or_abcdef", created_at=when, last_used_at=when)
            for n in range(3)]
    # At 80 the dates shrink and CREATED goes; the id stays, at its shortest unique start,
    # as `keys revoke` and `keys rotate` take it (trial 8; issue 20 had it go).
    for width, dropped in ((200, ()), (120, ()), (80, ("CREATED",))):
        monkeypatch.setattr(table, "terminal_width", lambda width=width: width)
        keys_command.print_table(rows, when)
        lines = capsys.readouterr().out.splitlines()
        assert all(len(line) <= width for line in lines), lines
        assert all(title not in lines[0] for title in dropped)
        assert all(title in lines[0] for title in ("ID", "NAME", "STATUS", "LAST USED",
                                                   "CREATED", "EXPIRES") if title not in dropped)
        assert rows[2].id[:8] in lines[3]  # all of it, or its shortest unique start
