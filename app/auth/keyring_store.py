"""The OS keyring, with every call off the caller's thread and bounded by a timeout.

A locked keyring reached over SSH can block forever (Secret Service waiting for an unlock
prompt nobody sees), so each call runs in a *daemon* thread and the caller waits at most
`timeout` seconds. Daemon, not an executor: `asyncio.to_thread` and Textual's thread workers
use the default executor, whose threads are joined when the interpreter exits, so one hung
keyring call would hang the program's exit too. A call that timed out leaves its thread
behind; while it is still stuck, later calls fail at once instead of piling up more threads.

Backends are described in plain words: the fail backend (no keyring), the null backend
(accepts and discards), plaintext backends (keyrings.alt) and real ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from openrush_tui.blocking import DaemonCall

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "openrush-tui"
DEFAULT_TIMEOUT = 5.0

T = TypeVar("T")
BackendKind = Literal["secure", "plaintext", "none", "discards"]
Problem = Literal["none", "discards", "plaintext", "timeout", "error"]

_stuck_lock = threading.Lock()
_stuck_calls = 0


class KeyringTimeout(Exception):
    """The keyring did not answer in time (it may be locked and waiting for an unlock)."""


@dataclass(frozen=True)
class BackendInfo:
    name: str  # for people: "SecretService Keyring", "PlaintextKeyring (keyrings.alt)"
    kind: BackendKind
    path: str | None = None  # where a plaintext backend keeps its file, when known

    @property
    def usable(self) -> bool:
        return self.kind == "secure"


class KeyringUnusable(Exception):
    """No keyring that keeps a key safely; `problem` says why, in `describe()` words."""

    def __init__(self, problem: Problem, backend: BackendInfo | None = None,
                 detail: str = "", timeout: float | None = None) -> None:
        self.problem = problem
        self.backend = backend
        self.detail = detail
        self.timeout = resolve_timeout(timeout)
        super().__init__(self.describe())

    def describe(self) -> str:
        """One plain sentence for the person choosing where the key goes instead."""
        name = self.backend.name if self.backend else "the keyring"
        if self.problem == "none":
            return "This system has no OS keyring (common on servers reached over SSH)."
        if self.problem == "discards":
            return (f"The keyring backend here ({name}) accepts keys but does not keep them, "
                    "so it cannot remember one.")
        if self.problem == "plaintext":
            where = f" in {self.backend.path}" if self.backend and self.backend.path else ""
            return (f"The keyring backend here ({name}) stores keys as plain text{where}, "
                    "no safer than a file.")
        if self.problem == "timeout":
            return (f"The OS keyring did not answer within {self.timeout:g} s; it may be locked "
                    "and waiting for an unlock prompt that cannot appear here.")
        extra = f" ({self.detail})" if self.detail else ""
        return f"The OS keyring refused to store the key{extra}."


# ------------------------------------------------------------------ running with a timeout


def resolve_timeout(timeout: float | None) -> float:
    # Looked up at call time, so tests (and a future setting) can change the default.
    return DEFAULT_TIMEOUT if timeout is None else timeout


def call_with_timeout(work: Callable[[], T], timeout: float | None = None) -> T:
    """`work()` in a daemon thread; KeyringTimeout if it takes longer than `timeout`.

    A call that timed out may still be blocked (a keyring waiting for an unlock): until it
    returns, further calls fail at once rather than pile up more stuck threads.
    """
    global _stuck_calls
    timeout = resolve_timeout(timeout)
    with _stuck_lock:
        if _stuck_calls:
            raise KeyringTimeout("an earlier keyring call is still waiting")
    call = DaemonCall(work, name="openrush-keyring")
    if not call.wait(timeout):
        with _stuck_lock:
            _stuck_calls += 1
        call.when_done(_unstuck)
        raise KeyringTimeout(f"no answer within {timeout:g} s")
    return call.result()


def _unstuck() -> None:
    global _stuck_calls
    with _stuck_lock:
        _stuck_calls -= 1


def stuck_calls() -> int:
    """How many timed-out keyring calls are still blocked (for tests and diagnostics)."""
    return _stuck_calls


# ------------------------------------------------------------------ describing backends


def describe(backend: KeyringBackend) -> BackendInfo:
    # lazy: start-up (loads after the dashboard's first frame)
    from keyring.backends import chainer, fail, null

    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        # The chainer writes to its first backend, so that one decides where a key goes.
        if not chained:
            return BackendInfo("no keyring backend", "none")
        return describe(chained[0])
    if isinstance(backend, fail.Keyring):
        return BackendInfo("no keyring backend", "none")
    if isinstance(backend, null.Keyring):
        return BackendInfo("the null keyring", "discards")
    cls = type(backend)
    module = cls.__module__
    # keyrings.alt's own names ("file PlaintextKeyring") hide which package it is.
    name = (f"{cls.__name__} ({'.'.join(module.split('.')[:2])})"
            if module.startswith("keyrings.") else _backend_name(backend))
    if "plaintext" in cls.__name__.lower():
        path = getattr(backend, "file_path", None)
        return BackendInfo(name, "plaintext", str(path) if path else None)
    return BackendInfo(name, "secure")


def _backend_name(backend: KeyringBackend) -> str:
    try:
        return str(backend.name)
    except Exception:  # a third-party backend's name property may fail; the class name will do
        return type(backend).__name__


# ------------------------------------------------------------------ the operations
# Each runs inside call_with_timeout; all of them import keyring lazily, in that thread.


def _current() -> tuple[KeyringBackend, BackendInfo]:
    # lazy: start-up (loads after the dashboard's first frame)
    import keyring

    backend = keyring.get_keyring()
    return backend, describe(backend)


def backend_info(timeout: float | None = None) -> BackendInfo:
    return call_with_timeout(lambda: _current()[1], timeout)


def read(profile: str, timeout: float | None = None) -> tuple[str | None, BackendInfo]:
    """The key stored for `profile` and the backend it came from (None when absent)."""

    def work() -> tuple[str | None, BackendInfo]:
        # lazy: start-up (loads after the dashboard's first frame)
        from keyring.errors import KeyringError

        backend, info = _current()
        if info.kind in ("none", "discards"):
            return None, info
        try:
            return backend.get_password(SERVICE, profile), info
        except KeyringError:
            return None, info

    return call_with_timeout(work, timeout)


def store(profile: str, value: str, timeout: float | None = None) -> BackendInfo:
    """Save `value`, read it back, and raise KeyringUnusable unless it is really kept."""

    def work() -> BackendInfo:
        # lazy: start-up (loads after the dashboard's first frame)
        from keyring.errors import NoKeyringError

        backend, info = _current()
        if info.kind != "secure":
            raise KeyringUnusable(info.kind, info)
        try:
            backend.set_password(SERVICE, profile, value)
            kept = backend.get_password(SERVICE, profile)
        except NoKeyringError:
            raise KeyringUnusable("none", info) from None
        except Exception as exc:  # KeyringError, or a D-Bus error a backend let through
            # Only the exception's type is shown: its text comes from a third-party backend.
            raise KeyringUnusable("error", info, type(exc).__name__) from None
        if kept != value:
            raise KeyringUnusable("discards", info)
        return info

    try:
        return call_with_timeout(work, timeout)
    except KeyringTimeout:
        raise KeyringUnusable("timeout", timeout=resolve_timeout(timeout)) from None


def delete(profile: str, timeout: float | None = None) -> bool:
    """Remove the key for `profile`; True if one was there. KeyringTimeout may escape."""

    def work() -> bool:
        # lazy: start-up (loads after the dashboard's first frame)
        from keyring.errors import KeyringError, PasswordDeleteError

        backend, info = _current()
        if info.kind in ("none", "discards"):
            return False
        try:
            if backend.get_password(SERVICE, profile) is None:
                return False
            backend.delete_password(SERVICE, profile)
        except PasswordDeleteError:
            return False
        except KeyringError:
            raise
        return True

    return call_with_timeout(work, timeout)
