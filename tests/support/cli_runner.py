"""The command line run many times in ONE process, each time as a fresh process would meet
its outside world: stdout closed, full (/dev/full), a pipe nobody reads, a file on a disk that
fills mid-write; stdin not a terminal; signals left at their defaults.

A process per case would cost ~0.4 s of CPU for Python and the imports; here they are paid
once. Each case gets real file descriptors (dup2 onto 1 and 2), fresh `sys.stdout`/`stderr`
objects made as Python makes them, the default signal handlers, then `cli.main(argv)`, then
the flush a real interpreter does at exit (a failure there is Python's exit status 120).

Started by `command_matrix.CliRunner` as ``python -m tests.support.cli_runner IN OUT``: one
JSON case a line on descriptor IN, one JSON result a line on OUT.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import sys
import threading
import time
import traceback
from typing import Any

FSIZE = resource.RLIMIT_FSIZE


def main() -> None:
    requests = os.fdopen(int(sys.argv[1]), "r")
    answers = os.fdopen(int(sys.argv[2]), "w")
    from openrush_tui.cli import build_parser

    build_parser(["--help"])  # every command module imported before the first case
    for line in requests:
        result = run_case(json.loads(line))
        answers.write(json.dumps(result) + "\n")
        answers.flush()


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    from openrush_tui.cli import main as cli_main

    streams = sys.stdout, sys.stderr, sys.stdin
    saved = os.dup(1), os.dup(2)
    environ = dict(os.environ)
    os.environ.update(case.get("env", {}))
    limit = resource.getrlimit(FSIZE)
    err_read, err_write = os.pipe()
    said: list[bytes] = []
    drain = threading.Thread(target=_drain, args=(err_read, said), daemon=True)
    drain.start()
    started = time.monotonic()
    try:
        os.dup2(err_write, 2)
        os.close(err_write)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                          closefd=False, buffering=1)
        sys.stdout = _stdout(case)
        sys.stdin = io.StringIO(case.get("stdin", ""))
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        code = _call(cli_main, case["argv"])
        if sys.stdout is not None:  # what the interpreter does at exit
            try:
                sys.stdout.flush()
            except OSError as exc:
                print(f"Exception ignored on flushing sys.stdout: {exc!r}", file=sys.stderr)
                code = 120
    finally:
        seconds = time.monotonic() - started
        resource.setrlimit(FSIZE, limit)
        for stream in (sys.stdout, sys.stderr):
            if stream not in streams and stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        sys.stdout, sys.stderr, sys.stdin = streams
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)  # the pipe's last writer gone: the drain ends
        for descriptor in saved:
            os.close(descriptor)
        drain.join(10)
        os.environ.clear()
        os.environ.update(environ)
    return {"code": code, "stderr": b"".join(said).decode("utf-8", "replace"),
            "seconds": seconds}


def _call(cli_main: Any, argv: list[str]) -> int | str:
    try:
        return int(cli_main(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        with contextlib.suppress(Exception):
            if sys.__stderr__ is not None:
                sys.__stderr__.flush()
        os.write(2, traceback.format_exc().encode())
        return "traceback"


def _stdout(case: dict[str, Any]) -> io.TextIOWrapper | None:
    """fd 1 and `sys.stdout` as Python would have them in a process started so."""
    how = case["stdout"]
    if how == "closed":  # `>&-`: no descriptor 1, and Python sets sys.stdout to None
        os.close(1)
        return None
    if how == "full":
        number = os.open("/dev/full", os.O_WRONLY)
    elif how == "gone":  # a pipe whose reader has gone (`| true` after it ended)
        reader, number = os.pipe()
        os.close(reader)
    else:  # "file", or "short": a file on a disk with `fsize` bytes left
        number = os.open(case["path"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        if how == "short":
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, as a full disk's ENOSPC
            resource.setrlimit(FSIZE, (case["fsize"], resource.getrlimit(FSIZE)[1]))
    os.dup2(number, 1)
    os.close(number)
    if case.get("unbuffered"):  # `python -u`, PYTHONUNBUFFERED=1
        # As Python makes it then: each write is one write(2), whose count it never checks.
        return io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                write_through=True)
    return open(1, "w", encoding="utf-8", closefd=False)


def _drain(number: int, into: list[bytes]) -> None:
    with os.fdopen(number, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            into.append(chunk)


if __name__ == "__main__":
    main()
