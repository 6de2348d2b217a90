"""Activity to a CSV or JSON file: `activity --csv`, and the export of Activity's current view.

- Cells are safe to open in a spreadsheet: a server string that starts like a formula
  (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, and every
  server string goes through `text.safe.visible` (no control characters).
- `export_activity` writes the events of an `ActivityFilter` (its filters and period) page by
  page, reporting progress, up to a cap the user is told about; it pauses rather than spend the
  last requests of the account's rate limit (shared with production), and says so. The file is
  written through `files.writing.NewFile`: a hidden temporary beside it, named only when
  complete and never over an existing file, so a half-written export never has the name of a
  finished one. The name carries the filters (`export_filename`), the page's `/` filter
  too: its text narrows the events written by the same match as the page's
  (`events.matches_text`; trial 8: the export wrote every event of the period).

No Textual: the command line uses the writers, a screen runs `export_activity` in a worker.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import IO, TYPE_CHECKING, Any, Literal

from openrush_tui.activity.counting import CHART_PAGE, RATE_RESERVE, count_pages
from openrush_tui.activity.events import OWN_READS_LEFT_OUT, matches_text
from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.files.writing import NewFile
from openrush_tui.text.safe import visible

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import UsageEvent

Format = Literal["csv", "json"]
EXPORT_CAP = 10_000  # 50 requests of 200: a sixth of the documented hourly limit
CSV_COLUMNS = ("time", "source", "tool", "endpoint", "status", "status_code", "credits",
               "key_id", "key_prefix", "key_name", "client", "duration_ms", "id",
               "method", "error")  # the last two: OURS, added at the end for older readers
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str | None) -> str:
    """A server string as a CSV cell: literal, and never read as a formula."""
    shown = visible(text)
    return "'" + shown if shown.startswith(_FORMULA_START) else shown


def csv_row(event: UsageEvent, names: Mapping[str, str]) -> list[str | int]:
    def number(value: int | None) -> str | int:
        return "" if value is None else value

    name = names.get(event.credential_id or "")
    return [event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            cell(event.source), cell(event.tool), cell(event.endpoint), cell(event.status),
            number(event.status_code), event.credits, cell(event.credential_id),
            cell(event.credential_prefix), cell(name), cell(event.client),
            number(event.duration_ms), cell(event.id), cell(event.method), cell(event.error)]


class CsvWriter:
    """A header, then rows as pages arrive (so `activity --csv` streams like `--jsonl`)."""

    def __init__(self, out: IO[str], names: Mapping[str, str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._names = names
        self._writer.writerow(CSV_COLUMNS)

    def write(self, events: Iterable[UsageEvent]) -> None:
        self._writer.writerows(csv_row(event, self._names) for event in events)


def json_record(event: UsageEvent, names: Mapping[str, str]) -> dict[str, Any]:
    return {**event.model_dump(mode="json"), "key_name": names.get(event.credential_id or "")}


class JsonWriter:
    """A JSON array written item by item; ASCII only, so no character can reach a terminal
    that prints the file as anything but text."""

    def __init__(self, out: IO[str], names: Mapping[str, str]) -> None:
        self._out, self._names, self._first = out, names, True
        out.write("[")

    def write(self, events: Iterable[UsageEvent]) -> None:
        for event in events:
            self._out.write("\n" if self._first else ",\n")
            self._out.write(json.dumps(json_record(event, self._names), ensure_ascii=True))
            self._first = False

    def close(self) -> None:
        self._out.write("\n]\n")


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:limit].strip("-")


def export_filename(view: ActivityFilter, fmt: Format, now: datetime, text: str = "") -> str:
    """E.g. ``openrush-activity-7d-mcp-errors-key-production-server-20261202-0104.csv``;
    `text`, the page's `/` filter, as ``match-revoke``."""
    parts = ["openrush-activity", f"{view.days}d"]
    if view.source:
        parts.append(view.source)
    if view.status:
        parts.append({"error": "errors", "rate_limited": "rate-limited"}.get(view.status,
                                                                              view.status))
    if view.credential_id:
        parts.append("key-" + (_slug(view.key_label or "") or _slug(view.credential_id)))
    if view.tool:
        parts.append("tool-" + _slug(view.tool))
    if _slug(text):
        parts.append("match-" + _slug(text))
    parts.append(now.astimezone(UTC).strftime("%Y%m%d-%H%M"))
    return "-".join(part for part in parts if part) + f".{fmt}"


