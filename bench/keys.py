"""API access with a large account: run it with ``python bench/keys.py [--keys 5000]``.

Seeds a sandbox with N extra keys, opens the dashboard headless (Textual's Pilot, 120x36) and
prints: the time to fetch the list, to show it, per keystroke of the filter (from the key
press until the screen has been redrawn), to sort, and to toggle hide-inactive. For
comparison it also times what this page used to do, a DataTable rebuilt with every row per
keystroke. Not a test: figures depend on the machine.

``--load-runs N [--before REV]`` instead runs the dashboard N times over loopback HTTP against
one ``sandbox serve --seed-keys N`` (issue 23): the time to the first key names, the wait of
key presses while the list loads and after, the event loop's CPU ahead of them, the peak RSS,
then the same while the list loads again (r) and after; with ``--before``, API access's files
as of REV in the same runs, interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.apps, which builds the app as tests do
# Each part imports what it uses: a run of the dashboard's start (--child-load) loads only
# what the dashboard and the harness need.
TERMINAL = (120, 36)  # tests.support.apps.TERMINAL

if TYPE_CHECKING:
    from openrush_tui.api.models import ApiCredential


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
    from openrush_tui.keys.view import KeyView
    from openrush_tui.widgets.key_table import KeyTable
    from tests.support.apps import FIXED_NOW, sandbox_app, settle

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
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tests.support.apps import FIXED_NOW

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


# -- the load of a large list over HTTP (issue 23) ----------------------------------------
# Each run is a fresh process (its peak RSS is the dashboard's), the dashboard headless over
# loopback HTTP against one `sandbox serve --seed-keys N`. A thread presses down/up every
# PRESS_EVERY seconds, as a terminal's input thread does: Textual stamps each Key event with
# its own clock (`Message.time`) where it is made, in that thread, so the gap from that stamp
# to the table's action running, and to the next frame drawn after it, is what a person waits.

PRESS_EVERY = 0.1
AFTER_LOAD = 1.0  # seconds of presses after the list has loaded (and after it has reloaded)
# The files of issue 23's dashboard item: `--before REV` runs them as of REV, the rest of the
# tree as it is now, so the two sides differ by this change alone.
MINE = ("screens/api_access/page.py", "widgets/key_table.py", "app/keys/view.py",
        "app/keys/listing.py", "widgets/audit_line.py", "app/api/client.py",
        "app/api/models.py", "app/keys/audit.py", "widgets/status_line.py",
        "widgets/key_summary.py")


def child_load(url: str, key: str, seconds: float) -> None:
    """One run (in its own process): print a JSON line of the figures.

    The process collects garbage as the dashboard's own does (`openrush-tui` pauses the
    collector until the first page has loaded, then freezes what start-up built:
    `tui.startup`), so the first load runs without collections; the reload (r) after it runs
    with them, as every later load does."""
    import json
    import os
    import resource
    import threading
    from collections import deque

    from openrush_tui.tui import startup

    startup.pause()  # as `main.open_dashboard` does, before Textual loads

    from textual import events

    from openrush_tui.widgets.key_table import KeyTable as Table
    from tests.support.apps import remote_app

    # From the process's start (the kernel's record of it), imports included.
    ticks = os.sysconf("SC_CLK_TCK")
    began = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    started = time.monotonic() - (time.clock_gettime(time.CLOCK_BOOTTIME) - began)
    app = remote_app(url, key, page="api-access", read_timeout=120.0)
    # The event loop's own CPU clock (this thread runs it), readable from the presser: the
    # CPU the loop spent between a press and its action is the work queued ahead of the
    # press, whatever else the machine runs (the wall gap also counts waiting for a core).
    loop_clock = time.pthread_getcpuclockid(threading.main_thread().ident or 0)
    pressed: deque[tuple[float, float]] = deque()  # (press, loop CPU then)
    handled: list[tuple[float, float]] = []  # (press, action ran)
    loop_cpu: list[tuple[float, float]] = []  # (press, loop CPU from press to action)
    frames: list[float] = []
    names_at: list[float] = []
    loaded_at: list[float] = []
    # The reload: when r was pressed, when the list was whole again; the peak RSS before it.
    reload_at: list[float] = []
    reloaded_at: list[float] = []
    first_peak: list[float] = []
    original_cursor = Table.action_cursor

    moved: set[float] = set()  # presses that moved the cursor (a frame shows them)

    def action_cursor(self: Table, delta: int) -> None:
        before = self.cursor
        original_cursor(self, delta)
        if pressed:
            press, cpu = pressed.popleft()
            handled.append((press, time.monotonic()))
            loop_cpu.append((press, time.clock_gettime(loop_clock) - cpu))
            if self.cursor != before:
                moved.add(press)

    Table.action_cursor = action_cursor  # type: ignore[method-assign]
    original_display = app._display  # private: each frame the app draws

    def display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        now = time.monotonic()
        frames.append(now)
        if not names_at:
            tables = screen.query(Table)
            if tables and tables.first().row_count > 0:
                names_at.append(now)

    app._display = display  # type: ignore[method-assign]

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        async with app.run_test(size=TERMINAL):
            def presser() -> None:
                flip = False
                while not stop.wait(PRESS_EVERY):
                    focused = app.screen.focused
                    if not isinstance(focused, Table):
                        continue
                    flip = not flip
                    event = events.Key("down" if flip else "up", None)
                    pressed.append((event.time, time.clock_gettime(loop_clock)))
                    loop.call_soon_threadsafe(app.post_message, event)

            thread = threading.Thread(target=presser, daemon=True)
            thread.start()
            deadline = loop.time() + seconds
            reloading = False  # the reload has been seen under way
            while loop.time() < deadline:
                await asyncio.sleep(0.02)
                screen = app.screen
                tables = screen.query(Table)
                busy = getattr(screen, "loading_page", True)
                now = time.monotonic()
                if tables and tables.first().row_count > 0 and not loaded_at and not busy:
                    loaded_at.append(now)
                elif loaded_at and not reload_at and now > loaded_at[0] + AFTER_LOAD:
                    first_peak.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
                    reload_at.append(now)
                    app.post_message(events.Key("r", "r"))
                elif reload_at and not reloaded_at:
                    reloading = reloading or busy
                    if reloading and not busy:
                        reloaded_at.append(now)
                elif reloaded_at and now > reloaded_at[0] + AFTER_LOAD:
                    break
            stop.set()
            thread.join()
            await asyncio.sleep(0.2)
            total = app.screen.query_one(Table).view.total
            # What the page says at the end (a run that loaded nothing says why).
            said = str(app.screen.query_one("#keys-state").render())[:200]

        with open("/proc/self/statm") as statm:  # noqa: ASYNC230 (after the run)
            resident = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
        loaded = loaded_at[0] if loaded_at else float("inf")
        names = names_at[0] if names_at else loaded
        reload = reload_at[0] if reload_at else float("inf")
        reloaded = reloaded_at[0] if reloaded_at else float("inf")
        # While the list loads: from the table's first focus until the last key is in (an
        # unpaged list shows its first names only then); the part before the first names
        # (start-up, the first page) is also given alone. Then the second after; then from
        # r until the list is whole again, and the second after.
        during = [end - start for start, end in handled if start < loaded]
        before_names = [end - start for start, end in handled if start < names]
        after = [end - start for start, end in handled if loaded <= start < reload]
        again = [end - start for start, end in handled if reload <= start < reloaded]
        after_again = [end - start for start, end in handled if start >= reloaded]
        painted, painted_at, painted_again = [], [], []
        for start, end in handled:
            # A press on a table with no rows yet changes nothing: no frame shows it (the
            # next frame drawn, the first names, would count the start-up's wait instead).
            frame = next((f for f in frames if f >= end), None) if start in moved else None
            if frame is not None and start < loaded:
                painted.append(frame - start)
                painted_at.append((frame - start, start - started, end - start))
            elif frame is not None and reload <= start < reloaded:
                painted_again.append(frame - start)
        print(json.dumps({
            "keys": total, "said": said,
            "names": names_at[0] - started if names_at else None,
            "loaded": loaded - started,
            "during": during, "after": after, "painted": painted,
            "before_names": before_names,
            "again": again, "after_again": after_again, "painted_again": painted_again,
            "reload": reloaded - reload if reloaded_at else None,
            "cpu_during": [cpu for start, cpu in loop_cpu if start < loaded],
            "cpu_after": [cpu for start, cpu in loop_cpu if loaded <= start < reload],
            "process_cpu": time.process_time(),
            "painted_at": sorted(painted_at, reverse=True)[:3],
            "worst_at": sorted(((end - start, start - started) for start, end in handled),
                               reverse=True)[:5],
            "rss_mib": (first_peak or [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss])[0]
            / 1024,
            "rss_reload_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_end_mib": resident,
        }))

    try:
        asyncio.run(run())
    except Exception as error:  # a press queued as the app closed
        if not handled:
            raise
        print(f"(closing: {error!r})", file=sys.stderr)


def before_tree(rev: str, into: Path) -> Path:
    """The package as the working tree has it, with MINE as of `rev`: a folder to put first
    on PYTHONPATH (it maps app/, screens/, widgets/ and styles/ as pyproject does)."""
    import shutil
    import subprocess

    package = into / "openrush_tui"
    shutil.copytree(ROOT / "app", package, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("screens", "widgets", "styles"):
        shutil.copytree(ROOT / part, package / part, ignore=shutil.ignore_patterns("__pycache__"))
    for path in MINE:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True,
                              capture_output=True).stdout
        first, _, rest = path.partition("/")
        target = package / (rest if first == "app" else path)
        target.write_bytes(text)
    return into


def load_runs(keys: int, runs: int, before: str | None, seconds: float) -> None:
    import json
    import os
    import subprocess

    from tests.support.sandbox_process import start_sandbox

    with tempfile.TemporaryDirectory() as tmp:
        sides: dict[str, dict[str, str]] = {"after": dict(os.environ)}
        if before is not None:
            tree = before_tree(before, Path(tmp) / "before")
            sides = {"before": {**os.environ, "PYTHONPATH": str(tree)}, **sides}
        print(f"  seeding a sandbox with {keys} extra keys (sandbox serve, loopback HTTP)…",
              flush=True)
        sandbox = start_sandbox(Path(tmp) / "sandbox.sqlite3", rate_per_minute=1_000_000,
                                rate_per_hour=10_000_000, rate_per_day=100_000_000,
                                extra=("--seed-keys", str(keys)), )
        try:
            url, key = sandbox.running
            results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
            for run in range(runs):
                for side, env in sides.items():  # interleaved: the machine's load hits both
                    load = os.getloadavg()[0]
                    out = subprocess.run(
                        [sys.executable, __file__, "--child-load", url, key,
                         "--seconds", str(seconds)],
                        env=env, capture_output=True, text=True, check=False)
                    line = out.stdout.strip().splitlines()[-1:] or ["{}"]
                    try:
                        figures = json.loads(line[0])
                    except ValueError:
                        print(out.stdout, out.stderr)
                        raise
                    figures["load"] = load
                    results[side].append(figures)
                    print(f"    run {run + 1} {side:<6} load {load:4.1f}: {brief(figures)}",
                          flush=True)
        finally:
            sandbox.stop()
        for side, figures in results.items():
            loaded = [run for run in figures if run["keys"]]
            failed = f"; {len(figures) - len(loaded)} loaded nothing" if len(loaded) < len(
                figures) else ""
            print(f"  {side} (median of {len(loaded)} runs{failed}; each run's worst press, "
                  "then the median over runs):")
            report(loaded)


def brief(run: dict[str, Any]) -> str:
    during, after, painted = run["during"] or [0.0], run["after"] or [0.0], run["painted"] or [0.0]
    names = run["names"]
    if not run["keys"]:
        return f"no key loaded; the page said: {run['said']}"
    return (f"{run['keys']} keys, names {names * 1000 if names else float('nan'):6.0f} ms, "
            f"loaded {run['loaded'] * 1000:6.0f} ms, press while loading max "
            f"{max(during) * 1000:5.0f} / median {statistics.median(during) * 1000:4.0f} ms "
            f"(to the frame: max {max(painted) * 1000:5.0f}), after max "
            f"{max(after) * 1000:4.0f} ms, peak RSS {run['rss_mib']:.0f} MiB "
            f"({len(run['during'])}+{len(run['after'])} presses); reload "
            f"{(run['reload'] or float('nan')) * 1000:5.0f} ms, press max "
            f"{max(run['again'] or [0.0]) * 1000:4.0f} ms (to the frame "
            f"{max(run['painted_again'] or [0.0]) * 1000:4.0f}), after max "
            f"{max(run['after_again'] or [0.0]) * 1000:4.0f} ms, peak RSS "
            f"{run['rss_reload_mib']:.0f} MiB")


def report(runs: list[dict[str, Any]]) -> None:
    def med(values: list[float]) -> float:
        return statistics.median(values) * 1000

    rows = [
        ("launch (process start) → first key names",
         [r["names"] for r in runs if r["names"] is not None]),
        ("launch → whole list loaded", [r["loaded"] for r in runs]),
        ("worst press while loading (to its action)", [max(r["during"] or [0]) for r in runs]),
        ("worst press while loading (to its frame)", [max(r["painted"] or [0]) for r in runs]),
        ("median press while loading", [statistics.median(r["during"] or [0]) for r in runs]),
        ("worst press in the second after", [max(r["after"] or [0]) for r in runs]),
        ("... of which before the first names", [max(r["before_names"] or [0]) for r in runs]),
        ("loop CPU ahead of the worst press, loading", [max(r["cpu_during"] or [0])
                                                         for r in runs]),
        ("loop CPU ahead of the worst press, after", [max(r["cpu_after"] or [0])
                                                       for r in runs]),
        ("reload (r) → the whole list in again", [r["reload"] for r in runs
                                                  if r["reload"] is not None]),
        ("worst press while reloading (to its action)", [max(r["again"] or [0])
                                                         for r in runs]),
        ("worst press while reloading (to its frame)", [max(r["painted_again"] or [0])
                                                        for r in runs]),
        ("worst press in the second after the reload", [max(r["after_again"] or [0])
                                                        for r in runs]),
    ]
    for label, values in rows:
        print(f"    {label:<44} {med(values):7.0f} ms  (runs: "
              + ", ".join(f"{v * 1000:.0f}" for v in values) + ")")
    rss = [r["rss_mib"] for r in runs]
    print(f"    {'peak RSS (the first load)':<44} {statistics.median(rss):7.0f} MiB (runs: "
          + ", ".join(f"{v:.0f}" for v in rss) + ")")
    rss = [r["rss_reload_mib"] for r in runs]
    print(f"    {'peak RSS (with the reload)':<44} {statistics.median(rss):7.0f} MiB (runs: "
          + ", ".join(f"{v:.0f}" for v in rss) + ")")
    loads = [r["load"] for r in runs]
    print("    load average (1 min) at each run: " + ", ".join(f"{v:.1f}" for v in loads))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=5000, help="extra keys to seed")
    parser.add_argument("--type", default="key 0042", help="what to type into the filter")
    parser.add_argument("--load-runs", type=int, default=0, metavar="N",
                        help="instead: N runs of the dashboard loading the list over HTTP "
                             "(first names, key presses while loading, peak RSS)")
    parser.add_argument("--before", metavar="REV",
                        help="with --load-runs: also run API access's files as of REV, "
                             "interleaved (before → after in one run)")
    parser.add_argument("--seconds", type=float, default=120.0, help=argparse.SUPPRESS)
    parser.add_argument("--child-load", nargs=2, metavar=("URL", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_load:
        child_load(*args.child_load, args.seconds)
        return
    if args.load_runs:
        print(f"API access loading {args.keys} extra keys over HTTP (Textual headless, "
              f"{TERMINAL[0]}x{TERMINAL[1]}; a press every {PRESS_EVERY * 1000:.0f} ms):")
        load_runs(args.keys, args.load_runs, args.before, args.seconds)
        return
    print(f"API access with {args.keys} extra keys (Textual headless, {TERMINAL[0]}x"
          f"{TERMINAL[1]}):")
    asyncio.run(measure(args.keys, args.type))


if __name__ == "__main__":
    main()
