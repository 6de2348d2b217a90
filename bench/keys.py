"""API access with a large account: run it with ``python bench/keys.py [--keys 5000]``.

Seeds a sandbox with N extra keys, opens the dashboard headless (Textual's Pilot, 120x36) and
prints: the time to fetch the list, to show it, per keystroke of the filter (from the key
press until the screen has been redrawn), to sort, and to toggle hide-inactive. For
comparison it also times what this page used to do, a DataTable rebuilt with every row per
keystroke. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.apps, which builds the app as tests do

from rich.text import Text  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from openrush_tui.api.models import ApiCredential  # noqa: E402
from openrush_tui.keys.view import KeyView  # noqa: E402
from openrush_tui.widgets.key_table import KeyTable  # noqa: E402
from tests.support.apps import FIXED_NOW, TERMINAL, sandbox_app, settle  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def summary(label: str, samples: list[tuple[float, float]]) -> None:
    """Wall time (what the user waits, Pilot's frame wait included) and CPU time (work)."""
    wall = [sample[0] for sample in samples]
    cpu = [sample[1] for sample in samples]
    print(f"  {label:<44} wall median {ms(statistics.median(wall))} max {ms(max(wall))}"
          f"   cpu median {ms(statistics.median(cpu))}   (n={len(samples)})")


class Timer:
    """Wall and CPU time of a block, appended to `samples`."""

    def __init__(self, samples: list[tuple[float, float]]) -> None:
        self.samples = samples

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc_info: object) -> None:
        self.samples.append((time.perf_counter() - self.wall, time.process_time() - self.cpu))


async def measure(keys: int, typed: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sandbox.sqlite3"
        started = time.perf_counter()
        app = sandbox_app(db, page="api-access", seed_keys=keys)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot, limit=120)
            table = app.screen.query_one("#keys", KeyTable)
            opened = time.perf_counter() - started
            print(f"  {'open, seed, fetch and show the list':<44} wall {ms(opened)}"
                  f"   ({table.view.total} keys)")

            client = await app.session.client()
            fetches = []
            for _ in range(3):
                with Timer(fetches):
                    listed = await client.list_keys()
            summary("GET /v1/me/api-credentials (in-process)", fetches)

            loads = []
            for _ in range(3):
                with Timer(loads):
                    table.load(listed, FIXED_NOW)
                    await pilot.pause()
            summary("table.load(all keys) + redraw", loads)

            idle: list[tuple[float, float]] = []
            for _ in range(6):
                with Timer(idle):
                    await pilot.press("x")  # no binding: what Pilot itself costs per key
                    await pilot.pause()
            summary("baseline: a key that does nothing + redraw", idle)

            await pilot.press("slash")
            strokes = []
            for char in typed:
                with Timer(strokes):
                    await pilot.press(char)
                    await pilot.pause()
            print(f"    (after typing {typed!r}: {table.row_count} of {table.view.total} shown)")
            for _ in typed:
                with Timer(strokes):
                    await pilot.press("backspace")
                    await pilot.pause()
            summary("filter keystroke (type and delete) + redraw", strokes)
            await pilot.press("enter")

            sorts = []
            for _ in range(6):
                with Timer(sorts):
                    await pilot.press("s")
                    await pilot.pause()
            summary("sort by the next column + redraw", sorts)

            toggles = []
            for _ in range(4):
                with Timer(toggles):
                    await pilot.press("h")
                    await pilot.pause()
            summary("hide/show inactive + redraw", toggles)

            view = KeyView()
            view.load(listed, FIXED_NOW)
            passes = []
            for needle in ("b", "bu", "bul", "bulk 4", "or_", "zzz"):
                with Timer(passes):
                    view.set_filter(needle)
            summary("KeyView filter pass alone", passes)
            await baseline(listed, typed)


async def baseline(keys: list[ApiCredential], typed: str) -> None:
    """What the first version of this page would do per keystroke: rebuild a DataTable."""
    from textual.app import App, ComposeResult

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = Plain()
    async with app.run_test(size=TERMINAL) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Name", "Prefix", "Status", "Created", "Last used", "Expires")
        rebuilds = []
        for end in range(1, min(len(typed), 3) + 1):
            needle = typed[:end].casefold()
            with Timer(rebuilds):
                table.clear()
                for key in keys:
                    if needle in key.name.casefold() or end == 1:
                        table.add_row(Text(key.name), Text(key.prefix), Text(key.status(FIXED_NOW)),
                                      Text("x"), Text("y"), Text("z"), key=key.id)
                await pilot.pause()
        summary("for comparison: DataTable rebuilt + redraw", rebuilds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=5000, help="extra keys to seed")
    parser.add_argument("--type", default="key 0042", help="what to type into the filter")
    args = parser.parse_args()
    print(f"API access with {args.keys} extra keys (Textual headless, {TERMINAL[0]}x"
          f"{TERMINAL[1]}):")
    asyncio.run(measure(args.keys, args.type))


if __name__ == "__main__":
    main()
