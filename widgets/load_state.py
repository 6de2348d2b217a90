"""A one-line status under a list: loading, an error to act on, or why the list is empty."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import Static

State = Literal["idle", "loading", "error", "empty", "info"]


class LoadState(Static):
    DEFAULT_CSS = """
    LoadState {
        height: auto;
        padding: 0 1;
        display: none;
    }
    LoadState.-loading, LoadState.-empty, LoadState.-info { display: block; color: $text-muted; }
    LoadState.-error { display: block; color: $text-error; background: $error-muted; }
    """

    def show(self, state: State, message: str = "") -> None:
        """Set the state; `message` is plain text (server words included) and never markup."""
        for name in ("loading", "error", "empty", "info"):
            self.set_class(state == name, f"-{name}")
        self.state = state
        self.update(Text(message))

    state: State = "idle"
