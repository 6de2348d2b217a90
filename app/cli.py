"""The command line: ``openrush-tui``'s options and subcommands, which script the same client as
the dashboard.

With no subcommand, `main` hands the parsed options to the dashboard it is given: the entry
point (`openrush_tui.main`) opens it, so this module, part of the core, never imports it.
Only argparse is imported up front (the help's modules, `commands.examples` and
`commands.help_topics`, with the parser): httpx and the sandbox load when needed, so
``openrush-tui --help`` and the first frame stay fast. With no options at all the dashboard
opens without building the parser (`DASHBOARD_DEFAULTS`).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from openrush_tui import __version__
from openrush_tui.commands import output  # small: os, sys, errno (every run writes through it)
from openrush_tui.commands.terminal import help_width  # small: os

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from openrush_tui.clock import Clock
    from openrush_tui.config import Settings
    from openrush_tui.prefs.settings import Loaded, SettingsFile
    from openrush_tui.session import Session

PAGE_CHOICES = ("setup", "api-access", "activity")
# Each module adds its subcommands with `register(subparsers)`. Only the module of the
# command being run is imported (all of them for --help), so opening the dashboard loads none.
COMMAND_MODULES = {
    "keys": "openrush_tui.commands.keys",
    "login": "openrush_tui.commands.auth",
    "logout": "openrush_tui.commands.auth",
    "status": "openrush_tui.commands.auth",
    "agents": "openrush_tui.commands.agents",
    "activity": "openrush_tui.commands.activity",
    "credits": "openrush_tui.commands.activity",
    "sandbox": "openrush_tui.sandbox.cli",
}
# Commands about the whole tree: `register(subparsers, root)`, with every module loaded.
TREE_COMMANDS = {
    "completion": "openrush_tui.commands.completion",
    "help": "openrush_tui.commands.help_topics",
}


def modules_for(argv: Sequence[str]) -> list[str]:
    """The command modules `argv` needs: the named command's, or all of them for help (and
    for the commands that describe the whole tree)."""
    named = [arg for arg in argv if arg in COMMAND_MODULES or arg in TREE_COMMANDS]
    if named and named[0] in COMMAND_MODULES:
        return [COMMAND_MODULES[named[0]]]
    if named or any(arg in ("-h", "--help") for arg in argv):
        return list(dict.fromkeys(COMMAND_MODULES.values()))
    return []


class FittingHelpFormatter(argparse.HelpFormatter):
    """argparse's help, with a usage that fits the terminal: argparse lines the options up
    after a long command name (``usage: openrush-tui keys create``) even where one of them
    then runs past the edge; such a usage is laid out again after ``usage:`` alone."""

    # argparse's own split of a usage into its parts: a bracketed group is one part.
    PART = re.compile(r"\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+")

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        # argparse measures stdout alone: piped (``--help | less``), 80 columns on a narrower
        # terminal, which then breaks words. The one rule (`terminal.help_width`), less 2 as
        # argparse leaves.
        super().__init__(prog, indent_increment, max_help_position,
                         help_width() - 2 if width is None else width)

    def _format_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup],
                      prefix: str | None) -> str:
        text = super()._format_usage(usage, actions, groups, prefix)
        if usage is not None or all(len(line) <= self._width
                                    for line in text.splitlines()):
            return text
        actions = list(actions)
        groups = list(groups)
        prefix = "usage: " if prefix is None else prefix
        parts = [part for chosen in ([a for a in actions if a.option_strings],
                                     [a for a in actions if not a.option_strings])
                 for part in self.PART.findall(self._format_actions_usage(chosen, groups))]
        indent = " " * len(prefix)
        lines = [prefix + self._prog]
        for part in parts:
            if len(f"{lines[-1]} {part}") <= self._width:
                lines[-1] = f"{lines[-1]} {part}"
            else:  # a part wider than a line is broken between its words
                lines.extend(textwrap.wrap(part, max(self._width, len(indent) + 10),
                                           initial_indent=indent,
                                           subsequent_indent=indent + "  ",
                                           break_on_hyphens=False, break_long_words=False))
        return "\n".join(lines) + "\n\n"

    # argparse wraps help and descriptions with textwrap's defaults, which break after a
    # hyphen: ``--idle-`` / ``minutes`` (re-trial 8). An option name or a hyphenated word is
    # kept whole; only a word longer than a line is still cut.
    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.wrap(text, width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


class OneLineErrorParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2), like every other error of this tool.

    Subcommand parsers are built from the same class, so they behave alike: each shows its
    `examples` (from `commands.examples`) at the end of its help, and a mistyped choice gets
    the nearest one suggested rather than the whole list.
    """

    examples: Sequence[str] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", FittingHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """On a terminal broken between words to its width, as `common.error` says a runtime
        error (a terminal would break a word, or the command named, anywhere); one line when
        piped, for grep."""
        # lazy: start-up (only a usage error needs the table's wrap)
        from openrush_tui.commands.table import stderr_width, wrap

        line = f"{self.prog}: {message} (see {self.prog} --help)"
        self.exit(2, wrap(line, stderr_width()) + "\n")

    def format_help(self) -> str:
        # lazy: start-up (only help is formatted with them)
        from openrush_tui.commands.examples import section

        # At the width the help is laid out at (COLUMNS first).
        examples = section(self.examples, help_width())
        return super().format_help() + (f"\n{examples}" if examples else "")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """argparse's check of a choice (a command too), with "did you mean" on a typo."""
        choices = action.choices
        if choices is None or value in choices:
            return
        # lazy: start-up (only a mistyped choice needs it)
        import difflib

        names = [str(choice) for choice in choices]
        close = difflib.get_close_matches(str(value), names, n=1)
        hint = f"did you mean {close[0]}?" if close else f"choose from {', '.join(names)}"
        raise argparse.ArgumentError(action, f"invalid choice: {value!r} ({hint})")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """Help, usage and --version through the one writer, as every command's output."""
        output.argparse_message(message, file)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="openrush-tui",
        description="A terminal dashboard for your OpenRush account: API keys, agent setup "
                    "and activity.",
        epilog="More: openrush-tui help environment (OPENRUSH_KEY, …), help exit-codes.",
    )
    parser.add_argument("-V", "--version", action="version",
                        version=f"openrush-tui {__version__}")
    target = parser.add_argument_group("where to connect")
    target.add_argument("--api-url", help="REST API base URL (default: $OPENRUSH_API_URL or "
                                          "https://api.openrush.io)")
    target.add_argument("--mcp-url", help="MCP endpoint shown in agent set-up "
                                          "(default: $OPENRUSH_MCP_URL or the public one)")
    # Not given: `_main` reads OPENRUSH_PROFILE (so a bad value is said naming it).
    target.add_argument("--profile", default=argparse.SUPPRESS,
                        help="credential profile (default: $OPENRUSH_PROFILE or default)")
    target.add_argument("--x-api-key", action="store_true",
                        help="send the key as X-API-Key instead of Authorization: Bearer")
    target.add_argument("--page", choices=PAGE_CHOICES, help="the page to open first")
    target.add_argument("--live-interval", type=float, metavar="SECONDS",
                        help="how often Activity refreshes live at most (default 10); the "
                             "request budget spaces refreshes further on a low rate limit")
    sandbox = parser.add_argument_group("embedded sandbox (no network, no account)")
    sandbox.add_argument("--sandbox", action="store_true",
                         help="run against the embedded OpenRush-compatible sandbox, signed in "
                              "to its demo account")
    sandbox.add_argument("--sandbox-db", type=Path, metavar="PATH",
                         help="the sandbox's SQLite file (default: in your user data directory; "
                              "data persists between runs)")
    sandbox.add_argument("--seed-keys", type=int, default=0, metavar="N",
                         help="give the demo account at least N extra keys (benchmarks)")
    sandbox.add_argument("--seed-events", type=int, default=0, metavar="N",
                         help="give the demo account at least N extra usage events (benchmarks)")
    sandbox.add_argument("--sandbox-rate-per-minute", type=int, metavar="N",
                         help="the sandbox's per-minute rate limit (default 60, as documented)")
    sandbox.add_argument("--fixed-now", metavar="ISO",
                         help="freeze the clock at this UTC time (repeatable demos and tests)")
    sandbox.add_argument("--key-seed", type=int, metavar="N",
                         help="seed the sandbox's key generator (repeatable demos and tests; "
                              "its keys and session secret become predictable)")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = modules_for(sys.argv[1:] if argv is None else argv)
    for module in modules:
        import_module(module).register(commands)
    for name in COMMAND_MODULES:  # the rest by name only, so a typo finds every command
        if name not in commands.choices:
            commands.add_parser(name)
    whole_tree = set(modules) == set(COMMAND_MODULES.values())
    for name, module in TREE_COMMANDS.items():
        if whole_tree:
            import_module(module).register(commands, parser)
        else:
            commands.add_parser(name)
    describe(parser)
    return parser


