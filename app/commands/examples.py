"""Every command's examples, in one place: `cli.build_parser` shows them at the end of that
command's --help (tests/test_cli_help.py checks that every command has some and that each one
parses with the real parser, so an example cannot outlive an option it uses).

Keyed by the command's path below ``openrush-tui`` (``()`` is the program itself). Each
example is one command line, optionally followed by two spaces, ``#`` and what it does.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from openrush_tui.text.shell import continued

EXAMPLES: dict[tuple[str, ...], tuple[str, ...]] = {
    (): (
        "openrush-tui  # the dashboard, signed in with the saved key or $OPENRUSH_KEY",
        "openrush-tui --sandbox  # the embedded sandbox: no network, no account",
        "openrush-tui --page activity --profile work",
    ),
    ("keys",): (
        "openrush-tui keys list",
        "openrush-tui keys create ci-deploy --expires-in 30d",
        "openrush-tui keys audit --fail-on expired,idle  # exit 3 if one is found",
    ),
    ("keys", "list"): (
        "openrush-tui keys list --all  # revoked and expired keys too",
        "openrush-tui keys list --json",
    ),
    ("keys", "create"): (
        "openrush-tui keys create ci-deploy --expires-in 30d",
        "openrush-tui keys create nightly-backup --expires-at 2027-01-31 --json",
    ),
    ("keys", "revoke"): (
        "openrush-tui keys revoke ci-deploy",
        "openrush-tui keys revoke or_abc12 cred_9f2c --yes  # no question (scripts)",
    ),
    ("keys", "audit"): (
        "openrush-tui keys audit",
        "openrush-tui keys audit --idle-days 14 --fail-on any --json",
    ),
    ("keys", "rotate"): (
        "openrush-tui keys rotate ci-deploy",
        "openrush-tui keys rotate ci-deploy --revoke-old when-idle --idle-minutes 30",
    ),
    ("keys", "scan"): (
        "openrush-tui keys scan  # the current directory",
        "openrush-tui keys scan ~/src .env --json",
    ),
    ("login",): (
        "openrush-tui login  # asks for the key (masked)",
        "openrush-tui login --profile work --api-url https://api.openrush.io",
        "openrush-tui login --web  # approve in a browser, on this or any device",
    ),
    ("logout",): (
        "openrush-tui logout",
        "openrush-tui logout --profile work --yes",
    ),
    ("status",): (
        "openrush-tui status",
        "openrush-tui status --json",
    ),
    ("agents",): (
        "openrush-tui agents list",
        "openrush-tui agents install cursor",
    ),
    ("agents", "list"): (
        "openrush-tui agents list",
        "openrush-tui agents list --json",
    ),
    ("agents", "show"): (
        "openrush-tui agents show claude-code",
        "openrush-tui agents show generic --key-header  # send the key instead of OAuth",
    ),
    ("agents", "install"): (
        "openrush-tui agents install cursor --dry-run  # the diff, nothing written",
        "openrush-tui agents install vscode --yes",
    ),
    ("agents", "uninstall"): (
        "openrush-tui agents uninstall cursor --dry-run",
        "openrush-tui agents uninstall gemini --yes",
    ),
    ("activity",): (
        "openrush-tui activity --status error --since 7d",
        "openrush-tui activity --source mcp --limit 500 --jsonl",
    ),
    ("credits",): (
        "openrush-tui credits",
        "openrush-tui credits --json",
    ),
    ("sandbox",): (
        "openrush-tui sandbox serve",
    ),
    ("sandbox", "serve"): (
        "openrush-tui sandbox serve --port 0  # any free port, printed on start",
        "openrush-tui sandbox serve --db /tmp/demo.sqlite3 --seed-keys 50",
    ),
    ("completion",): (
        "openrush-tui completion bash > ~/.local/share/bash-completion/completions/openrush-tui",
        "openrush-tui completion zsh > \"${fpath[1]}/_openrush-tui\"",
        "openrush-tui completion fish > ~/.config/fish/completions/openrush-tui.fish",
    ),
    ("help",): (
        "openrush-tui help environment",
        "openrush-tui help exit-codes",
        "openrush-tui help keys rotate  # the same as openrush-tui keys rotate --help",
    ),
}


def command_line(example: str) -> str:
    """The command of an example, without its note or a redirection of its output."""
    return example.split("  #", 1)[0].split(" > ", 1)[0].strip()


def section(examples: Sequence[str], width: int | None = None) -> str:
    """The "examples:" section of a help text, one example a line, as written here; at a
    `width` one does not fit in, its note goes on a comment line of its own above it and its
    command is broken between words with a shell continuation (`` \\``), so that it can
    still be pasted as it is shown."""
    if not examples:
        return ""
    lines = ["examples:"]
    for example in examples:
        if width is None or len(f"  {example}") <= width:
            lines.append(f"  {example}")
            continue
        command, _, note = example.partition("  # ")
        if note:
            lines.extend(f"  # {row}" for row in textwrap.wrap(
                note, max(width - 4, 10), break_on_hyphens=False))
        lines.extend(continued(command.strip().split(" "), width))
    return "\n".join(lines) + "\n"
