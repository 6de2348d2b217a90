"""`openrush-tui activity` and `openrush-tui credits`: Activity from the command line.

`activity` pages through `GET /v1/me/usage` with the cursor (200 a request) until it has
`--limit` events, and prints an aligned table, a JSON array (`--json`) or JSON lines
(`--jsonl`, streamed page by page). Server strings are printed with control characters made
visible, so a tool name cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from openrush_tui.activity.events import (
    call_label,
    duration_label,
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
    run_with_client,
    say,
)
from openrush_tui.errors import OpenRushError
from openrush_tui.text.counts import number, plural, requests_left

if TYPE_CHECKING:
    from openrush_tui.activity.names_lookup import KeyNames
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import RateLimitInfo, UsageEvent

SAY_ESTIMATE_FROM = 50  # requests: a walk this long is told how long it takes


def _limit(text: str) -> int:
    """Any number of events: the walk is paced by the rate limit (`activity.walk`)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
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
                          help="how many events, newest first (default 50; any number: a "
                               "long export waits for the rate limit, saying how long)")
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
    # lazy: start-up (--help imports every command module)
    from openrush_tui.activity.names_lookup import KeyNames, keys_named
    from openrush_tui.activity.walk import Walk, usage_walk

    credential_id = args.key
    if args.key and not args.key.startswith("cred_"):  # a name: a page of keys at a time
        matches = await keys_named(client, args.key)
        if len(matches) != 1:
            problem = "no key" if not matches else plural(len(matches), "key")
            raise UnknownKey(f"--key: {problem} named {args.key!r}; give its id (cred_…)")
        credential_id = matches[0]
    table = not (args.json or args.jsonl or args.csv)
    # Names for the key column, looked up by id for the keys the events name (OURS): never
    # the whole list of a large account for a few rows.
    names = KeyNames(client) if table or args.csv else None
    # Streamed page by page, nothing kept but for the table: a server error on a later page
    # leaves a partial output, which `guarded` says (each page goes out whole or not at all).
    out = None if table else EventsOut(args, names)
    events: list[UsageEvent] = []  # the table's only
    walk = Walk()
    query = {"source": args.source, "status": args.status, "credential_id": credential_id,
             "tool": args.tool, "since": args.since}
    pages = usage_walk(client, args.limit, query, walk, own=args.own, pause=_say_pause)
    first = True
    async for items in pages:
        if names is not None:
            await names.learn(items)
        if out is None:
            events.extend(items)
        else:
            out.write(items)
        if first and walk.more:  # the first page's headers tell the rate limit
            _say_estimate(client, args.limit - walk.kept)
        first = False
    if out is not None:
        out.close()
    else:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.table import terminal_width

        say(format_table(events, names.names if names else {}, terminal_width()))
        if walk.more:
            say(f"(the newest {number(len(events))} shown; more with --limit)", err=True)
    if not args.own:  # a server that has `exclude_reads_by` sends none: no count to give
        unfetched = "; older events not fetched" if walk.more and walk.kept < args.limit \
            else ""
        how_many = number(walk.hidden) if walk.hidden else "any"
        say(f"({how_many} of this tool's own reads left out{unfetched}; --own shows them)",
            err=True)
    return EXIT_OK


def event_json(event: UsageEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


class EventsOut:
    """--jsonl, --csv or --json, a page at a time, each page in one write: the same bytes as
    the events printed one by one (or, for --json, as one array at the end)."""

    def __init__(self, args: argparse.Namespace, names: KeyNames | None) -> None:
        self._array = output.JsonArray() if args.json else None
        self._page = _Page()
        # typeshed's IO is a class, not a protocol: a TextIOBase with its methods is not one.
        held: IO[str] = self._page  # type: ignore[assignment]  # see above
        # The CSV's header is held until the first page is answered: a key the server
        # refuses (revoked, say) must leave stdout empty, not a valid CSV of no rows that a
        # script ignoring the exit code would take for "no activity" (trial 5).
        self._csv = CsvWriter(held, names.names if names else {}) if args.csv else None

    def write(self, events: list[UsageEvent]) -> None:
        if self._array is not None:
            self._array.write([event_json(event) for event in events])
        elif self._csv is not None:
            self._csv.write(events)  # the header with the first page's rows, in one write
            self._flush()
        elif events:  # JSON Lines
            # lazy: start-up (--help imports every command module)
            from openrush_tui.text.safe import json_text

            output.out("\n".join(json_text(event_json(event), indent=None)
                                 for event in events), safe=True)

    def close(self) -> None:
        if self._array is not None:
            self._array.close()
        self._flush()  # a walk that yielded no page still answered: the header alone

    def _flush(self) -> None:
        text = self._page.take()
        if text:
            output.out(text, end="")  # made safe there, as every CSV row always was


class _Page(io.TextIOBase):
    """Where the CSV writer puts a page's rows, taken whole for one write."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def take(self) -> str:
        text, self._parts = "".join(self._parts), []
        return text


def _say_pause(seconds: float, info: RateLimitInfo | None) -> None:
    """A wait for the rate limit's window, on stderr (the line it is on is rewritten)."""
    left = requests_left(info.remaining, info.limit) if info else "rate-limited"
    say(f"openrush-tui: waiting {_duration(seconds)} for the rate limit's window to reset "
        f"({left}; the rest is for your own programs)…", err=True)


def _say_estimate(client: OpenRushClient, events: int) -> None:
    """Before the bulk of a long walk, how long it takes at the account's rate limit."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.activity.walk import PAGE, estimate

    requests = -(-events // PAGE)
    if requests < SAY_ESTIMATE_FROM:
        return
    info = client.rate_limit
    seconds = estimate(requests, info, datetime.now(UTC))
    if seconds is None or info is None:
        how = "the server does not say its rate limit"
    elif seconds == 0:
        how = f"within this window of the rate limit ({plural(info.remaining, 'request')} left)"
    else:
        how = (f"about {_duration(seconds)} at the account's rate limit ("
               f"{plural(info.limit, 'request')} a window, leaving a fifth to your own programs)")
    say(f"openrush-tui: up to {number(events)} more events take up to "
        f"{plural(requests, 'request')}: "
        f"{how}. ctrl+c stops it; what was written stays.", err=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def format_table(events: Sequence[UsageEvent], names: dict[str, str],
                 width: int | None = None) -> str:
    """An aligned plain-text table, fitted to `width` (see `commands.table`): the time gives
    way first (no seconds, then no year), then the duration and the source are left out, and
    the tool and the caller are cut last, keeping apart what differs (an endpoint keeps its
    method and its last part, as on the dashboard: "POST /v1/me/a…/revoke"; a key's name the
    end that tells it from another's). Server strings with control characters made visible."""
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
    tool = Column("TOOL", [call_label(event) for event in events],
                  cutter=lambda room: [call_label(event, room) for event in events])
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
