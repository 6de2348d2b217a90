"""Start-up and footprint benchmark: ``python bench/startup.py [--runs 7] [--steady 600]``.

Every figure is measured against a hello-world Textual app (Header, a Static, Footer) run in
turn with it (A B A B …), and quoted as the median of per-pair ratios, so a machine that
drifts or is busy hits both sides alike. Every program runs in a real pseudo-terminal of
120×40 and is timed from outside, from spawn until its output first contains a marker, so
the figures include interpreter start-up and imports.

Figures:
- first frame, ``openrush-tui --sandbox`` (in-process sandbox, demo session)
- first frame and key names on screen as a client of ``openrush-tui sandbox serve`` over
  loopback HTTP (``OPENRUSH_API_URL`` + ``OPENRUSH_KEY``, fail keyring): the user's real case
- the same two as CPU time (all the process's threads, from the kernel's schedstat): when it
  matches the wall clock, start-up is CPU-bound, and only less work (not more overlap) makes
  it shorter
- key names on screen, ``--sandbox``
- peak memory after visiting the three pages, over HTTP and ``--sandbox`` (the kernel's
  high-water mark read while the app still runs, so its shutdown is not counted; hello world's
  after its first frame)
- with ``--steady SECONDS``: CPU and memory of the dashboard left idle over HTTP, one process
  on each page at once (live refresh on), memory sampled every 10 s

Against the floor of our own stack (issue 23), in the same interleaved runs:
- key names on screen over HTTP against ``bench/floor_keys.py`` (a one-file Textual + httpx +
  pydantic app doing the same fetch and table), goal ≤ 1.1×
- peak memory after the three pages over HTTP against ``bench/floor_pages.py`` (a three-page
  app of the same stack), goal ≤ 1.1×
- CPU time to the first frame of each against hello world's
``--floor`` runs only these (and hello world's pairs they need), which is quicker. With
``--baseline DIR`` (a copy of the package laid out as installed, ``DIR/openrush_tui``, e.g. of
the last commit), the dashboard from DIR runs in the same rounds too, and the figures of this
tree are also given against it: a change's before → after, measured side by side.

Not a test: figures depend on the machine, which is shared: the load average is printed with
the figures. Goals are issues 14's and 23's.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from environment_note import trio_note  # bench/ is first on sys.path

HELLO_WORLD = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Hello(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("Hello, world")
        yield Footer()

Hello().run()
"""

KEYS_SHOWN = b" keys, "  # API access's summary line, drawn with the key names
ACTIVITY_SHOWN = b"per day"  # the chart's legend ("Credits spent per day")
SETUP_SHOWN = b"This terminal"
SIZE = (40, 120)  # rows, columns


SETTLE = 0.5  # seconds after the last marker before the high-water mark is read


@dataclass
class Run:
    seconds: dict[bytes, float] = field(default_factory=dict)  # marker -> seconds from spawn
    cpu_seconds: dict[bytes, float] = field(default_factory=dict)  # marker -> CPU time by then
    peak_rss_mib: float = 0.0


def high_water_mib(pid: int) -> float | None:
    """The process's peak resident memory so far (Linux), or None where /proc has none."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of the process so far (Linux; nanosecond resolution, where
    /proc/PID/stat counts in ticks of 10 ms)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


# A step: wait for `marker`, then send `keys` (may be empty) to the terminal.
Step = tuple[bytes, bytes]


def run_in_pty(argv: Sequence[str], steps: Sequence[Step], env: dict[str, str] | None = None,
               timeout: float = 30.0) -> Run:
    """Spawn `argv` on a pty, time when each step's marker first shows (sending the step's
    keys then), read its peak memory from the kernel, and stop it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
    environment = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
                   **(env or {})}
    # As after a normal install: bytecode is cached (the first, cold run writes it).
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    process = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave,
                               env=environment, start_new_session=True)
    os.close(slave)
    run = Run()
    output = b""
    pending = list(steps)
    while pending and time.perf_counter() < start + timeout:
        if not select.select([master], [], [], 0.02)[0]:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        output += chunk
        while pending and pending[0][0] in output:
            marker, keys = pending.pop(0)
            run.seconds[marker] = time.perf_counter() - start
            run.cpu_seconds[marker] = cpu_seconds(process.pid)
            # The next marker must come after this one (and after the keys sent, if any):
            # what followed the marker in this read may already hold it.
            output = b"" if keys else output[output.index(marker) + len(marker):]
            if keys:
                os.write(master, keys)
    if not pending:  # let the last page finish what it started, then read the peak
        settle_until = time.perf_counter() + SETTLE
        while time.perf_counter() < settle_until:
            if select.select([master], [], [], 0.02)[0]:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)
    peak = high_water_mib(process.pid)
    crashed = process.poll() is not None
    process.terminate()
    while True:  # drain the pty so the app is never blocked on output while it exits
        if select.select([master], [], [], 0.02)[0]:
            with contextlib.suppress(OSError):
                os.read(master, 65536)
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
    process.returncode = 0  # reaped above; keep Popen from waiting again
    os.close(master)
    if crashed or pending:
        missing = [marker.decode() for marker, _ in pending]
        raise RuntimeError(f"{argv[0]}: never showed {missing} within {timeout:g}s"
                           + (" (it exited)" if crashed else ""))
    run.peak_rss_mib = peak if peak is not None else usage.ru_maxrss / 1024
    return run


