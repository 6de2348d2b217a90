"""Marks kept across filters (a new user's trial on API access): two keys marked, then `a`
showing only the expired key. The audit's line invited d for the key on screen ("revoke it to
tidy up (d)") while d revoked the marked keys the filter hid, and the dialog named only keys
not on screen. Now the line says what d does (the marked keys), and the dialog says which
marked keys this filter does not show. With no marks, d and the line are as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.widgets.audit_line import AuditLine
from openrush_tui.widgets.marks_line import MarksLine
from tests.support.apps import sandbox_app, settle, text_of
from tests.support.keys import names, select

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((60, 20), id="60x20")]


def audit_text(app: object) -> str:
    """The audit line as the terminal shows it, its rows joined."""
    line = app.screen.query_one(AuditLine)  # type: ignore[attr-defined]
    rows = [strip.text.strip() for strip in line.render_lines(line.region.reset_offset)]
    return " ".join(rows)


def dialog_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert screen.id == REVOKE_DIALOG
    return " ".join(" ".join(text_of(static).split()) for static in screen.query(Static))


@pytest.mark.parametrize("size", SIZES)
async def test_d_with_marks_hidden_by_the_filter_says_so(tmp_path: Path,
                                                         size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for name in ("CI pipeline", "reporting [beta]"):
            await select(pilot, name)
            await pilot.press("space")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")  # the dialog cancelled: the marks stay
        await settle(pilot)
        assert "2 marked" in text_of(app.screen.query_one(MarksLine))
        await pilot.press("a")
        await settle(pilot)
        assert names(app) == ["Contractor (temporary)"]
        hint = audit_text(app)
        # Not an invitation to d for the key on screen: what d does is the marks'.
        assert "(d)" not in hint, hint
        assert "d revokes the 2 marked" in hint, hint
        await pilot.press("d")
        await settle(pilot)
        said = dialog_text(app)
        assert "Revoke these 2 keys?" in said, said
        assert ("2 marked keys are not shown under this filter: “CI pipeline”, "
                "“reporting [beta]”.") in said, said
        await pilot.press("escape")
        await settle(pilot)
        await select(pilot, "Contractor (temporary)")
        await pilot.press("space")  # one of three on screen: the other two named
        await pilot.press("d")
        await settle(pilot)
        said = dialog_text(app)
        assert "Revoke these 3 keys?" in said, said
        assert ("3 marked keys, 2 not shown under this filter: “CI pipeline”, "
                "“reporting [beta]”.") in said, said


@pytest.mark.parametrize("size", SIZES)
async def test_d_without_marks_is_unchanged(tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await select(pilot, "Contractor (temporary)")
        hint = audit_text(app)
        assert "revoke it to tidy up (d)" in hint, hint
        await pilot.press("d")
        await settle(pilot)
        said = dialog_text(app)
        assert "Revoke the key “Contractor (temporary)”?" in said, said
        assert "not shown" not in said, said
        await pilot.press("escape")
        await settle(pilot)
        # Marks of keys on screen: nothing is said about a filter.
        await pilot.press("space")
        await pilot.press("d")
        await settle(pilot)
        said = dialog_text(app)
        assert "Revoke the key “Contractor (temporary)”?" in said, said
        assert "not shown" not in said, said
