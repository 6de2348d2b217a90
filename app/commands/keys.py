"""`openrush-tui keys list|create|revoke`: the API access page for scripts.

Data goes to stdout (a table, or JSON with --json); reminders, questions and errors go to
stderr. A new key is printed once, on stdout only, so `KEY=$(openrush-tui keys create x)`
captures it without the reminder.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from openrush_tui.commands import lifecycle
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    add_connection_args,
    ask,
    emit,
    error,
    guarded,
    print_json,
    run_with_client,
    say,
    silence_stdout,
)

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = subparsers.add_parser("keys", help="list, create and revoke API keys",
                                 description="List, create and revoke the account's API keys.")
    commands = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the keys (active ones unless --all)",
                                  description="List the account's keys, newest first.")
    listing.add_argument("--all", action="store_true",
                         help="include revoked and expired keys")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_connection_args(listing)
    listing.set_defaults(func=list_keys)

    create = commands.add_parser(
        "create", help="create a key and print it once",
        description="Create a key. The key is printed once on stdout and can never be shown "
                    "again; a reminder goes to stderr.")
    create.add_argument("name", metavar="NAME", help="what the key is for (1–120 characters)")
    when = create.add_mutually_exclusive_group()
    when.add_argument("--expires-in", metavar="DURATION",
                      help="stop working after this long: 12h, 7d, 30d, 2w or 1y")
    when.add_argument("--expires-at", metavar="DATE",
                      help="stop working at this date (2026-12-31 is midnight UTC) or "
                           "ISO-8601 time")
    create.add_argument("--json", action="store_true",
                        help="print {\"key\": …, \"api_credential\": …} as JSON")
    add_connection_args(create)
    create.set_defaults(func=create_key)

    revoke = commands.add_parser(
        "revoke", help="revoke keys (asks first unless --yes)",
        description="Revoke keys by id (cred_…). Anything using them stops working at once; "
                    "this cannot be undone.")
    revoke.add_argument("ids", nargs="+", metavar="ID", help="the id of a key (see `keys list`)")
    revoke.add_argument("--yes", "-y", action="store_true",
                        help="do not ask for confirmation (needed when stdin is not a terminal)")
    add_connection_args(revoke)
    revoke.set_defaults(func=revoke_keys)
    lifecycle.register(commands)  # audit, rotate, scan


# -- keys list --------------------------------------------------------------------------------


def as_json(key: ApiCredential, now: datetime) -> dict[str, Any]:
    return {**key.model_dump(mode="json"), "status": key.status(now)}


@guarded
def list_keys(args: argparse.Namespace) -> int:
    from openrush_tui.clock import system_clock

    keys = run_with_client(args, lambda client: client.list_keys())
    now = system_clock()
    if not args.all:
        keys = [key for key in keys if key.status(now) == "active"]
    if args.json:
        print_json([as_json(key, now) for key in keys])
        return EXIT_OK
    print_table(keys, now)
    if not keys:
        say("No active keys." if not args.all else "No keys.", err=True)
    return EXIT_OK


def print_table(keys: list[ApiCredential], now: datetime) -> None:
    from openrush_tui.text.safe import visible
    from openrush_tui.text.times import exact

    header = ("ID", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES")
    rows = [(visible(key.id), visible(key.name), visible(key.display_prefix), key.status(now),
             exact(key.created_at), exact(key.last_used_at, missing="never"),
             exact(key.expires_at, missing="never")) for key in keys]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows,
                                                                         strict=False)]
    for line in (header, *rows):
        say("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths,
                                                                    strict=True)).rstrip())


# -- keys create ------------------------------------------------------------------------------


def expiry_of(args: argparse.Namespace, now: datetime) -> datetime | None:
    """--expires-in or --expires-at as a time; ValueError says what is wrong."""
    from openrush_tui.keys.rules import parse_duration, parse_expiry_date

    if args.expires_in is not None:
        return now + parse_duration(args.expires_in)
    if args.expires_at is not None:
        return parse_expiry_date(args.expires_at, now)
    return None


@guarded
def create_key(args: argparse.Namespace) -> int:
    from openrush_tui.clock import system_clock
    from openrush_tui.errors import OpenRushError
    from openrush_tui.keys.rules import name_problem
    from openrush_tui.keys.unseen import unseen_create
    from openrush_tui.text.safe import visible

    problem = name_problem(args.name)
    if problem:
        return error(f"keys create: {problem}", EXIT_USAGE)
    try:
        expires_at = expiry_of(args, system_clock())
    except ValueError as exc:
        flag = "--expires-in" if args.expires_in is not None else "--expires-at"
        return error(f"keys create: {flag}: {exc}", EXIT_USAGE)
    name = args.name.strip()
    sent_at = system_clock()
    try:
        created = run_with_client(args, lambda client: client.create_key(name, expires_at))
    except OpenRushError as exc:
        unseen = unseen_create(name, sent_at, exc)
        if unseen is None:
            raise
        made = "The key was created but cannot be shown" if unseen.certain else \
            "The key may have been created without being shown"
        return error(f"{exc.message} {made}: run `openrush-tui keys list --all` and revoke "
                     f"{unseen.where_to_look()} if it is there.")
    raw = created.key.get_secret_value()
    credential = created.api_credential
    try:
        if args.json:
            print_json({"key": raw, "api_credential": credential.model_dump(mode="json")})
        else:
            say(raw)
        sys.stdout.flush()
    except OSError as exc:  # a full disk, a closed pipe: the key exists, and is lost
        silence_stdout()
        return error(f"the key “{visible(credential.name)}” was created ({visible(credential.id)}"
                     f") but could not be written out ({exc.strerror or type(exc).__name__}), "
                     "and it can never be shown again. Revoke it with `openrush-tui keys "
                     f"revoke {visible(credential.id)}` and create another.")
    say(f"Created “{visible(credential.name)}” ({visible(credential.id)}). This is the only "
        "time the key is shown: store it now.", err=True)
    return EXIT_OK


# -- keys revoke ------------------------------------------------------------------------------


@guarded
def revoke_keys(args: argparse.Namespace) -> int:
    ids = list(dict.fromkeys(args.ids))  # the same id twice is one revoke
    if not args.yes and not sys.stdin.isatty():
        return error("keys revoke: refusing to ask for confirmation because stdin is not "
                     "a terminal; pass --yes to revoke without asking", EXIT_USAGE)
    known: dict[str, ApiCredential] = {}
    if not args.yes or len(ids) > 1:
        known = {key.id: key for key in run_with_client(args, lambda c: c.list_keys())}
    if not args.yes and not confirm(ids, known):
        say("Nothing was revoked.", err=True)
        return EXIT_OK
    own_id = own_key_in(args, ids, known)
    return run_with_client(args, lambda client: revoke_each(client, ids, own_id))


def own_key_in(args: argparse.Namespace, ids: list[str],
               known: dict[str, ApiCredential]) -> str | None:
    """Which of `ids` this command is signed in with (the flow revokes it last)."""
    from openrush_tui.commands.common import resolve_target
    from openrush_tui.keys.revoke import own_key_id

    if len(ids) < 2:
        return None  # nothing to put after it: no need to look the key up
    stored = resolve_target(args)[1].key  # the key make_client signs in with
    return own_key_id((known[key_id] for key_id in ids if key_id in known),
                      stored.secret.reveal() if stored else None)


def confirm(ids: list[str], known: dict[str, ApiCredential]) -> bool:
    from openrush_tui.text.safe import visible
    from openrush_tui.text.times import exact

    count = len(ids)
    say(f"About to revoke {count} key{'s' if count != 1 else ''}:", err=True)
    for key_id in ids:
        key = known.get(key_id)
        if key is None:
            say(f"  {visible(key_id)}  (not in this account's list)", err=True)
        else:
            used = exact(key.last_used_at, missing="never")
            say(f"  {visible(key.id)}  “{visible(key.name)}”  {visible(key.display_prefix)}  "
                f"last used {used}", err=True)
    say("Anything using them stops working at once. This cannot be undone.", err=True)
    try:
        answer = ask("Revoke? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


async def revoke_each(client: OpenRushClient, ids: list[str], own_id: str | None) -> int:
    """Revoke one by one and say for each what happened, as it happens; 1 if any failed."""
    from openrush_tui.keys.revoke import Outcome, revoke_all
    from openrush_tui.text.safe import visible

    def tell(outcome: Outcome) -> None:
        key_id = visible(outcome.key_id)
        if outcome.uncertain:
            error(f"{key_id} may have been revoked (run `openrush-tui keys list --all` to "
                  f"check): {outcome.error}")
            return
        if not outcome.revoked:
            error(f"{key_id} was not revoked: {outcome.error}")
            return
        answer = outcome.answer
        name = f" “{visible(answer.name)}”" if answer is not None else ""
        # A closed stdout (`| head -1`) must not stop the keys after this one being revoked.
        emit(f"revoked {key_id}{name}")

    report = await revoke_all(client, ids, own_id=own_id, each=tell)
    failed, total = len(report.failed), len(report.outcomes)
    if failed and failed < total:
        error(f"revoked {total - failed} of {total} keys")
    return EXIT_API_ERROR if failed else EXIT_OK
