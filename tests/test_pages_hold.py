"""Make it hold, pages: every page, in the states a user meets on it, at 80x24 (an SSH
session) and at 60x20, shows each message, label, button and column header whole and where
the user can reach it: not cut short (wrapped past its rows, ellipsised, its label wider than
the button), not clipped by its container, not under the footer or a docked line, and (in a
page that scrolls) in view once scrolled to. The cells of a table are not checked: a cell made
to truncate ("Production s…") is the table's design; its column headers are.

The pages: Setup signed in (the Storage button shows, off the sandbox) with each agent chosen,
and signed out; API access with keys named long, in emoji and in CJK, the cursor on each, on
a key that has been used and expires, with keys marked and the filter open; Activity with
the sandbox's events, its filter open, and for one key (a long name); and each page of
`--sandbox` (the in-process sandbox: its own server label). A served sandbox over HTTP (fixed
clock), one per module; the checks themselves are geometry (tests/support/in_view.py) and
the text each widget would need at its width. Every problem is listed at the end, as "page
(state) at WxH: widget: what is wrong" (tests/test_dialogs_hold.py does the same for
dialogs; the end of this file checks what it does not look at in API access's dialogs).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from rich.cells import cell_len
from textual.containers import ScrollableContainer
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, OptionList

from openrush_tui.agents.catalog import AGENTS
from openrush_tui.screens.api_access.reveal import KeyRevealScreen
from openrush_tui.screens.api_access.rotate import KeyRotateScreen
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets import textual_private
from openrush_tui.widgets.agent_panel import SnippetBox
from openrush_tui.widgets.app_header import AppHeader
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.usage_chart import UsageChart
from tests.support.accounts import stored
from tests.support.activity import table_of as events_of
from tests.support.apps import remote_app, sandbox_app, settle, text_of
from tests.support.in_view import assert_in_view, cut_label, not_in_view
from tests.support.keys import select
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]

# Names a user gives keys: long, in emoji, in CJK (two cells a character), one that expires.
LONG = "Reporting pipeline for the EU customers (read only, rotated every quarter) #2"
EMOJI = "🔑 deploy bot 🤖 for staging ✨"
CJK = "本番サーバー用のキー（東京リージョン）"
EXPIRING = "Nightly export 導出"
NAMED = (LONG, EMOJI, CJK)
# A key that has been used and expires: its line under the list says all three times.
USED_AND_EXPIRING = "Staging"
# Not checked as text: a text field scrolls its value by design; the chart draws bars.
NOT_TEXT = (Input, UsageChart)
RECHECKS = 3


class Served(NamedTuple):
    running: RunningSandbox
    ids: dict[str, str]  # each key's id by its name


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[Served]:
    running = sandbox_server(rate_per_minute=100_000, rate_per_hour=1_000_000,
                             rate_per_day=10_000_000)
    url = f"{running.base_url}/v1/me/api-credentials"
    headers = {"Authorization": f"Bearer {running.bootstrap_key}"}
    for name, expires in [*((name, None) for name in NAMED),
                          (EXPIRING, "2026-12-31T00:00:00Z")]:
        body = {"name": name, **({"expires_at": expires} if expires else {})}
        answer = httpx.post(url, json=body, headers=headers, timeout=PATIENCE)
        assert answer.status_code == 201, answer.text
    listed = httpx.get(url, headers=headers, timeout=PATIENCE).json()["api_credentials"]
    yield Served(running, {key["name"]: key["id"] for key in listed})


# -- what is wrong with a widget --------------------------------------------------------------


def shown(widget: Widget) -> bool:
    """Whether the page means to show `widget` (it and every container around it)."""
    return all(node.display and node.visible for node in (widget, *widget.ancestors)
               if isinstance(node, Widget))


def name_of(widget: Widget) -> str:
    """The widget as a failure names it: its class, its id, the start of what it says."""
    said = ""
    if isinstance(widget, Button):
        said = str(widget.label)
    elif not isinstance(widget, (KeyTable, DataTable, OptionList)):
        rendered = widget.render()
        said = getattr(rendered, "plain", rendered if isinstance(rendered, str) else "")
    said = " ".join(said.split())
    said = f" “{said[:40]}{'…' if len(said) > 40 else ''}”" if said else ""
    return f"{type(widget).__name__}{'#' + widget.id if widget.id else ''}{said}"


def cut_text(widget: Widget) -> str | None:
    """Why the text of `widget` does not show whole at its size, or None when it does: it
    wraps to more rows than the widget has, or (not wrapping) runs wider than it is."""
    room = widget.content_region
    if room.width <= 0 or room.height <= 0:
        return f"has no room for its text ({room.width}x{room.height})"
    container = widget.parent.size if isinstance(widget.parent, Widget) else widget.app.size
    needed = widget.get_content_height(container, widget.app.size, room.width)
    if needed > room.height:
        return f"its text needs {needed} rows at {room.width} columns, it has {room.height}"
    if widget.styles.text_wrap == "nowrap":
        widest = widget.get_content_width(Size(10_000, room.height), widget.app.size)
        if widest > room.width:
            return f"its text needs {widest} columns, it has {room.width}"
    return None


def clipped(widget: Widget) -> str | None:
    """The part of `widget` a container around it cuts off (a row of buttons wider than its
    panel), if any: what not_in_view does not see, at a side."""
    try:
        geometry = widget.screen.find_widget(widget)
    except NoWidget:  # not in the screen's map at all
        return "is not drawn"
    if geometry.visible_region != geometry.region:
        return f"at {geometry.region} is cut to {geometry.visible_region} by its container"
    return None


def header_row_not_in_view(table: Widget) -> str | None:
    """Why the table's header row is not where the user can read it (a table taller than
    its page's view is scrolled to its top, so only this row must be in view)."""
    region = table.region
    row = Region(region.x, region.y, region.width, 1)
    for ancestor in table.ancestors:
        if isinstance(ancestor, ScrollableContainer) and \
                not ancestor.scrollable_content_region.contains_region(row):
            return f"its header row {row} is outside {ancestor}'s view"
    width, height = table.app.size
    if row.y < 0 or row.y >= height - 1 or row.x < 0 or row.right > width:
        return f"its header row {row} is off the {width}x{height} terminal or on its footer"
    drawn, _ = table.screen.get_widget_at(row.x, row.y)
    if drawn is not table:
        return f"{drawn} is drawn over its header row"
    return None


