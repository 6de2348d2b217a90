"""ctrl+c quits the dashboard with SIGINT's exit code (130), as k9s and lazygit do, wherever
nothing is selected; with text selected it copies instead (an input's selection, text selected
on screen), and the new key's dialog keeps its own ctrl+c (copy the key). It used to show
Textual's "Press ctrl+q to quit" and stay.

The real process in tmux: tests/test_e2e_signals.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.selection import Selection
from textual.widgets import Input, Static

from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from tests.support.apps import TERMINAL, notices, remote_app, sandbox_app, settle
from tests.support.keys import create
from tests.support.patience import PATIENCE
from tests.support.tmux import PROGRAM

NOWHERE = "http://127.0.0.1:9"  # signed out on Setup: nothing is asked of it


async def test_ctrl_c_on_a_page_quits_with_130() -> None:
    app = remote_app(NOWHERE, None, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 130
    assert not any("ctrl+q" in notice for notice in notices(app))  # Textual's hint


async def test_ctrl_c_copies_an_inputs_selection_and_quits_when_there_is_none() -> None:
    """The palette is a dialog with a text field: ctrl+c copies what is selected in it, and
    with nothing selected quits (as ctrl+q does in a dialog)."""
    app = remote_app(NOWHERE, None, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"theme", "ctrl+shift+a")  # typed, then all of it selected
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.selected_text == "theme"
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and app.clipboard == "theme"
        await pilot.press("end")  # the selection gone
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 130


async def test_ctrl_c_copies_text_selected_on_the_page() -> None:
    app = remote_app(NOWHERE, None, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        text = next(s for s in app.screen.query(Static) if s.visible and str(s.content).strip())
        app.screen.selections = {text: Selection(None, None)}  # as a mouse drag selects
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and app.clipboard == selected


@pytest.mark.usefixtures("no_display")
async def test_the_new_keys_dialog_keeps_ctrl_c_for_copying_the_key(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "ctrl+c copies")
        reveal = app.screen
        assert isinstance(reveal, KeyRevealScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and app.screen is reveal
        assert "copy" in str(reveal.query_one("#copy-status", Static).content).lower()



INTERRUPT_WHILE_LOADING = """
import os, signal, sys

class Interrupt:
    # ctrl+c pressed while Textual loads (before the app sets its handlers): SIGINT's default
    # handler raises KeyboardInterrupt at the next bytecode.
    def find_spec(self, name, path=None, target=None):
        if name == "textual.app":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
"""


@pytest.mark.usefixtures("isolated_home")
def test_ctrl_c_while_the_dashboard_starts_exits_130_without_a_traceback(
        tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(INTERRUPT_WHILE_LOADING)
    env = {**os.environ, "PYTHONPATH": str(hook), "TERM": "xterm-256color"}
    master, slave = os.openpty()
    try:
        with subprocess.Popen([PROGRAM, "--sandbox", "--sandbox-db", str(tmp_path / "s.db")],
                              stdin=slave, stdout=slave, stderr=slave, env=env) as process:
            os.close(slave)
            shown = b""
            while True:  # read until the program is gone (EIO: the pty's other side closed)
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            code = process.wait(timeout=PATIENCE)
    finally:
        os.close(master)
    assert code == 130, shown
    assert b"Traceback" not in shown and b"KeyboardInterrupt" not in shown
