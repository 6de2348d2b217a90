"""Textual's Linux driver, with an input thread that stops when the terminal is gone.

Textual's own input loop (`LinuxDriver.run_input_thread`, Textual 8.2) waits with `select`
and then reads stdin. On a terminal that hung up (its window closed, its pty's other side
gone), `select` says readable at once, every time, and the read returns nothing (end of
file), or fails with EIO: on nothing it only leaves its inner loop and selects again, for
good, at most of a core (a dashboard left by a stopped benchmark spun for an hour); on EIO it
makes the app panic. This loop does what Textual's does with what it reads, and on an end of
file or a read that fails it stops reading and tells the App (`terminal_hung_up`), which
leaves as on SIGHUP (`tui.signals`).

It also blanks the alternate screen before leaving it (`stop_application_mode`): a terminal
may keep what that screen showed. tmux 3.3a, after its window was enlarged while the
alternate screen was on, copies the top rows of that screen onto the shell's normal screen
and into its scrollback when a program leaves it (any program: a printf one too); GNU screen
with its default `altscreen off` keeps the whole last frame. The last frame may show a key
that must never be seen again (the reveal dialog), so nothing of it is left to keep.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from openrush_tui.tui.signals import BLANK_SCREEN
from openrush_tui.widgets import textual_private

READ_SIZE = 4096  # as Textual's loop
TICK_SECONDS = 0.1  # as Textual's: how often a lone escape is given up waiting for the rest


def read_terminal(fd: int, stop: threading.Event, take: Callable[[bytes], None],
                  tick: Callable[[], None]) -> bool:
    """Read `fd` and give what comes to `take`, calling `tick` between reads, until `stop`
    is set: then True. False as soon as the terminal is gone: a read that returns nothing
    once `select` said there is something, or that fails."""
    selector = selectors.SelectSelector()  # as Textual's
    selector.register(fd, selectors.EVENT_READ)
    try:
        while not stop.is_set():
            if selector.select(TICK_SECONDS):
                try:
                    data = os.read(fd, READ_SIZE)
                except OSError:  # EIO: hung up; EBADF: closed under us
                    return False
                if not data:
                    return False
                take(data)
            tick()
        # Asked to stop (the app leaves, or suspends): what is still unread stays for the
        # driver to flush, as with Textual's loop (its last read after the stop reads nothing).
        return True
    finally:
        selector.close()


class HangUpAwareDriver(LinuxDriver):
    """`LinuxDriver` whose input thread is `read_terminal`, and which blanks the alternate
    screen before leaving it. The App may define `terminal_hung_up()`, called from the input
    thread once the terminal is gone, and `alternate_screen_changed(on)`."""

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._parser_debug = debug
        self._on_hang_up: Callable[[], object] | None = getattr(app, "terminal_hung_up", None)
        # The App may define `alternate_screen_changed(on)`: told when the dashboard goes on
        # the alternate screen and once it has left it (the last resort blanks it only then).
        self._on_screen: Callable[[bool], object] | None = getattr(
            app, "alternate_screen_changed", None)

    def start_application_mode(self) -> None:
        super().start_application_mode()  # type: ignore[no-untyped-call]  # Textual's: untyped
        if self._on_screen is not None:
            self._on_screen(True)

    def stop_application_mode(self) -> None:
        # Called on the event loop, after the last frame was queued and before the writer
        # thread stops: the blank goes out after that frame and before `ESC[?1049l`
        # (Textual's writes keep their order). Also on suspend: resuming repaints.
        self.write(BLANK_SCREEN.decode("ascii"))
        super().stop_application_mode()
        if self._on_screen is not None:
            self._on_screen(False)

    def run_input_thread(self) -> None:
        parser = textual_private.terminal_input_parser(self._parser_debug)
        # Textual decodes strictly, and a stray byte that is no UTF-8 ends its input thread
        # (the app panics); here it reads as U+FFFD.
        decode = getincrementaldecoder("utf-8")(errors="replace").decode

        def take(data: bytes) -> None:
            for event in parser.feed(decode(data)):
                self.process_message(event)

        def tick() -> None:
            for event in parser.tick():
                self.process_message(event)

        there = read_terminal(self.fileno, self.exit_event, take, tick)
        with contextlib.suppress(Exception):  # as Textual: an escape left half-read is dropped
            for _event in parser.feed(""):
                pass
        if not there and self._on_hang_up is not None:
            self._on_hang_up()
