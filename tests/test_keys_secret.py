"""After the reveal dialog closes, the new key is nowhere: not in a widget, the app's clipboard,
a notification, a log record, anything reachable from the app, or a file the app wrote.

The test itself never keeps the key either: it keeps a SHA-256 and recognises the key by
hashing every ``or_…`` string it finds.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import re
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content
from textual.widget import Widget

from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.tui import OpenRushApp
from tests.support.apps import TERMINAL, notices, sandbox_app, settle
from tests.support.keys import create

KEYISH = re.compile(r"or_[A-Za-z0-9]{40}")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def holds(text: str, wanted: str) -> bool:
    return any(digest(match) == wanted for match in KEYISH.findall(text))


def rendered(widget: Widget) -> str:
    """What a widget draws: its renderable, or every line of a Line API widget."""
    parts: list[str] = []
    try:
        renderable = widget.render()
    except Exception:  # some widgets cannot render off screen; their lines are read below
        renderable = None
    if isinstance(renderable, Text | Content | str):
        parts.append(str(renderable))
    for y in range(widget.size.height):
        try:
            parts.append("".join(segment.text for segment in widget.render_line(y)))
        except Exception:
            break
    return "\n".join(parts)


SKIP = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
        types.CodeType, types.MethodType)


def reachable_strings(root: object) -> Iterator[str]:
    """Every str and bytes reachable from `root`, not following modules, classes or code
    (those lead to the whole interpreter, caches of unrelated libraries included)."""
    seen = {id(root)}
    todo = [root]
    while todo:
        current = todo.pop()
        for child in gc.get_referents(current):
            if isinstance(child, str):
                yield child
            elif isinstance(child, bytes | bytearray):
                yield bytes(child).decode("latin-1")
            elif id(child) not in seen and not isinstance(child, SKIP):
                seen.add(id(child))
                todo.append(child)


def files_under(*roots: Path) -> Iterable[Path]:
    for root in roots:
        yield from (path for path in root.rglob("*") if path.is_file())


def all_screens(app: OpenRushApp) -> Iterator[Widget]:
    for mode in app.MODES:
        try:
            yield from app.get_screen_stack(mode)
        except KeyError:  # a page never opened has no stack
            continue


async def test_after_the_reveal_closes_the_key_is_nowhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                      ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                      ("TMPDIR", "tmp")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    caplog.set_level(logging.DEBUG)

    # Unseeded keys: a seeded one would also sit, legitimately, in the snapshot results of
    # other tests that ran in this process.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", key_seed=None)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "never twice")
        assert isinstance(app.screen, KeyRevealScreen)
        # Sanity: while the dialog is open, the search does find the key.
        box = rendered(app.screen.query_one("#key"))
        wanted = digest(KEYISH.findall(box)[0])
        del box
        assert any(holds(s, wanted) for s in reachable_strings(app))
        await pilot.press("c")
        await pilot.click("#stored")
        await settle(pilot)
        await pilot.pause()
        gc.collect()

        for screen in all_screens(app):
            for widget in screen.walk_children(with_self=True):
                assert not holds(rendered(widget), wanted), widget
        assert not holds(app.clipboard, wanted)
        for note in notices(app):
            assert not holds(note, wanted)
        leaks = [s[:80] for s in reachable_strings(app) if holds(s, wanted)]
        assert leaks == []
        # And nothing anywhere in this process (library caches included) holds it.
        holders = [type(obj).__name__ for obj in gc.get_objects()
                   for child in gc.get_referents(obj)
                   if isinstance(child, str) and holds(child, wanted)]
        assert holders == []

    for record in caplog.records:
        assert not holds(record.getMessage(), wanted)
    written = list(files_under(tmp_path))
    assert any(path.name == "sandbox.sqlite3" for path in written)
    for path in written:
        assert not holds(path.read_bytes().decode("latin-1"), wanted), path
