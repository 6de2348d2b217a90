"""The dashboard always ends: a signal, or a terminal that goes away, ends the process within
`LAST_RESORT_SECONDS`, with exit code 128 + the signal's number (129 SIGHUP, 130 SIGINT,
143 SIGTERM), whatever the event loop or Textual's output is doing.

Why a watchdog thread that owes nothing to the rest: Textual writes to the terminal through
one writer thread and a queue of 30 writes. A terminal that stops reading (a stalled SSH
connection, a frozen emulator, ctrl+s) blocks that thread; the queue fills; then every write,
the event loop's and Textual's own exit, waits for good, with the key in memory. A terminal
that is gone (a window closed, `tmux kill-session`) makes the writer thread die on its first
failed write, with the same result. So nothing here writes through Textual or waits for the
event loop:

- The signal handler (which Python runs in the main thread between two bytecodes) only asks
  the app to leave as quitting does: the key on screen wiped, the leaving notes printed.
- Python's C-level handler also writes the signal's number to a pipe (`signal.set_wakeup_fd`)
  from whatever thread it interrupts, so the watchdog hears the signal even when the main
  thread never runs Python again. It also watches the terminal for a hang-up, which a process
  whose controlling terminal it is not gets with no signal at all; and Textual's input thread
  (`tui.driver`) tells it when a read finds the terminal gone (`hang_up`).
- A terminal may hang up before the app even looks at it (a benchmark stopped while the
  dashboard loads closes the pty with it): such a terminal is no terminal to `isatty` any
  more, but it is still a character device that reports the hang-up, so it is watched too.
- Once armed, the watchdog gives the app `LAST_RESORT_SECONDS` minus a little; then it puts
  the terminal back itself (terminal modes saved before Textual changed them, a few escape
  sequences written straight to the file descriptor, from a helper thread it does not wait
  for long) and ends the process with `os._exit`. A second signal ends it at once.

No Textual here: the App (tui/app.py) builds a `LastResort` and says how to ask it to leave.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import stat
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LAST_RESORT_SECONDS = 3.0  # after a signal or a hang-up, the process is gone within this
RESTORE_SECONDS = 0.3  # of which the last resort gives at most this to restore the terminal
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                       if hasattr(signal, name))
HANG_UP = getattr(signal, "SIGHUP", 1)  # a terminal that hung up ends the app as SIGHUP does
HUNG_UP_BYTE = 0  # on the wake-up pipe: the input side found the terminal gone (no signal is 0)
# What Textual's driver undoes on exit: mouse reporting, bracketed paste, in-band resize,
# focus events and the Kitty keyboard protocol off; line wrap, the main screen and the cursor
# back.
RESTORE_SEQUENCES = ("\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?2048l"
                     "\x1b[?1004l\x1b[?7h\x1b[<u\x1b[?1049l\x1b[?25h").encode("ascii")
# The same with the alternate screen blanked just before it is left, as the driver does
# (`tui.driver`): a terminal may keep what that screen showed (tmux after its window grew,
# GNU screen always), and it may show a key. Only while the dashboard is on that screen: else
# the blank would erase the shell's own screen.
# Default colours (a blank is drawn in the current background), the cursor home, all erased.
BLANK_SCREEN = b"\x1b[0m\x1b[H\x1b[2J"
WIPE_AND_RESTORE_SEQUENCES = RESTORE_SEQUENCES.replace(b"\x1b[?1049l",
                                                       BLANK_SCREEN + b"\x1b[?1049l")


def _tty_fd(stream: Any) -> int | None:
    try:
        fd = int(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    return fd if os.isatty(fd) else None


def _watchable_fd(stream: Any) -> int | None:
    """The stream's descriptor if it is a terminal, or a character device that may be one
    that already hung up (`isatty` says no to those); a pipe or a file is not watched: its
    end is no hang-up."""
    try:
        fd = int(stream.fileno())
        return fd if stat.S_ISCHR(os.fstat(fd).st_mode) else None
    except (AttributeError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class Terminal:
    """What the last resort needs to put the terminal back, read before Textual changes it:
    Textual reads keys from stdin and draws on stderr."""

    input_fd: int | None
    output_fd: int | None
    modes: list[Any] | None  # termios attributes of the input, before raw mode
    # Watched for a hang-up besides the two above: what may be a terminal that hung up already.
    also_watched: frozenset[int] = frozenset()

    @classmethod
    def current(cls) -> Terminal:
        return cls.of(sys.__stdin__, sys.__stderr__)

    @classmethod
    def of(cls, keys: Any, screen: Any) -> Terminal:
        """The terminal of the streams Textual reads keys from and draws on."""
        input_fd, output_fd = _tty_fd(keys), _tty_fd(screen)
        modes = None
        if input_fd is not None:
            with contextlib.suppress(termios.error, OSError):
                modes = termios.tcgetattr(input_fd)
        watchable = {_watchable_fd(keys), _watchable_fd(screen)}
        return cls(input_fd, output_fd, modes,
                   frozenset(fd for fd in watchable if fd is not None))

    def fds(self) -> set[int]:
        """What the watchdog watches for a hang-up."""
        return {fd for fd in (self.input_fd, self.output_fd) if fd is not None} \
            | self.also_watched

    def restore(self, *, wipe: bool = False) -> None:
        """Modes back, then the escape sequences (with `wipe`, the alternate screen blanked
        before it is left); either may fail on a terminal that is gone, and the write may
        wait for good on one nobody reads (the caller waits for it only so long)."""
        if self.input_fd is not None and self.modes is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.input_fd, termios.TCSANOW, self.modes)
        if self.output_fd is not None:
            with contextlib.suppress(OSError):
                os.write(self.output_fd,
                         WIPE_AND_RESTORE_SEQUENCES if wipe else RESTORE_SEQUENCES)


class LastResort:
    """Ends the process after a signal or a hang-up if the app has not done so in time.

    `ask_to_leave(signum)` must be safe to call from any thread (the app hops to its event
    loop); it is called once. `on_alternate_screen()`, from the watchdog thread, says whether
    the dashboard is drawn on the alternate screen now (then it is blanked before it is left).
    `leave` is `os._exit` but in tests of this class.
    """

    def __init__(self, terminal: Terminal, ask_to_leave: Callable[[int], None], *,
                 seconds: float = LAST_RESORT_SECONDS,
                 leave: Callable[[int], object] = os._exit,
                 on_alternate_screen: Callable[[], bool] = lambda: False) -> None:
        self._terminal = terminal
        self._on_alternate_screen = on_alternate_screen
        self._ask_to_leave = ask_to_leave
        self._grace = max(0.0, seconds - RESTORE_SECONDS)
        self._leave = leave
        self._asked = threading.Lock()
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._write_end, False)  # a signal handler must never block
        self.signum: int | None = None  # the signal (or hang-up) that armed it
        self.ended = threading.Event()  # set once `leave` was called (tests)

    def install(self) -> None:
        """From the main thread: handlers for SIGINT, SIGTERM and SIGHUP, the wake-up pipe,
        and the watchdog thread."""
        signal.set_wakeup_fd(self._write_end, warn_on_full_buffer=False)
        for signum in ENDING_SIGNALS:
            signal.signal(signum, self._on_signal)
        self.start()

    def start(self) -> None:
        threading.Thread(target=self._watch, name="openrush-last-resort", daemon=True).start()

    def notify(self, signum: int) -> None:
        """Tell the watchdog about a signal as the C-level handler does (tests, and a
        wake-up pipe someone else replaced)."""
        with contextlib.suppress(OSError):
            os.write(self._write_end, bytes([signum]))

    def hang_up(self) -> None:
        """From any thread (Textual's input thread): a read found the terminal gone. As a
        hang-up the watchdog saw itself: the app is asked to leave, once, and the process
        ends after the grace if it has not."""
        self.notify(HUNG_UP_BYTE)

    def _on_signal(self, signum: int, _frame: object) -> None:
        # If something replaced the wake-up pipe, the watchdog did not hear this signal.
        with contextlib.suppress(ValueError):
            if signal.set_wakeup_fd(self._write_end, warn_on_full_buffer=False) \
                    != self._write_end:
                self.notify(signum)
        self._ask_once(signum)

    def _ask_once(self, signum: int) -> None:
        if self._asked.acquire(blocking=False):
            with contextlib.suppress(Exception):  # a loop that is closed: nothing to ask
                self._ask_to_leave(signum)

    def _watch(self) -> None:
        poller = select.poll()
        poller.register(self._read_end, select.POLLIN)
        for fd in self._terminal.fds():
            poller.register(fd, 0)  # no events asked: it wakes only on a hang-up or error
        deadline: float | None = None
        signals = 0
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            for fd, _events in poller.poll(None if timeout is None else timeout * 1000):
                if fd == self._read_end:
                    received = os.read(self._read_end, 256)
                else:  # the terminal hung up: every write to it fails or waits from now on
                    poller.unregister(fd)
                    received = bytes([HUNG_UP_BYTE])
                for signum in received:
                    if signum == HUNG_UP_BYTE:  # seen here, or by the input side (`hang_up`)
                        if deadline is None:
                            self.signum, deadline = HANG_UP, time.monotonic() + self._grace
                            self._ask_once(HANG_UP)
                        continue
                    if signum not in ENDING_SIGNALS:
                        continue  # SIGWINCH and the like have handlers too
                    signals += 1
                    if signals > 1:  # asked twice: leave now
                        self._end(signum)
                        return
                    if deadline is None:
                        self.signum, deadline = signum, time.monotonic() + self._grace
            if deadline is not None and time.monotonic() >= deadline:
                self._end(self.signum or HANG_UP)
                return

    def _end(self, signum: int) -> None:
        wipe = self._on_alternate_screen()
        restoring = threading.Thread(target=lambda: self._terminal.restore(wipe=wipe),
                                     daemon=True, name="openrush-restore-terminal")
        restoring.start()
        restoring.join(RESTORE_SECONDS)  # a terminal nobody reads may block the write
        self.ended.set()
        self._leave(128 + signum)  # only in tests does it return