class SandboxServer:
    """`openrush-tui sandbox serve --port 0` in the background: its URL and bootstrap key."""

    def __init__(self, program: str, db: Path) -> None:
        # Limits far above what the runs send: a run refused with 429 would time its wait.
        self.process = subprocess.Popen(
            [program, "sandbox", "serve", "--port", "0", "--db", str(db),
             "--rate-per-minute", "100000", "--rate-per-hour", "1000000",
             "--rate-per-day", "10000000"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None  # noqa: S101
        text = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text += self.process.stdout.readline()
            url = re.search(r"listening on (http://\S+)", text)
            key = re.search(r"Bootstrap key for the demo account[^:]*: (or_\w+)", text)
            if url and key:
                self.url, self.key = url.group(1), key.group(1)
                return
        raise RuntimeError("sandbox serve did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Figure:
    label: str
    ours: list[float]
    hello: list[float]  # what it is measured against: hello world, or a floor app
    unit: str  # "ms" or "MiB"
    goal: str = ""

    def row(self) -> str:
        scale = 1000 if self.unit == "ms" else 1
        ours, hello = statistics.median(self.ours), statistics.median(self.hello)
        ratios = [a / b for a, b in zip(self.ours, self.hello, strict=True)]
        low, high = min(ratios), max(ratios)
        return (f"{self.label:<62}{ours * scale:>8.0f} {self.unit:<3}{hello * scale:>8.0f} "
                f"{self.unit:<3}{statistics.median(ratios):>6.2f}  ({low:.2f}–{high:.2f})"
                f"  {self.goal}")


def load_average() -> str:
    """The machine's load (1, 5 and 15 minutes), printed with the figures: it is shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def steady_state(program: str, env: dict[str, str], seconds: float) -> list[str]:
    """Leave the dashboard idle on each page at once (one process per page; live refresh on
    where the page has it) and measure each one's CPU and resident memory."""
    pages = ("setup", "api-access", "activity")
    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    for page in pages:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
        process = subprocess.Popen([program, "--page", page], stdin=slave, stdout=slave,
                                   stderr=slave, env={**os.environ, "TERM": "xterm-256color",
                                                      "COLORTERM": "truecolor", **env},
                                   start_new_session=True)
        os.close(slave)
        processes[page] = (process, master)
    masters = [master for _, master in processes.values()]

    def drain(for_seconds: float) -> None:
        end = time.monotonic() + for_seconds
        while time.monotonic() < end:
            for master in select.select(masters, [], [], 0.2)[0]:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)

    def cpu_seconds(pid: int) -> float:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def rss_mib(pid: int) -> float:
        pages_resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return pages_resident * os.sysconf("SC_PAGE_SIZE") / 2**20

    drain(15)  # start-up and the first loads are not "idle"
    cpu0 = {page: cpu_seconds(process.pid) for page, (process, _) in processes.items()}
    memory: dict[str, list[float]] = {page: [] for page in pages}
    wall0 = time.monotonic()
    while True:
        for page, (process, _) in processes.items():
            memory[page].append(rss_mib(process.pid))
        if time.monotonic() - wall0 >= seconds:
            break
        drain(min(10.0, seconds - (time.monotonic() - wall0)))
    wall = time.monotonic() - wall0
    lines = []
    for page, (process, master) in processes.items():
        cpu = 100 * (cpu_seconds(process.pid) - cpu0[page]) / wall
        samples = memory[page]
        window = max(1, min(6, len(samples) // 2))  # the first and the last minute
        first = statistics.mean(samples[:window])
        last = statistics.mean(samples[-window:])
        lines.append(f"idle on {page:<10} for {wall:.0f} s: CPU {cpu:.2f}% of a core (goal < 1%); "
                     f"memory {first:.1f} → {last:.1f} MiB ({last - first:+.1f} MiB, max "
                     f"{max(samples):.1f}; goal: no growth)")
        process.terminate()
        process.wait(10)
        os.close(master)
    return lines


FLOOR_GOALS = {
    "keys on screen, over HTTP, vs floor_keys.py": "goal ≤ 1.1",
    "peak memory after three pages, over HTTP, vs floor_pages.py": "goal ≤ 1.1",
    "CPU time to the first frame, over HTTP": "(vs hello world)",
    "CPU time to the first frame, floor_keys.py": "(vs hello world)",
}
HELLO_GOALS = {
    "first frame, --sandbox": "goal ≤ 1.2", "first frame, over HTTP": "goal ≤ 1.2",
    "keys on screen, over HTTP": "goal ≤ 1.5 (vs first frame)",
    "keys on screen, --sandbox": "(vs first frame)",
    "CPU time to keys on screen, over HTTP": "(vs first frame)",
    "peak memory after three pages, over HTTP": "goal ≤ 1.5",
    "peak memory after three pages, --sandbox": "report; keep from growing",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="pairs per figure (default 7)")
    parser.add_argument("--steady", type=float, default=0, metavar="SECONDS",
                        help="also measure the idle dashboard on each page this long (e.g. 600)")
    parser.add_argument("--floor", action="store_true",
                        help="only the figures against the floor apps (issue 23)")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run the package in DIR/openrush_tui (PYTHONPATH) in turn, "
                             "and give this tree's figures against it")
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop the sandbox server (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    program = shutil.which("openrush-tui", path=str(Path(sys.executable).parent))
    if program is None:
        sys.exit("openrush-tui is not installed next to this Python; pip install -e . first")
    here = Path(__file__).resolve().parent
    floor_keys = [sys.executable, str(here / "floor_keys.py")]
    floor_pages = [sys.executable, str(here / "floor_pages.py")]
    load_before = load_average()
    if note := trio_note():
        print(note)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp, "home")
        home.mkdir()
        hello_script = Path(tmp, "hello.py")
        hello_script.write_text(HELLO_WORLD)
        hello = [sys.executable, str(hello_script)]
        sandbox = [program, "--sandbox", "--sandbox-db", str(Path(tmp, "inproc.sqlite3"))]
        # A config directory of its own, and each dashboard run starting as a first run: the
        # page a run ends on is remembered (settings.json) and would open the next on Setup.
        local_env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        settings_file = home / ".config" / "openrush-tui" / "settings.json"

        def dashboard(argv: list[str], steps: list[Step], env: dict[str, str]) -> Run:
            settings_file.unlink(missing_ok=True)
            return run_in_pty(argv, steps, env=env)

        server = SandboxServer(program, Path(tmp, "served.sqlite3"))
        http_env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                    "XDG_DATA_HOME": str(home / ".local/share"),
                    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                    "OPENRUSH_API_URL": server.url, "OPENRUSH_KEY": server.key}
        three_pages: list[Step] = [(b"OpenRush", b""), (KEYS_SHOWN, b"3"),
                                   (ACTIVITY_SHOWN, b"1"), (SETUP_SHOWN, b"")]
        keys_only: list[Step] = [(b"OpenRush", b""), (KEYS_SHOWN, b"")]
        try:
            # Warm-up: creates the in-process database and writes bytecode caches.
            if not args.floor:
                dashboard(sandbox, [(KEYS_SHOWN, b"")], local_env)
            run_in_pty(hello, [(b"Hello, world", b"")])
            dashboard([program], keys_only, http_env)
            run_in_pty(floor_keys, keys_only, env=http_env)
            run_in_pty(floor_pages, three_pages, env=http_env)
            pairs: dict[str, tuple[list[float], list[float]]] = {}
            floor: dict[str, tuple[list[float], list[float]]] = {}
            before: dict[str, tuple[list[float], list[float]]] = {}
            base_env = {**http_env, "PYTHONPATH": str(args.baseline)} if args.baseline else {}
            if base_env:
                dashboard([program], keys_only, base_env)

            def measure(name: str, ours: float, theirs: float,
                        into: dict[str, tuple[list[float], list[float]]] = pairs) -> None:
                a, b = into.setdefault(name, ([], []))
                a.append(ours)
                b.append(theirs)

            for round_number in range(args.runs):  # interleaved, so drift hits both alike
                # The baseline runs just before this tree's dashboard, then just after it.
                early = dashboard([program], three_pages, base_env) \
                    if base_env and round_number % 2 else None
                if not args.floor:
                    hello_local = run_in_pty(hello, [(b"Hello, world", b"")])
                    local = dashboard(sandbox, three_pages, local_env)
                hello_remote = run_in_pty(hello, [(b"Hello, world", b"")])
                remote = dashboard([program], three_pages, http_env)
                floor_k = run_in_pty(floor_keys, keys_only, env=http_env)
                floor_p = run_in_pty(floor_pages, three_pages, env=http_env)
                first_cpu = hello_remote.cpu_seconds[b"Hello, world"]
                measure("keys on screen, over HTTP, vs floor_keys.py", remote.seconds[KEYS_SHOWN],
                        floor_k.seconds[KEYS_SHOWN], floor)
                measure("peak memory after three pages, over HTTP, vs floor_pages.py",
                        remote.peak_rss_mib, floor_p.peak_rss_mib, floor)
                measure("CPU time to keys on screen, vs floor_keys.py",
                        remote.cpu_seconds[KEYS_SHOWN], floor_k.cpu_seconds[KEYS_SHOWN], floor)
                measure("CPU time to the first frame, over HTTP", remote.cpu_seconds[b"OpenRush"],
                        first_cpu, floor)
                measure("CPU time to the first frame, floor_keys.py",
                        floor_k.cpu_seconds[b"OpenRush"], first_cpu, floor)
                if base_env:
                    base = early or dashboard([program], three_pages, base_env)
                    for name, ours_figure, base_figure in (
                            ("keys on screen, over HTTP", remote.seconds[KEYS_SHOWN],
                             base.seconds[KEYS_SHOWN]),
                            ("CPU time to keys on screen, over HTTP",
                             remote.cpu_seconds[KEYS_SHOWN], base.cpu_seconds[KEYS_SHOWN]),
                            ("CPU time to the first frame, over HTTP",
                             remote.cpu_seconds[b"OpenRush"], base.cpu_seconds[b"OpenRush"]),
                            ("peak memory after three pages, over HTTP", remote.peak_rss_mib,
                             base.peak_rss_mib)):
                        measure(name, ours_figure, base_figure, before)
                    measure("baseline: keys on screen, vs floor_keys.py", base.seconds[KEYS_SHOWN],
                            floor_k.seconds[KEYS_SHOWN], floor)
                    measure("baseline: peak memory after three pages, vs floor_pages.py",
                            base.peak_rss_mib, floor_p.peak_rss_mib, floor)
                if args.floor:
                    continue
                for where, ours, theirs in (("--sandbox", local, hello_local),
                                            ("over HTTP", remote, hello_remote)):
                    first = theirs.seconds[b"Hello, world"]
                    measure(f"first frame, {where}", ours.seconds[b"OpenRush"], first)
                    measure(f"keys on screen, {where}", ours.seconds[KEYS_SHOWN], first)
                    if where == "over HTTP":
                        measure("CPU time to keys on screen, over HTTP",
                                ours.cpu_seconds[KEYS_SHOWN], first_cpu)
                    measure(f"peak memory after three pages, {where}", ours.peak_rss_mib,
                            theirs.peak_rss_mib)
            steady = steady_state(program, http_env, args.steady) if args.steady else []
        finally:
            server.stop()

    header = f"{'figure':<62}{'openrush-tui':>12}{'{}':>12}{'ratio':>7}"
    print(f"medians of {args.runs} runs each, interleaved (ratio: median of per-pair ratios, "
          f"min–max); {load_before} before, {load_average()} after")
    if pairs:
        print("\nagainst a hello-world Textual app run in turn")
        print(header.format("hello world"))
        for name, (ours, theirs) in pairs.items():
            unit = "MiB" if "memory" in name else "ms"
            print(Figure(name, ours, theirs, unit, HELLO_GOALS.get(name, "")).row())
    print("\nagainst the floor of our stack (bench/floor_*.py) and hello world, in the same runs")
    print(header.format("floor/hello"))
    for name, (ours, theirs) in floor.items():
        unit = "MiB" if "memory" in name else "ms"
        print(Figure(name, ours, theirs, unit, FLOOR_GOALS.get(name, "")).row())
    if before:
        print(f"\nthis tree against the baseline in {args.baseline}, in the same runs")
        print(header.format("baseline"))
        for name, (ours, theirs) in before.items():
            unit = "MiB" if "memory" in name else "ms"
            print(Figure(name, ours, theirs, unit).row())
    for line in steady:
        print(line)


if __name__ == "__main__":
    main()
