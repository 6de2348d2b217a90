"""Toasts at 60x20 (issue 20's leftover): the browser sign-in dialog's "copied" toast covered
its address, and an account id in the sign-in toast broke mid-word (a toast was 26 cells
wide inside at 60 columns; the id is 29).

Textual's `run_test` draws no toast unless asked (``notifications=True``: without it the
screen has no ToastRack); `snap_compare` runs the app headless through `App.run`, which
draws them. These tests ask, so the toasts are drawn and their places are real.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.screens.setup.web_sign_in import WebSignInScreen
from tests.support.apps import KEY_SEED, remote_app, text_of
from tests.support.browser_sign_in import (
    Gate,
    approved_in_the_dialog,
    code_dialog_app,
    open_code_dialog,
    until,
)
from tests.support.budget_clocks import Clocks
from tests.support.in_view import cut_text
from tests.support.threaded_sandbox import Served, threaded_sandbox

SIZES = [(80, 24), (60, 20)]
IDS = ["80x24", "60x20"]
ACCOUNT = re.compile(r"acct_[0-9a-f]+")


@pytest.fixture(scope="module")
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clocks: Clocks) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("toasts"), sign_in_clock=clocks.wall,
                          key_seed=KEY_SEED) as running:
        yield running


def toasts(pilot: Pilot[Any]) -> list[Toast]:
    return list(pilot.app.screen.query(Toast))


def copied_text(dialog: Any) -> str:
    found = dialog.query("#web-copied")
    return text_of(found.first(Static)).strip() if found and found.first().display else ""


def toast_lines(toast: Toast) -> list[str]:
    return [strip.text.strip(" ▌") for strip in toast.render_lines(toast.region.reset_offset)]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_copy_in_the_browser_sign_in_covers_none_of_its_text(
        tmp_path: Path, isolated_home: Path, size: tuple[int, int]) -> None:
    app = code_dialog_app(tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_code_dialog(pilot)
        dialog = app.screen
        assert isinstance(dialog, WebSignInScreen)
        await pilot.press("c")
        await until(pilot, lambda: bool(copied_text(dialog)) or bool(toasts(pilot)))
        for _ in range(3):  # the note's place and the scroll are set after a refresh or two
            await pilot.pause()
        # No toast lies over the dialog's words.
        words = [widget.region for widget in dialog.query(Static)
                 if widget.display and widget.region and text_of(widget).strip()]
        covering = [(toast_lines(toast), region) for toast in toasts(pilot)
                    for region in words if toast.region.overlaps(region)]
        assert not covering, covering
        # What c did is said in the dialog, whole and in view, under the address.
        assert "the address" in copied_text(dialog), copied_text(dialog)
        copied = dialog.query_one("#web-copied", Static)
        assert cut_text(copied) is None, cut_text(copied)
        address = dialog.query_one("#web-url", Static)
        assert cut_text(address) is None, cut_text(address)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_account_id_in_the_sign_in_toast_is_on_one_line(
        served: Served, clocks: Clocks, isolated_home: Path,
        use_keyring: Callable[[object], object], size: tuple[int, int]) -> None:
    use_keyring(fail.Keyring())
    app = remote_app(served.base_url, None)
    gate = Gate(clocks)
    app.session.sign_in_clock, app.session.sign_in_sleep = clocks.wall, gate.sleep
    async with app.run_test(size=size, notifications=True) as pilot:
        await approved_in_the_dialog(pilot, served.base_url, gate)
        await pilot.press("f")  # no keyring: the 0600 file
        await until(pilot, lambda: app.session.web is not None)
        await until(pilot, lambda: isinstance(app.screen, SetupScreen) and any(
            "Signed in through the browser" in " ".join(toast_lines(toast))
            for toast in toasts(pilot)))
        account = app.session.web.session.account_id if app.session.web else None
        assert account and ACCOUNT.fullmatch(account), account
        lines = [line for toast in toasts(pilot) for line in toast_lines(toast)]
        assert any(account in line for line in lines), lines  # whole, on one line
