"""Whether the dashboard can run here, and if not the one line that says what to do instead.

The dashboard needs a terminal on every side: Textual reads keys from stdin, draws on stderr,
and a stdout that is a pipe or a file means a script (``openrush-tui | less``, ``> out``).
Without one it would run forever, write escape codes where nobody sees them and spend the rate
limit on requests nobody reads; with ``TERM=dumb`` (Emacs' shell, some CI logs) it cannot draw.
So the command line refuses first, before any request and before the sandbox starts, naming
the subcommands that do work there, and, over SSH without a terminal (``ssh host
openrush-tui``), ``ssh -t``.

No Textual here: the command line calls this before deciding to load it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

# Where the dashboard reads keys (0), where scripts read what a program prints (1), where
# Textual draws (2): the process's own descriptors, whatever Python's stream objects became.
STREAMS = {"stdin": 0, "stdout": 1, "stderr": 2}
SSH_VARIABLES = ("SSH_CONNECTION", "SSH_CLIENT")  # set by sshd, with or without a terminal
TERM_DUMB = "TERM=dumb cannot draw it"  # a terminal all the same: ssh -t would not help


def _is_terminal(fd: int | None) -> bool:
    try:
        return fd is not None and os.isatty(fd)
    except OSError:  # closed (`<&-`)
        return False


def why_not(fds: Mapping[str, int | None], environ: Mapping[str, str]) -> str | None:
    """What keeps the dashboard from running: the first stream that is not a terminal, or a
    terminal that cannot draw; None when it can run."""
    for name in STREAMS:
        if not _is_terminal(fds.get(name)):
            return f"{name} is not a terminal"
    if environ.get("TERM", "").strip().lower() == "dumb":
        return TERM_DUMB
    return None


def stderr_width(fd: int | None, environ: Mapping[str, str]) -> int | None:
    """The width of the terminal on `fd` (stderr): `COLUMNS` first, as tables read it, else
    the terminal's own, else 80; None when it is not a terminal (a log, a pipe)."""
    if fd is None or not _is_terminal(fd):
        return None
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(fd).columns or 80
    except OSError:
        return 80


def help_width(environ: Mapping[str, str] | None = None) -> int:
    """The width help and other text for a person is laid out at: `COLUMNS` first (as
    argparse reads it), else the terminal stdout is, else the one stderr is, else stdin's
    (``--help 2>&1 | less``), else 80. Piped (``keys rotate --help | cat``), the text still
    ends up on the terminal the command was typed in, which would break its lines anywhere;
    with no terminal at all (a log, CI), 80."""
    environ = os.environ if environ is None else environ
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for fd in (STREAMS["stdout"], STREAMS["stderr"], STREAMS["stdin"]):
        width = stderr_width(fd, environ)
        if width is not None:
            return width
    return 80


def dashboard_refusal(commands: Iterable[str], *, fds: Mapping[str, int | None] = STREAMS,
                      environ: Mapping[str, str] | None = None) -> str | None:
    """What to print on stderr (then exit 2) when the dashboard cannot run here, else None:
    one line in a log or a pipe; on a terminal, broken between words to its width (a
    terminal would break a word anywhere).

    `commands`: the subcommands, named in it (they work without a terminal).
    """
    environ = os.environ if environ is None else environ
    reason = why_not(fds, environ)
    if reason is None:
        return None
    line = (f"openrush-tui: the dashboard needs a terminal ({reason}); without one, use a "
            f"command: {', '.join(commands)} (openrush-tui COMMAND --help)")
    if reason != TERM_DUMB and any(environ.get(name) for name in SSH_VARIABLES):
        line += "; over SSH, ask for a terminal: ssh -t HOST openrush-tui"
    # lazy: start-up (only a refusal needs it)
    from openrush_tui.commands.table import wrap

    return wrap(line, stderr_width(fds.get("stderr"), environ))
