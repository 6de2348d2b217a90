"""``openrush-tui help [TOPIC | COMMAND...]``: the topics no single command owns (the
environment variables, the exit codes) and every command's --help, as ``gh help`` has them.

The lists here are checked against the code (tests/test_cli_help.py): a variable the code
reads, or an exit code it defines, that is not listed fails the suite.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterator

from openrush_tui.commands import output
from openrush_tui.commands.terminal import help_width

# (names, what each does); read by the code unless it says which library reads it.
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("OPENRUSH_KEY", "The API key to use. It wins over a saved key and is never saved by this "
                     "tool; `logout` cannot remove it."),
    ("OPENRUSH_API_URL", "The REST API's base URL when --api-url is not given; it wins over "
                         "the URL a profile signed in to (default https://api.openrush.io)."),
    ("OPENRUSH_MCP_URL", "The MCP endpoint written into agent set-ups when --mcp-url is not "
                         "given (default: the public one)."),
    ("OPENRUSH_PROFILE", "The credential profile when --profile is not given "
                         "(default: default)."),
    ("OPENRUSH_CONFIG_DIR", "The folder of settings.json, profiles.json, credentials.json and "
                            "the agent-config locks (default: openrush-tui in the user config "
                            "directory: ~/.config/openrush-tui on Linux). Keys in the OS "
                            "keyring are per user, whatever this says."),
    # Each path a word of its own, short enough to stay beside its name at 60 columns.
    ("XDG_CONFIG_HOME", "Linux: the default config directory is "
                        "$XDG_CONFIG_HOME/openrush-tui."),
    ("XDG_DATA_HOME", "Linux: the sandbox's database is by default sandbox.sqlite3 in "
                      "$XDG_DATA_HOME/openrush-tui."),
    ("NO_COLOR", "Set to anything: the dashboard says nothing by colour alone (glyphs and "
                 "words instead)."),
    ("TERM", "dumb: the dashboard does not start (it cannot draw there); the commands "
             "work."),
    ("SSH_CONNECTION, SSH_CLIENT", "Over SSH without a terminal, the dashboard's refusal "
                                   "suggests ssh -t."),
    ("SSH_TTY", "Over SSH, the browser sign-in shows an address and a code rather than "
                "opening a browser here."),
    ("COLUMNS", "The width tables fit (default: the terminal's)."),
    ("LC_ALL, LC_CTYPE, LANG", "The first one set decides whether glyphs are drawn in Unicode "
                               "or, for a locale that cannot show them (LANG=C), in ASCII."),
    ("DISPLAY, WAYLAND_DISPLAY", "A desktop, whose clipboard Copy uses beside the terminal's "
                                 "(OSC 52)."),
    ("TMUX", "Inside tmux, Copy asks tmux whether it passes OSC 52 on (set-clipboard) and "
             "says what to set when it does not."),
    ("PYTHON_KEYRING_BACKEND", "The keyring library's choice of credential store, e.g. "
                               "keyring.backends.fail.Keyring for none."),
)

# The codes every command may exit with; `keys audit` and `keys scan` add 3.
EXIT_CODES: tuple[tuple[str, str], ...] = (
    ("0", "Success."),
    ("1", "An API or network error, output that could not be written (a closed or full "
          "stdout), an incomplete `keys scan`, or `sandbox serve` unable to start."),
    ("2", "A usage error: an unknown option or command, a bad value (of an option, or of "
          "OPENRUSH_API_URL or OPENRUSH_PROFILE, which stand for one), a command that writes "
          "run without a terminal to ask on and without --yes, the dashboard without a "
          "terminal, or --sandbox / sandbox serve without the [sandbox] extra."),
    ("3", "Something to act on: `keys audit --fail-on` found a key of those kinds, or "
          "`keys scan` found a working key."),
    ("129", "Stopped by SIGHUP, e.g. the terminal went away (128 + 1)."),
    ("130", "Stopped by ctrl+c, SIGINT (128 + 2)."),
    ("143", "Stopped by SIGTERM (128 + 15)."),
)

TOPICS = {
    "environment": ("The environment variables openrush-tui reads (a flag, where there is "
                    "one, wins over its variable):", ENVIRONMENT),
    "exit-codes": ("The exit codes of openrush-tui. Errors are one line on stderr; data goes "
                   "to stdout.", EXIT_CODES),
}


# The widest a topic is wrapped to, however wide the terminal: longer lines read badly.
READABLE_WIDTH = 100
# Below this much room beside the names, each meaning goes under its name instead.
LEAST_MEANING_WIDTH = 30


def topic_width() -> int:
    """The width to wrap a topic at: the terminal's (`terminal.help_width`: COLUMNS first,
    a piped topic at the terminal it is read on; 80 with none), at most READABLE_WIDTH."""
    return max(20, min(help_width(), READABLE_WIDTH))


def render(topic: str, width: int = 80) -> str:
    """A topic as text: its heading, then each name with its meaning wrapped beside it (or
    under it, where a word of it would not fit beside it). No line is wider than `width`;
    only a word wider than the terminal itself is broken."""
    heading, rows = TOPICS[topic]
    # Names longer than this take a line of their own, so the meanings keep their width.
    column = min(max(len(name) for name, _ in rows), 20) + 4
    lines = wrap(heading, width)
    lines.append("")
    for name, meaning in rows:
        longest = max((len(word) for word in meaning.split()), default=0)
        beside = (len(name) + 4 <= column and width - column >= LEAST_MEANING_WIDTH
                  and longest <= width - column)
        indent = column if beside else 4
        wrapped = wrap(meaning, width - indent) or [""]
        if beside:
            lines.append(f"  {name:<{column - 2}}{wrapped[0]}")
            wrapped = wrapped[1:]
        else:  # its meaning starts on the next line, with the room of the whole width
            lines.append(f"  {name}")
        lines.extend(" " * indent + row for row in wrapped)
    return "\n".join(lines) + "\n"


def wrap(text: str, width: int) -> list[str]:
    # Never at a hyphen (--api-url, set-ups); a path wider than the line is broken.
    return textwrap.wrap(text, max(width, 1), break_on_hyphens=False)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
             root: argparse.ArgumentParser) -> None:
    """``help``, which needs the whole command tree (`root`) to show a command's help."""
    helper = subparsers.add_parser(
        "help", help="help on a command or a topic: environment, exit-codes",
        description="Show the help of a command (as COMMAND --help does), or of a topic: "
                    "environment (the variables openrush-tui reads) or exit-codes.")
    helper.add_argument("words", nargs="*", metavar="TOPIC|COMMAND",
                        help="environment, exit-codes, or a command such as `keys rotate`")
    helper.set_defaults(func=lambda args: show(root, helper, args.words), read_only=True)


def show(root: argparse.ArgumentParser, helper: argparse.ArgumentParser,
         words: list[str]) -> int:
    if len(words) == 1 and words[0] in TOPICS:
        output.out(render(words[0], topic_width()), end="")
        return 0
    import difflib  # lazy: start-up (cli imports this module to walk the commands)

    parser = root
    for depth, word in enumerate(words):
        commands = dict(subcommands(parser))
        if word not in commands:
            known = [*TOPICS, *commands] if depth == 0 else list(commands)
            close = difflib.get_close_matches(word, known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"choose from {', '.join(known)}"
            helper.error(f"no help on {' '.join(words[:depth + 1])!r} ({hint})")
        parser = commands[word]
    output.out(parser.format_help(), end="")
    return 0


def subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The commands directly below `parser`, by name (without aliases: there are none)."""
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
         ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command below `parser` with its path (`parser` itself first, as ``()``)."""
    yield path, parser
    for name, child in subcommands(parser):
        yield from walk(child, (*path, name))
