"""A stand-in for the desktop clipboard (none exists on this machine): what pyperclip would
reach through xclip or pbcopy. The clipboard tests use it for the path that works, and a real
display-less environment for the path that fails."""

from __future__ import annotations


class FakeDesktop:
    """A desktop clipboard: what pyperclip would reach through xclip or pbcopy."""

    def __init__(self) -> None:
        self.content = "something the user copied earlier"

    def copy(self, text: str) -> None:
        self.content = text

    def paste(self) -> str:
        return self.content
