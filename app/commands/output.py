"""The command line's one writer: every byte a command prints goes through this module.

Why one place: a closed stdout (``>&-``), a reader that left (``| head -c0``, ``| true``) and a
full disk (``> /dev/full``) must end every command the same way, for text, JSON, JSONL and
CSV alike, and a command that made something must say so when it could not be shown.

- Text is made safe for a terminal here (`text.safe`), whatever a server or a file put in it.
- Data goes to stdout with `os.write` until every byte is taken: Python's buffered stdout
  keeps quiet about the rest of one large write that a nearly full disk took only in part.
- A failed write raises `OutputLost` (stdout is then pointed at the null device, so that
  nothing written later, nor the flush at exit, fails again); `finish` turns it into the exit
  code and the one line on stderr. ``keep_going=True`` lets a command go on with what it has
  started (revoking several keys), the loss remembered for the end.
- A command registers a receipt (`created`, `receipt`) before it prints what it made; when
  the output is lost, the line names each receipt and what to do.
- A reader that leaves early ends a read-only command (``set_defaults(read_only=True)``)
  quietly with 0: stopping was the reader's choice. Any other command exits 1 saying so.
- Errors, questions and progress go to stderr; when stderr itself is gone they are dropped.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import select
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

EXIT_LOST = 1
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_GONE = (errno.EPIPE, errno.ECONNRESET)


class OutputLost(Exception):
    """stdout took no more: closed, its reader gone (`gone`), or full."""

    def __init__(self, why: str, *, gone: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.gone = gone


@dataclass
class _Run:
    read_only: bool = False
    receipts: list[str] = field(default_factory=list)
    lost: OutputLost | None = None
    wrote: bool = False  # some data reached stdout


_run = _Run()


def begin(*, read_only: bool = False) -> None:
    """A new command: no receipts, nothing lost. A closed stdout's descriptor is taken by the
    null device, so a file or socket opened later never gets number 1 (and our data)."""
    global _run
    _run = _Run(read_only=read_only)
    if sys.stdout is None:
        _hold_descriptor(1)
        sys.stdout = _Closed()
    if sys.stderr is None:
        _hold_descriptor(2)
        sys.stderr = _Closed(quiet=True)


def set_read_only(read_only: bool) -> None:
    _run.read_only = read_only


def created(what: str, ident: str, name: str, todo: str) -> None:
    """Before printing something this command made: "the key “ci” (cred_1) was created", then
    `todo`, what to do when it cannot be shown (a sentence)."""
    # lazy: start-up (every run loads this module: --version loads no more)
    from openrush_tui.text.safe import visible

    receipt(f"The {what} “{visible(name)}” ({visible(ident)}) was created. {todo}")


def receipt(sentence: str) -> None:
    """Something this command did, said when its output is lost."""
    _run.receipts.append(sentence.strip())


def withdraw(sentence: str) -> None:
    """A receipt no longer true: what it was for was shown after all."""
    _run.receipts = [said for said in _run.receipts if said != sentence.strip()]


def wrote_data() -> bool:
    """Whether some of this command's data reached stdout (an error now leaves it partial)."""
    return _run.wrote


# -- writing ----------------------------------------------------------------------------------


def out(text: str = "", *, end: str = "\n", keep_going: bool = False,
        safe: bool = False) -> bool:
    """`text` on stdout, made safe unless it already is (`safe`). A lost stdout raises
    `OutputLost`, or with `keep_going` returns False (then every later call does too)."""
    if _run.lost is None:
        if not safe:
            # lazy: start-up (every run loads this module: --version loads no more)
            from openrush_tui.text.safe import printable_lines

            text = printable_lines(text)
        try:
            _write(sys.stdout, text + end)
        except (OSError, ValueError) as exc:
            _run.lost = _classify(exc)
            silence_stdout()
        else:
            _run.wrote = True
            return True
    if keep_going:
        return False
    raise _run.lost


def out_json(data: Any, *, indent: int | None = 2, keep_going: bool = False) -> bool:
    """`data` as JSON on stdout, unsafe characters in its strings as ``\\u`` escapes."""
    # lazy: start-up (every run loads this module: --version loads no more)
    from openrush_tui.text.safe import json_text

    return out(json_text(data, indent=indent), keep_going=keep_going, safe=True)


