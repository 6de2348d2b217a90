"""The New key dialog's Expires choice: the arrows choose (a re-trial). → → moved only a
highlight while `▐●▌ Never` stayed chosen, so Tab to Create and Enter made a key that never
expired though the user had "chosen" 30 days. As Activity's export Format (`ArrowChoices`),
the arrows now press the choice; the date field still comes with "A date" and goes with it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, RadioSet

from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from tests.support.apps import FIXED_NOW, sandbox_app, settle, until
from tests.test_dialog_keys import new_key_on_the_expiry_choice

SIZE = (80, 24)


def chosen(dialog: KeyCreateScreen) -> str:
    button = dialog.query_one("#expiry", RadioSet).pressed_button
    return "" if button is None else str(button.id)


async def test_right_right_then_create_makes_a_30_day_key(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await new_key_on_the_expiry_choice(pilot, "a month")
        await pilot.press("right", "right")
        await pilot.pause()
        assert chosen(dialog) == "expiry-30d"
        assert "stops working on 2026-07-26" in str(
            dialog.query_one("#expiry-note").render())
        await pilot.press("tab")  # the date field stays hidden: Create is next
        assert dialog.focused is dialog.query_one("#create")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
        client = await app.session.client()
        created = next(key for key in await client.list_keys() if key.name == "a month")
        assert created.expires_at == FIXED_NOW + timedelta(days=30)


async def test_the_arrows_bring_the_date_field_and_take_it_away(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await new_key_on_the_expiry_choice(pilot, "dated")
        date = dialog.query_one("#date", Input)
        for key, wanted in (("down", "expiry-7d"), ("up", "expiry-never"),
                            ("left", "expiry-date")):  # ← from Never wraps round to A date
            await pilot.press(key)
            await pilot.pause()
            assert chosen(dialog) == wanted, key
        assert date.has_class("-shown")
        await pilot.press("right")  # A date → Never (wraps): the field goes
        await pilot.pause()
        assert chosen(dialog) == "expiry-never" and not date.has_class("-shown")
        await pilot.press("left", "tab")  # A date again, then its field
        await pilot.pause()
        assert dialog.focused is date
        await pilot.press(*"2027-01-01", "enter")
        await until(pilot, lambda: isinstance(app.screen, KeyRevealScreen))
        await settle(pilot)
        client = await app.session.client()
        created = next(key for key in await client.list_keys() if key.name == "dated")
        assert created.expires_at is not None
        assert created.expires_at.isoformat().startswith("2027-01-01T00:00:00")
