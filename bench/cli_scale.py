"""The command line at scale: ``python bench/cli_scale.py [--compare GITREF] [--runs 5]``.

Seeds a sandbox (`sandbox serve --seed-keys N --seed-events E`, rate limits raised so that
no run waits) and, for accounts of 108, 5,008 and 50,008 keys (the demo's 8 plus the seeded
ones; one database topped up between sizes), runs each command at least `--runs` times:

    keys list --json · keys audit --json · activity --jsonl --limit 10000 ·
    activity --csv --limit 1000

and prints the median wall time (and CPU time, user + system) and the largest peak RSS (the
kernel's, from `os.wait4` of each run: what the process itself used, start-up included), and
the CPU time the sandbox spent meanwhile (its /proc/PID/stat before and after each run).
For the key commands, `floor` is a bare client walking the same pages in its own process
(httpx, nothing validated or written), run in the same rounds: the sandbox's own time then. With
`--compare GITREF` the same commands run from a checkout of GITREF too (a `git worktree` in a
temporary folder, its package laid out as symlinks on PYTHONPATH), interleaved with this
tree's runs so that a busy moment of the machine hits both alike, against the same server
(this tree's sandbox: an old client asks it what it always asked). `--after GITREF` measures
that commit instead of this working tree (which holds whatever others have not committed).
`--serve-each` serves each version from its own sandbox (its own code, its own database
seeded alike), so a change to the sandbox counts too; the floor row is then taken against
each server (`floor-before`, `floor-after`): the sandbox alone, before and after.
Ratios are after / before.
The load average before and after is printed: the figures mean little on a busy machine.
Not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from environment_note import trio_note  # bench/ is first on sys.path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 5000, 50000)  # seeded keys; the demo account has 8 more
COMMANDS = {
    "keys list --json": ["keys", "list", "--json"],
    "keys audit --json": ["keys", "audit", "--json"],
    # The text tables (the users' case too): 5 s at 3,023 keys when every id was compared
    # with every other (issue 23).
    "keys list": ["keys", "list"],
    "keys audit": ["keys", "audit"],
    "activity --jsonl --limit 10000": ["activity", "--jsonl", "--limit", "10000"],
    "activity --csv --limit 1000": ["activity", "--csv", "--limit", "1000"],
}
RAISED = ["--rate-per-minute", "10000000", "--rate-per-hour", "100000000",
          "--rate-per-day", "1000000000"]
LISTENING = re.compile(r"listening on (http://\S+)")
BOOTSTRAP = re.compile(r"Bootstrap key for the demo account[^:]*: (or_\w+)")


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system: less hit by a busy machine
    rss_kib: list[int] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)  # the sandbox's, during the run
    failed: int = 0


# The floor of a key list's walk: a bare client (httpx, its answers' cursors read, nothing
# validated or written) asking for the same pages, so that a figure taken on a busy machine
# can be read against what the sandbox itself took to answer at that moment.
FLOOR = """
import os, httpx
with httpx.Client(base_url=os.environ["OPENRUSH_API_URL"], headers={
        "Authorization": "Bearer " + os.environ["OPENRUSH_KEY"]}) as http:
    query = {"limit": "5000"}
    while True:
        page = http.get("/v1/me/api-credentials", params=query).json()
        if not page.get("next_cursor"):
            break
        query["cursor"] = page["next_cursor"]