def describe(parser: argparse.ArgumentParser) -> None:
    """Every command's examples, and a description where it has none (its one-line help)."""
    # lazy: start-up (the dashboard opened with no options builds no parser: `_main`)
    from openrush_tui.commands.examples import EXAMPLES
    from openrush_tui.commands.help_topics import walk

    for path, command in walk(parser):
        if isinstance(command, OneLineErrorParser):
            command.examples = EXAMPLES.get(path, ())
        for subparsers in command._actions:  # argparse keeps the subcommands' help only here
            if not isinstance(subparsers, argparse._SubParsersAction):
                continue
            for listed in subparsers._choices_actions:
                child = subparsers.choices[listed.dest]
                if child.description is None and listed.help:
                    child.description = listed.help[:1].upper() + listed.help[1:] + "."


class UsageErrors(Protocol):
    """What the dashboard's start needs of the parser: saying a usage error (exit 2)."""

    def error(self, message: str) -> NoReturn: ...


# The options' values when none is given: `build_parser`'s defaults (a test holds them equal;
# --profile has none: `_main` reads OPENRUSH_PROFILE). The dashboard opened with no options,
# its usual start, builds no parser (its groups and the commands' names: a few ms of CPU
# before the first frame, for nothing to parse).
DASHBOARD_DEFAULTS: dict[str, object] = {
    "api_url": None, "mcp_url": None, "x_api_key": False, "page": None, "live_interval": None,
    "sandbox": False, "sandbox_db": None, "seed_keys": 0, "seed_events": 0,
    "sandbox_rate_per_minute": None, "fixed_now": None, "key_seed": None, "command": None,
}


