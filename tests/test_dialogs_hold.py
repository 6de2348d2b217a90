"""Make it hold: every dialog, in each state a user meets, at 80x24 (an SSH session) and at
60x20, shows its title, its buttons (labels whole) and the message it gives, in view: not cut,
not scrolled away below the fold, not under the docked buttons or the footer.

One app per page and size walks the states in a row, as a user would (opening, a mistake, the
answer), and every problem found is listed at the end. In-process sandbox, fixed clock. The
rotate dialog is left to its own tests (it runs in the page now).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton

from openrush_tui.auth.credentials import KeyringUnusable, credentials_path
from openrush_tui.screens.setup.sign_out import sign_out_dialog
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.text.paths import display_path
from tests.support.accounts import sandbox_app_with, stored
from tests.support.activity import table_of as events_of
from tests.support.apps import sandbox_app, settle
from tests.support.in_view import cut_label, not_in_view
from tests.support.keys import select
from tests.support.patience import PATIENCE

SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]


class Walk:
    """The problems found along one walk through a page's dialogs."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.problems: list[str] = []
        self.seen: list[str] = []

    async def keys(self, *pressed: str) -> None:
        for key in pressed:
            await self.pilot.press(key)
            await settle(self.pilot)

    async def check(self, state: str, messages: Iterable[str] = ()) -> None:
        """The dialog on screen now, in `state`: its title, buttons and `messages` (selectors)
        in view, each button's label whole (waited for: a dialog scrolls after its next
        refresh, which a busy machine may draw late)."""
        dialog = self.pilot.app.screen
        if not isinstance(dialog, ModalScreen):
            self.problems.append(f"{state}: no dialog open ({dialog})")
            return
        self.seen.append(state)
        deadline = time.monotonic() + PATIENCE
        while (found := self._problems(dialog, messages)) and time.monotonic() < deadline:
            await self.pilot.pause(0.05)
        self.problems += [f"{state}: {problem}" for problem in found]

    @staticmethod
    def _problems(dialog: ModalScreen[Any], messages: Iterable[str]) -> list[str]:
        found = [not_in_view(title) for title in dialog.query(".title")]
        for button in dialog.query(".buttons Button").results(Button):
            if button.display:
                found += [not_in_view(button), cut_label(button)]
        found += [not_in_view(dialog.query_one(selector)) for selector in messages]
        return [problem for problem in found if problem]

    def done(self, expected: int) -> None:
        assert len(self.seen) == expected, self.seen
        assert not self.problems, "\n".join(self.problems)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_api_access_dialogs_hold(tmp_path: Path, no_display: None,
                                       size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot)
        await settle(pilot)
        await walk.keys("n")
        await walk.check("new key")
        await walk.keys("enter")  # no name yet
        await walk.check("new key without a name", ["#name-problem"])
        dialog = app.screen
        await pilot.press(*"held")
        dialog.query_one("#expiry-date", RadioButton).value = True
        await settle(pilot)
        dialog.query_one("#date", Input).value = "2020-01-01"
        dialog.query_one("#name", Input).focus()
        await walk.keys("enter")
        await walk.check("new key with a past date", ["#expiry-note"])
        dialog.query_one("#expiry-never", RadioButton).value = True
        await settle(pilot)
        dialog.query_one("#name", Input).focus()
        await walk.keys("enter")
        await walk.check("reveal", ["#key"])
        await walk.keys("c")  # no system clipboard here: the dialog says what it did instead
        await walk.check("reveal, copied", ["#copy-status", "#key"])  # by hand: the key with it
        await pilot.click("#stored")
        await settle(pilot)
        await select(pilot, "Production server")
        await walk.keys("enter")
        await walk.check("key details")  # its recent usage is a list: the body scrolls to it
        await walk.keys("escape", "d")
        await walk.check("revoke")
        await walk.keys("escape", "question_mark")
        await walk.check("help")
        walk.done(8)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_setup_dialogs_hold(tmp_path: Path, isolated_home: Path,
                                  size: tuple[int, int]) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot)
        await settle(pilot)
        await walk.keys("s")
        await walk.check("sign in")
        await walk.keys("enter")
        await walk.check("sign in without a key", ["#sign-in-status"])
        app.screen.query_one("#key-input", Input).value = "or_" + "b" * 40
        await walk.keys("enter")
        await walk.check("sign in with a refused key", ["#sign-in-status"])
        await walk.keys("escape", "down", "down", "i")  # Cursor: the file does not exist
        await walk.check("install into Cursor")
        made = isolated_home / ".cursor" / "mcp.json"
        made.parent.mkdir()
        made.write_text('{"mcpServers": {}}\n')  # behind the dialog's back
        await walk.keys("w")
        await walk.check("install, the file changed meanwhile", ["#install-status"])
        await walk.keys("escape")
        # Asked by Setup's flows (no keyring; signing out of the only copy): opened as they are.
        app.push_screen(StorageChoiceScreen(KeyringUnusable("none").describe(),
                                            display_path(credentials_path())))
        await settle(pilot)
        await walk.check("where to keep the key", ["#file-warning"])
        await walk.keys("escape")
        app.push_screen(sign_out_dialog(stored("or_" + "S" * 40, "file",
                                               "~/.config/openrush-tui/credentials.json")))
        await settle(pilot)
        await walk.check("sign out of the only copy", ["#lost"])
        walk.done(7)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_activity_dialogs_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.csv").write_text("mine\n")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot)
        await settle(pilot)
        await walk.keys("f")
        await walk.check("filters")
        await walk.keys("escape", "w")
        await walk.check("export")
        app.screen.query_one("#path", Input).value = "taken.csv"
        await walk.keys("enter")
        await walk.check("export to a taken name", ["#export-status"])
        app.screen.query_one("#path", Input).value = "held.csv"
        await walk.keys("enter")
        await walk.check("export done", ["#export-status"])
        await walk.keys("escape")
        events_of(app).focus()  # type: ignore[arg-type]
        await walk.keys("enter")
        await walk.check("event")
        walk.done(5)


async def test_the_reveal_keeps_its_key_in_view_when_a_copy_is_said_at_40x12(
        tmp_path: Path, no_display: None) -> None:
    # The copy note is taller than the body at 40x12; "copy it by hand" needs the key more.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(40, 12)) as pilot:
        walk = Walk(pilot)
        await settle(pilot)
        await walk.keys("n", *"tiny", "enter", "c")
        await walk.check("reveal at 40x12, copied", ["#key"])
        status = app.screen.query_one("#copy-status")
        body = app.screen.query_one(".body")
        assert status.region.y < body.scrollable_content_region.bottom  # its first line shows
        walk.done(1)
