"""`openrush-tui keys list|create|revoke`: the API access page for scripts.

Data goes to stdout (a table, or JSON with --json: the shapes are docs/json-output.md's);
reminders, questions and errors go to stderr. A new key is printed once, on stdout only, so
`KEY=$(openrush-tui keys create x)` captures it without the reminder.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from openrush_tui.clock import system_clock
from openrush_tui.commands import lifecycle, output
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    SIGN_IN_HERE,
    add_connection_args,
    confirm,
    emit,
    error,
    guarded,
    interrupted,
    print_document,
    refuse_without_yes,
    resolve_target,
    run_with_client,
    say,
    schema,
    stdin_is_terminal,
)
from openrush_tui.errors import environment_key_advice
from openrush_tui.text.counts import number, plural
from openrush_tui.text.safe import is_cut, visible

if TYPE_CHECKING:
    from collections.abc import Sequence

    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.commands.common import Target
    from openrush_tui.keys.audit import AuditTally, Finding, KeyFindings
    from openrush_tui.keys.revoke import Chosen, Outcome


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = subparsers.add_parser("keys", help="list, create and revoke API keys",
                                 description="List, create and revoke the account's API keys.")
    commands = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the keys (active ones unless --all)",
                                  description="List the account's keys, newest first. On "
                                              "a narrow terminal an id is shown as its "
                                              "shortest unique start, which `keys revoke` "
                                              "and `keys rotate` take.")
    listing.add_argument("--all", action="store_true",
                         help="include revoked and expired keys")
    listing.add_argument("--json", action="store_true",
                         help="print a JSON array instead of a table (docs/json-output.md)")
    add_connection_args(listing)
    listing.set_defaults(func=list_keys, read_only=True)

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
                        help="print {\"key\": …, \"api_credential\": …} as JSON "
                             "(docs/json-output.md)")
    add_connection_args(create)
    create.set_defaults(func=create_key)

    revoke = commands.add_parser(
        "revoke", help="revoke keys (asks first unless --yes)",
        description="Revoke keys, each named by its id (cred_…), its exact name, or the start "
                    "of its id or prefix (or_abc…). Anything using them stops working at "
                    "once; this cannot be undone.")
    revoke.add_argument("keys", nargs="+", metavar="KEY",
                        help="an id, an exact name, or a unique start of an id or prefix "
                             "(see `keys list`)")
    revoke.add_argument("--yes", "-y", action="store_true",
                        help="do not ask for confirmation (needed when stdin is not a terminal)")
    revoke.add_argument("--json", action="store_true",
                        help="print what became of each key as JSON (docs/json-output.md)")
    add_connection_args(revoke)
    revoke.set_defaults(func=revoke_keys)
    lifecycle.register(commands)  # audit, rotate, scan


# -- keys list --------------------------------------------------------------------------------


@guarded
def list_keys(args: argparse.Namespace) -> int:
    if args.json:
        return run_with_client(args, lambda client: print_keys_json(client, every=args.all))
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.key_tables import KeyListing
    from openrush_tui.commands.table import terminal_width

    # A page of keys at a time, only their cells kept (`KeyListing`), then the table.
    listing = KeyListing(system_clock(), terminal_width())
    among = run_with_client(args, lambda client: listing.take_pages(client, every=args.all))
    listing.print(among)
    if not listing:
        say("No active keys." if not args.all else "No keys.", err=True)
    return EXIT_OK


async def print_keys_json(client: OpenRushClient, *, every: bool) -> int:
    """`keys list --json`: a page of keys at a time (OURS paging), each written as it comes
    while the server makes the next, so 50,000 keys are never held at once; the same bytes
    as the whole list printed at the end (docs/json-output.md, keys-list)."""
    now = system_clock()
    array = output.JsonArray()
    with output.collector_paused():
        async for page in client.key_pages():
            array.write_formatted(keys_items([(key, status) for key in page if (
                status := key.status(now)) == "active" or every]))
    array.close()
    return EXIT_OK


def keys_items(keys: list[tuple[ApiCredential, str]]) -> str:
    """Each key with its status as elements of `keys list --json`'s array (`JsonArray`):
    ``{**key.model_dump(mode="json"), "status": status}`` indented. pydantic-core writes the
    keys (a seventh of the time of `json`'s indenting encoder) and "status" goes in before
    each one's closing brace, the only place its line ``\n  }`` can be: a key has no nested
    object and JSON spells a line break inside a string ``\n``. Text with characters
    `text.safe` escapes takes the writer's own way."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.api.models import keys_json
    from openrush_tui.commands.json_format import items

    if not keys:
        return ""
    try:
        text = keys_json([key for key, _ in keys])
    except ValueError:  # pydantic-core refuses a lone surrogate (JSON allows it, UTF-8 not)
        text = "\x7f"
    if not text.isascii() or "\x7f" in text:
        return items([{**key.model_dump(mode="json"), "status": status}
                      for key, status in keys], 0)
    parts = text.split("\n  }")
    ends = [f',\n    "status": "{status}"\n  }}' for _, status in keys]
    return "".join(chain.from_iterable(zip(parts, ends, strict=False)))[2:]


async def print_audit_json(client: OpenRushClient, tally: AuditTally) -> AuditTally:
    """`keys audit --json` a page of keys at a time: each page's findings formatted as it
    comes and its keys let go. The document opens with the counts of all of them, so it is
    written once the last page is in, its keys as the text made of each page (a few hundred
    bytes a key, against kilobytes for a key and its findings held as objects)."""
    # lazy: start-up (--help imports every command module)
    from dataclasses import asdict

    from openrush_tui.clock import format_instant

    pages = []
    with output.collector_paused():
        async for page in client.key_pages():
            found = tally.found_in(page)
            if found:
                pages.append(audit_text(found))
    array = output.JsonArray.last_of({
        "schema": schema("keys-audit"), "summary": tally.summary(), "counts": tally.counts(),
        "rules": asdict(tally.rules), "checked_at": format_instant(tally.now), "keys": []})
    for text in pages:
        array.write_formatted(text)
    array.close()
    return tally


def audit_items(found: Sequence[KeyFindings]) -> str:
    """The keys of `keys audit --json`'s document (`JsonArray.last_of`): what
    ``items([key_findings_json(item) …], 1)`` writes."""
    return audit_text([(item.key, item.findings) for item in found])


# A key's entry in `keys audit --json` as `items(…, 1)` indents it, in the pieces around its
# values: id, name and prefix (JSON strings), its findings' three fields, and its times.
_OPEN = '    {\n      "id": "'
_NEXT = ",\n" + _OPEN  # the next entry's start, after a key's last piece
_ENTRY = ('",\n      "name": "', '",\n      "prefix": "', '",\n', ',\n      "created_at": ',
          ',\n      "last_used_at": ', ',\n      "expires_at": ', "\n    }" + _NEXT)


def audit_text(found: Sequence[tuple[ApiCredential, tuple[Finding, ...]]]) -> str:
    """`audit_items` of keys and their findings (`AuditTally.found_in`), in half the time of
    pydantic-core's dump of each entry: the pieces of `_ENTRY` around each key's values, a
    page's joined at once. Its strings as they are when nothing in them is escaped (printable ASCII
    without quotes or backslashes), its times as pydantic-core writes them (a page's at once:
    they hold no comma), and the lines of its findings made once for all the keys with the
    same (a page has a handful). A page with a string to escape takes the long way,
    pydantic-core's dump of each entry, or `text.safe`'s writer where that is not its text."""
    # lazy: start-up (--help imports every command module)
    from pydantic_core import to_json

    from openrush_tui.commands.json_format import indented

    if not found:
        return ""
    keys = [key for key, _ in found]
    ids, names, prefixes = ([key.id for key in keys], [key.name for key in keys],
                            [key.prefix for key in keys])
    strings = " ".join((*ids, *names, *prefixes))
    if not strings.isascii() or not strings.isprintable() or '"' in strings or "\\" in strings:
        return _audit_text_escaped(found)
    count = len(keys)
    try:
        times = to_json([*(key.created_at for key in keys), *(key.last_used_at for key in keys),
                         *(key.expires_at for key in keys)]).decode()[1:-1].split(",")
    except ValueError:  # a time pydantic-core does not write (none a model holds)
        return _audit_text_escaped(found)
    told: dict[int, str] = {}  # by the findings' tuple (each page's are the same few)
    for _, findings in found:
        if id(findings) not in told:
            told[id(findings)] = indented({
                "kinds": [finding.kind for finding in findings],
                "reason": "; ".join(finding.reason for finding in findings),
                "findings": [{"kind": finding.kind, "reason": finding.reason}
                             for finding in findings]}, 2)[2:-6]  # less "{\n" and "\n    }"
    fields = (ids, names, prefixes, [told[id(findings)] for _, findings in found],
              times[:count], times[count:2 * count], times[2 * count:])
    pieces = chain.from_iterable(zip(*chain.from_iterable(
        (values, repeat(text)) for values, text in zip(fields, _ENTRY, strict=True)),
        strict=False))
    return _OPEN + "".join(pieces)[:-len(_NEXT)]  # no entry after the last


def _audit_text_escaped(found: Sequence[tuple[ApiCredential, tuple[Finding, ...]]]) -> str:
    """`audit_text` of a page with strings to escape: each entry dumped by pydantic-core,
    where its text is `text.safe`'s; else `text.safe`'s own writer. A key's findings are
    made into JSON once for the keys that have the same."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.json_format import dumped_items, items

    made: dict[int, tuple[list[str], str, list[dict[str, str]]]] = {}
    entries = []
    for key, findings in found:
        if (told := made.get(id(findings))) is None:
            told = made[id(findings)] = (
                [finding.kind for finding in findings],
                "; ".join(finding.reason for finding in findings),
                [{"kind": finding.kind, "reason": finding.reason} for finding in findings])
        entries.append({"id": key.id, "name": key.name, "prefix": key.prefix, "kinds": told[0],
                        "reason": told[1], "findings": told[2], "created_at": key.created_at,
                        "last_used_at": key.last_used_at, "expires_at": key.expires_at})
    text = dumped_items(entries, 1)
    return items([_reference_entry(key, findings) for key, findings in found], 1) \
        if text is None else text


def _reference_entry(key: ApiCredential, findings: tuple[Finding, ...]) -> dict[str, Any]:
    # lazy: cycle (this module registers lifecycle's commands)
    from openrush_tui.commands.lifecycle import key_findings_json
    from openrush_tui.keys.audit import KeyFindings

    return key_findings_json(KeyFindings(key, findings))


def print_table(keys: list[ApiCredential], now: datetime, among: Sequence[str] = ()) -> None:
    """Aligned columns, fitted to the terminal's width (see `commands.table`): the times give
    way first (to the minute), then the id (to its shortest start unique among `among`, the
    account's ids, which `keys revoke` and `keys rotate` take), the times to the day, then
    CREATED goes; a long name is cut to 28 cells before the times shrink to their age ("3d
    ago", "in 30d"), to 20 before EXPIRES goes, to 16 before PREFIX, LAST USED and STATUS go.
    The id stays (trial 8: it is what a user acts with): a typical account keeps ID, NAME,
    PREFIX, STATUS, LAST USED and EXPIRES at 80 columns; at 60 EXPIRES goes too. A name is cut
    in the middle where it would read like another (`text.cells.Apart`). The table `keys
    list` prints a page of keys at a time (`commands.key_tables.KeyListing`)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.key_tables import KeyListing
    from openrush_tui.commands.table import terminal_width

    listing = KeyListing(now, terminal_width())
    listing.add(keys, [key.status(now) for key in keys])
    listing.print(among)


# -- keys create ------------------------------------------------------------------------------


def expiry_of(args: argparse.Namespace, now: datetime) -> datetime | None:
    """--expires-in or --expires-at as a time; ValueError says what is wrong."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.rules import expiry_in, parse_expiry_date

    if args.expires_in is not None:
        return expiry_in(args.expires_in, now)
    if args.expires_at is not None:
        return parse_expiry_date(args.expires_at, now)
    return None


@guarded
def create_key(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.create import KeyCreation

    creation = KeyCreation(args.name, None, clock=system_clock)
    if creation.problem:
        return error(f"keys create: {creation.problem}", EXIT_USAGE)
    try:
        creation.expires_at = expiry_of(args, system_clock())
    except ValueError as exc:
        flag = "--expires-in" if args.expires_in is not None else "--expires-at"
        return error(f"keys create: {flag}: {exc}", EXIT_USAGE)
    try:
        result = run_with_client(args, creation.send)
    except KeyboardInterrupt:  # the request may have gone out: the key may exist
        return interrupted(f"The key “{visible(creation.name)}” may have been created without "
                           "being shown: run `openrush-tui keys list --all` and revoke it if "
                           "it is there.")
    if result.unseen is not None:
        return error(f"{result.unseen.problem} {result.unseen.made()}: run `openrush-tui keys "
                     f"list --all` and revoke {result.unseen.where_to_look()} if it is there.")
    if result.failed is not None:
        raise result.failed
    created = result.created
    assert created is not None  # noqa: S101 (one of the three is set)
    raw = created.key.get_secret_value()
    credential = created.api_credential
    # Said if the key cannot be written out (a full disk, a closed pipe): it exists, and is lost.
    output.created("key", credential.id, credential.name,
                   "It can never be shown again: revoke it with `openrush-tui keys revoke "
                   f"{visible(credential.id)}` and create another.")
    if args.json:
        print_document("keys-create",
                       {"key": raw, "api_credential": credential.model_dump(mode="json")})
    else:
        say(raw)
    say(f"Created “{visible(credential.name)}” ({visible(credential.id)}). This is the only "
        "time the key is shown: store it now.", err=True)
    return EXIT_OK


# -- keys revoke ------------------------------------------------------------------------------


@guarded
def revoke_keys(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.revoke import choose_keys

    # Once: the list, the own-key check and the revokes all use the key found here.
    target = resolve_target(args)
    known = run_with_client(target, lambda client: client.list_keys())
    wanted, shown = by_full_key(list(dict.fromkeys(args.keys)), known)
    chosen = choose_keys(wanted, known)
    if chosen.unknown or chosen.ambiguous:
        return not_chosen(chosen, shown)
    for key in chosen.keys:
        if not key.is_active:  # asked again: nothing is sent, and it is not "revoked" now
            say(f"{visible(key.id)} “{visible(key.name)}” is already revoked", err=True)
    keys = [key for key in chosen.keys if key.is_active]
    own_id = own_key_in(target, keys)
    report = Revocations(chosen.keys, own_id) if args.json else None
    if not keys:
        return report.show(EXIT_OK) if report else EXIT_OK
    # Only a key still to revoke needs the question (nor --yes): an already revoked one is
    # said, and done, as docs/json-output.md has it.
    if not args.yes and not stdin_is_terminal():
        return refuse_without_yes("keys revoke", "revoke keys")
    if not args.yes and not confirm_revoke(keys, own_id, target):
        say("Nothing was revoked.", err=True)
        if report:
            report.declined()
            return report.show(EXIT_OK)
        return EXIT_OK
    if args.yes and own_id is not None:
        say(own_key_warning(keys, own_id, target), err=True)
    ids = [key.id for key in keys]
    answered: list[str] = []
    try:
        code = run_with_client(
            target, lambda client: revoke_each(client, ids, own_id, answered, report))
    except KeyboardInterrupt:  # a revoke sent and not answered may have been done
        left = ", ".join(visible(key_id) for key_id in ids if key_id not in answered)
        if report:  # what is known so far; the rest "unknown"
            report.show(EXIT_OK, keep_going=True)
        return interrupted(f"{left} may have been revoked or not: check with `openrush-tui "
                           "keys list --all`.")
    return report.show(code) if report else code


class Revocations:
    """What became of each key named, for ``keys revoke --json`` (the document
    ``keys-revoke`` of docs/json-output.md): one entry a key, in the order named."""

    def __init__(self, keys: Sequence[ApiCredential], own_id: str | None) -> None:
        self.keys: dict[str, dict[str, Any]] = {
            key.id: {"id": key.id, "name": key.name, "prefix": key.prefix,
                     # "unknown" until an answer says otherwise (an interruption leaves it)
                     "outcome": "unknown" if key.is_active else "already-revoked",
                     "error": None, "this_terminal": key.id == own_id}
            for key in keys}

    def declined(self) -> None:
        for entry in self.keys.values():
            if entry["outcome"] == "unknown":
                entry["outcome"] = "declined"

    def answer(self, outcome: Outcome) -> None:
        entry = self.keys[outcome.key_id]
        entry["outcome"] = "unknown" if outcome.uncertain else \
            "revoked" if outcome.revoked else "failed"
        entry["error"] = outcome.error

    def show(self, code: int, *, keep_going: bool = False) -> int:
        print_document("keys-revoke", {"keys": list(self.keys.values())}, keep_going=keep_going)
        return code


FULL_KEY = re.compile(r"or_[A-Za-z0-9]{20,200}")


def by_full_key(wanted: list[str], known: list[ApiCredential]) -> tuple[list[str], dict[str, str]]:
    """`wanted` with each full key (``or_`` and 40 characters, pasted from a file) that is not
    an id or a name replaced by what names its key: the id of the key with its display prefix
    (the service never returns more of a key), else that prefix, which `choose_keys` then
    finds ambiguous or unknown. Also how to show each argument: a full key masked, never
    echoed."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.secret import Secret
    from openrush_tui.keys.rules import signed_in_with

    named = {key.id for key in known} | {key.name for key in known}
    replaced: list[str] = []
    shown: dict[str, str] = {}
    for text in wanted:
        if text in named or not FULL_KEY.fullmatch(text):
            replaced.append(text)
            continue
        masked = Secret(text).masked()
        matches = [key for key in known if signed_in_with(key.prefix, text)]
        active = [key for key in matches if key.is_active]
        if len(matches) == 1 or len(active) == 1:
            found = (matches if len(matches) == 1 else active)[0].id
        else:  # none or several keys of the account start so: said with the mask
            found = matches[0].prefix.rstrip(".…") if matches else masked
        replaced.append(found)
        shown.setdefault(found, masked)
    return replaced, shown


def not_chosen(chosen: Chosen, shown: dict[str, str]) -> int:
    """Say which arguments name no key or several (listing those), and revoke nothing."""
    for text in chosen.unknown:
        error(f"keys revoke: no key of this account has the id, name or prefix "
              f"“{visible(shown.get(text, text))}”{cut_hint(text)} (see `openrush-tui keys "
              "list --all`)", EXIT_USAGE)
    for text, candidates in chosen.ambiguous.items():
        error(f"keys revoke: “{visible(shown.get(text, text))}” names "
              f"{plural(len(candidates), 'key')}; "
              "give the id of the one to revoke:", EXIT_USAGE)
        list_keys_said(candidates)
    say("Nothing was revoked.", err=True)
    return EXIT_USAGE


def cut_hint(text: str) -> str:
    """For a reference that names no key: when it holds a cut mark, that the name was cut by
    a narrow table (the id beside it is never cut); else nothing."""
    if not is_cut(text):
        return ""
    return ("; its “…” is where a narrow table cut a name: give the id shown beside it, or "
            "the whole name")


def list_keys_said(keys: list[ApiCredential]) -> None:
    """Each key on stderr, indented: on a terminal broken between words to its width, its
    later lines indented further (the id, to be copied, whole on the first line; nothing
    cut, since any part may be what tells two keys apart); one line each when piped."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.table import stderr_width, wrap

    width = stderr_width()
    for key in keys:
        lines = wrap(describe(key), None if width is None else max(1, width - 2), indent="  ")
        # A line may start at the second space between two fields: one indent, not two.
        say("\n".join(f"  {line}" if at == 0 else f"    {line.lstrip()}"
                      for at, line in enumerate(lines.split("\n"))), err=True)


def describe(key: ApiCredential) -> str:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.text.times import exact

    used = exact(key.last_used_at, missing="never")
    return (f"{visible(key.id)}  “{visible(key.name)}”  {visible(key.display_prefix)}  "
            f"{key.status(system_clock())}, last used {used}")


def own_key_in(target: Target, keys: list[ApiCredential]) -> str | None:
    """Which of `keys` this command is signed in with (warned about, and revoked last)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.revoke import own_key_id

    stored = target.key  # the key the command's clients sign in with
    return own_key_id(keys, stored.secret.reveal() if stored else None)


def own_key_warning(keys: list[ApiCredential], own_id: str, target: Target) -> str:
    own = next(key for key in keys if key.id == own_id)
    said = (f"Warning: this terminal is signed in with “{visible(own.name)}” "
            f"({visible(own.display_prefix)}). Once it is revoked, openrush-tui commands here "
            "stop working")
    stored = target.key
    if stored is not None and stored.source == "environment":
        # A sign-in would not help: OPENRUSH_KEY wins over it at the next command. The
        # words of a refused OPENRUSH_KEY, wherever it is said.
        return f"{said}. {environment_key_advice(SIGN_IN_HERE)}"
    return f"{said} until you sign in with another key (`openrush-tui login`)."


def confirm_revoke(keys: list[ApiCredential], own_id: str | None, target: Target) -> bool:
    say(f"About to revoke {plural(len(keys), 'key')}:", err=True)
    list_keys_said(keys)
    if own_id is not None:
        say(own_key_warning(keys, own_id, target), err=True)
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.revoke import consequence

    say(consequence([key.status() for key in keys]), err=True)
    return confirm("Revoke? [y/N] ")


async def revoke_each(client: OpenRushClient, ids: list[str], own_id: str | None,
                      answered: list[str], record: Revocations | None = None) -> int:
    """Revoke one by one and say for each what happened, as it happens (its id then added
    to `answered`), or with `record` (--json) note it there, printed at the end; 1 if any
    failed."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.revoke import revoke_all

    def tell(outcome: Outcome) -> None:
        answered.append(outcome.key_id)
        if record is not None:
            record.answer(outcome)
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
        # A lost stdout (`| true`) must not stop the keys after this one being revoked; the
        # end says which were (`output.finish`).
        output.receipt(f"Revoked {key_id}{name}.")
        if record is None:
            emit(f"revoked {key_id}{name}")

    report = await revoke_all(client, ids, own_id=own_id, each=tell)
    failed, total = len(report.failed), len(report.outcomes)
    if failed and failed < total:
        error(f"revoked {number(total - failed)} of {plural(total, 'key')}")
    return EXIT_API_ERROR if failed else EXIT_OK
