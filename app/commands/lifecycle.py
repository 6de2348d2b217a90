"""`openrush-tui keys audit|rotate|scan`: the key lifecycle beyond create, list and revoke.

Registered from `keys.register`. Data goes to stdout, progress, reminders and errors to
stderr. Exit 3 means "found something to act on": an audit finding of a kind named in
``--fail-on``, or a working key of the account in a file.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openrush_tui.clock import system_clock
from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    add_connection_args,
    clear_status_line,
    error,
    guarded,
    interrupted,
    print_document,
    run_with_client,
    say,
    status_line,
)
from openrush_tui.errors import OpenRushError
from openrush_tui.text.counts import number, plural

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.keys.audit import AuditReport, AuditTally, KeyFindings
    from openrush_tui.keys.leaks import Verdict
    from openrush_tui.keys.scan import ScanReport

EXIT_FOUND = 3


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if not 0 <= value <= 36_500:
        raise argparse.ArgumentTypeError("must be between 0 and 36500 days")
    return value


def _kinds(text: str) -> frozenset[str]:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.audit import parse_kinds

    try:
        return parse_kinds(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def number_up_to(unit: str, most: float) -> Callable[[str], float]:
    """An argparse type: a number more than 0 and at most `most` (of `unit`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {unit}: {text!r}") from None
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(f"must be more than 0 and at most {most:g} {unit}")
        return value

    return parse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # lazy: cycle (rotate uses this module's helpers)
    from openrush_tui.commands.rotate import register_rotate

    audit = commands.add_parser(
        "audit", help="list active keys that need attention",
        description="List every active key that needs attention: expired (past its expiry "
                    "but still listed), expiring (within --expiring-days), never-used "
                    "(created more than --idle-days ago), idle (unused for --idle-days) and "
                    "no-expiry (never expires, older than 90 days).",
        epilog="Exit status 3 when a finding of a kind named in --fail-on exists, e.g. "
               "--fail-on expired,idle in CI.")
    audit.add_argument("--idle-days", type=_days, default=30, metavar="N",
                       help="a key unused for N days is idle (default %(default)s)")
    audit.add_argument("--expiring-days", type=_days, default=7, metavar="N",
                       help="a key expiring within N days is expiring (default %(default)s)")
    audit.add_argument("--fail-on", type=_kinds, default=frozenset(), metavar="KINDS",
                       help="exit 3 when a finding of these kinds exists: comma-separated "
                            "(expired,expiring,never-used,idle,no-expiry) or any")
    audit.add_argument("--json", action="store_true",
                       help="print JSON (docs/json-output.md)")
    add_connection_args(audit)
    audit.set_defaults(func=run_audit, read_only=True)

    register_rotate(commands)

    scan = commands.add_parser(
        "scan", help="look for OpenRush keys in files",
        description="Look for or_ keys in files (default: the current directory) and say "
                    "what each is: a working key of this account, a revoked or expired one, "
                    "or unknown. Skips .git, node_modules, virtualenvs, binary files, files "
                    "over 5 MB and virtual file systems (/proc, /sys); follows a symbolic "
                    "link only where it is named as a PATH. Keys are shown masked, in file "
                    "names too.",
        epilog="Exit status 3 when a working key of the account (or one that could not be "
               "checked) was found; otherwise 1 when the scan is incomplete (it stopped at "
               "--max-seconds, or some files or folders could not be read).")
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="files or folders to scan (default: .)")
    scan.add_argument("--max-seconds", type=number_up_to("seconds", 86_400), default=120.0,
                      metavar="S",
                      help="stop after this long, saying so (default %(default)g)")
    scan.add_argument("--json", action="store_true", help="print JSON (docs/json-output.md)")
    add_connection_args(scan)
    scan.set_defaults(func=run_scan, read_only=True)


# -- keys audit -------------------------------------------------------------------------------


