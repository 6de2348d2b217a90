"""What every subcommand shares: connection options, the client, exit codes, interruptions.

Exit codes: 0 success, 1 an API or network error (or output that could not be written), 2 a
usage error, 128 + the signal's number when stopped by ctrl+c (130), SIGTERM (143) or SIGHUP
(129). Errors go to stderr as one line a person can act on; data goes to stdout.

Output: every line a command prints goes through `commands.output`, the command line's one
writer (`say`, `print_json`, `emit`, `error`, `ask` here are its short forms): whatever a
server or a file put in it, nothing that could act on the terminal is printed, and a closed,
gone or full stdout ends every command alike (see `output`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from openrush_tui.api.errors import Unauthorized
from openrush_tui.commands import output
from openrush_tui.config import Settings
from openrush_tui.errors import OpenRushError

if TYPE_CHECKING:
    import asyncio

    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.auth.credentials import Lookup, StoredKey

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
                       help="credential profile (default: $OPENRUSH_PROFILE or default)")
    group.add_argument("--x-api-key", action="store_true", default=argparse.SUPPRESS,
                       help="send the key as X-API-Key instead of Authorization: Bearer")


def say(text: str = "", *, err: bool = False, end: str = "\n", whole: bool = False) -> None:
    """`text` (a line, or a block of lines) on stdout, or stderr with `err`, made safe.

    On stderr, the one writer of what commands tell a person: on a terminal each line is
    broken between words to its width (`fitted`), since the terminal would break a word, an
    id or a name anywhere; `whole` keeps lines as they are (a diff, an address to open).
    Values from a server or a file are best made `visible` where they are put in a line (so
    their own line breaks show as ``\\n``); this makes the whole text safe regardless.
    """
    if err:
        output.err(text if whole else fitted(text), end=end)
    else:
        output.out(text, end=end)


def fitted(text: str, room: int = 0) -> str:
    """`text` as said on stderr: on a terminal, each line that does not fit broken between
    words to the terminal's width less `room` cells (an answer typed after a question), its
    later lines after the line's own indent; as it is in a log or a pipe, for grep."""
    # lazy: cycle (commands.table imports this module)
    from openrush_tui.commands.table import cell_width, stderr_width, wrap

    width = stderr_width()
    if width is None:
        return text
    width = max(20, width - room)
    lines = []
    for line in text.split("\n"):
        if cell_width(line) <= width:
            lines.append(line)
            continue
        body = line.lstrip(" ")
        indent = line[:len(line) - len(body)]
        lines.extend(indent + part for part in
                     wrap(body, max(1, width - len(indent))).split("\n"))
    return "\n".join(lines)


def print_json(data: Any, *, indent: int | None = 2) -> None:
    """`data` as JSON on stdout, unsafe characters in its strings as ``\\u`` escapes."""
    output.out_json(data, indent=indent)


# Every JSON shape a command prints, by name, with its version: the shape of
# ``openrush-tui/<name>/v<version>``, documented in docs/json-output.md (a test holds the two
# together). Within a version fields are only added; a change that breaks a reader is a new
# version. The bare arrays (`BARE_ARRAYS`) carry no "schema" field: scripts read them as
# arrays today (``jq '.[]'``), and an envelope would change what such a script gets without
# an error. Every other document is an object whose first field is "schema".
JSON_SCHEMAS: dict[str, int] = {
    "keys-list": 1, "keys-create": 1, "keys-revoke": 1, "keys-rotate": 1, "keys-audit": 1,
    "keys-scan": 1, "login": 1, "logout": 1, "status": 1, "credits": 1, "activity": 1,
    "agents-list": 1, "agents-show": 1, "agents-install": 1, "agents-uninstall": 1,
}
BARE_ARRAYS = frozenset({"keys-list", "activity", "agents-list"})


