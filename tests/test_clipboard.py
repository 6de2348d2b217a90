"""The one copy path: OSC 52 (for real, in tmux) and the desktop clipboard (faked: none here).

Only pyperclip's copy/paste pair is ever replaced by a fake; the no-display path and the
terminal path run for real.
"""

from __future__ import annotations

import base64
import shutil
import sys
from pathlib import Path

import pyperclip
import pytest
from textual.app import App

from openrush_tui import clipboard
from openrush_tui.clipboard import (
    CopyOutcome,
    clear_system_clipboard_if,
    clear_system_clipboard_if_digest,
    digest,
    osc52_sequence,
    system_clipboard_holds,
    system_copy,
)
from openrush_tui.widgets.textual_private import terminal_writer
from tests.support.clipboard import FakeDesktop
from tests.support.tmux import Tmux

TEXT = "or_" + "Abc123" * 6 + "xy"


# -- the sequence and the sentences -----------------------------------------------------------


def test_osc52_sequence_carries_the_text_base64_encoded() -> None:
    sequence = osc52_sequence("ключ or_ü")
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\a")
    assert base64.b64decode(sequence[7:-1]).decode() == "ключ or_ü"


def test_messages_never_claim_more_than_was_done() -> None:
    both = CopyOutcome(osc52_sent=True, system_copied=True, in_tmux=False).message("the key")
    assert "Sent the key to your terminal's clipboard" in both
    assert "may need to allow it" in both and "copied it to the system clipboard" in both

    osc_only = CopyOutcome(True, False, False, "no display").message("the key")
    assert "Copied" not in osc_only and "copied it" not in osc_only
    assert "do not confirm" in osc_only and "by hand" in osc_only

    system_only = CopyOutcome(False, True, False).message("the key")
    assert system_only.startswith("Copied the key to the system clipboard")

    nothing = CopyOutcome(False, False, False, "no display").message("the snippet")
    assert nothing.startswith("Could not copy the snippet") and "by hand" in nothing
    assert "no display" in nothing

    tmux = CopyOutcome(True, False, True).message("the key")
    assert "set -g set-clipboard on" in tmux
    assert "set-clipboard" not in CopyOutcome(False, False, True).message("the key")


# -- the desktop clipboard ----------------------------------------------------------------------


def test_without_a_display_the_system_clipboard_is_not_used(no_display: None) -> None:
    # Real: no DISPLAY, no WAYLAND_DISPLAY, so pyperclip is never asked.
    assert system_copy(TEXT) is False
    assert system_clipboard_holds(TEXT) is False
    assert clear_system_clipboard_if(TEXT) is False


def test_with_a_display_but_no_copy_mechanism_it_reports_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Real pyperclip with a display variable that leads nowhere: no xclip, xsel or wl-copy
    # here (or, where one exists, no X server on this display number).
    if shutil.which("xclip") or shutil.which("xsel") or shutil.which("wl-copy"):
        pytest.skip("a clipboard helper is installed here")
    monkeypatch.setenv("DISPLAY", ":987654")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(pyperclip, "copy", pyperclip.lazy_load_stub_copy)
    monkeypatch.setattr(pyperclip, "paste", pyperclip.lazy_load_stub_paste)
    assert system_copy(TEXT) is False
    assert system_clipboard_holds(TEXT) is False


KLIPPER_QDBUS = """#!/bin/sh
printf '%s\\n' "$*" >> "{log}"
case "$3" in
  setClipboardContents) printf '%s' "$4" > "{store}" ;;
  getClipboardContents) cat "{store}" 2>/dev/null; echo ;;
esac
"""