def column_titles(table: KeyTable | DataTable[Any]) -> list[str]:
    if isinstance(table, KeyTable):
        return table.column_titles()
    return [column.label.plain for column in table.ordered_columns]


def missing_titles(table: KeyTable | DataTable[Any]) -> str | None:
    """The column titles the header row, as drawn, does not show whole ("Status" drawn as
    "S" at the table's right edge; "What it does" as "What it d")."""
    drawn = table.render_line(0).text
    missing = [title for title in column_titles(table)
               if not re.search(rf"(?<!\w){re.escape(title)}(?!\w)", drawn)]
    if missing:
        return f"column headers {missing} are cut: the header reads {drawn.rstrip()!r}"
    return None


def cut_options(options: OptionList) -> str | None:
    room = options.scrollable_content_region.width
    cut = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
           if cell_len(str(options.get_option_at_index(i).prompt)) > room]
    return f"options {cut} are wider than its {room} columns" if cut else None


def header_problem(header: AppHeader, page_name: str) -> str | None:
    """The page's name in the header runs into what follows it ("API access server:
    sandbox"), or is cut other than on purpose: a long one (Activity for a key) may end in
    "…" to leave room for the balance, as long as the page's own name ("Activity") shows."""
    line = header.render().plain
    at = line.find("› ")
    if at < 0:
        return f"shows no page name: {line!r}"
    shown = re.split(r"\s{2,}", line[at + 2:].strip(), maxsplit=1)[0]
    if shown == header.page:
        return None
    if shown.startswith(header.page):
        return f"the page's name runs into what follows it: {line.strip()!r}"
    if shown.endswith("…") and shown.startswith(page_name):
        return None
    return f"the page's name {header.page!r} reads {shown!r}"


# -- a page, checked -----------------------------------------------------------------------


