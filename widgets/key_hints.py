"""The footer: the active key bindings as one line of text, in one widget.

Textual's `Footer` mounts a widget per binding and recomposes them all whenever the bindings
change. On pages with a dozen keys that was a third of the time to the first frame, and a
redraw on every keystroke that changes what is enabled. This draws the same information (key,
description, disabled keys dimmed, the command palette on the right) as a single `Text`, and
a click on a key presses it.

Most useful first, and it always fits: a screen may list its bindings' ids in `FOOTER_ORDER`
(the rest follow in Textual's order: the focused widget's, then the screen's); a binding kept
out of the footer (`show=False`) that the screen lists there is shown all the same, under its
`FOOTER_LABELS` word when its description is too long for a footer ("o Order"). Then come the
page keys (1 2 3), Help (?) and Quit. Too narrow for all of it (an 80-column SSH session),
the palette hint goes, then the page keys shrink to "1 2 3 pages", then the screen's keys go
from the least useful on, except its `FOOTER_KEEP` ones (the page's most used: API access's
n, d, o at 60 columns, trial 8); then the page keys, then those; Help and Quit always stay.
Under a dialog the page keys do nothing, so they are not shown. The help (?) lists every key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

NAVIGATION = "switch_mode"
ALWAYS = ("help", "quit")  # never given way (in this order, last on the line)

Hint = tuple[Binding, bool]  # a binding and whether it is enabled


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

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def _shown(self) -> tuple[list[Hint], list[Hint], list[Hint], Binding | None]:
        """The screen's keys (most useful first), the page keys, Help and Quit, and the
        palette's."""
        actions: list[Hint] = []
        pages: list[Hint] = []
        keeps: list[Hint] = []
        seen: set[str] = set()
        palette: Binding | None = None
        order: Sequence[str] = getattr(self.screen, "FOOTER_ORDER", ())
        labels: Mapping[str, str] = getattr(self.screen, "FOOTER_LABELS", {})
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = binding
            elif ((binding.show or binding.id in order)
                  and (action := binding.action.removeprefix("app.")) not in seen):
                seen.add(action)
                if (label := labels.get(binding.id or "")) is not None:
                    binding = replace(binding, description=label)
                if action.startswith(NAVIGATION):
                    if enabled:  # under a dialog they do nothing: not offered
                        pages.append((binding, enabled))
                elif action in ALWAYS:
                    keeps.append((binding, enabled))
                else:
                    actions.append((binding, enabled))
        if "help" not in seen and getattr(self.screen, "OFFERS_HELP", True):
            # A text field took ?: the app's F1 (priority) still opens the help.
            keeps += [(binding, True) for binding in Binding.make_bindings(self.app.BINDINGS)
                      if binding.action == "help" and binding.priority][:1]
        rank = {binding_id: index for index, binding_id in enumerate(order)}
        actions.sort(key=lambda hint: rank.get(hint[0].id or "", len(rank)))  # stable
        keeps.sort(key=lambda hint: ALWAYS.index(hint[0].action.removeprefix("app.")))
        return actions, pages, keeps, palette

    def _kept(self, hint: Hint) -> bool:
        """One of the page's most used keys: they give way after the page keys."""
        return (hint[0].id or "") in getattr(self.screen, "FOOTER_KEEP", ())

    def render(self) -> Text:
        actions, pages, keeps, palette = self._shown()
        width = self.size.width or 10_000
        compact_pages = False
        with_palette = palette is not None
        while True:
            line, targets = self._line(actions, pages, keeps, compact_pages)
            if with_palette and palette is not None:
                right, right_targets = self._line([(palette, True)], [], [], False)
                if line.cell_len + 1 + right.cell_len <= width:
                    offset = width - right.cell_len
                    line.append(" " * (offset - line.cell_len))
                    line.append_text(right)
                    targets += [(s + offset, e + offset, k) for s, e, k in right_targets]
                    break
            elif line.cell_len <= width:
                break
            # Too wide: give way, least useful first.
            if with_palette:
                with_palette = False
            elif pages and not compact_pages:
                compact_pages = True
            elif any(not self._kept(hint) for hint in actions):
                last = max(index for index, hint in enumerate(actions) if not self._kept(hint))
                actions = actions[:last] + actions[last + 1:]
            elif pages:
                pages = []
            elif actions:
                actions = actions[:-1]
            else:
                break  # only Help and Quit are left: cut rather than dropped
        self._targets = targets
        return line

    def _styles(self) -> tuple[Style, Style, Style]:
        return (self.get_component_rich_style("key-hints--key", partial=True),
                self.get_component_rich_style("key-hints--description", partial=True),
                self.get_component_rich_style("key-hints--disabled", partial=True))

    def _line(self, actions: list[Hint], pages: list[Hint], keeps: list[Hint],
              compact_pages: bool) -> tuple[Text, list[tuple[int, int, str]]]:
        key_style, description_style, disabled_style = self._styles()
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        targets: list[tuple[int, int, str]] = []

        def add(binding: Binding, enabled: bool, description: str | None) -> None:
            start = line.cell_len
            line.append(f" {self.app.get_key_display(binding)}",
                        key_style if enabled else disabled_style)
            if description is not None:
                line.append(f" {description} ", description_style if enabled
                            else disabled_style)
            targets.append((start, line.cell_len, binding.key))

        for binding, enabled in actions:
            add(binding, enabled, binding.description)
        for index, (binding, enabled) in enumerate(pages):
            last = index == len(pages) - 1
            add(binding, enabled, ("pages" if last else None) if compact_pages
                else binding.description)
        for binding, enabled in keeps:
            add(binding, enabled, binding.description)
        return line, targets

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._targets:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