def test_a_helper_that_takes_the_text_as_an_argument_is_never_given_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KDE without xclip/xsel: pyperclip would run `qdbus … setClipboardContents <key>`,
    and every user of the machine sees the key in `ps`. Real pyperclip chooses its backend
    from PATH; the KDE helpers here are stand-ins that record how they were called."""
    if any(shutil.which(name) for name in ("xclip", "xsel", "wl-copy", "klipper", "qdbus")):
        pytest.skip("a real clipboard helper is installed here")
    bin_dir, log = tmp_path / "bin", tmp_path / "qdbus.log"
    bin_dir.mkdir()
    (bin_dir / "qdbus").write_text(KLIPPER_QDBUS.format(log=log, store=tmp_path / "store"))
    (bin_dir / "klipper").write_text("#!/bin/sh\n")
    for helper in bin_dir.iterdir():
        helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(shutil.which('which') or '/usr/bin').parent}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(pyperclip, "copy", pyperclip.lazy_load_stub_copy)
    monkeypatch.setattr(pyperclip, "paste", pyperclip.lazy_load_stub_paste)
    outcome = clipboard.copy(TEXT, lambda sequence: True)
    assert outcome.osc52_sent and not outcome.system_copied
    message = outcome.message("the key")
    assert "Klipper" in message and "ps" in message and "No system clipboard" in message
    assert not clear_system_clipboard_if(TEXT)
    assert TEXT not in (log.read_text() if log.exists() else "")


def test_system_copy_reads_back_what_it_copied(desktop: FakeDesktop) -> None:
    assert system_copy(TEXT) is True
    assert desktop.content == TEXT
    assert system_clipboard_holds(TEXT) is True


def test_a_backend_that_silently_fails_is_not_reported_as_copied(
        desktop: FakeDesktop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyperclip, "copy", lambda text: None)  # like xclip with no X server
    assert system_copy(TEXT) is False


def test_clearing_only_removes_the_copied_text(desktop: FakeDesktop) -> None:
    desktop.content = "the user's own text"
    assert clear_system_clipboard_if(TEXT) is False
    assert desktop.content == "the user's own text"
    desktop.content = TEXT
    assert clear_system_clipboard_if_digest(digest(TEXT)) is True
    assert desktop.content == ""


# -- copying in an app ----------------------------------------------------------------------


async def test_a_copy_in_a_headless_app_sends_nothing_and_keeps_nothing(
        no_display: None) -> None:
    app: App[None] = App()
    async with app.run_test():
        outcome = clipboard.copy(TEXT, terminal_writer(app))
        assert outcome == CopyOutcome(osc52_sent=False, system_copied=False, in_tmux=False,
                                      detail=outcome.detail)
        assert "DISPLAY" in outcome.detail
        assert app.clipboard == ""  # never App.copy_to_clipboard, which keeps the text


async def test_a_copy_uses_the_desktop_clipboard_where_there_is_one(
        desktop: FakeDesktop) -> None:
    app: App[None] = App()
    async with app.run_test():
        outcome = clipboard.copy(TEXT, terminal_writer(app))
        assert outcome.system_copied and not outcome.osc52_sent
        assert desktop.content == TEXT
        assert app.clipboard == ""
        assert outcome.message("the key").startswith("Copied the key to the system clipboard")


# -- OSC 52 in a real terminal (tmux) ---------------------------------------------------------

COPY_APP = """
import sys
from textual.app import App
from openrush_tui.clipboard import copy
from openrush_tui.widgets.textual_private import terminal_writer

class CopyOnce(App):
    def on_mount(self):
        self.call_after_refresh(self.copy)

    def copy(self):
        outcome = copy(sys.argv[2], terminal_writer(self))
        with open(sys.argv[1], "w") as out:
            out.write(f"{outcome.osc52_sent} {outcome.in_tmux}\\n{outcome.message('it')}")
        self.set_timer(0.3, self.exit)

CopyOnce().run()
"""


@pytest.mark.e2e
@pytest.mark.parametrize("set_clipboard", ["on", "off"])
def test_osc52_reaches_tmux_only_when_tmux_allows_it(tmux: Tmux, tmp_path: Path,
                                                     set_clipboard: str) -> None:
    tmux.run("set", "-g", "set-clipboard", set_clipboard)
    script, report = tmp_path / "copy_app.py", tmp_path / "report.txt"
    script.write_text(COPY_APP)
    tmux.send(f"{sys.executable} {script} {report} {TEXT}; echo DONE=$?", "Enter")
    tmux.wait_for("DONE=0")
    sent_line, message = report.read_text().split("\n", 1)
    # Sent either way; the message asks tmux how it treats the sequence (issue 20): the
    # advice only where tmux drops it, "unconfirmed" where it passes it on.
    assert sent_line == "True True"
    if set_clipboard == "on":
        assert "do not confirm" in message and "set-clipboard" not in message
    else:
        assert "set -g set-clipboard on" in message and not message.startswith("Sent")
    buffers = tmux.run("list-buffers", "-F", "#{buffer_name}").split()
    if set_clipboard == "on":
        assert tmux.run("show-buffer") == TEXT
    else:
        assert buffers == []