class ParserOnDemand:
    """The parser, built only if a usage error has to be said through it (a bad
    OPENRUSH_PROFILE): the same one line and exit 2 as with the parser built up front."""

    def error(self, message: str) -> NoReturn:
        build_parser([]).error(message)


@dataclass(frozen=True)
class DashboardStart:
    """What the dashboard opens with, from the options (see `dashboard_start`)."""

    settings: Settings
    session: Session
    clock: Clock
    first_page: str | None
    prefs: Loaded  # the settings file's content, for the first frame
    prefs_file: SettingsFile  # where the dashboard saves changed settings


# Opens the dashboard with the parsed options; returns the exit status.
Dashboard = Callable[[argparse.Namespace, UsageErrors], int]


def dashboard_start(args: argparse.Namespace, parser: UsageErrors) -> DashboardStart | int:
    """The dashboard's settings, session and saved settings from the options, or the exit
    status of a refusal (said on stderr; a usage error exits through `parser`)."""
    # lazy: start-up (--version and --help load none of these; the entry point pauses
    # garbage collection first, so that these, and Textual after them, load without passes)
    from openrush_tui.auth.credentials import find_key_for_server, key_from_environment
    from openrush_tui.auth.profiles import api_url_for, check_profile_name
    from openrush_tui.clock import parse_instant
    from openrush_tui.commands.terminal import dashboard_refusal
    from openrush_tui.config import Settings, api_url_from_env, mcp_url_from_env
    from openrush_tui.files.private import PrivateFileError

    try:
        fixed_now = parse_instant(args.fixed_now) if args.fixed_now else None
    except ValueError:
        parser.error(f"--fixed-now: not an ISO-8601 time: {args.fixed_now!r}")
    sandbox_only = [flag for flag, value in (("--sandbox-db", args.sandbox_db),
                                             ("--seed-keys", args.seed_keys),
                                             ("--seed-events", args.seed_events),
                                             ("--key-seed", args.key_seed),
                                             ("--sandbox-rate-per-minute",
                                              args.sandbox_rate_per_minute)) if value]
    if sandbox_only and not args.sandbox:
        verb = "makes" if len(sandbox_only) == 1 else "make"
        parser.error(f"{', '.join(sandbox_only)} only {verb} sense with --sandbox")
    if args.sandbox and args.api_url:
        parser.error("--api-url and --sandbox exclude each other")
    try:
        check_profile_name(args.profile)
    except ValueError as exc:
        parser.error(f"--profile: {exc}")
    # One line and exit 2, before the sandbox starts or a request is made: the sandbox's
    # extra not installed, or no terminal (stdin, stdout or stderr; TERM=dumb).
    refusal = None
    if args.sandbox:
        # lazy: start-up (only with --sandbox: the package loads the sandbox's options)
        from openrush_tui.sandbox import extra as sandbox_extra

        refusal = sandbox_extra.missing_hint("--sandbox")
    refusal = refusal or dashboard_refusal(COMMAND_MODULES)
    if refusal:
        say_error(refusal)
        return 2

    sandbox = None
    if args.sandbox:
        # lazy: start-up (only with --sandbox)
        from openrush_tui.sandbox.options import (
            PREDICTABLE_KEYS_WARNING,
            RateLimits,
            SandboxOptions,
            default_db_path,
        )

        limits = RateLimits()
        if args.sandbox_rate_per_minute:
            per_minute = args.sandbox_rate_per_minute
            limits = RateLimits(per_minute, max(per_minute, limits.per_hour),
                                max(per_minute, limits.per_day))
        sandbox = SandboxOptions(db_path=args.sandbox_db or default_db_path(), now=fixed_now,
                                 key_seed=args.key_seed, seed_keys=args.seed_keys,
                                 seed_events=args.seed_events, rate_limits=limits)
        if args.key_seed is not None:
            say_error(PREDICTABLE_KEYS_WARNING)
    try:
        # The flag, then OPENRUSH_API_URL, then the URL this profile signed in to last (the
        # sandbox ignores it: it is reached in-process).
        api_url = api_url_for(args.api_url, args.profile) if sandbox is None \
            else api_url_from_env(None)
    except PrivateFileError as exc:
        say_error(f"openrush-tui: {exc}")
        return 1
    if args.live_interval is not None and not args.live_interval > 0:
        parser.error("--live-interval: must be a number of seconds above 0")
    settings = Settings(api_url=api_url,
                        mcp_url=mcp_url_from_env(args.mcp_url), profile=args.profile,
                        auth_scheme="x-api-key" if args.x_api_key else "bearer",
                        sandbox=sandbox, fixed_now=fixed_now, live_interval=args.live_interval)
    if sandbox is None:
        problem = url_problem(settings.api_url)
        if problem:
            say_error(f"openrush-tui: {problem}")
            return 2

    # lazy: start-up (as above)
    from openrush_tui.clock import fixed_now_clock
    from openrush_tui.prefs.settings import SettingsFile
    from openrush_tui.session import Session

    # In the sandbox the demo session signs in; OPENRUSH_KEY and saved keys are for real
    # servers, where OPENRUSH_KEY wins, then the keyring, then the file.
    # The keyring (bounded by a timeout) and the file are searched after the first frame.
    env_key = key_from_environment() if sandbox is None else None
    session = Session(settings, env_key)
    if sandbox is None and env_key is None:
        session = Session(settings, None,
                          lookup=partial(find_key_for_server, args.profile, settings.api_url))
    # The theme and the page of the last run, for the first frame (a small file; a corrupt
    # one is said on screen, never an error here).
    prefs_file = SettingsFile()
    return DashboardStart(settings, session, fixed_now_clock(fixed_now), args.page,
                          prefs_file.load(), prefs_file)


