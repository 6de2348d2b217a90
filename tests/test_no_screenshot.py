"""No screenshot of the dashboard reaches a file: Textual's palette offers "Screenshot", which
writes the screen as it is, the reveal dialog's full key included, to an SVG file others can
read (0644, in the working or the downloads directory)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList

from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from tests.support.apps import TERMINAL, sandbox_app, settle
from tests.support.keys import create, shown_key


def written(downloads: Path, anywhere: Path) -> list[Path]:
    return [*downloads.iterdir(), *anywhere.rglob("*.svg")]


async def test_the_palette_offers_no_screenshot_and_no_action_writes_one(
        tmp_path: Path, isolated_home: Path) -> None:
    (isolated_home / "Downloads").mkdir()  # where Textual delivers one
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "never in a screenshot")
        assert isinstance(app.screen, KeyRevealScreen) and shown_key(app)
        offered = [(c.title, c.help) for c in app.get_system_commands(app.screen)]
        assert not [c for c in offered if "screenshot" in " ".join(c).lower()], offered
        # As a user would: ctrl+p (it works over dialogs) and the command's name.
        await pilot.press("ctrl+p", *"screenshot")
        await pilot.pause(0.5)
        results = app.screen.query_one(CommandList)
        prompts = [str(results.get_option_at_index(index).prompt)
                   for index in range(results.option_count)]
        assert not [p for p in prompts if "screenshot" in p.lower()], prompts
        await pilot.press("escape")
        await settle(pilot)
        # What a binding or an `@click=app.screenshot` link would run, and the palette did.
        await app.run_action("screenshot")
        app.deliver_screenshot()
        await pilot.pause(0.5)  # Textual writes from a thread of its own
        assert not written(isolated_home / "Downloads", tmp_path)