@guarded
def run_audit(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.audit import AuditRules, AuditTally

    rules = AuditRules(idle_days=args.idle_days, expiring_days=args.expiring_days)
    now = system_clock()
    report: AuditReport | AuditTally
    if args.json:  # a page of keys at a time, whatever the account's size
        # lazy: cycle (commands.keys registers this module's commands)
        from openrush_tui.commands.keys import print_audit_json

        report = run_with_client(args, lambda client: print_audit_json(client,
                                                                       AuditTally(now, rules)))
        listed = report.listed
    else:  # a page at a time too: only the rows' cells kept (`AuditListing`)
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.key_tables import AuditListing
        from openrush_tui.commands.table import terminal_width

        report = AuditTally(now, rules)
        listing = AuditListing(terminal_width())
        among = run_with_client(args, lambda client: listing.take_pages(client, report))
        listing.print(among)
        listed = report.listed
    say(audit_summary(report.summary(), listed), err=True)
    if report.fails(args.fail_on):
        failing = sorted(kind for kind, count in report.counts().items()
                         if count and kind in args.fail_on)
        return error(f"keys audit: findings of kind {', '.join(failing)} (--fail-on)",
                     EXIT_FOUND)
    return EXIT_OK


def audit_summary(summary: str, listed: int) -> str:
    """`keys audit`'s last line, on stderr: "3 keys need attention (of 1,200 keys not
    revoked)."; every count as `text.counts` says it."""
    return f"{summary} (of {plural(listed, 'key')} not revoked)."


def key_findings_json(item: KeyFindings) -> dict[str, Any]:
    key = item.key.model_dump(mode="json")
    return {"id": key["id"], "name": key["name"], "prefix": key["prefix"],
            "kinds": list(item.kinds), "reason": item.reason,
            "findings": [{"kind": f.kind, "reason": f.reason} for f in item.findings],
            **{field: key[field] for field in ("created_at", "last_used_at", "expires_at")}}


def print_audit(report: AuditReport, among: Sequence[str] = ()) -> None:
    """Grouped by kind; a key with two findings shows under both, each with its own reason.
    The rows of every group share their columns, fitted to the terminal (`commands.table`):
    the id gives way first (its shortest unique start, then left out), then the name and
    the reason are cut, never mid-character, names kept apart; headings wrap between words.
    `keys audit` prints it a page of keys at a time (`commands.key_tables.AuditListing`)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.key_tables import AuditListing
    from openrush_tui.commands.table import terminal_width

    listing = AuditListing(terminal_width())
    listing.add((item.key, item.findings) for item in report.keys)
    listing.print(among)


# -- keys scan --------------------------------------------------------------------------------


@guarded
def run_scan(args: argparse.Namespace) -> int:
    return scan_command(args, time.monotonic)


def scan_command(args: argparse.Namespace, monotonic: Callable[[], float]) -> int:
    """`keys scan` on the clock `monotonic` (the deadline's: a controlled one in tests)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.files.trees import missing
    from openrush_tui.keys.scan import Scanner, path_text

    paths = args.paths or [Path(".")]
    gone = missing(paths)
    if gone:
        return error(f"keys scan: no such file or folder: {path_text(gone[0])}", EXIT_USAGE)
    show = ScanProgress() if output.stderr_is_terminal() else None
    key_list = KeyList(args)
    try:  # ctrl+c ends the walk with what it found (`ScanReport.interrupted`), said below
        report = Scanner(seconds=args.max_seconds, progress=show, monotonic=monotonic,
                         ignore={_credentials_file()}, workers=scan_workers(),
                         on_hit=key_list.start).scan(paths)
    finally:  # whatever stops it: no progress left before the next line (nor the prompt)
        if show is not None:
            show.clear()
    verdicts, note = _classify(report, key_list)
    if args.json:
        print_document("keys-scan", scan_json(report, verdicts))
    else:
        print_hits(verdicts)
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.table import stderr_width, wrap

    if report.interrupted:  # the findings so far above, then where it stopped (exit 130)
        if note:
            error(note)
        return interrupted(scan_summary(report, verdicts))
    say(wrap(scan_summary(report, verdicts), stderr_width()), err=True)
    if note:
        say(f"openrush-tui: {note}", err=True)
    if report.incomplete:  # said whatever else was found: no file may pass for clean
        error(f"keys scan: incomplete: {'; '.join(report.incomplete)} ({_complete_it(report)})")
    if any(verdict.dangerous for verdict in verdicts):
        return EXIT_FOUND
    return EXIT_API_ERROR if report.incomplete else EXIT_OK


def _complete_it(report: ScanReport) -> str:
    todo = []
    if report.stopped:
        todo.append("raise --max-seconds or scan fewer folders")
    if report.skipped.get("unreadable"):
        todo.append("scan as a user who can read them")
    return ", or ".join(todo)


def _credentials_file() -> Path:
    """This tool's own 0600 credential file: a key there is where it belongs."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import credentials_path

    return credentials_path()


def scan_workers() -> int:
    """Processes for the scan: one per CPU this process may use, up to 4 (reading and
    matching 270 MB take about 0.7 s of CPU: two halve the wait, four are plenty)."""
    usable = getattr(os, "sched_getaffinity", None)
    return max(1, min(4, len(usable(0)) if usable is not None else os.cpu_count() or 1))


class KeyList:
    """The account's keys, to say what each key found is: one request, none when nothing was
    found. `start` (the scan's `on_hit`: the first key found) fetches them in a thread while
    the scan goes on, so that the client's start-up (httpx, pydantic: about 0.25 s of CPU) and
    the round trip overlap the rest of the walk instead of following it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self._thread: threading.Thread | None = None
        self._keys: list[ApiCredential] | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._fetch, name="keys-scan-key-list",
                                            daemon=True)  # ctrl+c does not wait for it
            self._thread.start()

    def _fetch(self) -> None:
        try:
            self._keys = run_with_client(self._args, lambda client: client.list_keys())
        except BaseException as problem:  # handed to the main thread as is
            self._error = problem

    def done(self) -> bool:
        """The keys (or the error) are here: asking `result` does not wait."""
        return self._thread is not None and not self._thread.is_alive()

    def result(self) -> list[ApiCredential]:
        """The keys (OpenRushError when they could not be read), fetched now if not yet."""
        if self._thread is None:
            self._fetch()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._keys is not None  # noqa: S101 (no error: the fetch returned)
        return self._keys


def _classify(report: ScanReport, key_list: KeyList) -> tuple[list[Verdict], str]:
    """Verdicts for the hits: one request for the account's keys, none when nothing was found."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.leaks import classify

    if not report.hits:
        return [], ""
    if report.interrupted and not key_list.done():  # ctrl+c: no wait for the network now
        return (classify(report.hits, None, system_clock()),
                "the keys found were not checked against the account's (interrupted first)")
    try:
        keys = key_list.result()
    except OpenRushError as problem:
        return (classify(report.hits, None, system_clock()),
                f"the keys found were not checked against the account's: {problem}")
    return classify(report.hits, keys, system_clock()), ""


PATH_LEAST = 12  # cells: a path shorter than this tells nothing; the counts go alone


def progress_text(counts: str, where: str, width: int) -> str:
    """The progress line in `width` display cells: the counts, then the path being read,
    shortened in its middle (its first third, "…", then its end, the file's own name) when
    the whole would not fit; the path left out when too little of it would; the counts cut
    last. One line that fits, because a line that wraps breaks the ``\\r`` redraw."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.text.cells import cell_width, cut

    room = width - cell_width(counts) - 2
    if room < min(PATH_LEAST, cell_width(where)):
        return cut(counts, width)
    return f"{counts}  {cut(where, room, keep_end=room - 1 - room // 3)}"


class ScanProgress:
    """One line on stderr, rewritten in place (only when stderr is a terminal)."""

    def __call__(self, report: ScanReport, where: str) -> None:
        # `where` is shown as `keys.scan.path_text` makes it: keys in names masked.
        counts = (f"scanning: {plural(report.files, 'file')}, "
                  f"{plural(report.keys_found, 'key')} found")
        status_line(progress_text(counts, where, output.status_width()))

    @staticmethod
    def clear() -> None:
        clear_status_line()


def print_hits(verdicts: list[Verdict]) -> None:
    """One hit a line, `path:line:column` first as editors read it; on a terminal, a hit
    longer than a line goes on under it, broken between words (`commands.table.wrap`)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.table import terminal_width, wrap
    from openrush_tui.keys.scan import path_text

    width = terminal_width()
    for verdict in verdicts:
        hit = verdict.hit
        say(wrap(f"{path_text(hit.path)}:{hit.line}:{hit.column}  {hit.masked}  "
                 f"{verdict.advice}", width, "    "))


def scan_json(report: ScanReport, verdicts: list[Verdict]) -> dict[str, Any]:
    """Paths as the text shows them (`keys.scan.path_text`): valid UTF-8, keys masked."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.scan import path_text

    return {
        "hits": [{"path": path_text(v.hit.path), "line": v.hit.line, "column": v.hit.column,
                  "key": v.hit.masked, "prefix": v.hit.prefix, "status": v.status,
                  "advice": v.advice, "key_id": v.key.id if v.key else None,
                  "key_name": v.key.name if v.key else None,
                  "last_used_at": v.key.model_dump(mode="json")["last_used_at"]
                  if v.key else None} for v in verdicts],
        "files": report.files, "bytes": report.bytes, "skipped": report.skipped,
        "unreadable": report.unreadable, "virtual_file_systems": report.virtual,
        "complete": report.complete, "incomplete": report.incomplete,
        "seconds": round(report.seconds, 2),
    }


def scan_summary(report: ScanReport, verdicts: list[Verdict]) -> str:
    size = report.bytes / 1_000_000
    text = (f"Scanned {plural(report.files, 'file')} ({size:,.1f} MB) in "
            f"{report.seconds:.1f} s")
    if report.skipped:
        text += "; skipped " + report.summary_of_skips()
    text += f". {plural(len(verdicts), 'key')} found"
    if report.interrupted:
        text += " so far"
    statuses = Counter(verdict.status for verdict in verdicts)
    if statuses:
        text += ": " + ", ".join(f"{number(count)} {status}"
                                 for status, count in statuses.items())
    return text + "."
