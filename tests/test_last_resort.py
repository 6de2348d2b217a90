"""The last resort's watchdog on its own (no process-wide handler, `leave` instead of
`os._exit`): what arms it, what ends it at once, and how it puts the terminal back. The real
program ended by signals and closed terminals is in test_e2e_signals.py."""

from __future__ import annotations

import contextlib
import os
import signal
import termios
import tty
from collections.abc import Iterator

import pytest

from openrush_tui.tui.signals import RESTORE_SEQUENCES, LastResort, Terminal

WAIT = 30.0  # generous: these only wait for an event that is bound to happen


class Watched:
    def __init__(self, terminal: Terminal, seconds: float) -> None:
        self.asked: list[int] = []
        self.left: list[int] = []
        self.resort = LastResort(terminal, self.asked.append, seconds=seconds,
                                 leave=self.left.append)
        self.resort.start()


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    for fd in (master, slave):
        with contextlib.suppress(OSError):  # closed by the test
            os.close(fd)


def test_a_terminal_that_hangs_up_ends_the_app_as_sighup_does(pty: tuple[int, int]) -> None:
    """No signal at all (not the process's controlling terminal): the hang-up alone asks the
    app to leave, and ends the process with 129 if it does not."""
    master, slave = pty
    watched = Watched(Terminal(slave, slave, None), seconds=0.5)
    os.close(master)
    assert watched.resort.ended.wait(WAIT)
    assert watched.asked == [signal.SIGHUP] and watched.left == [129]


def test_a_second_signal_ends_at_once_and_other_signals_arm_nothing() -> None:
    watched = Watched(Terminal(None, None, None), seconds=3600)  # the grace never runs out
    watched.resort.notify(signal.SIGWINCH)  # a resize has a Python handler too
    watched.resort.notify(signal.SIGTERM)
    assert not watched.resort.ended.wait(0.2)  # armed, within its grace
    assert watched.resort.signum == signal.SIGTERM
    watched.resort.notify(signal.SIGINT)
    assert watched.resort.ended.wait(WAIT)
    assert watched.left == [130]
    assert watched.asked == []  # asking the app is the signal handler's part (main thread)


def test_the_grace_ends_with_the_first_signal_s_code() -> None:
    watched = Watched(Terminal(None, None, None), seconds=0.5)
    watched.resort.notify(signal.SIGHUP)
    assert watched.resort.ended.wait(WAIT)
    assert watched.left == [129]


def test_restoring_puts_the_modes_back_and_leaves_the_alternate_screen_without_textual(
        pty: tuple[int, int]) -> None:
    master, slave = pty
    before = termios.tcgetattr(slave)
    tty.setraw(slave)  # what Textual does
    Terminal(slave, slave, before).restore()
    assert termios.tcgetattr(slave) == before
    assert os.read(master, 65536) == RESTORE_SEQUENCES
