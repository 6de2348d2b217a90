"""Run the real `openrush-tui sandbox serve` in a process of its own (forked by the tests'
zygote, tests/support/cli_fork.py) and read its start-up lines."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tests.support.patience import PATIENCE

FIXED_NOW = "2026-06-26T12:00:00Z"
KEY_SEED = 7
LISTENING = re.compile(r"OpenRush sandbox listening on (http://\S+)")
BOOTSTRAP = re.compile(r"Bootstrap key for the demo account[^:]*: (or_\w+)")


class RunningSandbox(NamedTuple):
    base_url: str
    bootstrap_key: str


# The `sandbox_server` fixture: start(db_path=None, **options) -> RunningSandbox.
SandboxFactory = Callable[..., RunningSandbox]


def command() -> list[str]:
    """The console script next to this interpreter, else the same entry point through -c."""
    script = Path(sys.executable).with_name("openrush-tui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from openrush_tui.cli import main; sys.exit(main())"]


class SandboxProcess:
    def __init__(self, db_path: Path, *args: str, timeout: float = PATIENCE) -> None:
        self.db_path = db_path
        from tests.support import cli_fork  # (it imports this module)

        self._stderr = db_path.with_suffix(".stderr.txt").open("w+")
        # A child of the tests' zygote (tests/support/cli_fork.py): the imports paid once.
        reading, writing = os.pipe()
        try:
            self.process = cli_fork.spawn(
                ["sandbox", "serve", "--port", "0", "--db", str(db_path), *args],
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=writing,
                stderr=self._stderr.fileno())
        finally:
            os.close(writing)
        self.stdout = open(reading, encoding="utf-8")  # noqa: SIM115 (closed by stop)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        try:
            self.running = self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _pump(self) -> None:
        with contextlib.suppress(ValueError, OSError):  # closed by stop
            for line in self.stdout:
                self.lines.put(line)
        self.lines.put(None)

    def _wait_ready(self, timeout: float) -> RunningSandbox:
        deadline = time.monotonic() + timeout
        url = key = None
        seen: list[str] = []
        while url is None or key is None:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self._stderr.seek(0)
                raise RuntimeError(
                    f"sandbox did not start: stdout={seen!r} stderr={self._stderr.read()!r}"
                )
            seen.append(line)
            if match := LISTENING.search(line):
                url = match.group(1)
            if match := BOOTSTRAP.search(line):
                key = match.group(1)
        return RunningSandbox(url, key)

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """Terminate (a graceful uvicorn shutdown), kill if it hangs, release the pipes."""
        self.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.close()
        self._stderr.close()


def start_sandbox(
    db_path: Path,
    *,
    fixed_now: str | None = FIXED_NOW,
    key_seed: int | None = KEY_SEED,
    balance: int | None = None,
    rate_per_minute: int | None = None,
    rate_per_hour: int | None = None,
    rate_per_day: int | None = None,
    extra: tuple[str, ...] = (),
) -> SandboxProcess:
    args: list[str] = []
    for flag, value in (
        ("--fixed-now", fixed_now),
        ("--key-seed", key_seed),
        ("--balance", balance),
        ("--rate-per-minute", rate_per_minute),
        ("--rate-per-hour", rate_per_hour),
        ("--rate-per-day", rate_per_day),
    ):
        if value is not None:
            args += [flag, str(value)]
    return SandboxProcess(db_path, *args, *extra)