def with_extension(name: str, fmt: Format) -> str:
    """A file name as typed, with the format's extension when it has none: "events" →
    "events.csv" ("events." too: its dot was meant for it). A name with an extension, this
    format's or another ("events.txt", "events.CSV"), is kept as typed: the user chose it.
    Trial 8: "events" was saved as it was, a file with no extension."""
    if PurePath(name).suffix or not name.rstrip("."):  # "..": nothing to add it to
        return name
    return f"{name.rstrip('.')}.{fmt}"


ExportStop = Literal["end", "cap", "rate"]


@dataclass(frozen=True)
class ExportProgress:
    count: int  # events written so far
    cap: int
    path: Path  # the final name (the file is there once `done`)
    done: bool = False
    stop: ExportStop | None = None  # why it ended, once done

    @property
    def text(self) -> str:
        if not self.done:
            return f"Exporting… {self.count:,} events (at most {self.cap:,})"
        name = visible(self.path.name)
        if self.stop == "cap":
            return (f"Exported the newest {self.count:,} events to {name}: the export stops at "
                    f"{self.cap:,}; narrow the filters or the period for the rest.")
        if self.stop == "rate":
            return (f"Exported the newest {self.count:,} events to {name}, then stopped to leave "
                    "requests of the rate limit to your own programs; export again later.")
        return f"Exported {self.count:,} events to {name}."


async def export_activity(client: OpenRushClient, view: ActivityFilter, now: datetime,
                          path: Path, fmt: Format, *, names: Mapping[str, str] | None = None,
                          cap: int = EXPORT_CAP, reserve: int = RATE_RESERVE,
                          leave_out: Callable[[UsageEvent], bool] | None = None,
                          another_name: bool = False,
                          text: str = "") -> AsyncIterator[ExportProgress]:
    """Write `view`'s events (newest first) to `path`, yielding progress after each page.

    `leave_out`: events the view hides (the dashboard's own reads), not written or counted;
    the server is asked to leave them out too (`events.OWN_READS_LEFT_OUT`, OURS), so they
    cost no pages where it can.
    `text`: the page's `/` filter; only the events it matches are written (the server is not
    asked: the text matches key names it does not know).
    `path` is never overwritten: with `another_name` a free ``name-2.csv``… is taken instead
    (the last progress names it), else FileExists. API errors propagate (nothing is left
    behind); the last progress has `done` set.
    """
    names = names or {}
    count = 0
    stop: ExportStop | None = None
    # Written under a hidden, unpredictable temporary name and given its name only when
    # complete, never over an existing file (one made meanwhile included).
    with NewFile(path, overwrite=False, another_name=another_name) as new:
        writer = CsvWriter(new.handle, names) if fmt == "csv" else JsonWriter(new.handle, names)
        pages = math.ceil(cap / CHART_PAGE)
        query = {**view.query(now), **(OWN_READS_LEFT_OUT if leave_out else {})}
        async for step in count_pages(client, query, None, pages=pages,
                                      reserve=reserve):
            kept = [item for item in step.items if not (leave_out and leave_out(item))
                    and matches_text(item, names, text)]
            items = kept[: cap - count]
            writer.write(items)
            count += len(items)
            left_out = len(items) < len(kept)
            if left_out or step.stop == "batch" or (count >= cap and step.next_cursor):
                stop = "cap"
            else:
                stop = step.stop
            if stop is None:
                yield ExportProgress(count, cap, path)
            if count >= cap:
                break
        if isinstance(writer, JsonWriter):
            writer.close()
    yield ExportProgress(count, cap, new.path, done=True, stop=stop or "end")
