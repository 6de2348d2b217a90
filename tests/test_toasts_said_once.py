"""A toast that says the same again replaces the one on screen (the re-trial: c pressed
quickly on Setup at 60x20 stacked six-line "Sent the snippet…" toasts over the page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets._toast import Toast

from tests.support.apps import sandbox_app, settle

pytestmark = pytest.mark.usefixtures("isolated_home")
PRESSES = 5


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_a_burst_of_c_leaves_one_copy_toast(tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        driver = app._driver
        assert driver is not None
        for _ in range(PRESSES):  # as a terminal sends quick presses: all queued at once
            key = events.Key("c", "c")
            key.set_sender(app)
            driver.send_message(key)
        await settle(pilot)
        await pilot.pause()
        drawn = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert len(drawn) == 1, drawn
        assert len(app.recent.newest_first()) >= PRESSES  # each still kept in Messages
