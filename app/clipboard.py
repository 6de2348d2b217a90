"""The one copy path, without Textual: OSC 52 for the terminal, pyperclip for the desktop.

Two mechanisms, because neither covers every case. OSC 52 asks the terminal to put text on
its clipboard: it is what reaches a laptop's clipboard over SSH, but the terminal never says
whether it obeyed (many ask the user first, tmux needs `set -g set-clipboard on`). pyperclip
reaches the desktop clipboard of the machine this runs on, which only exists where a display
does. So a copy reports exactly what was attempted and what is known, and never claims more.

`copy` is the one way to copy: it is given a function that writes an escape sequence to the
terminal (the App's, see `tui.terminal_writer`), so this module stays free of Textual.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openrush_tui.blocking import DaemonCall
from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.reading import read_bytes

# pyperclip shells out (xclip, wl-copy, pbcopy); a helper that hangs must not freeze the UI
# for longer than this. A healthy one answers in a few milliseconds.
SYSTEM_COPY_WAIT = 1.0
# After a copy to the system clipboard, the reveal dialog offers to empty it this much later.
CLEAR_AFTER_SECONDS = 45.0
# `tmux show-options` answers in milliseconds; one that does not is treated as unknown.
TMUX_WAIT = 1.0
# pyperclip backends that hand the text to a helper as a command-line argument, which every
# user of the machine can read (`ps`, /proc/PID/cmdline): never given a key. From pyperclip's
# source, only Klipper's (`qdbus org.kde.klipper /klipper setClipboardContents <text>`); the
# others write to the helper's stdin (xclip, xsel, wl-copy, pbcopy, clip.exe) or call an API.
ARGV_BACKENDS = {"copy_klipper": "Klipper"}

__all__ = [
    "CLEAR_AFTER_SECONDS",
    "CopyOutcome",
    "argv_backend",
    "clear_system_clipboard_if",
    "clear_system_clipboard_if_digest",
    "copy",
    "digest",
    "has_display",
    "in_tmux",
    "osc52_sequence",
    "system_clipboard_holds",
    "system_copy",
    "tmux_clipboard",
]


@dataclass(frozen=True)
class CopyOutcome:
    """What one copy did. `detail` says why the system clipboard was not used (never the text).
    `tmux_clipboard`: tmux's set-clipboard when inside tmux and it answered (None: unknown)."""

    osc52_sent: bool
    system_copied: bool
    in_tmux: bool
    detail: str = ""
    tmux_clipboard: str | None = None

    @property
    def tmux_drops(self) -> bool:
        """tmux said it passes OSC 52 on to nothing (set-clipboard off)."""
        return self.in_tmux and self.tmux_clipboard == "off"

    @property
    def anything_done(self) -> bool:
        return (self.osc52_sent and not self.tmux_drops) or self.system_copied

    def message(self, what: str) -> str:
        """A short, honest note about `what` ("the key", "the snippet"); never a false
        "copied". Three lines at most in the reveal dialog at 80 columns: the tmux advice
        only where tmux drops the sequence (or could not say whether it does)."""
        why_not = f" ({self.detail})" if self.detail else ""
        advice = "put `set -g set-clipboard on` in ~/.tmux.conf"
        if self.osc52_sent and self.tmux_drops:
            if self.system_copied:
                return (f"Copied {what} to the system clipboard, not to your terminal's: "
                        f"tmux has set-clipboard off ({advice}).")
            return (f"Could not copy {what}: tmux has set-clipboard off ({advice}); no "
                    f"system clipboard{why_not}. Copy it by hand.")
        if self.osc52_sent and self.system_copied:
            return (f"Sent {what} to your terminal's clipboard (OSC 52: it may need to allow "
                    "it) and copied it to the system clipboard.")
        if self.osc52_sent:
            # OSC 52 is fire-and-forget: say it was sent, not that it arrived. Inside a tmux
            # that did not say how it treats it, the one setting it needs.
            unsure = ("unconfirmed; tmux needs `set -g set-clipboard on`" if self.in_tmux
                      and self.tmux_clipboard is None else "terminals do not confirm it")
            return (f"Sent {what} to your terminal's clipboard (OSC 52; {unsure}). If "
                    f"pasting gives nothing, copy it by hand. No system clipboard{why_not}.")
        if self.system_copied:
            return (f"Copied {what} to the system clipboard (OSC 52 could not be sent to "
                    "the terminal).")
        return (f"Could not copy {what}: no terminal clipboard (OSC 52) and no system "
                f"clipboard{why_not}. Select it on screen and copy it by hand.")


def copy(text: str, write_to_terminal: Callable[[str], bool]) -> CopyOutcome:
    """Send `text` to the terminal's clipboard (OSC 52) and the desktop clipboard, if any.

    `write_to_terminal` writes a sequence to the terminal and says whether it could (a
    headless app or a closed terminal cannot). Nothing keeps `text` after this returns.
    """
    osc52_sent = write_to_terminal(osc52_sequence(text))
    inside = in_tmux()
    # tmux is asked while the system clipboard is tried, so the two waits overlap.
    asking = DaemonCall(tmux_clipboard, name="tmux-clipboard") if inside and osc52_sent else None
    system_copied, detail = _system_copy_bounded(text)
    setting = asking.result() if asking is not None and asking.wait(TMUX_WAIT) else None
    return CopyOutcome(osc52_sent=osc52_sent, system_copied=system_copied, in_tmux=inside,
                       detail=detail, tmux_clipboard=setting)