def say_error(line: str) -> None:
    output.err(line)


def url_problem(url: str) -> str | None:
    """Why this base URL is refused, checked before the dashboard opens."""
    # lazy: start-up (only the dashboard checks a URL here)
    from openrush_tui.api.errors import InsecureURLError
    from openrush_tui.api.safety import check_base_url

    try:
        check_base_url(url)
    except InsecureURLError as error:
        return str(error)
    return None


def main(argv: Sequence[str] | None = None, dashboard: Dashboard | None = None) -> int:
    """Run the command, or with none open the `dashboard` (the entry point gives it; without
    one a command is required). Output goes through `commands.output`: stdout closed, gone or
    full is one line and exit 1 (quiet 0 when a reader left a read-only command early)."""
    try:  # no core dump may hold a key (the dashboard and every command start here)
        import resource  # lazy: not on Windows

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # Windows has no core dumps to turn off
        pass
    output.begin()
    try:
        code = _main(argv, dashboard)
        output.flush()
    except output.OutputLost:
        code = 1
    except OSError as exc:  # a write that went around the writer (Textual's, a bug)
        if not output.is_output_error(exc):
            raise
        output.lose(exc)
        code = 1
    return output.finish(code)


def _main(argv: Sequence[str] | None, dashboard: Dashboard | None) -> int:
    parser: UsageErrors
    if dashboard is not None and not (sys.argv[1:] if argv is None else argv):
        args = argparse.Namespace(**DASHBOARD_DEFAULTS)  # no options: no parser (see there)
        parser = ParserOnDemand()
    else:
        built = build_parser(argv)
        args = built.parse_args(argv)
        parser = built
    if not hasattr(args, "profile"):  # no --profile, before or after the command
        # lazy: start-up (as in dashboard_start)
        from openrush_tui.auth.profiles import default_profile

        try:
            args.profile = default_profile()
        except ValueError as exc:
            parser.error(str(exc))
    if args.command is not None:
        # lazy: start-up (the dashboard never loads the commands' common module)
        from openrush_tui.commands.common import run_command

        return run_command(args)
    if dashboard is None:
        parser.error("a command is required")
    return dashboard(args, parser)