class JsonArray:
    """A JSON array written as its elements come, a page at a time, so a long list is never
    held whole: byte for byte what `out_json` prints for the list at once (indented by two;
    `commands.json_format`). `JsonArray.last_of(document)` writes an object whose last field
    is the array. Without `close` (an error midway), what was written is no valid JSON: a
    reader cannot take part of a list for all of it."""

    def __init__(self, *, head: str = "", tail: str = "", depth: int = 0) -> None:
        self._head, self._tail, self._depth = head, tail, depth
        self._started = False

    @classmethod
    def last_of(cls, document: dict[str, Any]) -> JsonArray:
        """The array of `document`'s last field, given as ``[]``: the fields before it are
        written with the first elements, the end with `close`."""
        # lazy: start-up (every run loads this module: --version loads no more)
        from openrush_tui.commands.json_format import indented

        assert list(document.values())[-1] == []  # noqa: S101 (a caller's mistake)
        head, _, tail = indented(document).rpartition("[]")
        return cls(head=head, tail=tail, depth=1)

    def write(self, values: Sequence[Any]) -> None:
        """Elements, as one write."""
        # lazy: start-up (every run loads this module: --version loads no more)
        from openrush_tui.commands.json_format import items

        self.write_formatted(items(values, self._depth))

    def write_formatted(self, text: str) -> None:
        """Elements formatted already by `json_format.items` at this array's depth."""
        if not text:
            return
        out((self._head + "[\n" if not self._started else ",\n") + text, end="", safe=True)
        self._started = True

    def close(self) -> None:
        if self._started:
            out("\n" + "  " * self._depth + "]" + self._tail, safe=True)
        else:
            out(self._head + "[]" + self._tail, safe=True)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a long list streams a page at a time, on again
    after. A page of 5,000 keys is some 50,000 objects, and the collector walked the young
    ones every 700 made and everything at each full pass: 0.2-0.3 s of `keys audit --json`'s
    CPU at 50,000 keys. The pages go by reference counting alone; what they leave in cycles
    (asyncio's and httpx's, a few dozen objects a page: 484 after 11 pages) waits until the
    collector runs again."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def err(text: str = "", *, end: str = "\n") -> None:
    """`text` on stderr, made safe; dropped when stderr is gone (nowhere is left to say it)."""
    # lazy: start-up (every run loads this module: --version loads no more)
    from openrush_tui.text.safe import printable_lines

    _to_stderr(printable_lines(text) + end)


def status_width() -> int:
    """The cells a status line may take: the width of the terminal stderr is (`COLUMNS`
    first), less one, so that the cursor never reaches the last column, where a terminal
    wraps. Measured on stderr itself: with stdout a file (``keys scan . > hits``) and
    `COLUMNS` not exported (bash keeps it to itself), stdout's size would be a guess of 80."""
    # lazy: start-up (every run loads this module: --version loads no more)
    from openrush_tui.commands.terminal import stderr_width

    columns = stderr_width(2, os.environ) or shutil.get_terminal_size().columns
    return max(1, columns - 1)


def status_line(text: str) -> None:
    """Rewrite the current line of stderr (a terminal) in place: progress that never scrolls,
    cut to `status_width` display cells (a wide character takes two) so it never wraps:
    a line that wraps is redrawn below itself at every update."""
    # lazy: start-up (every run loads this module: --version loads no more)
    from openrush_tui.text.cells import head
    from openrush_tui.text.safe import printable_lines

    line = head(printable_lines(text).replace("\n", " "), status_width())
    _to_stderr("\r\x1b[K" + line)


def clear_status_line() -> None:
    _to_stderr("\r\x1b[K")


