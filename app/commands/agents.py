"""``agents``: connect an AI agent to OpenRush over MCP, from the command line.

``list`` says which agents are set up on this machine and where (`agents.found`);
``install`` and ``uninstall`` run one flow, `agents.install`'s plan → diff → confirm →
apply: the change is shown as a diff, asked for on a terminal (``--yes`` otherwise), and
the file is backed up before it is written. ``uninstall`` takes out only the OpenRush entry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from openrush_tui.api.errors import InsecureURLError
from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    confirm,
    error,
    print_document,
    print_json,
    refuse_without_yes,
    say,
    stdin_is_terminal,
)
from openrush_tui.config import mcp_url_from_env

if TYPE_CHECKING:
    from openrush_tui.agents.catalog import Agent
    from openrush_tui.agents.found import Found
    from openrush_tui.agents.install import InstallPlan, InstallResult


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agents = subparsers.add_parser("agents", help="connect an AI agent to OpenRush over MCP")
    commands = agents.add_subparsers(dest="agents_command", metavar="COMMAND", required=True)
    listing = commands.add_parser(
        "list", help="the agents, and which are set up with OpenRush on this machine (where)")
    listing.add_argument("--json", action="store_true",
                         help="print a JSON array (docs/json-output.md)")
    listing.set_defaults(func=agents_list_command, read_only=True)
    show = commands.add_parser("show", help="the steps and snippet for one agent")
    show.add_argument("agent", help="an agent id from `agents list`, e.g. cursor")
    install = commands.add_parser(
        "install", help="add OpenRush to the agent's config file (shows the diff first)")
    uninstall = commands.add_parser(
        "uninstall", help="remove OpenRush from the agent's config file (only its entry; "
                          "shows the diff first, keeps a backup)")
    for parser in (show, install, uninstall):
        parser.add_argument("--json", action="store_true",
                            help="print the result as JSON (docs/json-output.md)")
    for parser in (install, uninstall):
        parser.add_argument("agent", help="cursor, vscode, codex, windsurf or gemini")
        parser.add_argument("--dry-run", action="store_true",
                            help="show what would change and write nothing")
        parser.add_argument("--yes", "-y", action="store_true",
                            help="do not ask before writing (needed when stdin is not a "
                                 "terminal)")
    for parser in (show, install):
        parser.add_argument("--key-header", action="store_true",
                            help="read the key from OPENRUSH_KEY instead of signing in (OAuth)")
        parser.add_argument("--mcp-url", default=argparse.SUPPRESS,
                            help="MCP endpoint (default: $OPENRUSH_MCP_URL or the public one)")
    show.set_defaults(func=agents_show_command, read_only=True)
    install.set_defaults(func=agents_install_command)
    uninstall.set_defaults(func=agents_uninstall_command)


def _agent(name: str) -> Agent | None:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.catalog import AGENTS, find_agent

    agent = find_agent(name)
    if agent is None:
        known = ", ".join(a.id for a in AGENTS)
        error(f"unknown agent {name!r}; one of: {known}", EXIT_USAGE)
    return agent


def agents_list_command(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.found import find_setups
    from openrush_tui.commands.table import Column, Step, fit, print_columns, terminal_width

    found = find_setups()
    if args.json:
        print_json([item.as_dict() for item in found])
        return EXIT_OK
    here = [item.here() for item in found]
    paths = [item.agent.target.shown if item.agent.target else None for item in found]
    how = [f"file {path}" if path else "steps in its app or a command" for path in paths]
    set_up = Column("SET UP HERE", here, [[_short_here(item) for item in found]])
    install = Column("INSTALL", how, [[path or "app or command" for path in paths]], least=16,
                     cutter=lambda room: [path_cut(path, room) if path else "app or command"
                                          for path in paths])
    name = Column("NAME", [item.agent.name for item in found], least=12)
    columns = [Column("AGENT", [item.agent.id for item in found]), name, set_up, install]
    width = terminal_width()
    # Narrower, in turn: what is set up in a word (the files are under INSTALL), the install
    # file without "file ", cut in the middle (its name kept whole), then the agent's name cut
    # and left out (its id says it too), and only then the install column.
    steps: list[Step] = [("shorten", set_up), ("shorten", install), ("cut", install, 24),
                         ("cut", name, 12), ("drop", name), ("cut", install, 16),
                         ("drop", install)]
    print_columns(fit(columns, width, steps, cut=set_up, cut_to=11), width)
    for item in found:
        for problem in item.problems:
            say(f"{item.agent.id}: could not check {problem}", err=True)
    return EXIT_OK


def _short_here(item: Found) -> str:
    """Whether it is set up here in a word or two, for a narrow `agents list`."""
    words = ["yes"] if item.where else []
    if item.elsewhere:
        words.append("other server")
    if words:
        return "; ".join(words)
    return "no" if item.state == "not set up" else "cannot tell"


def path_cut(path: str, room: int) -> str:
    """A file path in at most `room` cells: cut in the middle, its file name kept whole while
    it fits with a few cells of the start ("~/.code…/mcp_config.json"), else cut from the
    left ("…config.json")."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.table import cell_width, cut

    name = path[path.rfind("/"):]
    keep = cell_width(name) if cell_width(name) + 4 <= room else room - 1
    return cut(path, room, keep_end=max(0, keep))


