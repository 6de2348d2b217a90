"""The note after Copy (issue 20): short (three lines at most in the reveal dialog at 80x24,
where it was up to nine), and the tmux advice only where tmux needs it. tmux says whether it
passes OSC 52 on (`show-options -gv set-clipboard`): "on" and "external" do, "off" does not.

The tmux here is real (a server of our own, the `tmux` fixture), asked by the app through
$TMUX as inside a tmux pane. The one stand-in is the terminal writer: a headless app has no
terminal to write the sequence to, so it says "written" as a real one would.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.widgets import Static

from openrush_tui import clipboard
from openrush_tui.clipboard import CopyOutcome
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.widgets import textual_private
from tests.support.apps import sandbox_app, settle, text_of
from tests.support.tmux import Tmux

pytestmark = pytest.mark.usefixtures("isolated_home")
BODY_AT_80 = 74  # the reveal dialog's text width at 80 columns
# The longest reasons the system clipboard goes unused (clipboard.py's own words).
DETAILS = ["", clipboard.why_no_system_clipboard(),
           "Klipper would show it to other users in ps",
           f"it did not answer within {clipboard.SYSTEM_COPY_WAIT:g} s",
           "install xclip or wl-clipboard"]


def tmux_pane_env(tmux: Tmux) -> str:
    """$TMUX as tmux sets it in its panes: socket path, server pid, session."""
    socket = tmux.run("display-message", "-p", "#{socket_path}").strip()
    pid = tmux.run("display-message", "-p", "#{pid}").strip()
    return f"{socket},{pid},0"


@pytest.mark.parametrize("what", ["the key", "the snippet", "the address"])
def test_every_note_is_three_lines_at_most_at_80_columns(what: str) -> None:
    for osc52 in (True, False):
        for system in (True, False):
            for in_tmux, setting in ((False, None), (True, None), (True, "on"),
                                     (True, "external"), (True, "off")):
                for detail in DETAILS:
                    note = CopyOutcome(osc52, system, in_tmux, detail if not system else "",
                                       tmux_clipboard=setting).message(what)
                    lines = textwrap.wrap(note, BODY_AT_80, break_on_hyphens=False)
                    assert len(lines) <= 3, (osc52, system, setting, detail, lines)


def test_the_tmux_advice_only_where_tmux_drops_the_sequence() -> None:
    def note(setting: str | None, in_tmux: bool = True, system: bool = False) -> str:
        return CopyOutcome(True, system, in_tmux, "" if system else "no display",
                           tmux_clipboard=setting).message("the key")

    for passes in ("on", "external"):
        assert "set-clipboard" not in note(passes)
        assert note(passes).startswith("Sent the key to your terminal's clipboard")
        assert CopyOutcome(True, False, True, tmux_clipboard=passes).anything_done
    assert "set-clipboard" not in note(None, in_tmux=False)
    # Unknown (tmux did not answer): the advice, as a condition.
    assert "set -g set-clipboard on" in note(None)
    # Off: tmux passes nothing on, so nothing was copied, and the note says why and what to do.
    off = note("off")
    assert "set -g set-clipboard on" in off and off.startswith("Could not copy the key")
    assert not CopyOutcome(True, False, True, "no display", tmux_clipboard="off").anything_done
    both = note("off", system=True)
    assert both.startswith("Copied the key to the system clipboard") and "set-clipboard" in both
    assert CopyOutcome(True, True, True, tmux_clipboard="off").anything_done


@pytest.mark.parametrize("setting", ["on", "external", "off"])
def test_tmux_is_asked_how_it_treats_osc52(tmux: Tmux, setting: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    tmux.run("set", "-g", "set-clipboard", setting)
    monkeypatch.setenv("TMUX", tmux_pane_env(tmux))
    assert clipboard.tmux_clipboard() == setting
    outcome = clipboard.copy("or_x", lambda sequence: True)
    assert outcome.in_tmux and outcome.tmux_clipboard == setting
    monkeypatch.delenv("TMUX")
    assert clipboard.tmux_clipboard() is None  # not in tmux: not asked


def test_a_tmux_that_does_not_answer_is_unknown(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMUX", f"{tmp_path / 'gone'},4242,0")  # its server has gone
    assert clipboard.tmux_clipboard() is None


async def reveal_and_copy(tmp_path: Path, size: tuple[int, int] = (80, 24)
                          ) -> tuple[KeyRevealScreen, Static, list[str]]:
    """API access, n, a name, Enter, then c in the reveal dialog; the note as drawn."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n", *"tmux", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeyRevealScreen)
        await pilot.press("c")
        await settle(pilot)
        note = dialog.query_one("#copy-status", Static)
        rows = [line.text for line in note.render_lines(note.region.reset_offset)]
        await pilot.press("escape")  # copied: closes at once; not copied: asks first
        await settle(pilot)
        rows.append(type(app.screen).__name__)
    return dialog, note, rows


@pytest.mark.parametrize("setting", ["on", "off"])
async def test_the_reveal_note_inside_tmux(tmux: Tmux, tmp_path: Path, no_display: None,
                                           monkeypatch: pytest.MonkeyPatch,
                                           setting: str) -> None:
    tmux.run("set", "-g", "set-clipboard", setting)
    monkeypatch.setenv("TMUX", tmux_pane_env(tmux))
    monkeypatch.setattr(textual_private, "terminal_writer", lambda app: lambda sequence: True)
    _, note, rows = await reveal_and_copy(tmp_path)
    after = rows.pop()
    text = " ".join(text_of(note).split())
    assert 1 <= len(rows) <= 3, rows
    if setting == "on":
        assert "set-clipboard" not in text and "tmux" not in text, text
        assert text.startswith("Sent the key to your terminal's clipboard")
        assert after == "ApiAccessScreen"  # copied: Escape closed the dialog
    else:
        assert "set -g set-clipboard on" in text, text
        assert after == "YesNoDialog"  # nothing reached a clipboard: asked before closing


async def test_the_reveal_note_outside_tmux_is_short(tmp_path: Path, no_display: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(textual_private, "terminal_writer", lambda app: lambda sequence: True)
    _, note, rows = await reveal_and_copy(tmp_path)
    rows.pop()
    assert 1 <= len(rows) <= 3, rows
    assert "tmux" not in text_of(note)
