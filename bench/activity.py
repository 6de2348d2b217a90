"""Activity benchmark on an account with 100,000 events: ``python bench/activity.py``.

Prints how long the sandbox takes to seed, what one usage page costs (first page, deep pages
by the cursor, a filtered page), and then, driving the real Activity screen headless with
Textual's Pilot: time to the first page of rows, time per "load more", time for one chart
batch (5,000 events), rows held after paging far down, and the process's memory.

The sandbox runs in-process (httpx's ASGI transport), as with ``openrush-tui --sandbox``, so
the figures are the app's and the sandbox's work without a network. Not a test: no asserts
on timings anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support.apps

from openrush_tui.activity.filters import ActivityFilter
from openrush_tui.activity.model import MAX_ROWS
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.screens.activity.page import ActivityScreen
from openrush_tui.widgets.event_table import EventTable
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.apps import FIXED_NOW, KEY_SEED, TERMINAL, sandbox_app, settle


def rss_mib() -> float:
    """Resident memory now (Linux /proc), or NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def wait_for(condition: Callable[[], bool], limit: float = 60.0) -> float:
    """Seconds until `condition()` holds, polling every millisecond on the app's own loop
    (Pilot's pause waits for idle and would add its own delay to every figure)."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > limit:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


async def api_figures(db: Path, pages: int) -> None:
    app = sandbox_app(db, page="setup", seed_events=EVENTS)
    async with app.run_test(size=TERMINAL):
        client = await app.session.client()
        since = ActivityFilter(days=30).since(FIXED_NOW)
        await client.usage(limit=50, since=since)  # warm: imports, connection, SQLite cache
        firsts = []
        for _ in range(20):
            start = time.perf_counter()
            await client.usage(limit=50, since=since)
            firsts.append(time.perf_counter() - start)
        cursor, deep = None, []
        for _ in range(pages):
            start = time.perf_counter()
            page = await client.usage(limit=200, cursor=cursor, since=since)
            deep.append(time.perf_counter() - start)
            cursor = page.next_cursor
        start = time.perf_counter()
        await client.usage(limit=50, since=since, tool="audit_site", status="error")
        filtered = time.perf_counter() - start
    print(f"first page, 50 events (median of 20)         {ms(statistics.median(firsts))}")
    print(f"paging by the cursor, 200 events a page       {ms(statistics.mean(deep))} mean, "
          f"{ms(max(deep))} worst of {pages}")
    print(f"a filtered page (tool + status)               {ms(filtered)}")


async def screen_figures(db: Path, pages: int) -> None:
    before = rss_mib()
    app = sandbox_app(db, page="setup", seed_events=EVENTS)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await app.session.client()  # the connection exists, as after any first page
        start = time.perf_counter()
        await app.switch_mode("activity")
        screen = app.screen
        if not isinstance(screen, ActivityScreen):
            raise TypeError(screen)
        table = screen.query_one("#events", EventTable)
        first = await wait_for(lambda: table.row_count > 0)
        first_mount = time.perf_counter() - start
        summary = screen.query_one(UsageSummary)
        chart_done = await wait_for(
            lambda: summary.figures is not None and summary.figures.calls > 1000
            and not screen.query_one("#chart").counting)
        chart_total = time.perf_counter() - start
        table.focus()
        per_page, most = [], 0
        for _ in range(pages):
            seen = table.row_count, str(table.ordered_rows[-1].key.value)
            begin = time.perf_counter()
            table.action_load_more()  # what the n key runs (Pilot's press adds its own waits)
            await wait_for(lambda seen=seen: (table.row_count, str(
                table.ordered_rows[-1].key.value)) != seen)
            per_page.append(time.perf_counter() - begin)
            most = max(most, table.row_count, len(screen.model.window))
        await settle(pilot)
        after = rss_mib()
        figures = summary.figures
    print(f"Activity: first rows on screen                 {ms(first_mount)} "
          f"({ms(first)} after the screen was up)")
    print(f"Activity: chart's first batch counted          {ms(chart_total)} "
          f"(+{ms(chart_done)}; {figures.calls if figures else 0:,} events)")
    print(f"Activity: load more (50 rows), key to rows     {ms(statistics.median(per_page))} "
          f"median, {ms(max(per_page))} worst of {pages}")
    print(f"Activity: most rows held while paging          {most:>8} (bound {MAX_ROWS})")
    print(f"Process memory (RSS) before / after            {before:8.1f} / {after:.1f} MiB")


EVENTS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="pages to load (default 40)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sandbox.sqlite3"
        start = time.perf_counter()
        create_sandbox(SandboxOptions(db_path=db, now=FIXED_NOW, key_seed=KEY_SEED,
                                      seed_events=EVENTS)).close()
        print(f"seeding {EVENTS:,} events                          "
              f"{ms(time.perf_counter() - start)}")
        asyncio.run(api_figures(db, args.pages))
        asyncio.run(screen_figures(db, args.pages))


if __name__ == "__main__":
    main()
