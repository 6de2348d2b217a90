"""What every subcommand shares: connection options, the client, exit codes, output.

Exit codes: 0 success, 1 an API or network error, 2 a usage error. Errors go to stderr as
one line a person can act on; data goes to stdout. A reader that closes the pipe early
(``| head -1``) ends the command quietly with 0: stopping it was the reader's choice.

Output: every line a command prints goes through `say` (or `emit`, `error`, `ask`,
`print_json`), the command line's one way to the terminal: whatever a server or a file put in
it, nothing that could act on the terminal is printed (`text.safe.printable_lines`,
`json_text`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.auth.credentials import Lookup

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2

T = TypeVar("T")


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    """--api-url, --profile and --x-api-key on a subcommand (also accepted before it)."""
    group = parser.add_argument_group("connection")
    # SUPPRESS keeps a value given before the subcommand from being reset to the default.
    group.add_argument("--api-url", default=argparse.SUPPRESS,
                       help="REST API base URL (default: $OPENRUSH_API_URL or the public API)")
    group.add_argument("--profile", default=argparse.SUPPRESS,
                       help="credential profile (default: default)")
    group.add_argument("--x-api-key", action="store_true", default=argparse.SUPPRESS,
                       help="send the key as X-API-Key instead of Authorization: Bearer")


def say(text: str = "", *, err: bool = False, end: str = "\n") -> None:
    """Print `text` (a line, or a block of lines) on stdout, or stderr with `err`.

    Values from a server or a file are best made `visible` where they are put in a line (so
    their own line breaks show as ``\\n``); this makes the whole text safe regardless.
    """
    from openrush_tui.text.safe import printable_lines

    (sys.stderr if err else sys.stdout).write(printable_lines(text) + end)


def ask(question: str, *, err: bool = False) -> str:
    """`input` with a question made safe like `say`'s output (it may name a file); with
    `err`, the question goes to stderr (when stdout carries data, such as a new key)."""
    from openrush_tui.text.safe import printable_lines

    if not err:
        return input(printable_lines(question))
    say(question, err=True, end="")
    sys.stderr.flush()
    return input()


def status_line(text: str) -> None:
    """Rewrite the current line of stderr (a terminal) in place: progress that never scrolls.

    The text is made safe like `say`'s and cut to the terminal's width, so it never wraps.
    """
    import shutil

    from openrush_tui.text.safe import printable_lines

    width = max(1, shutil.get_terminal_size().columns - 1)
    sys.stderr.write("\r\x1b[K" + printable_lines(text).replace("\n", " ")[:width])
    sys.stderr.flush()


def clear_status_line() -> None:
    sys.stderr.write("\r\x1b[K")
    sys.stderr.flush()


def error(message: str, code: int = EXIT_API_ERROR) -> int:
    say(f"openrush-tui: {message}", err=True)
    return code


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm(question: str) -> bool:
    """A y/N question on the terminal (stderr); anything but yes, or no answer, is no."""
    try:
        answer = ask(question, err=True)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def refuse_without_yes(command: str, what: str) -> int:
    """A command that writes or deletes asks first; with no terminal to ask on, it needs
    --yes (a script must say so)."""
    return error(f"{command}: refusing to {what} without asking because stdin is not a "
                 f"terminal; pass --yes to {what} anyway", EXIT_USAGE)


def make_client(args: argparse.Namespace, *, need_key: bool = True) -> OpenRushClient:
    """A client for the URL and key this terminal is configured with."""
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.errors import Unauthorized

    api_url, lookup = resolve_target(args)
    stored = lookup.key
    if need_key and stored is None:
        raise Unauthorized("This terminal is not signed in",
                           " ".join(("Run `openrush-tui login`, or set OPENRUSH_KEY.",
                                     *lookup.notes)))
    return OpenRushClient(api_url,
                          stored.secret.reveal() if stored else None,
                          auth_scheme="x-api-key" if getattr(args, "x_api_key", False)
                          else "bearer")


def resolve_target(args: argparse.Namespace) -> tuple[str, Lookup]:
    """The API URL (flag, OPENRUSH_API_URL, the profile's own) and where the key comes from.

    A saved key is only used for the server its profile signed in to. Credential-store
    problems (a file with loose permissions) raise errors that `guarded` prints.
    """
    from openrush_tui.auth.credentials import find_key_for_server
    from openrush_tui.auth.profiles import api_url_for

    profile = getattr(args, "profile", "default")
    api_url = api_url_for(getattr(args, "api_url", None), profile)
    return api_url, find_key_for_server(profile, api_url)


def run_with_client(args: argparse.Namespace,
                    work: Callable[[OpenRushClient], Awaitable[T]],
                    *, need_key: bool = True) -> T:
    """Run `work` with a client and close it; OpenRushError propagates to `guarded`."""

    async def main() -> T:
        async with make_client(args, need_key=need_key) as client:
            return await work(client)

    return asyncio.run(main())


def guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the client's typed errors into one stderr line and exit code 1."""

    def wrapper(args: argparse.Namespace) -> int:
        from openrush_tui.errors import OpenRushError

        try:
            return command(args)
        except OpenRushError as exc:
            return error(str(exc))
        except KeyboardInterrupt:
            return error("interrupted", 130)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def print_json(data: Any, *, indent: int | None = 2) -> None:
    """`data` as JSON on stdout, unsafe characters in its strings as ``\\u`` escapes."""
    from openrush_tui.text.safe import json_text

    sys.stdout.write(json_text(data, indent=indent) + "\n")


def silence_stdout() -> None:
    """Point stdout at the null device: after a closed pipe or a full disk, nothing more
    written (nor the flush at exit) can fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a stdout with no descriptor (captured)
        pass


def emit(line: str) -> bool:
    """Print a line of data; False (stdout then silenced) when the output is closed or full,
    so that a command doing writes goes on with them and reports on stderr."""
    try:
        say(line)
        sys.stdout.flush()
    except OSError:
        silence_stdout()
        return False
    return True