"""


def program(pythonpath: Path | None) -> tuple[list[str], dict[str, str]]:
    """The command line of this tree, or of the checkout laid out at `pythonpath`."""
    if pythonpath is None:
        return [str(Path(sys.executable).with_name("openrush-tui"))], {}
    return ([sys.executable, "-c", "import sys; from openrush_tui.cli import main; "
             "sys.exit(main())"], {"PYTHONPATH": str(pythonpath)})


def lay_out(checkout: Path, into: Path) -> Path:
    """The checkout's package as symlinks (its pyproject's package-dir), for PYTHONPATH."""
    tool = tomllib.loads((checkout / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, folder in sorted(tool["package-dir"].items()):
        target = into.joinpath(*package.split("."))
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(checkout / folder, target_is_directory=True)
    return into


def serve(db: Path, keys: int, events: int, version: tuple[list[str], dict[str, str]]
          ) -> tuple[subprocess.Popen[str], str, str]:
    """The sandbox of `version` (a `program`) on a free port, topped up to `keys` and
    `events`."""
    command, env = version
    server = subprocess.Popen([*command, "sandbox", "serve", "--port", "0", "--db", str(db),
                               "--seed-keys", str(keys), "--seed-events", str(events),
                               *RAISED], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env={**os.environ, **env})
    url = key = None
    for line in server.stdout or ():
        url = url or (match.group(1) if (match := LISTENING.search(line)) else None)
        key = key or (match.group(1) if (match := BOOTSTRAP.search(line)) else None)
        if url and key:
            return server, url, key
    raise SystemExit("the sandbox did not start")


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, int, bool]:
    """Wall and CPU seconds, peak RSS (KiB, the kernel's) and success of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode == 0


def cpu_of(pid: int) -> float:
    """User + system seconds of process `pid` so far (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="GITREF",
                        help="also run the command line of this commit (before → after)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="seeded keys per account size (default: 100 5000 50000)")
    parser.add_argument("--commands", nargs="+", choices=list(COMMANDS), metavar="COMMAND",
                        default=list(COMMANDS), help="only these (quoted, as listed above)")
    parser.add_argument("--after", metavar="GITREF",
                        help="the commit to measure as after (default: this working tree, "
                             "with whatever is not committed)")
    parser.add_argument("--serve-each", action="store_true",
                        help="each version asks its own sandbox (its code, its database), "
                             "with a floor row per server; default: this tree's sandbox")
    args = parser.parse_args()
    print(f"start: {load()}")
    if note := trio_note():
        print(note)
    with tempfile.TemporaryDirectory(prefix="cli-scale-") as scratch:
        home = Path(scratch)
        versions: dict[str, tuple[list[str], dict[str, str]]] = {}
        try:
            for name, ref in (("before", args.compare), ("after", args.after)):
                if ref:
                    checkout = home / name
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach",
                                    str(checkout), ref], check=True, capture_output=True)
                    versions[name] = program(lay_out(checkout, home / f"{name}-path"))
            versions.setdefault("after", program(None))
            for size in args.sizes:
                measure(home, size, args, versions)
        finally:
            for name in ("before", "after"):
                if (home / name).exists():
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(home / name)], check=False, capture_output=True)
    print(f"end: {load()}")
    return 0


def measure(home: Path, size: int, args: argparse.Namespace,
            versions: dict[str, tuple[list[str], dict[str, str]]]) -> None:
    # Which server each version asks: its own with --serve-each, else all this tree's.
    served = list(versions) if args.serve_each else ["tree"]
    servers: dict[str, tuple[subprocess.Popen[str], str, str]] = {}
    try:
        for name in served:
            servers[name] = serve(home / f"sandbox-{name}.sqlite3", size, args.events,
                                  versions[name] if args.serve_each else program(None))
        print(f"\n{size + 8:,} keys, {args.events:,} seeded events  ({load()})")
        for label in args.commands:
            rounds(home, label, args, versions, servers)
    finally:
        for server, _, _ in servers.values():
            server.terminate()
            server.wait(timeout=30)


def rounds(home: Path, label: str, args: argparse.Namespace,
           versions: dict[str, tuple[list[str], dict[str, str]]],
           servers: dict[str, tuple[subprocess.Popen[str], str, str]]) -> None:
    """`--runs` interleaved rounds of one command: each version, and each server's floor."""
    def env(server: str, extra: dict[str, str]) -> dict[str, str]:
        _, url, key = servers[server]
        # As after a normal install: bytecode is cached (the first, cold run writes it).
        inherited = {name: value for name, value in os.environ.items()
                     if name != "PYTHONDONTWRITEBYTECODE"}
        return {**inherited, "OPENRUSH_API_URL": url, "OPENRUSH_KEY": key,
                "OPENRUSH_CONFIG_DIR": str(home / "config"), "HOME": str(home),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}

    runs: dict[str, tuple[list[str], dict[str, str], str]] = {
        name: ([*command, *COMMANDS[label]],
               env(name if args.serve_each else "tree", extra),
               name if args.serve_each else "tree")
        for name, (command, extra) in versions.items()}
    if label.startswith("keys"):  # what the server alone takes, at this moment
        for server in servers:
            name = "floor" if server == "tree" else f"floor-{server}"
            runs[name] = ([sys.executable, "-c", FLOOR], env(server, {}), server)
    samples = {name: Samples() for name in runs}
    for _ in range(args.runs):
        for name, (argv, run_env, server) in runs.items():  # interleaved
            pid = servers[server][0].pid
            served_before = cpu_of(pid)
            seconds, cpu, rss, ok = run_once(argv, run_env)
            samples[name].wall.append(seconds)
            samples[name].cpu.append(cpu)
            samples[name].rss_kib.append(rss)
            samples[name].server_cpu.append(cpu_of(pid) - served_before)
            samples[name].failed += not ok
    print(f"  {label}  ({load()})")
    for name, got in samples.items():
        failed = f"  ({got.failed} failed!)" if got.failed else ""
        print(f"    {name:<12} median {statistics.median(got.wall):6.2f} s (CPU "
              f"{statistics.median(got.cpu):5.2f} s, the sandbox's "
              f"{statistics.median(got.server_cpu):5.2f} s)   peak "
              f"{max(got.rss_kib) / 1024:6.0f} MiB{failed}")
    for before, after in (("before", "after"), ("floor-before", "floor-after")):
        if before in samples and after in samples:
            was, now = samples[before], samples[after]
            print(f"    {after}/{before}: time "
                  f"{statistics.median(now.wall) / statistics.median(was.wall):.2f}×"
                  f", CPU {statistics.median(now.cpu) / statistics.median(was.cpu):.2f}×"
                  f", memory {max(now.rss_kib) / max(was.rss_kib):.2f}×, the sandbox's CPU "
                  f"{statistics.median(now.server_cpu) / statistics.median(was.server_cpu):.2f}×")


if __name__ == "__main__":
    sys.exit(main())
