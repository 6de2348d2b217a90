"""The footer: the active key bindings as one line of text, in one widget.

Textual's `Footer` mounts a widget per binding and recomposes them all whenever the bindings
change. On pages with a dozen keys that was a third of the time to the first frame, and a
redraw on every keystroke that changes what is enabled. This draws the same information (key,
description, disabled keys dimmed, the command palette on the right) as a single `Text`, and
a click on a key presses it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyHints > .key-hints--key { color: $footer-key-foreground; text-style: bold; }
    KeyHints > .key-hints--description { color: $footer-description-foreground; }
    KeyHints > .key-hints--disabled { color: $text-disabled; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-hints--key", "key-hints--description", "key-hints--disabled",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._targets: list[tuple[int, int, str]] = []  # (first cell, end cell, key)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool]], Binding | None]:
        """The bindings to show (one per action, in order) and the command palette's."""
        shown: list[tuple[Binding, bool]] = []
        actions: set[str] = set()
        palette: Binding | None = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = binding
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append((binding, enabled))
        return shown, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-hints--key", partial=True)
        description_style = self.get_component_rich_style("key-hints--description",
                                                          partial=True)
        disabled_style = self.get_component_rich_style("key-hints--disabled", partial=True)
        shown, palette = self._shown()
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        targets: list[tuple[int, int, str]] = []

        def add(target: Text, binding: Binding, enabled: bool) -> None:
            start = target.cell_len
            target.append(f" {self.app.get_key_display(binding)}",
                          key_style if enabled else disabled_style)
            target.append(f" {binding.description} ",
                          description_style if enabled else disabled_style)
            targets.append((start, target.cell_len, binding.key))

        for binding, enabled in shown:
            add(line, binding, enabled)
        if palette is not None:
            right = Text(end="")
            add(right, palette, True)
            offset = max(line.cell_len + 1, self.size.width - right.cell_len)
            start, end, key = targets.pop()
            targets.append((start + offset, end + offset, key))
            line.append(" " * (offset - line.cell_len))
            line.append_text(right)
        self._targets = targets
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._targets:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
