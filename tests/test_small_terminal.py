"""At 80x24 (an SSH session's default) every dialog's buttons are on screen and work with a
click, and every page's footer ends with Quit. In-process sandbox, fixed clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button

from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_hints import KeyHints
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.activity import table_of as events_of
from tests.support.apps import sandbox_app, settle
from tests.support.keys import create, select

pytestmark = pytest.mark.usefixtures("isolated_home")
SMALL = (80, 24)
Opener = Callable[[Pilot], Awaitable[None]]


def buttons_on_screen(app: OpenRushApp) -> list[Button]:
    """The dialog's buttons, each wholly inside the terminal (above the footer)."""
    dialog = app.screen
    assert isinstance(dialog, ModalScreen), dialog
    buttons = list(dialog.query(".buttons Button").results(Button))
    assert buttons
    width, height = app.size
    for button in buttons:
        region = button.region
        assert region.height > 0 and region.y >= 0 and region.bottom <= height - 1, button
        assert region.x >= 0 and region.right <= width, button
    return buttons


async def keys(pilot: Pilot, *pressed: str) -> None:
    await settle(pilot)
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


async def details_of_a_busy_key(pilot: Pilot) -> None:
    await settle(pilot)
    await select(pilot, "Production server")  # five recent calls listed
    await keys(pilot, "enter")


async def a_new_key(pilot: Pilot) -> None:
    await settle(pilot)
    await create(pilot, "small screen")


async def an_event(pilot: Pilot) -> None:
    await settle(pilot)
    events_of(pilot.app).focus()  # type: ignore[arg-type]
    await keys(pilot, "enter")


DIALOGS: dict[str, tuple[str, Opener, str]] = {
    # name: (page, how to open it, the button that closes it)
    "sign in": ("setup-signed-out", lambda p: keys(p, "s"), "#cancel"),
    "install into Cursor": ("setup", lambda p: keys(p, "down", "down", "i"), "#cancel"),
    "new key": ("api-access", lambda p: keys(p, "n"), "#cancel"),
    "reveal": ("api-access", a_new_key, "#stored"),
    "key details": ("api-access", details_of_a_busy_key, "#close"),
    "revoke": ("api-access", lambda p: keys(p, "d"), "#cancel"),
    "activity filters": ("activity", lambda p: keys(p, "f"), "#filter-cancel"),
    "event": ("activity", an_event, "#close"),
}


@pytest.mark.parametrize("name", DIALOGS)
async def test_a_dialog_s_buttons_are_on_screen_and_a_click_works(tmp_path: Path,
                                                                   name: str) -> None:
    page, open_it, close = DIALOGS[name]
    db = tmp_path / "sandbox.sqlite3"
    if page == "setup-signed-out":
        app = sandbox_app_with(db, None, signed_out=True)
    else:
        app = sandbox_app_with(db, stored(mint_key(db), "environment"), page=page)
    async with app.run_test(size=SMALL) as pilot:
        await open_it(pilot)
        dialog = app.screen
        buttons_on_screen(app)
        await pilot.click(close)
        await settle(pilot)
        assert app.screen is not dialog


@pytest.mark.parametrize("page", ["setup", "api-access", "activity"])
async def test_the_footer_fits_80_columns_and_keeps_quit(tmp_path: Path, page: str) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page=page)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        hints = app.screen.query_one(KeyHints)
        line = hints.render().plain
        assert len(line) <= 80 and line.rstrip().endswith(("q Quit", "^p palette"))
        assert "q Quit" in line and "1 2 3 pages" in line
        start = next(start for start, _end, key in hints._targets if key == "q")
        assert line[start:].startswith(" q Quit")


async def test_the_reveal_dialog_shows_its_key_at_40x12(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(40, 12)) as pilot:
        await a_new_key(pilot)
        key = app.screen.query_one("#key")
        region = key.region  # on screen: empty when scrolled out of view
        assert region.height >= 3 and region.y >= 0 and region.bottom <= 11, region
        for row in range(region.y + 1, region.bottom - 1):  # the key's lines, inside the box
            assert app.screen.get_widget_at(region.x + 2, row)[0] is key
        buttons_on_screen(app)
