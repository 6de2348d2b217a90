"""Start-up benchmark: run it with ``python bench/startup.py [--runs 5]``.

Prints, side by side: time from process start to the first frame for ``openrush-tui
--sandbox`` and for a hello-world Textual app, the time until the API access table shows the
sandbox's keys, and the peak memory of each process. Every program runs in a real
pseudo-terminal and is timed from outside, from spawn to the moment its output contains a
marker, so the figures include interpreter start-up and imports.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

HELLO_WORLD = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

Hello().run()
"""


@dataclass
class Run:
    seconds: dict[str, float]  # marker -> seconds from spawn until it first showed
    peak_rss_mib: float


def run_in_pty(argv: list[str], markers: list[bytes], timeout: float = 30.0) -> Run:
    """Spawn `argv` on a 120x40 pty, time when each marker first shows, then stop it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    # As after a normal install: bytecode is cached (the first, cold run writes it), rather
    # than every module compiled from source at each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)
    os.close(slave)
    seen: dict[str, float] = {}
    output = b""
    while len(seen) < len(markers) and time.perf_counter() < start + timeout:
        if not select.select([master], [], [], 0.02)[0]:
            continue
        try:
            output += os.read(master, 65536)
        except OSError:
            break
        for marker in markers:
            if marker.decode() not in seen and marker in output:
                seen[marker.decode()] = time.perf_counter() - start
    if process.poll() is not None:  # it exited by itself (and poll reaped it): a crash
        os.close(master)
        raise RuntimeError(f"{argv[0]} exited with {process.returncode} before the markers")
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
    missing = [m.decode() for m in markers if m.decode() not in seen]
    if missing:
        raise RuntimeError(f"{argv[0]}: never showed {missing} within {timeout}s")
    return Run(seen, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    program = shutil.which("openrush-tui", path=str(Path(sys.executable).parent))
    if program is None:
        sys.exit("openrush-tui is not installed next to this Python; pip install -e . first")

    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp, "hello.py")
        hello.write_text(HELLO_WORLD)
        db = Path(tmp, "sandbox.sqlite3")
        # A config directory of its own: no remembered theme or page changes the figures, and
        # the benchmark leaves the user's settings alone.
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp, "config"))
        dashboard = [program, "--sandbox", "--sandbox-db", str(db)]
        hello_argv = [sys.executable, str(hello)]
        # The first run creates and seeds the database; it is timed apart from the rest.
        cold = run_in_pty(dashboard, [b"OpenRush", b" keys, "])
        hello_runs, dash_runs = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            hello_runs.append(run_in_pty(hello_argv, [b"Hello, world"]))
            dash_runs.append(run_in_pty(dashboard, [b"OpenRush", b" keys, "]))

    def median(runs: list[Run], marker: str) -> float:
        return statistics.median(run.seconds[marker] for run in runs)

    hello_first = median(hello_runs, "Hello, world")
    dash_first = median(dash_runs, "OpenRush")
    dash_keys = median(dash_runs, " keys, ")
    hello_rss = statistics.median(run.peak_rss_mib for run in hello_runs)
    dash_rss = statistics.median(run.peak_rss_mib for run in dash_runs)
    print(f"{'figure (median of ' + str(args.runs) + ' runs)':<44}{'dashboard':>12}"
          f"{'hello world':>14}{'ratio':>8}")
    print(f"{'process start to first frame':<44}{dash_first * 1000:>10.0f}ms"
          f"{hello_first * 1000:>12.0f}ms{dash_first / hello_first:>8.2f}")
    print(f"{'process start to API access keys shown':<44}{dash_keys * 1000:>10.0f}ms")
    print(f"{'  same, first run (creates + seeds the db)':<44}"
          f"{cold.seconds[' keys, '] * 1000:>10.0f}ms")
    print(f"{'peak memory (RSS)':<44}{dash_rss:>10.1f}MiB{hello_rss:>11.1f}MiB"
          f"{dash_rss / hello_rss:>8.2f}")


if __name__ == "__main__":
    main()
