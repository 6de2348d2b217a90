"""`keys scan` against grep and ripgrep on one tree: ``python bench/scan.py [TREE] [--runs 5]``.

Without TREE, builds one under a temporary folder: the text files of this virtualenv's
site-packages, copied six times (about 270 MB in 23,000 files), with one key planted. Each run
times, in turn, `grep -rE` with the scan's pattern, `rg` when installed, and
`openrush-tui keys scan --json` (the whole command: start-up, walk, read, match, the account's
key list fetched to say what the planted key is, output), from a warm cache. The account is a
real sandbox server on loopback, signed in by OPENRUSH_KEY, in a scratch home (no saved
credentials or keyring of the machine's user); ``--offline`` points the command at a closed
port instead (the findings then "unchecked"). Also timed: the command on an empty folder
(start-up and exit: the floor of the command).

Prints the machine's load before and after (the machine may be shared: ratios from one
interleaved run are what to compare), the medians of wall time and of CPU time (user + system,
of the process and its children), the peak memory of the largest process, the ratios to grep,
the scan's own seconds (the `seconds` of the JSON: the walk, the reading and the matching),
and whether every tool found the planted key. Not a test: figures depend on the machine.

On a shared Linux machine with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``)
CPU time is shared between sessions, not processes: under others' load every tool here gets
one session's share, so wall time follows CPU time and a second process cannot help. To see
what a quiet machine would show, give this session a larger share (root; grep and the scan
alike): ``setsid sh -c 'echo -15 > /proc/self/autogroup; python bench/scan.py'``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEXT_SUFFIXES = {".py", ".pyi", ".txt", ".md", ".json", ".cfg", ".toml", ".rst", ".html", ".js",
                 ".css", ".tcss"}
PATTERN = r"or_[A-Za-z0-9]{20,200}"
PLANTED = "or_" + "AbCdEf0123456789GhIjKlMnOpQrStUvWxYz0123"  # made up; split: no scanner flags it
LISTENING = re.compile(r"OpenRush sandbox listening on (http://\S+)")
BOOTSTRAP = re.compile(r"Bootstrap key for the demo account[^:]*: (or_\w+)")


def build_tree(root: Path, copies: int) -> Path:
    source = Path(sysconfig.get_paths()["purelib"])
    files = [path for path in source.rglob("*") if path.suffix in TEXT_SUFFIXES
             and path.is_file() and "__pycache__" not in path.parts]
    for copy in range(copies):
        for path in files:
            target = root / f"copy{copy}" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (root / "copy0" / "planted.env").write_text(f"OPENRUSH_KEY={PLANTED}\n")
    return root


def timed(command: list[str], env: dict[str, str] | None = None,
          ) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system, its own child processes included), peak
    memory in MiB (of the largest of its processes) and stdout of `command`."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = 0  # reaped above
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


@contextmanager
def sandbox(program: str, scratch: Path, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A sandbox server on loopback: (its URL, the demo account's key)."""
    server = subprocess.Popen(
        [program, "sandbox", "serve", "--port", "0", "--db", str(scratch / "sandbox.sqlite3"),
         "--rate-per-minute", "100000", "--rate-per-hour", "1000000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        url = key = ""
        for line in server.stdout or ():
            url = url or (m.group(1) if (m := LISTENING.search(line)) else "")
            key = key or (m.group(1) if (m := BOOTSTRAP.search(line)) else "")
            if url and key:
                break
        if not (url and key):
            raise SystemExit("the sandbox did not start")
        yield url, key
    finally:
        server.terminate()
        server.wait()


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--offline", action="store_true",
                        help="no sandbox: the command meets a closed port")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as scratch_name:
        scratch = Path(scratch_name)
        tree = args.tree or build_tree(scratch / "tree", args.copies)
        (scratch / "home").mkdir()
        (scratch / "empty").mkdir()
        program = str(Path(sys.executable).with_name("openrush-tui"))
        # A scratch home: no saved key or keyring of the machine's user in the way. Bytecode
        # written as an installed package has it (pip compiles at install): a stale .pyc
        # compiled again at every run is not a start-up a user sees.
        env = {key: value for key, value in os.environ.items()
               if key not in {"PYTHONDONTWRITEBYTECODE", "OPENRUSH_KEY", "OPENRUSH_API_URL"}}
        env |= {"HOME": str(scratch / "home"), "XDG_CONFIG_HOME": str(scratch / "home/.config"),
                "XDG_DATA_HOME": str(scratch / "home/.local/share"),
                "XDG_STATE_HOME": str(scratch / "home/.local/state"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        with sandbox(program, scratch, env) if not args.offline else \
                _closed_port() as (url, key):
            if key:
                env["OPENRUSH_KEY"] = key
            scan = [program, "--api-url", url, "keys", "scan", "--json"]
            tools = {"grep -rE": ["grep", "-rE", PATTERN, str(tree)],
                     "keys scan": [*scan, str(tree)]}
            if shutil.which("rg"):
                tools["rg"] = ["rg", "--no-ignore", "--hidden", PATTERN, str(tree)]
            tools["start-up"] = [*scan, str(scratch / "empty")]
            timed(tools["grep -rE"])  # warm the page cache
            timed(tools["start-up"], env)  # and write the bytecode
            print(f"load before: {load()} (1/5/15 min; {os.cpu_count()} CPUs)")
            walls: dict[str, list[float]] = {name: [] for name in tools}
            cpus: dict[str, list[float]] = {name: [] for name in tools}
            memory: dict[str, list[float]] = {name: [] for name in tools}
            scan_seconds: list[float] = []
            found: dict[str, bool] = {}
            for _ in range(args.runs):
                for name, command in tools.items():  # interleaved: a busy moment hits all
                    wall, cpu, peak, out = timed(command, env)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                    memory[name].append(peak)
                    if name == "keys scan":
                        report = json.loads(out)
                        scan_seconds.append(report["seconds"])
                        found[name] = [hit["prefix"] for hit in report["hits"]] == [PLANTED[:9]]
                        status = report["hits"][0]["status"] if report["hits"] else "-"
                    elif name != "start-up":
                        found[name] = PLANTED in out
            print(f"load after:  {load()}")
        print(f"tree: {report['files']:,} files, {report['bytes'] / 1e6:,.0f} MB; the planted "
              f"key's status: {status}")
        grep, grep_cpu = statistics.median(walls["grep -rE"]), statistics.median(cpus["grep -rE"])
        for name in tools:
            wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
            line = (f"  {name:<10} median {wall:5.2f} s ({wall / grep:4.1f}× grep), CPU "
                    f"{cpu:5.2f} s ({cpu / grep_cpu:4.1f}×), range {min(walls[name]):.2f}–"
                    f"{max(walls[name]):.2f} s, peak {max(memory[name]):3.0f} MiB")
            if name in found:
                line += f"  found the planted key: {found[name]}"
            print(line)
        median_scan = statistics.median(scan_seconds)
        print(f"  the scan itself (its JSON's seconds): median {median_scan:.2f} s "
              f"({median_scan / grep:.1f}× grep's whole run)")
    return 0


@contextmanager
def _closed_port() -> Iterator[tuple[str, str]]:
    yield "http://127.0.0.1:9", ""


if __name__ == "__main__":
    sys.exit(main())
