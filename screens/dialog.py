"""What every dialog of the app shares: centred over the page, one framed box sized to its
content, and a footer of its own keys (the page's would mislead). A dialog puts its content
in a container with id ``dialog``: a ``.title``, a ``.body`` (a VerticalScroll: it scrolls
when the terminal is small) and ``.buttons`` (they stay on screen). The look (the frame,
``.note``, each dialog's width and border colour) is in ``styles/dialogs.tcss``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen

from openrush_tui.screens.base import ReportsWorkerFailures

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

ResultT = TypeVar("ResultT")
SHORT_BELOW = 20  # rows


class Dialog(ReportsWorkerFailures, ModalScreen[ResultT]):
    """A modal dialog of this app (styled by ``styles/dialogs.tcss``)."""

    def on_mount(self) -> None:
        # Here rather than in each compose: every dialog has one (subclasses' own on_mount
        # handlers run as well).
        from openrush_tui.widgets.key_hints import KeyHints

        self.mount(KeyHints())

    def on_resize(self) -> None:
        # A very short terminal: less padding and one-line buttons leave the body room to
        # show what matters (the reveal dialog's key at 40x12).
        self.set_class(self.size.height < SHORT_BELOW, "-short")

    @property
    def dashboard(self) -> OpenRushApp:
        return self.app  # type: ignore[return-value]
