"""Signing out inside ``--sandbox`` leaves a way back in that works there (issue 20).

The sandbox signs in with its demo session, which no key pasted from the web gives back: after
a sign-out, Setup used to point at openrush.io and at ``--sandbox`` (already running). Now it
says to press s, and the sign-in dialog offers the demo account. In-process sandbox, Pilot, at
80x24 and 60x20.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Static

from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.screens.setup.sign_in import SignInScreen
from tests.support.apps import notices, sandbox_app, settle, text_of
from tests.support.flows import sign_in_with
from tests.support.in_view import assert_in_view, cut_label
from tests.support.keys import names

SIZES = [(80, 24), (60, 20)]


def dialog_text(dialog: SignInScreen) -> str:
    return "\n".join(text_of(note) for note in dialog.query(".note").results(Static))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_signing_out_of_the_sandbox_leaves_a_way_back_in(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.session.signed_in
        await pilot.press("x")  # the sandbox stores nothing: no question
        await settle(pilot)
        assert not app.session.signed_in
        terminal = text_of(app.screen.query_one("#terminal", Static))
        said = terminal + " ".join(notices(app))
        # Not the web page (its keys are not this sandbox's), not --sandbox (running already).
        assert "openrush.io" not in said and "--sandbox" not in said, said
        assert "demo account" in terminal and "press s" in terminal.lower(), terminal

        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SignInScreen)
        assert "openrush.io" not in dialog_text(dialog)
        demo = dialog.query_one("#demo", Button)
        await assert_in_view(pilot, demo)
        assert cut_label(demo) is None
        for _ in range(6):  # as a person does: Tab to the button, then Enter
            if dialog.focused is demo:
                break
            await pilot.press("tab")
        assert dialog.focused is demo
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, SetupScreen)
        assert app.session.signed_in and app.session.key is not None
        assert app.session.key.source == "sandbox"
        assert "Connection OK" in text_of(app.screen.query_one("#connection", Static))
        await pilot.press("2")
        await settle(pilot)
        assert "Production server" in names(app)  # the demo account's keys, listed again


async def test_a_sandbox_key_can_still_be_pasted_after_signing_out(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        client = await app.session.client()
        created = await client.create_key("pasted back in")
        await pilot.press("x")
        await settle(pilot)
        await sign_in_with(pilot, created.key.get_secret_value())
        assert isinstance(app.screen, SetupScreen)
        assert app.session.signed_in and app.session.key is not None
        assert app.session.key.secret.reveal() == created.key.get_secret_value()
        assert "Connection OK" in text_of(app.screen.query_one("#connection", Static))
