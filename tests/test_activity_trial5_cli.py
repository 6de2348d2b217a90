"""A new-user trial (issue: trial 5) ran `OPENRUSH_KEY=<revoked> openrush-tui activity --csv >
out.csv`: exit 1, and out.csv held the CSV's header line, a valid but empty CSV to a script
that ignores the exit code. Nothing is written to stdout until the first answer arrives; the
same holds for every streaming output (--jsonl, --json, `keys list --json`, `keys audit
--json`). The real console script against the real `sandbox serve` over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.lifecycle import REVOKED_KEY, lifecycle_server, run_cli
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

REVOKED = [{"name": "Planted revoked", "key": REVOKED_KEY, "created_days_ago": 30,
            "revoked": True}]


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory,
           tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    return lifecycle_server(sandbox_server, tmp_path_factory.mktemp("trial5-cli"), REVOKED)


@pytest.mark.parametrize("argv", [
    ("activity", "--csv"), ("activity", "--jsonl"), ("activity", "--json"),
    ("keys", "list", "--json"), ("keys", "audit", "--json"),
], ids=lambda argv: " ".join(argv))
def test_a_refused_key_leaves_stdout_empty(server: RunningSandbox, tmp_path: Path,
                                           argv: tuple[str, ...]) -> None:
    result = run_cli(tmp_path, server, *argv, key=REVOKED_KEY)
    assert result.returncode != 0
    assert "revoked" in result.stderr
    assert result.stdout == ""  # not a header, not "[": nothing a script could take for data
    assert "incomplete" not in result.stderr  # nothing was written, so nothing is partial


def test_an_answered_csv_still_starts_with_its_header(server: RunningSandbox,
                                                      tmp_path: Path) -> None:
    # An account with no events still gets a valid CSV: the header alone, once answered.
    result = run_cli(tmp_path, server, "activity", "--csv", "--source", "mcp", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("time,")