class PageCheck:
    """The problems found on one page of one app, state after state."""

    def __init__(self, pilot: Pilot[Any], page: str) -> None:
        self.pilot = pilot
        self.page = page
        self.problems: list[str] = []
        self.seen: list[str] = []

    async def keys(self, *pressed: str) -> None:
        for key in pressed:
            await self.pilot.press(key)
            await settle(self.pilot)

    async def check(self, state: str) -> None:
        """Every widget of the page that says something, in this state (the app settled:
        its data arrived and was laid out)."""
        app = self.pilot.app
        screen = app.screen
        width, height = app.size
        where = f"{self.page} ({state}) at {width}x{height}"
        if not isinstance(screen, DashboardScreen):
            self.problems.append(f"{where}: a page is not on screen ({screen})")
            return
        app.clear_notifications()  # a toast over the page is not the page's layout
        self.seen.append(state)
        # A problem seen once may be a layout not yet caught up (a table widens its columns
        # in an idle pass): it counts when it is still there after the app has settled again.
        found = await self._problems(screen)
        for _ in range(RECHECKS):
            if not found:
                break
            await self.pilot.pause()
            await settle(self.pilot)
            found = await self._problems(screen)
        self.problems += [f"{where}: {problem}" for problem in found]

    async def _problems(self, screen: DashboardScreen) -> list[str]:
        found: list[str] = []
        tables = 0
        for widget in list(screen.walk_children(Widget)):
            if widget.children or not shown(widget) or isinstance(widget, NOT_TEXT):
                continue
            if isinstance(widget, (KeyTable, DataTable)):
                tables += 1
            found += [f"{name_of(widget)}: {problem}"
                      for problem in await self._widget_problems(widget) if problem]
        if not tables:
            found.append("no table on the page (not loaded?)")
        return found

    async def _widget_problems(self, widget: Widget) -> list[str | None]:
        is_table = isinstance(widget, (KeyTable, DataTable))
        if not isinstance(widget, KeyHints):  # the footer: on the last row by design
            await self._scroll_to(widget, top=is_table)
        if isinstance(widget, (KeyTable, DataTable)):
            return [header_row_not_in_view(widget), missing_titles(widget), clipped(widget)]
        if isinstance(widget.parent, SnippetBox):  # never wrapped: scrolls sideways (←/→)
            await self._scroll_to(widget.parent, top=False)  # with its scroll bar's row
            return [not_in_view(widget.parent), clipped(widget.parent)]
        if isinstance(widget, KeyHints):
            return [cut_text(widget)]
        problems = [not_in_view(widget), clipped(widget)]
        if isinstance(widget, Button):
            return [*problems, cut_label(widget)]
        if isinstance(widget, OptionList):
            return [*problems, cut_options(widget)]
        if isinstance(widget, AppHeader):
            problems.append(header_problem(widget, type(widget.screen).PAGE_TITLE))
        return [*problems, cut_text(widget)]

    async def _scroll_to(self, widget: Widget, *, top: bool) -> None:
        """Scroll the page to `widget`, as the user would, when it is below the fold."""
        if not any(isinstance(a, ScrollableContainer) for a in widget.ancestors):
            return
        if not top and not_in_view(widget) is None:
            return
        widget.scroll_visible(top=top, animate=False, immediate=True)
        await self.pilot.pause()

    def done(self, expected: int) -> None:
        assert len(self.seen) == expected, self.seen
        assert not self.problems, "\n" + "\n".join(self.problems)


# -- the pages -----------------------------------------------------------------------------


def app_on(server: Served, page: str, *, signed_in: bool = True) -> OpenRushApp:
    running = server.running
    app = remote_app(running.base_url, running.bootstrap_key if signed_in else None,
                     page=page, read_timeout=PATIENCE)
    if signed_in:  # a key saved by login, as most users have (Setup then offers Storage…)
        app.session.key = stored(running.bootstrap_key, "file",
                                 "~/.config/openrush-tui/credentials.json")
    return app


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_setup_signed_in_holds(server: Served, size: tuple[int, int]) -> None:
    app = app_on(server, "setup")
    async with app.run_test(size=size) as pilot:
        check = PageCheck(pilot, "Setup, signed in")
        await settle(pilot)
        app.screen.query_one("#agents").focus()
        await check.keys("home")
        for index, agent in enumerate(AGENTS):
            if index:
                await check.keys("down")
            await check.check(f"{agent.name} chosen")
        check.done(len(AGENTS))


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_setup_signed_out_holds(server: Served, size: tuple[int, int]) -> None:
    app = app_on(server, "setup", signed_in=False)
    async with app.run_test(size=size) as pilot:
        check = PageCheck(pilot, "Setup, signed out")
        await settle(pilot)
        await check.check("opened")
        check.done(1)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_api_access_holds(server: Served, size: tuple[int, int]) -> None:
    app = app_on(server, "api-access")
    async with app.run_test(size=size) as pilot:
        check = PageCheck(pilot, "API access")
        await settle(pilot)
        await check.check("opened")
        for name in (*NAMED, EXPIRING, USED_AND_EXPIRING):
            await select(pilot, name)
            await settle(pilot)
            await check.check(f"on “{name}”")
        await check.keys("space", "down", "space")
        await check.check("two keys marked")
        await check.keys("slash", *"or_")
        await check.check("the filter open")
        check.done(len(NAMED) + 5)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_activity_holds(server: Served, size: tuple[int, int]) -> None:
    app = app_on(server, "activity")
    async with app.run_test(size=size) as pilot:
        check = PageCheck(pilot, "Activity")
        await settle(pilot)
        await check.check("opened")
        events_of(app).focus()
        await check.keys("down", "down")
        await check.check("on the third event")
        await check.keys("slash", *"inspect")
        await check.check("the filter open")
        await check.keys("escape")
        for name in ("Production server", LONG):  # as the key's details open it
            await app.open_activity_for_key(server.ids[name], name)
            await settle(pilot)
            await check.check(f"for the key “{name}”")
        check.done(5)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
