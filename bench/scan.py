"""`keys scan` against grep and ripgrep on one tree: ``python bench/scan.py [TREE] [--runs 5]``.

Without TREE, builds one under a temporary folder: the text files of this virtualenv's
site-packages, copied six times (about 300 MB in 23,000 files), with one key planted. Each run
times, in turn, `grep -rE` with the scan's pattern, `rg` when installed, and
`openrush-tui keys scan --json` (the whole command: start-up, walk, read, match, output; with no
server to check the findings against), from a warm cache. Prints the medians and the ratios to
grep, and whether every tool found the planted key. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TEXT_SUFFIXES = {".py", ".pyi", ".txt", ".md", ".json", ".cfg", ".toml", ".rst", ".html", ".js",
                 ".css", ".tcss"}
PATTERN = r"or_[A-Za-z0-9]{20,200}"
PLANTED = "or_" + "AbCdEf0123456789GhIjKlMnOpQrStUvWxYz0123"  # made up; split: no scanner flags it


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


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as scratch:
        tree = args.tree or build_tree(Path(scratch), args.copies)
        program = str(Path(sys.executable).with_name("openrush-tui"))
        tools = {"grep -rE": ["grep", "-rE", PATTERN, str(tree)],
                 "keys scan": [program, "--api-url", "http://127.0.0.1:9", "keys", "scan",
                               "--json", str(tree)]}
        if shutil.which("rg"):
            tools["rg"] = ["rg", "--no-ignore", "--hidden", PATTERN, str(tree)]
        timed(tools["grep -rE"])  # warm the page cache
        times: dict[str, list[float]] = {name: [] for name in tools}
        found: dict[str, bool] = {}
        for _ in range(args.runs):
            for name, command in tools.items():  # interleaved: a busy moment hits all alike
                seconds, out = timed(command)
                times[name].append(seconds)
                found[name] = PLANTED[:9] in out if name == "keys scan" else PLANTED in out
        report = json.loads(timed(tools["keys scan"])[1])
        print(f"tree: {report['files']:,} files, {report['bytes'] / 1e6:,.0f} MB")
        grep = statistics.median(times["grep -rE"])
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"  {name:<10} median {median:6.2f} s  ({median / grep:4.1f}× grep)  "
                  f"found the planted key: {found[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
