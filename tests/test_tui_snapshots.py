"""Snapshots of each page at a fixed size, on a sandbox with a fixed clock and key seed."""

from __future__ import annotations

from pathlib import Path

from tests.support.activity import settle_activity
from tests.support.apps import TERMINAL, remote_app, sandbox_app, settle


def test_api_access_page(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)


def test_activity_page(snap_compare, tmp_path: Path) -> None:
    # settle_activity: the rate-limit figure comes from one last call, so it is repeatable.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle_activity)


def test_setup_page(snap_compare, tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)


def test_setup_page_signed_out(snap_compare) -> None:
    app = remote_app("http://127.0.0.1:9", None)
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)


def test_api_access_when_the_server_is_down(snap_compare) -> None:
    app = remote_app("http://127.0.0.1:9", "or_" + "x" * 40, page="api-access")
    assert snap_compare(app, terminal_size=TERMINAL, run_before=settle)
