"""The keys of a screen as data, read from the bindings themselves: the help overlay lists
them (`screens.dialogs.help`) and the command palette offers the page's actions (`page_commands`),
so neither can drift from what the keys do.

A screen's keys are its own bindings, those of every widget on it, and the app's. Only our
bindings (the ones with an id) are listed; Textual's own (an Input's editing keys) are not.
Where a widget overrides a key of its base class, the override is the one listed, as it is
the one Textual runs. Each binding's purpose is its `Binding.group` (`widgets.keymap`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.actions import parse
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode

from openrush_tui.widgets.keymap import ACT, GLOBAL, MOVE

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class KeyEntry:
    """One action and every key bound to it (``d`` and ``delete``)."""

    node: DOMNode  # where the action runs
    binding: Binding
    keys: tuple[str, ...]  # as shown: ``d``, ``delete``

    @property
    def group(self) -> str:
        return purpose(self.node, self.binding)

    @property
    def explanation(self) -> str:
        return self.binding.tooltip or self.binding.description

    def enabled(self) -> bool:
        """Whether the action does something now (the node's `check_action`)."""
        _namespace, name, parameters = parse(self.binding.action)
        return self.node.check_action(name, parameters) is not False

    def offered(self) -> bool:
        """Whether the palette lists it now: enabled, and the node's `palette_offers` agrees
        (a key may answer "nothing to do", where the palette would list a dead entry)."""
        offers = getattr(self.node, "palette_offers", None)
        return self.enabled() and (offers is None or offers(parse(self.binding.action)[1]))


def purpose(node: DOMNode, binding: Binding) -> str:
    """The binding's group; without one, an action of its page (or of the app)."""
    if binding.group is not None:
        return binding.group.description
    return (GLOBAL if isinstance(node, App) else ACT).description


def _own_bindings(node: DOMNode) -> Iterator[Binding]:
    """`node`'s bindings with an id, the most derived class's first; a key bound again by a
    subclass hides the base class's binding of it."""
    taken: set[str] = set()
    for cls in type(node).__mro__:
        if not (isinstance(cls, type) and issubclass(cls, DOMNode)):
            continue
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            if binding.key in taken:
                continue
            taken.add(binding.key)
            if binding.id:
                yield binding


def key_entries(screen: Screen[Any]) -> list[KeyEntry]:
    """The screen's keys, then its widgets', then the app's: one entry per thing done, its
    keys merged (``d`` and ``delete``; the same move on two lists; ? and F1)."""
    app = screen.app
    merged: dict[tuple[str, str], tuple[DOMNode, Binding, list[str]]] = {}
    for node in (screen, *screen.walk_children(), app):
        for binding in _own_bindings(node):
            _node, _binding, keys = merged.setdefault(
                (purpose(node, binding), binding.description), (node, binding, []))
            if (shown := app.get_key_display(binding)) not in keys:
                keys.append(shown)
    return [KeyEntry(node, binding, tuple(keys)) for node, binding, keys in merged.values()]


def page_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The page's actions for the command palette, each naming its key, only those that make
    sense now (enabled); a screen's `palette_titles()` may word them by their state ("Live
    refresh: turn off"), and its `palette_commands()` add commands of its own."""
    titles: dict[str, str] = getattr(screen, "palette_titles", dict)()
    for entry in key_entries(screen):
        if isinstance(entry.node, App) or entry.binding.group is MOVE or not entry.offered():
            continue
        title = titles.get(entry.binding.id or "", entry.binding.description)
        yield SystemCommand(f"{title} ({' '.join(entry.keys)})", entry.explanation,
                            _runner(entry))
    for title, help_text, callback in getattr(screen, "palette_commands", list)():
        yield SystemCommand(title, help_text, callback)


def _runner(entry: KeyEntry) -> Callable[[], Any]:
    def run() -> Any:
        return entry.node.app.run_action(entry.binding.action, entry.node)

    return run