def agents_show_command(args: argparse.Namespace) -> int:
    agent = _agent(args.agent)
    if agent is None:
        return EXIT_USAGE
    if args.key_header and not agent.supports_key_header:
        error(f"{agent.name} signs in with OAuth only; showing that.")
    mcp_url = mcp_url_from_env(getattr(args, "mcp_url", None))
    try:
        steps = agent.instructions(mcp_url, key_header=args.key_header)
    except InsecureURLError as exc:
        return error(str(exc), EXIT_USAGE)
    say_which_server(args, mcp_url)
    if args.json:
        print_document("agents-show", {
            "agent": agent.id, "name": agent.name, "mcp_url": mcp_url,
            "key_header": args.key_header and agent.supports_key_header,
            "config_file": agent.target.shown if agent.target else None,
            "before": list(steps.before), "snippet": steps.snippet,
            "language": steps.language, "after": list(steps.after)})
        return EXIT_OK
    say(steps.as_text(), end="")
    return EXIT_OK


def agents_install_command(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.install import plan_install

    mcp_url = mcp_url_from_env(getattr(args, "mcp_url", None))
    say_which_server(args, mcp_url)
    return _change(args, "install",
                   lambda agent: plan_install(agent, mcp_url, key_header=args.key_header))


def say_which_server(args: argparse.Namespace, mcp_url: str) -> None:
    """On stderr (stdout keeps the diff or the snippet): the agent will talk to the public
    OpenRush server although this command points at another one (`--sandbox`, `--api-url`,
    OPENRUSH_API_URL, the profile's server), as the dashboard's install dialog says."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.catalog import public_server_note
    from openrush_tui.auth.profiles import api_url_for

    api_url = None if getattr(args, "sandbox", False) else api_url_for(
        getattr(args, "api_url", None), getattr(args, "profile", "default"))
    note = public_server_note(mcp_url, api_url)
    if note is not None:
        say(note, err=True)


def agents_uninstall_command(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.install import plan_uninstall

    return _change(args, "uninstall", plan_uninstall)


def _change(args: argparse.Namespace, command: str,
            plan_for: Callable[[Agent], InstallPlan]) -> int:
    """The one flow of install and uninstall: plan, show the diff, ask, back up and write."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.agents.install import NoConfigFile, apply_install
    from openrush_tui.agents.merge import ConfigFileError

    output.set_read_only(args.dry_run)  # a dry run changes nothing: `| head` may stop it
    agent = _agent(args.agent)
    if agent is None:
        return EXIT_USAGE
    try:
        plan = plan_for(agent)
    except NoConfigFile as exc:
        if command == "uninstall":
            return error(str(exc), EXIT_USAGE)
        return error(f"{agent.name} is not configured through a file; run "
                     f"`openrush-tui agents show {agent.id}` for its steps.", EXIT_USAGE)
    except InsecureURLError as exc:
        return error(str(exc), EXIT_USAGE)
    except ConfigFileError as exc:
        return error(str(exc))
    # With --json the diff is in the document, and shown (on stderr) only to be asked about.
    asks = plan.changed and not (args.dry_run or args.yes)
    if plan.changed and (asks or not args.json):
        say(plan.diff(), end="", err=args.json, whole=True)  # a diff: lines as they are
    if asks:
        if not stdin_is_terminal():
            return refuse_without_yes(f"agents {command}", f"write {plan.shown_path}")
        if not confirm(f"Write these changes to {plan.shown_path}? [y/N] "):
            if args.json:
                say("Nothing was written.", err=True)
                print_document(f"agents-{command}", change_json(plan, None, args.dry_run))
            else:
                say("Nothing was written.")
            return EXIT_OK
    try:  # writes nothing when nothing changes or on a dry run; the summary says which
        result = apply_install(plan, dry_run=args.dry_run)
    except ConfigFileError as exc:
        return error(str(exc))
    if not args.dry_run:
        output.receipt(result.summary())  # said if stdout cannot take it
    if args.json:
        print_document(f"agents-{command}", change_json(plan, result, args.dry_run))
    else:
        say(result.summary())
    return EXIT_OK


def change_json(plan: InstallPlan, result: InstallResult | None,
                dry_run: bool) -> dict[str, object]:
    """``agents install|uninstall --json`` (docs/json-output.md); `result` None: the person
    answered no, nothing was written."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.text.paths import display_path

    # The file as the agent names it (a symlink itself, not where it points) and the real one.
    named = f"{display_path(plan.path.parent).rstrip('/')}/{plan.path.name}"
    return {"agent": plan.agent.id, "file": named,
            "real_file": display_path(plan.real_path), "changed": plan.changed,
            "dry_run": dry_run, "written": bool(result and result.written),
            "created": bool(result and result.written and plan.creates),
            "backup": display_path(result.backup) if result and result.backup else None,
            "diff": plan.diff(),
            "message": result.summary() if result else "Nothing was written."}
