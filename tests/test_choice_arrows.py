"""A choice laid out in a row answers ← and → (a new user's trial): Activity's export dialog
shows its Format as `▐●▌ CSV ▐○▌ JSON`, yet ←/→ did nothing visible (Textual's RadioSet
moves a highlight with the arrows and chooses only with Space or Enter); only ↓ then Space
chose JSON. As radio buttons do elsewhere, the arrows now choose, in a row or a column."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.screens.activity.export import ActivityExportScreen
from tests.support.apps import sandbox_app, settle

pytestmark = pytest.mark.usefixtures("isolated_home")


async def test_left_and_right_choose_the_export_format(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ActivityExportScreen(ActivityFilter(), {}, hide_own=True,
                                             folder=tmp_path))
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActivityExportScreen)
        choices = dialog.query_one("#format", RadioSet)
        field = dialog.query_one("#path", Input)

        def chosen() -> str:
            button = choices.pressed_button
            return "" if button is None else str(button.id)

        choices.focus()
        await pilot.pause()
        assert chosen() == "format-csv"
        for key, wanted in (("right", "format-json"), ("left", "format-csv"),
                            ("down", "format-json"), ("up", "format-csv")):
            await pilot.press(key)
            await pilot.pause()
            assert chosen() == wanted, key
            # The suggested name follows the choice (RadioSet.Changed, as a click gives).
            assert field.value.endswith(".json" if wanted == "format-json" else ".csv")
