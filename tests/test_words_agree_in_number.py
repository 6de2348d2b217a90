"""Words that agree with the number they speak of (a new user's trial): the revoke
confirmation said "the other is already expired, so nothing using them works anyway", and
API access's audit line "! 1 key needs attention · a shows only them"."""

from __future__ import annotations

from pathlib import Path

from openrush_tui.keys.revoke import consequence
from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.widgets.audit_line import AuditLine
from tests.support.apps import TERMINAL, sandbox_app, settle


def test_one_other_key_is_it_several_are_them() -> None:
    one = consequence(["active", "expired"])
    assert "the other is already expired, so nothing using it works anyway" in one, one
    several = consequence(["active", "expired", "revoked"])
    assert "the other 2 are already expired or revoked, so nothing using them works" \
        in several, several


async def test_the_audit_line_says_it_of_one_key_and_them_of_several(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "one.sqlite3", page="api-access")  # one expired key
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one(AuditLine).render())
        assert "1 key needs attention" in line and "a shows only it" in line, line
    extra = (ExtraKey("Old and unused", created_days_ago=100),)
    app = sandbox_app(tmp_path / "more.sqlite3", page="api-access", extra_keys=extra)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one(AuditLine).render())
        assert "keys need attention" in line and "a shows only them" in line, line
