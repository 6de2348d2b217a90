"""What every dialog of the app shares: centred over the page, one framed box sized to its
content. A dialog puts its content in a container with id ``dialog``; the look (the frame,
``.title``, ``.note``, ``.buttons``, each dialog's width and border colour) is in
``styles/dialogs.tcss``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen

from openrush_tui.screens.base import ReportsWorkerFailures

if TYPE_CHECKING:
    from openrush_tui.tui import OpenRushApp

ResultT = TypeVar("ResultT")


class Dialog(ReportsWorkerFailures, ModalScreen[ResultT]):
    """A modal dialog of this app (styled by ``styles/dialogs.tcss``)."""

    @property
    def dashboard(self) -> OpenRushApp:
        return self.app  # type: ignore[return-value]
