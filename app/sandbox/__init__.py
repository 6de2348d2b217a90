"""The embedded OpenRush-compatible sandbox: FastAPI app, SQLite store, demo seed. No Textual.

Importing this package stays cheap: the FastAPI side (`Sandbox`, `create_sandbox`) loads on
first attribute access, so the TUI's first paint does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openrush_tui.sandbox.options import RateLimits, SandboxOptions

if TYPE_CHECKING:
    from openrush_tui.sandbox.app import Sandbox, create_sandbox

__all__ = ["RateLimits", "Sandbox", "SandboxOptions", "create_sandbox"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "create_sandbox"):
        # lazy: start-up (FastAPI loads when the sandbox is made)
        from openrush_tui.sandbox import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
