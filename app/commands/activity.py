"""`openrush-tui activity` and `openrush-tui credits`: Activity from the command line.

`activity` pages through `GET /v1/me/usage` with the cursor (200 a request) until it has
`--limit` events, and prints an aligned table, a JSON array (`--json`) or JSON lines
(`--jsonl`, streamed page by page). Server strings are printed with control characters made
visible, so a tool name cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openrush_tui.activity.events import (
    OWN_PRODUCT,
    call_label,
    duration_label,
    is_own_read,
    source_label,
    status_label,
    who,
)
from openrush_tui.activity.export import CsvWriter
from openrush_tui.activity.filters import SOURCES, STATUSES, parse_since
from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_connection_args,
    error,
    guarded,
    print_document,
    print_json,
    run_with_client,
    say,
)
from openrush_tui.errors import OpenRushError

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsageEvent

MAX_LIMIT = 10_000  # 50 requests of 200: well inside the documented hourly rate limit
PAGE = 200
EXTRA_PAGES = 4  # pages fetched beyond --limit's to make up for this tool's own reads
OWN_READS_ROOM = 50  # rows asked for beyond --limit's, as the own reads are left out


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT:,}")
    return value


def _since(text: str) -> datetime:
    try:
        return parse_since(text, datetime.now(UTC))
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    activity = subparsers.add_parser(
        "activity",
        help="recent API and MCP usage of the account",
        description="Recent API and MCP calls of the account, newest first: time, source, "
                    "tool, key or MCP client, status, credits and duration.",
    )  # its examples: commands/examples.py
    activity.add_argument("--limit", type=_limit, default=50, metavar="N",
                          help=f"how many events, newest first (default 50, at most "
                               f"{MAX_LIMIT:,})")
    activity.add_argument("--source", choices=SOURCES, help="only API or only MCP calls")
    activity.add_argument("--status", choices=STATUSES, help="only calls with this outcome")
    activity.add_argument("--key", metavar="ID",
                          help="only calls made with this key: its id (cred_…) or its name")
    activity.add_argument("--tool", metavar="NAME", help="only calls of this tool")
    activity.add_argument("--own", action="store_true",
                          help="include this tool's own reads of the account (left out, "
                               "as on the dashboard)")
    activity.add_argument("--since", type=_since, metavar="DATE",
                          help="only calls at or after this UTC date or time "
                               "(2026-06-20, 2026-06-20T08:00:00Z) or age (24h, 7d)")
    output = activity.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON array")
    output.add_argument("--jsonl", action="store_true",
                        help="print one JSON object per line, as pages arrive")
    output.add_argument("--csv", action="store_true",
                        help="print CSV (a header, then rows as pages arrive; safe to open in a "
                             "spreadsheet)")
    add_connection_args(activity)
    activity.set_defaults(func=guarded(run_activity), read_only=True)

    credits = subparsers.add_parser(
        "credits", help="the account's credit balance and how long it lasts",
        description="The credit balance shared by the dashboard, API keys and MCP "
                    "(1 credit = $0.01; credits are bought in the web app), and how many "
                    "days it lasts at the last 7 days' spend.")
    credits.add_argument("--json", action="store_true", help="print JSON")
    add_connection_args(credits)
    credits.set_defaults(func=guarded(run_credits), read_only=True)


# -- activity ---------------------------------------------------------------------------------


class UnknownKey(Exception):
    """--key named no key of the account (a usage error, not an API one)."""


def run_activity(args: argparse.Namespace) -> int:
    try:
        return run_with_client(args, lambda client: _activity(client, args))
    except UnknownKey as problem:
        return error(str(problem), EXIT_USAGE)


async def _activity(client: OpenRushClient, args: argparse.Namespace) -> int:
    names: dict[str, str] = {}
    credential_id = args.key
    by_name = bool(args.key) and not args.key.startswith("cred_")
    table = not (args.json or args.jsonl or args.csv)
    if table or by_name or args.csv:  # names for a key column, or to find --key by name
        names = {key.id: key.name for key in await client.list_keys()}
    # Streamed page by page: a server error on a later page leaves a partial output, which
    # `guarded` says (the rows written are whole: each goes out in full or not at all).
    csv_out = CsvWriter(output.stream(), names) if args.csv else None
    if by_name:
        matches = [cred for cred, name in names.items() if name == args.key]
        if len(matches) != 1:
            problem = "no key" if not matches else f"{len(matches)} keys"
            raise UnknownKey(f"--key: {problem} named {args.key!r}; give its id (cred_…)")
        credential_id = matches[0]
    events: list[UsageEvent] = []
    cursor, more, hidden = None, True, 0
    # This tool's own reads are left out unless --own, as on the dashboard: the server is
    # asked to leave them out (OURS); one that sends them all the same costs a few pages more
    # at most to make up for them, never an unbounded walk of the history.
    left_out = None if args.own else OWN_PRODUCT  # `events.OWN_READS_LEFT_OUT`'s query
    pages_left = -(-args.limit // PAGE) + EXTRA_PAGES
    while more and len(events) < args.limit and pages_left > 0:
        pages_left -= 1
        wanted = args.limit - len(events)
        # Room for own reads in the same request: `--limit 5` is one request, not five.
        asked = min(PAGE, wanted if args.own else wanted + OWN_READS_ROOM)
        page = await client.usage(limit=asked, cursor=cursor, source=args.source,
                                  status=args.status, credential_id=credential_id,
                                  tool=args.tool, since=args.since,
                                  exclude_reads_by=left_out)
        items: list[UsageEvent] = []
        cut = False  # more came than --limit asks: the rest is "more with --limit"
        for event in page.items:
            if len(items) == wanted:
                cut = True
                break
            if not args.own and is_own_read(event):
                hidden += 1
            else:
                items.append(event)
        if args.jsonl:
            for event in items:
                print_json(event_json(event), indent=None)
        elif csv_out is not None:
            csv_out.write(items)
        events.extend(items)
        cursor = page.next_cursor
        more = cut or (cursor is not None and bool(page.items))
    if args.json:
        print_json([event_json(event) for event in events])
    elif table:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.table import terminal_width

        say(format_table(events, names, terminal_width()))
        if more:
            say(f"(the newest {len(events):,} shown; more with --limit)", err=True)
    if not args.own:  # a server that has `exclude_reads_by` sends none: no count to give
        unfetched = "; older events not fetched" if more and len(events) < args.limit else ""
        count = f"{hidden:,}" if hidden else "any"
        say(f"({count} of this tool's own reads left out{unfetched}; --own shows them)",
            err=True)
    return EXIT_OK


def event_json(event: UsageEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


def format_table(events: Sequence[UsageEvent], names: dict[str, str],
                 width: int | None = None) -> str:
    """An aligned plain-text table, fitted to `width` (see `commands.table`): the time gives
    way first (no seconds, then no year), then the duration and the source are left out, and
    the tool and the caller are cut last, keeping apart what differs (an endpoint keeps its
    distinguishing end). Server strings with control characters made visible."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.table import Column, Step, fit, table_lines

    if not events:
        return "No events."
    times = [event.created_at.astimezone(UTC) for event in events]
    time = Column("TIME (UTC)", [when.strftime("%Y-%m-%d %H:%M:%S") for when in times],
                  shorter=[[when.strftime("%Y-%m-%d %H:%M") for when in times],
                           [when.strftime("%m-%d %H:%M") for when in times]])
    source = Column("SOURCE", [source_label(event) for event in events])
    # A call that is not a tool: its method and endpoint (``POST /v1/me/api-credentials``).
    tool = Column("TOOL", [call_label(event) for event in events])
    caller = Column("KEY OR CLIENT", [who(event, names) for event in events],
                    short_title="KEY/CLIENT")
    status = Column("STATUS", [status_label(event) for event in events])
    credits = Column("CREDITS", [str(event.credits) for event in events], right=True)
    duration = Column("DURATION", [duration_label(event) for event in events], right=True)
    steps: list[Step] = [("shorten", time), ("drop", duration), ("shorten", time),
                         ("drop", source)]
    if width is not None and width < 60:  # before a cut below the least of tool and caller
        steps.append(("drop", credits))
    columns = fit([time, source, tool, caller, status, credits, duration], width, steps,
                  cut=[tool, caller])
    return "\n".join(table_lines(columns, width))


# -- credits ------------------------------------------------------------------------------------


def run_credits(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.activity.runway import Runway, measure_runway
    from openrush_tui.text.money import credits_and_dollars

    async def fetch(client: OpenRushClient) -> tuple[int, Runway | None, str]:
        balance = (await client.credits()).balance
        try:  # the usage endpoint is not public: without it, the balance still stands
            return balance, await measure_runway(client, balance, datetime.now(UTC)), ""
        except OpenRushError as problem:
            return balance, None, str(problem)

    balance, runway, problem = run_with_client(args, fetch)
    if args.json:
        print_document("credits", {"balance": balance, "dollars": round(balance / 100, 2),
                                    "runway": runway.as_dict() if runway else None})
    else:
        say(credits_and_dollars(balance))
        if runway is not None:
            say(runway.text[0].upper() + runway.text[1:])
    if runway is not None and runway.warning:
        say(f"openrush-tui: {runway.warning}: buy credits in the web dashboard.", err=True)
    if problem:
        say(f"openrush-tui: the runway is unknown: {problem}", err=True)
    return EXIT_OK
