"""The App's side of the keyboard conventions: the help overlay (? and F1), the page's actions
and the recent messages in the command palette, and short-lived notifications.

A mixin of `OpenRushApp` (kept apart to keep tui.py short).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.notifications import SeverityLevel

from openrush_tui.screens.recent_messages import Message, RecentMessages, short_lived

if TYPE_CHECKING:
    from textual.screen import Screen

    from openrush_tui.clock import Clock


class KeyConventions:
    """What `OpenRushApp` adds for help, the palette and notifications."""

    recent: RecentMessages
    now: Clock

    if TYPE_CHECKING:  # provided by Textual's App
        screen: Screen[Any]
        def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...

    def action_help(self) -> None:
        """? or F1: the keys of what is on screen (the page, or the dialog over it); again,
        it closes."""
        from openrush_tui.screens.dialogs.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(self.screen))

    def conventions_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """For the palette: the page's actions (`bindings.page_commands`), then the recent
        messages, when there are some."""
        from openrush_tui.screens.bindings import page_commands

        yield from page_commands(screen)
        if len(self.recent):
            yield SystemCommand("Messages", "The recent notifications again, newest first",
                                self.show_messages)

    def show_messages(self) -> None:
        from openrush_tui.screens.dialogs.messages import MessagesScreen

        self.push_screen(MessagesScreen(self.recent.newest_first()))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification: kept for "Messages", shown briefly (`messages.short_lived`)."""
        self.recent.add(Message(self.now(), title, message, severity))
        super().notify(message, title=title, severity=severity,  # type: ignore[misc]
                       timeout=short_lived(severity, timeout), markup=markup)
