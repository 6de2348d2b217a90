"""Blocking calls (an OS keyring, a clipboard helper, a file lookup) run in daemon threads.

Unlike asyncio's executor threads, a daemon thread that hangs (a keyring waiting for an
unlock prompt that cannot appear over SSH, an xclip waiting for a display) never stops the
app from exiting. `DaemonCall` starts one; the caller waits for it with a bound (`wait`), or
awaits it from the event loop (`in_daemon_thread`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class DaemonCall(Generic[T]):
    """`work()` running in a daemon thread of its own, started at once."""

    def __init__(self, work: Callable[[], T], *, name: str = "openrush-blocking") -> None:
        self._work = work
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []  # what they return is not used
        self._value: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc
        with self._lock:
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True when the call has finished."""
        return self._finished.wait(timeout)

    def result(self) -> T:
        """The call's value, or its exception raised here. Only once it is `done`."""
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # a T once finished without error

    def when_done(self, callback: Callable[[], object]) -> None:
        """Run `callback` (in the call's thread) once it finishes; at once if it has."""
        with self._lock:
            if not self._finished.is_set():
                self._callbacks.append(callback)
                return
        callback()


async def in_daemon_thread(work: Callable[[], T], *, name: str = "openrush-blocking") -> T:
    """Await `work()` run in a daemon thread, without blocking the event loop."""
    # lazy: start-up (loaded already when this runs; `keys scan` loads this module and may
    # never need the event loop)
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    call = DaemonCall(work, name=name)

    def settle() -> None:
        if not future.done():
            future.set_result(None)

    call.when_done(lambda: loop.call_soon_threadsafe(settle))
    await future
    return call.result()