@pytest.mark.parametrize("page", ["setup", "api-access", "activity"])
async def test_the_sandbox_s_pages_hold(tmp_path: Path, page: str,
                                        size: tuple[int, int]) -> None:
    # `openrush-tui --sandbox`, as a new user first tries it: the in-process sandbox, whose
    # server label ("sandbox (in-process)") and demo session differ from a served one's.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page=page)
    async with app.run_test(size=size) as pilot:
        check = PageCheck(pilot, f"{page}, --sandbox")
        await settle(pilot)
        await check.check("opened")
        check.done(1)


async def test_the_cursor_stays_on_screen_when_the_key_s_lines_grow(tmp_path: Path) -> None:
    # End goes to "Old laptop", whose lines under the list (used, revoked) are three at 80x24
    # where the first key's are two: the list gets shorter under the cursor, which must
    # still show it.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        client = await app.session.client()
        for number in range(20):
            await client.create_key(f"key {number:02}")
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one(KeyTable)
        before = table.size.height
        await pilot.press("end")
        await settle(pilot)
        assert table.current is not None and table.current.name == "Old laptop"
        assert table.size.height < before  # the lines under it did grow
        drawn = [table.render_line(y).text for y in range(1, table.size.height)]
        assert any("Old laptop" in row for row in drawn), drawn


# -- API access's dialogs: what tests/test_dialogs_hold.py does not look at ------------------


async def problems_of(pilot: Pilot[Any], widgets: list[Widget]) -> list[str]:
    """Each of `widgets` scrolled to (a dialog's body scrolls), then read as the page's are."""
    found: list[str] = []
    for widget in widgets:
        widget.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        found += [f"{name_of(widget)}: {problem}" for problem in
                  (not_in_view(widget), clipped(widget), cut_text(widget)) if problem]
    return found


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_every_expiry_choice_reads_whole_once_a_date_is_chosen(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # "A date" chosen shows the date field: the body then scrolls, its scrollbar took two
    # columns from the row of choices, which read "A da" (at 60 columns two were gone).
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n", *"held", "tab", "left", "enter")  # ← from Never: A date
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#date", Input).has_focus
        choices = list(dialog.query("#expiry RadioButton"))
        assert len(choices) == 6
        assert not (found := await problems_of(pilot, choices)), "\n".join(found)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_reveal_s_copy_note_reads_whole_inside_tmux(
        tmp_path: Path, no_display: None, monkeypatch: pytest.MonkeyPatch,
        size: tuple[int, int]) -> None:
    # Inside tmux over SSH: the terminal takes the OSC 52 sequence (a headless test app
    # writes nowhere, so its writer says "written" here), there is no system clipboard, and
    # the note says all three, the longest it gets: it read up to "No system" at 80x24.
    monkeypatch.setenv("TMUX", str(tmp_path / "tmux-socket") + ",4242,0")
    monkeypatch.setattr(textual_private, "terminal_writer", lambda app: lambda sequence: True)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n", *"tmux", "enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        note = dialog.query_one("#copy-status")
        assert "set-clipboard on" in " ".join(text_of(note).split())  # the longest note
        for widget in (note, dialog.query_one("#key")):  # the note, and the key it is about
            await assert_in_view(pilot, widget)
        assert cut_text(note) is None, cut_text(note)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_the_reveal_over_the_rotate_dialog_has_one_frame(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # R, Rotate: the new key is revealed over the rotate dialog. Its frame showed around the
    # reveal's (84 columns wide and taller, where the reveal is 80): a double border.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        rotate = app.screen
        assert isinstance(rotate, KeyRotateScreen)
        await pilot.press("enter")  # the first choice: revoke once unused
        deadline = time.monotonic() + PATIENCE
        while not isinstance(app.screen, KeyRevealScreen) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        reveal = app.screen
        assert isinstance(reveal, KeyRevealScreen)
        await pilot.pause()
        frame = reveal.query_one("#dialog").region
        outside = []
        for widget in rotate.query("*"):
            if isinstance(widget, KeyHints):  # the footer: the reveal's own is drawn over it
                continue
            try:
                drawn = rotate.find_widget(widget).visible_region
            except NoWidget:
                continue  # not drawn at all
            if drawn and not frame.contains_region(drawn):
                outside.append(f"{name_of(widget)} at {drawn}")
        assert not outside, f"drawn around the reveal's frame {frame}: {outside}"
