"""Keyring backends for tests: a working one in memory, one that discards, one that hangs.

Real `KeyringBackend` subclasses, so they go through keyring's own API exactly like the OS
backends. Their priority is negative, so keyring never picks one on its own: a test selects
it explicitly (`keyring.set_keyring`).
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A working keyring that keeps passwords in a dict (the "OS keyring" of these tests)."""

    priority = -10
    name = "MemoryKeyring (test)"

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's has no annotations
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class ForgetfulKeyring(MemoryKeyring):
    """Says it saved the password and keeps nothing (like a misconfigured backend)."""

    name = "ForgetfulKeyring (test)"

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


class BlockingKeyring(MemoryKeyring):
    """Every call waits until `release()`: a locked keyring whose unlock prompt never shows."""

    name = "BlockingKeyring (test)"

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.calls = 0

    def _wait(self) -> None:
        self.calls += 1
        self.gate.wait(timeout=60)

    def get_password(self, service: str, username: str) -> str | None:
        self._wait()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait()
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._wait()
        super().delete_password(service, username)

    def release(self) -> None:
        self.gate.set()