def schema(name: str) -> str:
    """``openrush-tui/keys-revoke/v1``: the "schema" field of the document `name`."""
    return f"openrush-tui/{name}/v{JSON_SCHEMAS[name]}"


def print_document(name: str, fields: dict[str, Any], *, line: bool = False,
                   keep_going: bool = False) -> bool:
    """The JSON document `name` on stdout, "schema" its first field: indented, or one line
    of a JSON Lines stream (`line`). `keep_going` as `output.out`'s."""
    return output.out_json({"schema": schema(name), **fields}, indent=None if line else 2,
                           keep_going=keep_going)


def emit(line: str) -> bool:
    """Print a line of data; False when stdout is lost, so that a command doing writes goes
    on with them (the loss is reported when the command ends, see `output.finish`)."""
    return output.out(line, keep_going=True)


def ask(question: str, *, err: bool = False) -> str:
    """A line of stdin after `question` (on stderr with `err`: when stdout carries data, such
    as a new key); EOFError when there is none."""
    if err:  # broken between words as the rest of stderr, room left for the answer
        asked = question.rstrip(" ")
        question = fitted(asked, room=4) + question[len(asked):]
    return output.ask(question, on_stderr=err)


status_line = output.status_line
clear_status_line = output.clear_status_line


def error(message: str, code: int = EXIT_API_ERROR) -> int:
    """``openrush-tui: message`` on stderr: on a terminal broken between words to its width,
    as the rest of what commands say there (a terminal would break a word anywhere); one
    line in a log or a pipe, for grep."""
    output.err(fitted(f"openrush-tui: {message}"))
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


def plain_file_agreed(*, insecure_ok: bool, question: str, no_terminal: str,
                      declined: str) -> bool:
    """A secret in the 0600 file (no keyring here): agreed by --insecure-storage, or by a y/N
    `question` on a terminal. Else the refusal is said (`no_terminal`, `declined`)."""
    # lazy: cycle (as in `error`)
    from openrush_tui.commands.table import terminal_width, wrap

    if insecure_ok:
        return True
    if not stdin_is_terminal():
        error(no_terminal)
        return False
    # Asked on stdout (`ask`), broken between words at its terminal's width, with room for
    # the answer after its last line.
    width = terminal_width()
    if ask(wrap(question, None if width is None else max(20, width - 4)) + " "
           ).strip().lower() not in ("y", "yes"):
        error(declined)
        return False
    return True


def refuse_without_yes(command: str, what: str) -> int:
    """A command that writes or deletes asks first; with no terminal to ask on, it needs
    --yes (a script must say so)."""
    return error(f"{command}: refusing to {what} without asking because stdin is not a "
                 f"terminal; pass --yes to {what} anyway", EXIT_USAGE)


@dataclass(frozen=True)
class Target:
    """Where a command points, resolved once per command (a second look could find another
    key, saved meanwhile by another terminal): the settings every client of the command is
    built with, and where its key comes from."""

    settings: Settings
    lookup: Lookup

    @property
    def api_url(self) -> str:
        return self.settings.api_url

    @property
    def key(self) -> StoredKey | None:
        """The key the command's clients sign in with (None: not signed in)."""
        return self.lookup.key


def resolve_target(args: argparse.Namespace) -> Target:
    """The API URL (flag, OPENRUSH_API_URL, the profile's own) and where the key comes from.

    A saved key is only used for the server its profile signed in to. Credential-store
    problems (a file with loose permissions) raise errors that `guarded` prints.
    """
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import Lookup, find_key_for_server
    from openrush_tui.auth.profiles import api_url_for

    profile = getattr(args, "profile", "default")
    flag = getattr(args, "api_url", None)
    api_url = api_url_for(flag, profile)
    usable_api_url(flag, api_url)  # first: a typo is said as such, not as a key's mismatch
    settings = Settings(api_url=api_url, profile=profile,
                        auth_scheme="x-api-key" if getattr(args, "x_api_key", False)
                        else "bearer")
    lookup = find_key_for_server(profile, api_url)
    if lookup.key is None:  # no key: a browser sign-in for this server, if one is kept
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.web_login import browser_key

        browser = browser_key(profile, api_url)
        if browser is not None:
            lookup = Lookup(browser, lookup.notes)
    return Target(settings, lookup)


