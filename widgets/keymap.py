"""The app's key conventions in one place: what each key is for, by purpose, and the motion
keys every list shares.

Each binding of ours carries its purpose as a `Binding.Group` (Textual's own field for
grouping keys); the help overlay (`screens.dialogs.help`) groups by it, so the help is generated
from the bindings and cannot drift from them. A binding without a group is an action of its page.

Motion keys (`motion_bindings`) are the same on every list: j/k and the arrows, g/G and
Home/End, ctrl+d/ctrl+u (half a screen), PageUp/PageDown. None of them does anything
destructive: a test checks that no motion key is bound to anything but moving.

The one meaning of each key across pages (the README's key map is this, as a table):
``/`` filters the page's list, Escape clears a filter (in a dialog: closes it), ``r``
refreshes, Enter opens what is under the cursor, ``h`` shows or hides the rows a page hides
(revoked keys, this tool's own reads), space marks, ``?``/F1 help, ``q`` quit, 1 2 3 pages.
The key lifecycle's (issue 13): ``R`` rotate a key, ``a`` keys that need attention, ``D``
revoke the unused keys (API access), ``w`` write (export) Activity.
"""

from __future__ import annotations

from textual.binding import Binding

MOVE = Binding.Group("Move")
FIND = Binding.Group("Filter and view")
ACT = Binding.Group("Actions")
GLOBAL = Binding.Group("Everywhere")
DIALOG = Binding.Group("This dialog")

# The key lifecycle's keys and the one action each means (see the docstring).
MOTION_KEYS = frozenset({"j", "k", "g", "G", "up", "down", "home", "end", "pageup",
                         "pagedown", "ctrl+d", "ctrl+u"})
LIFECYCLE_KEYS = {"R": "rotate", "a": "attention", "D": "revoke_unused", "w": "export"}


def motion_bindings(prefix: str, *, up: str, down: str, first: str, last: str,
                    half_up: str, half_down: str, page_up: str, page_down: str,
                    first_name: str = "First", last_name: str = "Last") -> list[Binding]:
    """The motion keys of one list, bound to its own actions (each widget names its own)."""

    def move(keys: str, action: str, description: str, name: str) -> Binding:
        return Binding(keys, action, description, show=False, id=f"{prefix}.{name}",
                       group=MOVE)

    return [
        move("k,up", up, "Up", "up"),
        move("j,down", down, "Down", "down"),
        move("g,home", first, first_name, "first"),
        move("G,end", last, last_name, "last"),
        move("ctrl+u", half_up, "Half a screen up", "half-up"),
        move("ctrl+d", half_down, "Half a screen down", "half-down"),
        move("pageup", page_up, "Page up", "page-up"),
        move("pagedown", page_down, "Page down", "page-down"),
    ]