def _system_copy_bounded(text: str) -> tuple[bool, str]:
    """(copied, why not), blocking the caller for at most SYSTEM_COPY_WAIT."""
    if not has_display():
        return False, why_no_system_clipboard()

    def attempt() -> tuple[bool, str]:
        refused = argv_backend()  # choosing the backend runs `which`: inside the bound too
        if refused:
            # Not used: that helper takes the text as a command-line argument.
            return False, f"{refused} would show it to other users in ps"
        if system_copy(text):
            return True, ""
        return False, "install xclip or wl-clipboard"

    call = DaemonCall(attempt, name="system-clipboard")
    if not call.wait(SYSTEM_COPY_WAIT):
        return False, f"it did not answer within {SYSTEM_COPY_WAIT:g} s"
    return call.result()


def osc52_sequence(text: str) -> str:
    """The escape sequence that asks a terminal to put `text` on its clipboard.

    Terminated with BEL rather than ST: every terminal that knows OSC 52 accepts BEL, and
    tmux passes it on (with `set-clipboard on`) to the terminal outside.
    """
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\a"


def in_tmux() -> bool:
    return bool(os.environ.get("TMUX"))


def tmux_clipboard() -> str | None:
    """tmux's set-clipboard ("on", "external", "off"), asked of the tmux this runs in; None
    outside tmux or when it does not answer in time. "on" and "external" pass OSC 52 on to
    the terminal outside (and, for "on", into tmux's buffer); "off" passes it nowhere.

    The tmux client finds its server through $TMUX, as any command run in a pane does.
    """
    program = shutil.which("tmux") if in_tmux() else None
    if program is None:
        return None
    # -g as the tmux of today answers; -s for an older one that keeps it as a server option.
    for scope in ("-gv", "-sv"):
        try:  # a fixed argument list, no shell: nothing of the user's reaches it
            answer = subprocess.run(  # noqa: S603
                [program, "show-options", scope, "set-clipboard"], capture_output=True,
                text=True, stdin=subprocess.DEVNULL, timeout=TMUX_WAIT, check=False)
        except (OSError, subprocess.SubprocessError):  # it could not run, or it hung
            return None
        value = answer.stdout.strip()
        if answer.returncode == 0 and value in ("on", "external", "off"):
            return value
    return None


def has_display() -> bool:
    """Whether a desktop clipboard can exist here: always on macOS and Windows, else a display.

    Without this check pyperclip would shell out to xclip on a headless server and fail (or
    worse, hang waiting for an X server); deciding up front keeps the answer fast and exact.
    """
    if sys.platform in ("darwin", "win32", "cygwin"):
        return True
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    return _is_wsl()


def _is_wsl() -> bool:
    # WSL has no display variable but does have Windows' clipboard (clip.exe), which
    # pyperclip knows how to use.
    try:
        version, _ = read_bytes(Path("/proc/version"), limit=4096)
    except (OSError, LocalFileError):
        return False
    return b"microsoft" in version.lower()


def why_no_system_clipboard() -> str:
    return "no DISPLAY or WAYLAND_DISPLAY"


def argv_backend() -> str | None:
    """The name of the desktop clipboard helper pyperclip would use, if it is one that takes
    the text as a command-line argument (see ARGV_BACKENDS); None otherwise."""
    try:
        # lazy: start-up (loads on the first copy)
        import pyperclip

        if pyperclip.copy is pyperclip.lazy_load_stub_copy:  # not chosen yet: choose it now,
            pyperclip.copy, pyperclip.paste = pyperclip.determine_clipboard()  # as it would
    except Exception:  # no backend to choose: nothing is passed anywhere
        return None
    return ARGV_BACKENDS.get(getattr(pyperclip.copy, "__name__", ""))


def system_copy(text: str) -> bool:
    """Put `text` on the desktop clipboard; True only when it is then there. Never raises,
    and never uses a helper that would take `text` as a command-line argument.

    pyperclip's xclip/xsel backends ignore the helper's exit status, so a copy is read back
    before it is reported as done.
    """
    if not has_display() or argv_backend():
        return False
    try:
        # lazy: start-up (loads on the first copy)
        import pyperclip

        pyperclip.copy(text)
        return bool(pyperclip.paste() == text)  # pyperclip is untyped: its paste() is Any
    except Exception:  # whatever the backend raises, the honest answer is "not copied"
        return False


def system_clipboard_holds(text: str) -> bool:
    """Whether the desktop clipboard holds exactly `text` (False when there is none)."""
    return _paste_matches(lambda pasted: pasted == text)


def digest(text: str) -> str:
    """A SHA-256 of `text`: lets a later clear check the clipboard without keeping the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clear_system_clipboard_if(text: str) -> bool:
    """Empty the desktop clipboard if it still holds `text`; True when it was cleared."""
    return clear_system_clipboard_if_digest(digest(text))


def clear_system_clipboard_if_digest(expected: str) -> bool:
    """As `clear_system_clipboard_if`, given only the text's `digest`.

    A user who copied something else since must not lose it, hence the comparison.
    """
    if argv_backend() or not _paste_matches(
            lambda pasted: hmac.compare_digest(digest(pasted), expected)):
        return False
    try:
        # lazy: start-up (loads on the first copy)
        import pyperclip

        pyperclip.copy("")
        return bool(pyperclip.paste() == "")  # pyperclip is untyped: its paste() is Any
    except Exception:
        return False


def _paste_matches(test: Callable[[str], bool]) -> bool:
    if not has_display():
        return False
    try:
        # lazy: start-up (loads on the first copy)
        import pyperclip

        pasted = pyperclip.paste()
    except Exception:
        return False
    return isinstance(pasted, str) and test(pasted)