class UsageError(Exception):
    """A value given to the command (an option, or the variable that stands for one) that
    it cannot use: said as one line, exit 2, before anything else is looked at."""


def usable_api_url(flag: str | None, api_url: str) -> None:
    """UsageError when the API URL given by --api-url or OPENRUSH_API_URL is not one a key
    may be sent to (not an http(s) URL; plain http off loopback): a bad value, as
    ``help exit-codes`` says, and said before the key is looked up. (The URL a profile saved
    was checked when it signed in.)"""
    # lazy: start-up (--help imports every command module)
    import os

    from openrush_tui.api.errors import InsecureURLError
    from openrush_tui.api.safety import check_base_url

    given = "--api-url" if flag else "OPENRUSH_API_URL" if os.environ.get(
        "OPENRUSH_API_URL") else None
    if given is None:
        return
    try:
        check_base_url(api_url)
    except InsecureURLError as exc:
        raise UsageError(f"{given}: {exc}") from None


def make_client(target: Target, *, need_key: bool = True) -> OpenRushClient:
    """A client for the URL and key this command resolved (`session.build_client`, as the
    dashboard's). With a browser sign-in, a 401 mid-way renews it and sends the request once
    more (`web_login.renewal`), as on the dashboard; `resolve_target` renewed it already if it
    was due before the command started."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.session import build_client

    stored = target.key
    if need_key and stored is None:
        raise Unauthorized("This terminal is not signed in",
                           " ".join(("Run `openrush-tui login`, or set OPENRUSH_KEY.",
                                     *target.lookup.notes)))
    client = build_client(target.settings, stored.secret if stored else None)
    if stored is not None and stored.source == "browser":
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.web_login import renewal

        client.renew = renewal(target.settings.profile, target.api_url)
    return client


# How to sign in from a shell, as a refused OPENRUSH_KEY's advice ends (`run_with_client`).
SIGN_IN_HERE = "sign in with `openrush-tui login`"


def run_with_client(where: argparse.Namespace | Target,
                    work: Callable[[OpenRushClient], Awaitable[T]],
                    *, need_key: bool = True) -> T:
    """Run `work` with a client and close it; OpenRushError propagates to `guarded`. A command
    that makes several clients (or looks at its key) resolves its `Target` once and passes
    it here each time."""
    # lazy: start-up (`keys scan` finding nothing never needs the event loop: a fifth of its
    # start-up)
    import asyncio

    target = where if isinstance(where, Target) else resolve_target(where)

    async def main() -> T:
        async with make_client(target, need_key=need_key) as client:
            waiting = WaitingLine.on(client, target.api_url)
            try:
                return await work(client)
            except Unauthorized as refused:  # a refused OPENRUSH_KEY: say what Setup says
                # lazy: start-up (--help imports every command module)
                from openrush_tui.auth.connection import refused_from_environment

                said = refused_from_environment(refused, target.key, SIGN_IN_HERE)
                if said is None:
                    raise
                raise said from refused
            finally:  # an error is said on a line of its own
                if waiting is not None:
                    waiting.clear()

    return asyncio.run(main())


# How long a request goes unanswered before a terminal is told that the command waits (a
# frozen server is otherwise a blank terminal for the whole read timeout). Tests set 0.
WAIT_BEFORE_SAYING = 1.0


class WaitingLine:
    """"Waiting for HOST to answer…" as a status line on stderr (a terminal only) once a
    request has gone `WAIT_BEFORE_SAYING` seconds without an answer; cleared as the answers
    come (before their data is printed) or the command ends."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.open = 0  # requests sent and not answered
        self.timer: asyncio.TimerHandle | None = None
        self.shown = False

    @classmethod
    def on(cls, client: OpenRushClient, api_url: str) -> WaitingLine | None:
        """A line watching `client`'s requests; None when stderr is not a terminal (a log
        or a pipe gets no progress)."""
        if not output.stderr_is_terminal():
            return None
        # lazy: start-up (--help imports every command module)
        from urllib.parse import urlsplit

        from openrush_tui.text.safe import sanitize

        line = cls(sanitize(urlsplit(api_url).netloc or api_url, 80))
        client.watch(line.sent, line.answered)
        return line

    async def sent(self, request: object) -> None:
        # lazy: start-up (loaded by then: this runs in the command's event loop)
        import asyncio

        self.open += 1
        if self.timer is None and not self.shown:
            self.timer = asyncio.get_running_loop().call_later(WAIT_BEFORE_SAYING, self.show)

    async def answered(self, response: object) -> None:
        self.open = max(0, self.open - 1)
        if not self.open:
            self.clear()

    def show(self) -> None:
        self.timer = None
        if self.open:
            status_line(f"Waiting for {self.host} to answer…")
            self.shown = True

    def clear(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.shown:
            clear_status_line()
            self.shown = False


def guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the client's typed errors into one stderr line and exit code 1 (saying so when
    part of the data was printed already: the output is then incomplete)."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except UsageError as exc:
            return error(str(exc), EXIT_USAGE)
        except OpenRushError as exc:
            return error(f"{exc}{partial_note()}")
        except KeyboardInterrupt:
            return interrupted()

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def partial_note() -> str:
    if not output.wrote_data():
        return ""
    return " The output written before this is incomplete."


