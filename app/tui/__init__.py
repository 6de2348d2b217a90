"""The Textual face of the dashboard: the App (`app.py`) and what only it uses.

`startup` (garbage collection paused while the app starts) and `signals` (the last resort
after a signal or a hang-up) import no Textual: the command line imports `startup` before
Textual loads. So this package's `__init__` loads nothing either, and `OpenRushApp` (and the
App module's other public names) are loaded on first use (PEP 562 `__getattr__`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openrush_tui.tui.app import DIALOG_SOURCE, OpenRushApp

__all__ = ["DIALOG_SOURCE", "OpenRushApp"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("openrush_tui.tui.app"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
