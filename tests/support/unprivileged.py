"""Running code as an ordinary user meets files, in a test suite that may run as root.

Root reads every file, so ``chmod 0`` proves nothing under root. What lets it is two
capabilities, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, and on Linux capabilities belong to
a thread: `as_ordinary_user` runs a function in a thread of its own that drops them first, so
permissions apply to it exactly as to any user, while the rest of the test process keeps
them (and can clean up). As another user, the function simply runs.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
_CAPABILITY_VERSION_3 = 0x20080522
_DAC_CAPABILITIES = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_file_capabilities() -> None:
    """Drop, for the calling thread only (pid 0), what lets root ignore permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_CAPABILITY_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0].effective &= ~_DAC_CAPABILITIES
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def as_ordinary_user(function: Callable[[], T], *, timeout: float = 120) -> T:
    """`function()`'s result, computed where file permissions apply (see the docstring)."""
    if os.geteuid() != 0:
        return function()
    if not sys.platform.startswith("linux"):
        pytest.skip("root without capabilities needs Linux")
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            _drop_file_capabilities()
            outcome["value"] = function()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="ordinary-user")
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s"
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]  # what `function` returned
    return value
