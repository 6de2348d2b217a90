"""The app's shell at 80x24 and 60x20 (issue 20, cosmetic): the header keeps the page's name
apart from what follows it ("API access server: sandbox" ran together), a path in a toast
breaks after a separator rather than mid-name, and the question asked when the reveal is
closed (or the app quit) over an uncopied key shows its buttons whole. In-process sandbox,
Pilot, the toasts as Textual draws them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Button
from textual.widgets._toast import Toast  # private: the only way to read a toast's lines

from openrush_tui.screens.api_access.reveal import is_leave_without_copy
from openrush_tui.widgets.app_header import AppHeader
from tests.support.apps import sandbox_app, settle
from tests.support.in_view import cut_label, not_in_view
from tests.support.keys import create
from tests.support.patience import PATIENCE

SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]
PAGES = ("setup", "api-access", "activity")
SERVERS = ("sandbox (in-process)", "OpenRush", "local server http://127.0.0.1:8787")
PATHS = (
    "/home/someone/projects/openrush-reports/activity-export-2026-06-26.csv",
    "~/.config/openrush-tui/credentials.json",
    "~/Library/Application Support/Claude/claude_desktop_config.json",
    r"C:\Users\someone\AppData\Roaming\Code\User\mcp.json",
)


def run_together(line: str, page: str) -> str | None:
    """Why the header's page name is not apart from what follows it, or None."""
    title = f"› {page}"
    at = line.find(title)
    if at < 0:
        return f"no page name in {line!r}"
    after = line[at + len(title):]
    if after.strip() and not after.startswith("   "):
        return f"the page's name runs into what follows: {line.strip()!r}"
    return None


@pytest.mark.parametrize("size", [*SIZES, (70, 20), (100, 30)],
                         ids=[*size_ids, "70x20", "100x30"])
async def test_the_header_keeps_the_page_name_apart(tmp_path: Path,
                                                    size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    problems = []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for page in PAGES:
            await pilot.press(str(PAGES.index(page) + 1))
            await settle(pilot)
            header = app.screen.query_one(AppHeader)
            for server in SERVERS:
                for balance in (None, 1250, 1_234_567):
                    for hold in (0, 42):
                        header.server, header.balance, header.hold = server, balance, hold
                        line = header.render().plain
                        if problem := run_together(line, header.page):
                            problems.append(f"{server}, {balance}, {hold}: {problem}")
                        if cell_len(line) > size[0]:
                            problems.append(f"wider than the screen: {line!r}")
    assert not problems, "\n".join(problems)


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


async def shown_toast(pilot: Pilot[Any], ending: str) -> Toast:
    """The one toast on screen once it ends with `ending` (spaces aside; the one before it
    gone), waited for: toasts are mounted and removed after the message that asks for them."""
    deadline = time.monotonic() + PATIENCE
    while True:
        toasts = list(pilot.app.screen.query(Toast))
        if len(toasts) == 1 and squeezed("".join(toast_lines(toasts[0]))).endswith(
                squeezed(ending)):
            return toasts[0]
        assert time.monotonic() < deadline, [toast_lines(toast) for toast in toasts]
        await pilot.pause(0.02)


def toast_lines(toast: Toast) -> list[str]:
    return [strip.text.strip(" ▌") for strip in toast.render_lines(toast.region.reset_offset)]


@pytest.mark.parametrize("size", [*SIZES, (120, 36)], ids=[*size_ids, "120x36"])
async def test_a_path_in_a_toast_breaks_after_a_separator(tmp_path: Path,
                                                         size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        problems = []
        for path in PATHS:
            app.clear_notifications()
            app.notify(f"Exported 123 events to {path} (CSV, 4 KB).", markup=False, timeout=60)
            toast = await shown_toast(pilot, f"{path} (CSV, 4 KB).")
            drawn = "\n".join(toast_lines(toast))
            # Each name between separators (or spaces, where Textual wraps) is on one line,
            # when it fits one.
            room = toast.content_region.width
            for name in re.split(r"[/\\\s]", path):
                if name and cell_len(name) <= room \
                        and not any(name in line for line in drawn.splitlines()):
                    problems.append(f"{name!r} of {path} broken across lines:\n{drawn}")
        assert not problems, "\n".join(problems)
        assert app.recent.newest_first()[0].text.endswith(f"{PATHS[-1]} (CSV, 4 KB).")


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_quitting_over_an_uncopied_key_asks_with_whole_buttons(
        tmp_path: Path, no_display: None, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await create(pilot, "careful")
        await pilot.press("q")  # quitting asks, as closing does
        await settle(pilot)
        assert is_leave_without_copy(app.screen)
        buttons = list(app.screen.query(Button))
        assert {str(button.label) for button in buttons} == {"Close anyway", "Back to the key"}
        problems = [cut_label(button) or not_in_view(button) for button in buttons]
        assert problems == [None, None]
