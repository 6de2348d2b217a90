"""API access at 60 columns, the SSH user's day (issue 20's trial): the audit's line never
wraps under its "!" (a second line hangs under its text), counts of keys carry thousands
separators as the CLI's do, and a toast about the order is replaced when the order moves on."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.widgets.audit_line import AuditLine
from openrush_tui.widgets.marks_line import MarksLine
from openrush_tui.widgets.status_line import StatusLine
from tests.support.apps import notices, remote_app, sandbox_app, settle, text_of
from tests.support.keys import select
from tests.support.scripted_server import Reply, ScriptedServer
from tests.test_keys_scale import KEY, KEYS_PATH, page, served

# Ten keys needing attention (the demo's expired one, nine idle or unused), as the trial had.
EXTRA = (*(ExtraKey(f"Unused {n}", created_days_ago=100) for n in range(3)),
         *(ExtraKey(f"Idle {n}", created_days_ago=200, last_used_days_ago=45)
           for n in range(6)))


def audit_rows(app: object) -> list[str]:
    """The audit line as the terminal shows it: its rows, at its width."""
    line = app.screen.query_one(AuditLine)  # type: ignore[attr-defined]
    return [strip.text for strip in line.render_lines(line.region.reset_offset)]


async def test_the_audit_line_at_60_columns_hangs_under_its_text(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=EXTRA)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        rows = [row.rstrip() for row in audit_rows(app)]
        assert rows[0].startswith("! 10 keys need attention"), rows
        # Was "the 9 unused" under the "!": a row after the first starts under its text.
        assert all(row.startswith("  ") and row.strip() for row in rows[1:]), rows
        assert "D revokes the 9 unused" in " ".join(row.strip() for row in rows), rows
        assert all(len(row) <= 58 for row in rows), rows
    app = sandbox_app(tmp_path / "wide.sqlite3", page="api-access", extra_keys=EXTRA)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(audit_rows(app)) == 1  # at 80 it fits on one line, as before


async def test_order_toasts_replace_each_other(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=EXTRA)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        said: list[list[str]] = []
        for _ in range(6):
            await pilot.press("o")
            await settle(pilot)
            said.append([text for text in notices(app) if "rder" in text])
        # Some order on the way is by a hidden column (the toast the trial saw linger) ...
        assert any("not a column at this width" in text for shown in said for text in shown)
        # ... and at each step at most one toast about the order is on screen: the last.
        assert all(len(shown) <= 1 for shown in said), said


async def test_counts_of_keys_have_thousands_separators() -> None:
    # The trial: "3023 keys, 2691 active" above the list, where the CLI says "2,694".
    with ScriptedServer() as server:
        served(server)
        server.route("GET", KEYS_PATH, Reply(200, page(0, 1500)))
        app = remote_app(server.url, KEY, page="api-access")
        async with app.run_test(size=(60, 20)) as pilot:
            await settle(pilot)
            assert text_of(app.screen.query_one(StatusLine)).startswith(
                "1,500 keys, 1,500 active"), text_of(app.screen.query_one(StatusLine))
            audit = " ".join(row.strip() for row in audit_rows(app))
            assert "1,500 keys need attention" in audit, audit
            assert "D revokes the 1,500 unused" in audit, audit
            marks = app.screen.query_one(MarksLine)
            marks.count = 1234  # as many marked as the screen counts (space on 1,234 rows)
            await pilot.pause()
            assert text_of(marks).startswith("✓ 1,234 marked"), text_of(marks)


async def test_rotating_a_key_of_hours_says_hours_at_60_columns(tmp_path: Path) -> None:
    # The trial: a key made to last ~8 hours; R said "(expires after 1 day, like the old
    # key)" while the new key's expiry, said below it, was 8 hours off.
    extra = (ExtraKey("expired soon", expires_in_days=8 / 24),)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=extra)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await select(pilot, "expired soon")
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, KeyRotateScreen)
        said = " ".join(text_of(static) for static in app.screen.query(Static))
        said = " ".join(said.split())
        assert "expires after 8 hours, like the old key" in said, said
