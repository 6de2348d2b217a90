"""Steps of a flow that several test modules take the way a person does."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from openrush_tui.screens.setup.sign_in import SignInScreen
from tests.support.apps import settle


async def sign_in_with(pilot: Pilot[Any], key: str) -> None:
    """Open the sign-in dialog, paste the key (a real Paste event) and submit it."""
    await pilot.press("s")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, SignInScreen)
    key_input = dialog.query_one("#key-input", Input)
    assert key_input.password  # masked while typed or pasted
    key_input.post_message(events.Paste(key))
    await pilot.pause()
    assert key_input.value == key
    await pilot.press("enter")
    await settle(pilot)
