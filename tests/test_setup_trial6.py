"""Setup as a new user found it at 80x24 and 60x20 (trial 6): the selected agent's state read
as the first agent's, a JSON snippet re-wrapped inside a line, an unclear browser offer, the
page left scrolled down after a sign-out, and a key's file path broken mid-name."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.agents.catalog import AGENTS_BY_ID
from openrush_tui.screens.setup.page import SetupBody
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.agent_panel import AgentPanel
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import settle, text_of
from tests.support.browser_sign_in import code_dialog_app, shown, until

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZES = [(80, 24), (60, 20)]
LONG_PATH = "/home/a-new-user-on-a-shared-server/.config/openrush-tui/credentials.json"


def screen_rows(app: OpenRushApp) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


async def cursor_selected(pilot: Pilot, *keys: str) -> AgentPanel:
    await settle(pilot)
    await pilot.press("down", "down", *keys)  # Cursor (the list has the focus)
    await settle(pilot)
    panel = pilot.app.screen.query_one(AgentPanel)
    assert panel.agent_id == "cursor"
    return panel


@pytest.mark.parametrize("size", SIZES)
async def test_the_selected_agents_steps_are_headed_by_its_name(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # "│ · Claude Code   Set up here: ~/.cursor/mcp.json." read as Claude Code's state.
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=size) as pilot:
        panel = await cursor_selected(pilot)
        heading = panel.query_one("#agent-state", Static)
        heading.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        rows = screen_rows(app)
        assert any("Cursor — Not set up on this machine." in row for row in rows), rows
        # The state is said nowhere without the name of the agent it is about.
        said = [row for row in rows if "Not set up on this machine" in row]
        assert said and all("Cursor — " in row for row in said), rows


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keys", [(), ("v",)], ids=["sign-in", "key-variant"])
async def test_a_snippets_lines_are_drawn_and_copied_as_written(
        tmp_path: Path, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    # At 80 columns '"url":' and '"https://api.openrush.com/mcp"' were on two rows.
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    copied: list[str] = []
    copy = app.copy_text

    def copy_text(text: str) -> object:  # the one copy path, the text it was given kept
        copied.append(text)
        return copy(text)

    app.copy_text = copy_text  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        panel = await cursor_selected(pilot, *keys)
        written = AGENTS_BY_ID["cursor"].instructions(
            panel.mcp_url, key_header=bool(keys)).snippet.rstrip("\n")
        snippet = panel.query_one("#snippet", Static)
        drawn = [line.text.strip() for line in snippet.render_lines(
            Region(0, 0, snippet.region.width, snippet.region.height))]
        assert drawn == [line.strip() for line in written.splitlines()]
        await pilot.press("c")
        await settle(pilot)
        assert copied == [written]


async def test_the_arrows_scroll_a_snippet_wider_than_its_column(tmp_path: Path) -> None:
    # At 80 columns Cursor's URL line is 2 cells wider than the steps' column: → shows its end.
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await cursor_selected(pilot)
        box = panel.query_one("#snippet-box", ScrollableContainer)
        assert box.max_scroll_x > 0 and box.scroll_x == 0
        assert not any('openrush.com/mcp"' in row for row in screen_rows(app))
        await pilot.press("right")
        await pilot.pause()
        assert box.scroll_x == box.max_scroll_x
        assert any('openrush.com/mcp"' in row for row in screen_rows(app))
        assert app.focused is not None and app.focused.id == "agents"  # still on the list
        await pilot.press("left")
        await pilot.pause()
        assert box.scroll_x == 0


async def test_the_browser_offer_says_what_it_spares(tmp_path: Path) -> None:
    # "No key to copy: sign in with the browser (b), also over SSH." read as "this terminal
    # holds no key it can copy".
    app = code_dialog_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
        await settle(pilot)
        line = " ".join(text_of(app.screen.query_one("#web-offer", Static)).split())
        assert line == ("Or press b to sign in through a web page instead of pasting an API "
                        "key; over SSH, open its link or QR code on another device.")


@pytest.mark.parametrize("size", SIZES)
async def test_setup_after_a_sign_out_starts_at_the_top(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # Signed out elsewhere (a revoke on API access), Setup came back scrolled down.
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "environment"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.query_one(SetupBody).scroll_end(animate=False, immediate=True)
        await pilot.press("2")
        await settle(pilot)
        await app.session.sign_out()
        await pilot.press("1")
        await settle(pilot)
        assert not app.session.signed_in
        assert app.screen.query_one(SetupBody).scroll_y == 0
        assert any(row.startswith(" │ Status     not signed in") for row in screen_rows(app))


@pytest.mark.parametrize("size", SIZES)
async def test_a_long_key_path_breaks_after_a_separator(
        tmp_path: Path, size: tuple[int, int]) -> None:
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), "file", LONG_PATH))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.query_one(SetupBody).scroll_home(animate=False, immediate=True)
        await pilot.pause()
        rows = [row.strip(" │▁▂▃▄▅▆▇█") for row in screen_rows(app)]
        at = next(n for n, row in enumerate(rows) if row.startswith("Key from"))
        # The path's piece on each row from "Key from" on, as long as the path goes on.
        pieces: list[str] = []
        for row in rows[at:at + 4]:
            rest = LONG_PATH.removeprefix("".join(pieces))
            piece = next((word for word in row.split(" ") if word and rest.startswith(word)),
                         None)
            if piece is not None and rest:
                pieces.append(piece)
            elif pieces:  # the path ended on the row before
                break
        assert "".join(pieces) == LONG_PATH, rows[at:at + 4]
        assert all(piece.endswith("/") for piece in pieces[:-1]), pieces  # never mid-name


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_cursors_steps_snapshot(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    # The agent section with Cursor selected: its name heads its steps, the snippet's lines
    # unwrapped (the URL's line scrolls sideways where the column is narrower).
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)

    async def cursor_in_view(pilot: Pilot) -> None:
        panel = await cursor_selected(pilot)
        body = pilot.app.screen.query_one(SetupBody)
        top = pilot.app.screen.query_one("#agent-section").region.y - body.region.y
        body.scroll_to(y=body.scroll_y + top, animate=False, immediate=True)
        await pilot.pause()
        assert panel.query_one("#agent-state", Static).region.y > 0

    assert snap_compare(app, terminal_size=size, run_before=cursor_in_view)


@pytest.mark.parametrize("size", SIZES)
async def test_a_command_wider_than_its_column_is_continued_and_copied_whole(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # Scrolled sideways, Claude Code's command hid its URL past the edge at 80 columns.
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    copied: list[str] = []
    copy = app.copy_text

    def copy_text(text: str) -> object:
        copied.append(text)
        return copy(text)

    app.copy_text = copy_text  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one(AgentPanel)
        assert panel.agent_id == "claude-code"
        written = AGENTS_BY_ID["claude-code"].instructions(panel.mcp_url).snippet.strip()
        box = panel.query_one("#snippet-box", ScrollableContainer)
        snippet = panel.query_one("#snippet", Static)
        drawn = [line.text.rstrip() for line in snippet.render_lines(
            Region(0, 0, snippet.region.width, snippet.region.height))]
        assert box.max_scroll_x == 0, drawn  # every line in view, nothing to scroll
        assert len(drawn) > 1 and all(line.endswith(" \\") for line in drawn[:-1]), drawn
        # As the shell reads it: each backslash-newline joins the next line.
        assert " ".join(line.removesuffix(" \\").strip() for line in drawn) == written
        await pilot.press("c")
        await settle(pilot)
        assert copied == [written]
