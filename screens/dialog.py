"""What every dialog of the app shares: centred over the page, one framed box sized to its
content. A dialog puts its content in a container with id ``dialog`` and sets that box's
width, and a border colour that says what kind of dialog it is (warning, danger, success)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > #dialog {
        height: auto;
        max-width: 100%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    """