def _to_stderr(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # nowhere is left to say it
        _write(sys.stderr, text)


def ask(question: str, *, on_stderr: bool = False) -> str:
    """One line of stdin after `question` (made safe); EOFError when there is none."""
    if on_stderr:
        err(question, end="")
    else:
        out(question, end="")
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise EOFError
    return line.rstrip("\n")


def argparse_message(message: str, file: Any) -> None:
    """argparse's help (meant for stdout) or usage error (meant for stderr)."""
    if not message:
        return
    if file is None or file is sys.stdout:
        out(message, end="", safe=True)
    else:
        err(message, end="")


def stdout_is_terminal() -> bool:
    return _is_terminal(sys.stdout)


def stderr_is_terminal() -> bool:
    return _is_terminal(sys.stderr)


class Lines(io.TextIOBase):
    """A file-like front of `out` (or `err`), for writers that take a file (`csv.writer`, the
    sandbox's announcement): text made safe, a lost stdout raising `OutputLost` as `out` does."""

    def __init__(self, *, to_stderr: bool = False) -> None:
        super().__init__()
        self._to_stderr = to_stderr

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._to_stderr:
            err(text, end="")
        else:
            out(text, end="")
        return len(text)

    def flush(self) -> None:
        pass


def stream(*, err: bool = False) -> TextIO:
    # typeshed's TextIO is a class, not a protocol: a TextIOBase with its methods is not one.
    return Lines(to_stderr=err)  # type: ignore[return-value]  # see above


# -- the end ----------------------------------------------------------------------------------


def is_output_error(exc: OSError) -> bool:
    """An OSError that a write to stdout gives when it is closed, gone or full."""
    return isinstance(exc, BrokenPipeError) or exc.errno in (*_FULL, errno.EIO, errno.EBADF)


def lose(exc: OSError | ValueError) -> None:
    """A write that went around `out` (argparse's help) failed: the same end as `out`'s."""
    if _run.lost is None:
        _run.lost = _classify(exc)
        silence_stdout()


def flush() -> None:
    """What went through `sys.stdout` itself (argparse's help), now, rather than at exit."""
    if sys.stdout is not None:
        try:
            sys.stdout.flush()
        except (OSError, ValueError) as exc:
            lose(exc)


def finish(code: int) -> int:
    """The command's exit code once its output is accounted for: a lost stdout is one line
    on stderr (naming what the command made) and 1; quiet 0 when only a reader that left early
    stopped a read-only command."""
    global _run
    ended, _run = _run, _Run()  # a command run without `begin` (tests) starts clean too
    lost = ended.lost
    if lost is None:
        return code
    if lost.gone and ended.read_only and not ended.receipts:
        return 0
    said = " ".join(ended.receipts)
    err(f"openrush-tui: could not write the output ({lost.why})." + (f" {said}" if said else ""))
    return max(code, EXIT_LOST)


# -- the descriptors --------------------------------------------------------------------------


def _write(stream: TextIO | None, text: str) -> None:
    """All of `text` to `stream`, or an OSError (ValueError: a closed stream)."""
    if stream is None:
        raise OSError(errno.EBADF, "closed")
    number = _fileno(stream)
    if number is None:  # a stream in memory (tests, a program that embeds this one)
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # what went through the stream itself (a prompt) goes first
    errors = stream.errors if stream.errors and stream.errors != "strict" else "backslashreplace"
    data = memoryview(text.encode(stream.encoding or "utf-8", errors))
    while data:
        try:
            written = os.write(number, data)
        except BlockingIOError:  # a non-blocking pipe that is full: wait until it drains
            select.select([], [number], [])
            continue
        if written <= 0:
            raise OSError(errno.EIO, "nothing could be written")
        data = data[written:]


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return None


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


def _classify(exc: OSError | ValueError) -> OutputLost:
    number = exc.errno if isinstance(exc, OSError) else errno.EBADF
    if number in _GONE:
        return OutputLost("the program reading it closed the pipe", gone=True)
    if number == errno.EBADF:
        return OutputLost("stdout is closed")
    return OutputLost(os.strerror(number) if number else str(exc))


def silence_stdout() -> None:
    """Point stdout at the null device: after a closed pipe or a full disk, nothing more
    written (nor the flush at exit) can fail again."""
    stream = sys.stdout
    number = _fileno(stream) if stream is not None else None
    if number is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, number)
        finally:
            os.close(devnull)
    except OSError:
        pass


class _Closed(io.TextIOBase):
    """In place of a stream closed at start (``>&-``: Python makes it None), so that other
    libraries (uvicorn asks `isatty`) see a stream: for stdout every write fails as on a
    closed descriptor; for stderr (`quiet`) words with nowhere to go are dropped."""

    def __init__(self, *, quiet: bool = False) -> None:
        super().__init__()
        self._quiet = quiet

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._quiet:
            return len(text)
        raise OSError(errno.EBADF, "closed")

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


def _hold_descriptor(number: int) -> None:
    try:
        os.fstat(number)
        return  # open: someone else's (not ours to touch)
    except OSError:
        pass
    try:
        held = os.open(os.devnull, os.O_WRONLY)
        if held != number:
            os.dup2(held, number)
            os.close(held)
    except OSError:
        pass