# -- running a command, and stopping one --------------------------------------------------------

_STOPPING = (signal.SIGTERM, signal.SIGHUP)
_stopped_by: list[int] = []  # the signal that stopped this command (SIGINT when empty)


def run_command(args: argparse.Namespace) -> int:
    """Run the subcommand `args` names, with SIGTERM and SIGHUP ending it as ctrl+c does."""
    output.set_read_only(bool(getattr(args, "read_only", False)))
    # For the sandbox's command, which may import nothing of ours but the clock.
    args.out, args.err = output.stream(), output.stream(err=True)
    with signals_as_interrupts():
        try:
            code = int(args.func(args) or 0)
        except UsageError as exc:  # from a command that is not `guarded`
            return error(str(exc), EXIT_USAGE)
        except KeyboardInterrupt:
            return interrupted()
    # A server stopped by SIGTERM or SIGHUP says 130 as for ctrl+c: the code says which.
    return interrupted_code() if code == 130 else code


def interrupted(where: str = "") -> int:
    """Say the command was stopped, and `where` things stand; 128 + the signal's number."""
    number = _stopped_by[-1] if _stopped_by else signal.SIGINT
    how = "interrupted" if number == signal.SIGINT else \
        f"stopped by {signal.Signals(number).name}"
    return error(f"{how}.{partial_note()}{' ' + where if where else ''}", 128 + number)


def interrupted_code() -> int:
    return 128 + (_stopped_by[-1] if _stopped_by else signal.SIGINT)


@contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a command as ctrl+c does: inside `asyncio.run` the main task is
    cancelled (a rotation then says where both keys stand), elsewhere KeyboardInterrupt."""
    _stopped_by.clear()
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread (an embedding program's business)
        return
    previous = {number: signal.getsignal(number) for number in _STOPPING}
    for number in _STOPPING:
        signal.signal(number, _stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop(number: int, frame: Any) -> None:
    _stopped_by.append(number)
    # asyncio.run's own ctrl+c handler (cancel the main task, then KeyboardInterrupt) when it
    # is running, else the default one (KeyboardInterrupt at once).
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler) and handler is not _stop:
        handler(signal.SIGINT, frame)
        return
    raise KeyboardInterrupt
