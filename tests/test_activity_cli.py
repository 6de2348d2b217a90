"""`openrush-tui activity` and `credits`: the real console script against `sandbox serve` over HTTP.

Every call made with an `or_` key is recorded, the CLI's own reads included, so expectations
are taken from a fetch made just before and compared on events those reads cannot add to.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli_fork import run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

SINCE = "2026-05-01"  # before everything the demo seed holds


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> RunningSandbox:
    return sandbox_server()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path  # a HOME of its own: no saved key or profile of the user's is ever read


def run(server: RunningSandbox, home: Path, *args: str,
        key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local"), "OPENRUSH_API_URL": server.base_url,
           "OPENRUSH_KEY": key or server.bootstrap_key, "PYTHON_KEYRING_BACKEND":
           "keyring.backends.null.Keyring"}
    return run_cli(args, input=None, env=env)


def json_of(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def keys_of(server: RunningSandbox) -> dict[str, str]:
    reply = httpx.get(f"{server.base_url}/v1/me/api-credentials",
                      headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    return {item["name"]: item["id"] for item in reply.json()["api_credentials"]}


def test_json_is_an_array_of_events_newest_first(server: RunningSandbox, home: Path) -> None:
    events = json_of(run(server, home, "activity", "--json"))
    assert isinstance(events, list) and len(events) == 50
    assert {"id", "created_at", "source", "tool", "status", "credits", "credential_id",
            "client", "duration_ms"} <= set(events[0])
    times = [event["created_at"] for event in events]
    assert times == sorted(times, reverse=True)


def test_jsonl_pages_past_200_and_the_filters_agree_with_it(server: RunningSandbox,
                                                             home: Path) -> None:
    result = run(server, home, "activity", "--jsonl", "--limit", "10000", "--since", SINCE)
    assert result.returncode == 0, result.stderr
    everything = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(everything) > 200  # more than one request's worth: the cursor was followed
    assert len({event["id"] for event in everything}) == len(everything)

    def filtered(*args: str) -> list[str]:
        return [e["id"] for e in json_of(run(server, home, "activity", "--json", "--limit",
                                             "10000", "--since", SINCE, *args))]

    # The CLI's own reads are API successes without a tool: they cannot join these lists.
    assert filtered("--source", "mcp") == [e["id"] for e in everything if e["source"] == "mcp"]
    assert filtered("--status", "error") == [
        e["id"] for e in everything if e["status"] == "error"]
    assert filtered("--status", "rate_limited") == [
        e["id"] for e in everything if e["status"] == "rate_limited"]
    assert filtered("--tool", "inspect_serp") == [
        e["id"] for e in everything if e["tool"] == "inspect_serp"]
    staging = keys_of(server)["Staging"]
    assert filtered("--key", staging) == [
        e["id"] for e in everything if e["credential_id"] == staging]
    assert filtered("--key", "Staging") == filtered("--key", staging)  # by name as well
    recent = filtered("--since", "2026-06-25T00:00:00Z", "--source", "mcp")
    assert recent == [e["id"] for e in everything
                      if e["source"] == "mcp" and e["created_at"] >= "2026-06-25T00:00:00Z"]


def test_the_table_is_aligned_and_shows_names_and_literal_text(server: RunningSandbox,
                                                               home: Path) -> None:
    # An unknown tool whose name carries an escape sequence: answered 404, recorded anyway.
    httpx.post(f"{server.base_url}/v1/tools/%1b%5b31mred",
               headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    result = run(server, home, "activity", "--limit", "5", "--source", "api")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["TIME", "(UTC)", "SOURCE", "TOOL", "KEY", "OR", "CLIENT",
                                "STATUS", "CREDITS", "DURATION"]
    assert len(lines) == 6
    assert "\x1b" not in result.stdout and "\\e[31mred" in result.stdout
    assert "sandbox bootstrap" in result.stdout  # the key's name, not its prefix
    assert "error 404" in result.stdout
    status_at = lines[0].index("STATUS")
    assert all(line[status_at - 2:status_at] == "  " for line in lines[1:])
    assert "more with --limit" in result.stderr


def test_credits(server: RunningSandbox, home: Path) -> None:
    data = json_of(run(server, home, "credits", "--json"))
    assert isinstance(data["balance"], int) and data["dollars"] == data["balance"] / 100
    text = run(server, home, "credits")
    assert text.returncode == 0
    balance_line, runway_line = text.stdout.strip().splitlines()
    assert balance_line == f"{data['balance']:,} credits (${data['balance'] / 100:,.2f})"
    # The sandbox's fixed clock is months behind the command's: no spend in the last 7 days.
    assert runway_line == "Nothing spent in the last 7 days"
    assert data["runway"]["spent"] == 0 and data["runway"]["days_left"] is None


@pytest.mark.parametrize("args", [
    ("activity", "--limit", "0"),
    ("activity", "--limit", "many"),
    ("activity", "--source", "email"),
    ("activity", "--status", "failed"),
    ("activity", "--since", "last tuesday"),
    ("activity", "--json", "--jsonl"),
    ("activity", "--key", "No such key"),
])
def test_usage_errors_exit_2(server: RunningSandbox, home: Path, args: tuple[str, ...]) -> None:
    result = run(server, home, *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip()


@pytest.mark.parametrize("args", [("activity",), ("credits",), ("activity", "--json")])
def test_a_key_the_server_refuses_exits_1(server: RunningSandbox, home: Path,
                                          args: tuple[str, ...]) -> None:
    result = run(server, home, *args, key="or_" + "x" * 40)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "did not accept the API key" in result.stderr
    assert "or_xxxx" not in result.stderr


def test_this_tools_own_reads_are_left_out_unless_own(server: RunningSandbox,
                                                       home: Path) -> None:
    for _ in range(3):  # reads of the account by this tool, recorded by the server
        assert run(server, home, "keys", "list").returncode == 0
    left_out = run(server, home, "activity", "--json", "--limit", "500")
    assert "of this tool's own reads left out; --own shows them" in left_out.stderr
    shown = json_of(left_out)
    assert not [e for e in shown if (e.get("user_agent") or "").startswith("openrush-tui/")
                and not e["tool"] and e["status"] == "success"]
    everything = json_of(run(server, home, "activity", "--json", "--limit", "500", "--own"))
    own = [e for e in everything if (e.get("user_agent") or "").startswith("openrush-tui/")]
    assert len(own) >= 3 and {e["id"] for e in shown} <= {e["id"] for e in everything}


def test_a_few_rows_cost_one_request_even_among_own_reads(server: RunningSandbox,
                                                          home: Path) -> None:
    for _ in range(3):
        assert run(server, home, "keys", "list").returncode == 0
    before = json_of(run(server, home, "activity", "--json", "--own", "--limit", "200"))
    result = run(server, home, "activity", "--limit", "5", "--json")
    after = json_of(run(server, home, "activity", "--json", "--own", "--limit", "200"))
    shown = json_of(result)
    assert len(shown) == 5 and "own reads left out" in result.stderr
    new = {e["id"] for e in after} - {e["id"] for e in before}
    usage_reads = [e for e in after if e["id"] in new
                   and (e.get("endpoint") or "").startswith("/v1/me/usage")]
    assert len(usage_reads) == 1 + 1  # the command's one page, and the --own listing's
