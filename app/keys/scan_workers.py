"""`keys scan` on several processes: the walk cut by subtree, the report put back in order.

Why processes and why so: matching is CPU work under the GIL, so threads do not help; worker
processes fed by a walk in the parent did not either (the walk and the merge in the parent
cost what the reading they handed off did). Here the parent only cuts the walk into units
(`TreeReader.split`: a few folders listed) and forks; each child walks, reads and matches whole
units, taking the next one from a pipe of unit numbers as it is done (a slow subtree does not
hold the others up), and sends back a small report per unit (plain values, `marshal`), all at
its end. The parent merges the reports in unit order (`scan.merge`): the same report, hits in
the same order, as one process makes.

`fork` is used, not spawn: a child starts with the program already loaded (a spawned one
would pay the interpreter's start-up) and with the units in its memory. Only where fork is
safe: on a system that has it, with no other thread running (a lock held by another thread
stays held in a child). A child that dies leaves its unit without a report: the parent then
walks it itself, so nothing is silently left out. Live progress comes from a small shared
memory block where each child writes its counts and the path it is at. ctrl+c (or SIGTERM,
SIGHUP) stops the walk, not the reports: each child ends at its next entry and sends what it
has, the parent merges them as ever and marks the report interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import marshal
import mmap
import os
import select
import signal
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from openrush_tui.keys.scan import Deadline, Hit, ScanReport, merge

if TYPE_CHECKING:
    from openrush_tui.files.trees import TreeReader, Unit
    from openrush_tui.keys.scan import Scanner

UNITS_PER_WORKER: Final = 8  # enough for a child done early to find more work
_SLOT: Final = struct.Struct("<qqH238s")  # files, keys found, path length, path: 256 bytes


def can_fork() -> bool:
    return (hasattr(os, "fork") and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


def scan(scanner: Scanner, reader: TreeReader, units: list[Unit], report: ScanReport,
         deadline: Deadline) -> None:
    """Fill `report` with the scan of `units`, on `scanner.workers` processes."""
    count = min(scanner.workers, len(units))
    claims_out, claims_in = os.pipe()
    try:
        # Every unit number at once, before any fork: 4 bytes each, at most 16 KiB (a pipe
        # holds 64 KiB), so this never blocks; the write end is closed before the children
        # exist, so an empty pipe reads as the end of the work. A read of 4 bytes from a pipe
        # is never split between readers.
        os.write(claims_in, b"".join(n.to_bytes(4, "little") for n in range(len(units))))
    finally:
        os.close(claims_in)
    shared = mmap.mmap(-1, _SLOT.size * count)  # anonymous and shared with the children
    children: dict[int, int] = {}  # the read end of a child's results -> its process id
    finished = False
    try:
        for index in range(count):
            results_out, results_in = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no more processes: those started (or this one) do the work
                os.close(results_out)
                os.close(results_in)
                break
            if pid == 0:  # the child: never returns into the caller's code
                _child(scanner, reader, units, claims_out, results_in, shared, index,
                       deadline, [*children, results_out])
            os.close(results_in)
            children[results_out] = pid
        parts: dict[int, ScanReport] = {}
        pending = {descriptor: bytearray() for descriptor in children}
        try:
            _gather(scanner, pending, parts, shared, count, deadline)
        except KeyboardInterrupt:
            # Stopped: each child ends its walk at its next entry (the terminal's ctrl+c
            # told them too; a signal sent to this process alone did not) and sends what it
            # found, which is merged as ever. A second ctrl+c here ends it all (`finally`).
            report.interrupted = True
            for pid in children.values():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT)
            _gather(scanner, pending, parts, shared, count, deadline, show=False)
        finished = True
    finally:
        os.close(claims_out)
        for descriptor, pid in children.items():
            os.close(descriptor)
            _reap(pid, kill=not finished)
        shared.close()
    deadline.stop()  # the children's clock ran apart: see whether the time is up here too
    report.processes = len(children) or 1
    for number, unit in enumerate(units):
        if report.interrupted:  # what the children walked before it: no more
            if number in parts:
                merge(report, parts[number])
            continue
        if number not in parts and not deadline.passed:  # its child died: walk it here
            part = ScanReport(limit_seconds=report.limit_seconds)
            scanner.collect(reader.entries_of(unit, deadline.stop), reader, part, deadline,
                            None, _nothing)
            part.stopped = deadline.passed
            parts[number] = part
        if number in parts:
            merge(report, parts[number])
        else:
            report.stopped = True  # the deadline came before this unit was walked


def _child(scanner: Scanner, reader: TreeReader, units: list[Unit], claims: int,
           results: int, shared: mmap.mmap, index: int, deadline: Deadline,
           inherited: list[int]) -> NoReturn:
    code = 70
    try:
        # No cycle collector: what a child makes is freed by reference counting, and a full
        # collection would write to every object of the parent's, copying its whole memory.
        gc.disable()
        for descriptor in inherited:  # the read ends of results: the parent's
            os.close(descriptor)
        # A child stopped (ctrl+c reaches the whole process group) ends its walk at the next
        # entry and sends what it found, quietly; the parent says the rest.
        stopping: list[int] = []
        for stopped_by in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stopped_by, lambda signum, frame: stopping.append(signum))

        def stop() -> bool:
            return bool(stopping) or deadline.stop()

        offset = _SLOT.size * index
        files = keys = 0
        where = b""

        def publish(part: ScanReport, path: str = "") -> None:
            nonlocal where
            where = path.encode("utf-8", "replace")[-238:] if path else where
            _SLOT.pack_into(shared, offset, files + part.files, keys + len(part.hits),
                            len(where), where)

        done = []
        while not stopping and len(claimed := os.read(claims, 4)) == 4:
            number = int.from_bytes(claimed, "little")
            part = ScanReport(limit_seconds=scanner.seconds)
            scanner.collect(reader.entries_of(units[number], stop), reader, part,
                            deadline, publish, functools.partial(publish, part))
            part.stopped = deadline.passed
            publish(part)  # the unit's last counts, whenever progress was last told
            done.append((number, _flat(part)))
            files, keys = files + part.files, keys + len(part.hits)
            if part.stopped:
                break
        # All at the end, in one piece: the parent wakes once a child (progress comes through
        # the shared memory), and its thread fetching the key list keeps the interpreter.
        _write_all(results, marshal.dumps(done))
        code = 0
    finally:
        os._exit(code)  # none of the parent's clean-up: its buffers, atexit, pytest's


def _gather(scanner: Scanner, pending: dict[int, bytearray], parts: dict[int, ScanReport],
            shared: mmap.mmap, count: int, deadline: Deadline, *, show: bool = True) -> None:
    """The children's reports into `parts` by unit number, read from the `pending` pipes
    until each ends, with progress (when `show`) and `on_hit` meanwhile. Both are the
    caller's: what was read before a ctrl+c is still there to read on from."""
    shown = ScanReport(limit_seconds=scanner.seconds)
    next_progress = deadline.monotonic()
    while pending:
        ready, _, _ = select.select(list(pending), [], [], max(scanner.every, 0.01))
        for descriptor in ready:
            chunk = os.read(descriptor, 1 << 16)
            if chunk:
                pending[descriptor] += chunk
                continue
            data = pending.pop(descriptor)
            try:  # our own child's, through a pipe only it and this process hold
                done = marshal.loads(data) if data else []  # noqa: S302
            except (ValueError, EOFError, TypeError):  # it died writing: its units are redone
                done = []
            for number, flat in done:
                parts[number] = _unflat(flat, scanner.seconds)
        files = found = 0
        where = ""
        for index in range(count):
            child_files, child_keys, length, path = _SLOT.unpack_from(shared,
                                                                      _SLOT.size * index)
            files, found = files + child_files, found + child_keys
            where = path[:length].decode("utf-8", "replace") or where
        if found:
            scanner.notice_hit()
        now = deadline.monotonic()
        if show and scanner.progress is not None and now >= next_progress:
            next_progress = now + scanner.every
            shown.files, shown.found_elsewhere = files, found
            scanner.progress(shown, where)


def _flat(part: ScanReport) -> tuple[Any, ...]:
    """`part` as plain values (`marshal`: no pickle to import, nothing but data to load)."""
    return (part.files, part.bytes, part.skipped, part.unreadable, part.virtual, part.stopped,
            [(str(hit.path), hit.line, hit.column, hit.prefix, hit.last4, hit.masked,
              hit.fingerprint) for hit in part.hits])


def _unflat(flat: tuple[Any, ...], seconds: float) -> ScanReport:
    files, size, skipped, unreadable, virtual, stopped, hits = flat
    return ScanReport([Hit(Path(path), *rest) for path, *rest in hits], files, size, skipped,
                      unreadable, virtual, stopped, limit_seconds=seconds)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _reap(pid: int, *, kill: bool) -> None:
    """Wait for the child `pid` to end; `kill` it first when the parent stops early."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


_nothing: Callable[[], object] = lambda: None  # noqa: E731 (an on_hit that does nothing)
