"""The Textual side of the one copy path: OSC 52 through the app's driver, plus pyperclip.

Every copy in the app goes through `copy_text`. It deliberately avoids `App.copy_to_clipboard`,
which also keeps the text in `app.clipboard` for the app's own paste: a key must not stay there.
"""

from __future__ import annotations

import asyncio
import threading

from textual.app import App

from openrush_tui.clipboard import (
    CopyOutcome,
    clear_system_clipboard_if_digest,
    has_display,
    in_tmux,
    osc52_sequence,
    system_copy,
    why_no_system_clipboard,
)

# pyperclip shells out (xclip, wl-copy, pbcopy); a helper that hangs must not freeze the UI
# for longer than this. A healthy one answers in a few milliseconds.
SYSTEM_COPY_WAIT = 1.0
CLEAR_AFTER_SECONDS = 45.0


def copy_text(app: App, text: str) -> CopyOutcome:
    """Send `text` to the terminal's clipboard (OSC 52) and the desktop clipboard, if any."""
    osc52_sent = _send_osc52(app, text)
    system_copied, detail = _system_copy_bounded(text)
    return CopyOutcome(osc52_sent=osc52_sent, system_copied=system_copied, in_tmux=in_tmux(),
                       detail=detail)


def _send_osc52(app: App, text: str) -> bool:
    # A headless app (tests, `run_test`) has a driver that writes nowhere: not "sent".
    driver = app._driver  # no public accessor; App.copy_to_clipboard uses the same attribute
    if driver is None or app.is_headless:
        return False
    try:
        driver.write(osc52_sequence(text))
        driver.flush()
    except Exception:  # a terminal that went away: report "not sent" rather than crash
        return False
    return True


def _system_copy_bounded(text: str) -> tuple[bool, str]:
    """(copied, why not) with the UI blocked for at most SYSTEM_COPY_WAIT."""
    if not has_display():
        return False, why_no_system_clipboard()
    done = threading.Event()
    result: list[bool] = []

    def run() -> None:
        result.append(system_copy(text))
        done.set()

    threading.Thread(target=run, name="system-clipboard", daemon=True).start()
    if not done.wait(SYSTEM_COPY_WAIT):
        return False, f"it did not answer within {SYSTEM_COPY_WAIT:g} s"
    if result and result[0]:
        return True, ""
    return False, "no copy mechanism worked; on Linux, install wl-clipboard, xclip or xsel"


def offer_to_clear(app: App, text_digest: str, delay: float | None = None, *,
                   what: str = "the key") -> None:
    """In `delay` seconds (default CLEAR_AFTER_SECONDS), empty the desktop clipboard if it
    still holds the copied text (`text_digest` is `openrush_tui.clipboard.digest(text)`).

    Only the text's digest is kept until then, so the text itself can be dropped at once.
    """
    def clear() -> None:
        app.run_worker(_clear(app, text_digest, what), group="clipboard-clear",
                       exit_on_error=False)

    app.set_timer(CLEAR_AFTER_SECONDS if delay is None else delay, clear)


async def _clear(app: App, text_digest: str, what: str) -> None:
    # The clipboard helper may shell out: a thread, so the UI keeps drawing meanwhile.
    if await asyncio.to_thread(clear_system_clipboard_if_digest, text_digest):
        app.notify(f"Cleared {what} from the system clipboard.", title="Clipboard",
                   markup=False)
