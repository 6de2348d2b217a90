"""Setup's agents as a person uses them: the list says which agents are set up here (what
`agents list` finds, through the same core function), a set-up agent can be uninstalled from
the page (diff, Cancel first, backup), `i` does something for every agent (a file written, or
the command to run, ready to copy), an install from a dashboard on a local server says which
server the agent will talk to, and nothing of the section is cut at 80×24 or 60×20.
In-process sandbox (a served one where the dashboard must point at a local URL); temporary
home."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, OptionList, Static

from openrush_tui.agents.catalog import AGENTS
from openrush_tui.agents.found import find_setups
from openrush_tui.cli import main
from openrush_tui.config import DEFAULT_MCP_URL
from openrush_tui.screens.dialogs.help import HelpScreen
from openrush_tui.screens.setup.agent_install import AgentInstallScreen
from openrush_tui.screens.setup.agent_steps import AgentStepsScreen
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.agent_panel import AgentPanel
from openrush_tui.widgets.key_hints import KeyHints
from openrush_tui.widgets.labelled_list import LabelledList
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.apps import notices, remote_app, settle, text_of
from tests.support.in_view import assert_in_view, cut_label, not_in_view
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZES = [(80, 24), (60, 20)]
OTHERS = '{\n  "mcpServers": {\n    "github": {"url": "https://gh.example"},\n' \
         '    "openrush": {"url": "%s"}\n  }\n}\n'


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def panel(app: OpenRushApp) -> AgentPanel:
    return app.screen.query_one(AgentPanel)


def prompts(app: OpenRushApp) -> dict[str, str]:
    """Each agent's line in the list, as shown."""
    options = app.screen.query_one("#agents", OptionList)
    return {str(option.id): str(option.prompt) for option in
            (options.get_option_at_index(i) for i in range(options.option_count))}


def state_line(app: OpenRushApp) -> str:
    return text_of(app.screen.query_one("#agent-state", Static))


async def choose(pilot, agent_id: str) -> None:
    """Highlight `agent_id` in the list (it has the focus as Setup opens)."""
    app = pilot.app
    options = app.screen.query_one("#agents", OptionList)
    options.focus()
    await pilot.press("home")
    for _ in range([agent.id for agent in AGENTS].index(agent_id)):
        await pilot.press("down")
    await settle(pilot)
    assert panel(app).agent.id == agent_id


def footer(app: OpenRushApp) -> str:
    return app.screen.query_one(KeyHints).render().plain


# ------------------------------------------------------------------ which agents are set up


async def test_the_list_shows_what_agents_list_finds(tmp_path: Path,
                                                     isolated_home: Path) -> None:
    write(isolated_home / ".cursor" / "mcp.json", OTHERS % DEFAULT_MCP_URL)
    write(isolated_home / ".codex" / "config.toml",
          '[mcp_servers.openrush]\nurl = "https://old.example/mcp"\n')
    write(isolated_home / ".claude.json",
          json.dumps({"mcpServers": {"openrush": {"type": "http", "url": DEFAULT_MCP_URL}}}))
    found = {item.agent.id: item for item in find_setups(mcp_url=DEFAULT_MCP_URL)}
    assert found["cursor"].state == "set up" and found["codex"].state == "other server"
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = prompts(app)
        for agent_id, item in found.items():  # the core's state, marked in the list
            assert shown[agent_id].startswith(item.mark + " "), (agent_id, shown[agent_id])
        marks = {shown[agent_id][0] for agent_id in ("cursor", "vscode", "codex",
                                                     "claude-desktop")}
        assert len(marks) == 4  # set up, not set up, another server, cannot tell: distinct
        legend = text_of(app.screen.query_one("#agent-legend", Static))
        assert "set up" in legend and "other server" in legend and "not set up" in legend
        assert "Set up here: ~/.claude.json (all projects)" in state_line(app)  # Claude Code
        await choose(pilot, "cursor")
        assert "Set up here: ~/.cursor/mcp.json" in state_line(app)
        await choose(pilot, "codex")
        assert "https://old.example/mcp" in state_line(app)
        assert "not set up" in state_line(app).lower()
        await choose(pilot, "vscode")
        assert "Not set up" in state_line(app)


# ------------------------------------------------------------------ uninstall from the page


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
async def test_uninstall_shows_the_diff_asks_first_and_keeps_a_backup(
        tmp_path: Path, isolated_home: Path, size: tuple[int, int]) -> None:
    config = write(isolated_home / ".cursor" / "mcp.json", OTHERS % DEFAULT_MCP_URL)
    before = config.read_text()
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await choose(pilot, "vscode")  # not set up: nothing to uninstall, not offered
        assert "u Uninstall" not in footer(app)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        await choose(pilot, "cursor")
        if size[0] >= 80:  # at 60 columns the footer gives way (KeyHints); the help has it
            assert "u Uninstall" in footer(app)
        uninstall = app.screen.query_one("#uninstall", Button)
        uninstall.scroll_visible(animate=False, immediate=True)
        await assert_in_view(pilot, uninstall)
        assert cut_label(uninstall) is None
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Remove OpenRush from the agent's file" in \
            app.screen.query_one(LabelledList).plain
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentInstallScreen)
        assert '-    "openrush": {' in text_of(dialog.query_one("#diff", Static))
        assert "mcp.json.bak" in text_of(dialog.query_one("#install-what", Static))
        assert dialog.focused is dialog.query_one("#cancel", Button)  # as the CLI's [y/N]
        for button in dialog.query(Button):
            assert cut_label(button) is None
            await assert_in_view(pilot, button)
        await pilot.press("enter")  # Cancel: nothing written
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen) and config.read_text() == before
        await pilot.press("u", "w")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert "Removed the OpenRush entry from ~/.cursor/mcp.json" in "\n".join(notices(app))
        assert prompts(app)["cursor"].startswith("· ")  # checked again: no longer set up
        assert "u Uninstall" not in footer(app)
    assert json.loads(config.read_text()) == {"mcpServers": {
        "github": {"url": "https://gh.example"}}}
    assert (config.parent / "mcp.json.bak").read_text() == before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
async def test_an_uninstall_that_cannot_be_written_says_why_in_view(
        tmp_path: Path, isolated_home: Path, size: tuple[int, int]) -> None:
    config = write(isolated_home / ".cursor" / "mcp.json", OTHERS % DEFAULT_MCP_URL)
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await choose(pilot, "cursor")
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentInstallScreen)
        config.write_text(config.read_text() + "\n")  # an editor saved it meanwhile
        await pilot.press("w")
        await settle(pilot)
        assert app.screen is dialog
        status = dialog.query_one("#install-status", Static)
        assert "changed since the preview" in text_of(status)
        await assert_in_view(pilot, status)


async def test_claude_code_set_up_by_its_command_is_uninstalled_by_its_command(
        tmp_path: Path, isolated_home: Path) -> None:
    write(isolated_home / ".claude.json",
          json.dumps({"mcpServers": {"openrush": {"type": "http", "url": DEFAULT_MCP_URL}}}))
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "claude-code")
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentStepsScreen)
        assert "claude mcp remove openrush" in text_of(dialog.query_one("#steps-snippet",
                                                                        Static))
    assert "openrush" in (isolated_home / ".claude.json").read_text()  # never touched


# ------------------------------------------------------------------ i for every agent


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
async def test_i_on_claude_code_shows_the_command_ready_to_copy(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert panel(app).agent.id == "claude-code"  # the first agent, shown as Setup opens
        assert "i Install" in footer(app)
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgentStepsScreen)
        snippet = dialog.query_one("#steps-snippet", Static)
        assert "claude mcp add --transport http openrush" in text_of(snippet)
        await assert_in_view(pilot, snippet)  # the command, before the note about servers
        for button in dialog.query(Button):
            assert cut_label(button) is None
        assert "not through a file" in text_of(dialog.query_one("#steps-what", Static))
        await pilot.press("c")
        await settle(pilot)
        status = dialog.query_one("#steps-status", Static)
        assert "the command" in text_of(status)
        await assert_in_view(pilot, status)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)


@pytest.mark.parametrize("agent", AGENTS, ids=lambda agent: agent.id)
async def test_i_opens_a_dialog_for_every_agent(tmp_path: Path, agent) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, agent.id)
        await pilot.press("i")
        await settle(pilot)
        expected = AgentInstallScreen if agent.target is not None else AgentStepsScreen
        assert isinstance(app.screen, expected)


# ------------------------------------------------------------------ which MCP server


PUBLIC_NOTE = "public OpenRush server"


async def install_dialog_text(pilot, agent_id: str) -> str:
    await settle(pilot)
    await choose(pilot, agent_id)
    await pilot.press("i")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, AgentInstallScreen | AgentStepsScreen)
    return "\n".join(text_of(widget) for widget in dialog.query(Static))


async def test_an_install_from_a_dashboard_on_a_local_server_names_the_public_server(
        server: RunningSandbox, tmp_path: Path) -> None:
    app = remote_app(server.base_url, server.bootstrap_key, page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await install_dialog_text(pilot, "cursor")
        assert PUBLIC_NOTE in said and DEFAULT_MCP_URL in said
        assert f"not the local server {server.base_url}" in said.replace("\n", " ")
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        said = await install_dialog_text(pilot, "claude-code")
        assert PUBLIC_NOTE in said and "sandbox" in said


async def test_an_install_to_a_chosen_mcp_url_or_from_the_public_server_says_nothing(
        tmp_path: Path) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None,
                           mcp_url="http://127.0.0.1:9/mcp")  # chosen: no note
    async with app.run_test(size=(80, 24)) as pilot:
        assert PUBLIC_NOTE not in await install_dialog_text(pilot, "cursor")
    app = remote_app("https://api.openrush.io", None, page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        assert PUBLIC_NOTE not in await install_dialog_text(pilot, "cursor")


def test_the_cli_says_which_server_the_agent_will_talk_to(
        capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    local = "http://127.0.0.1:8765"
    assert main(["--api-url", local, "agents", "install", "cursor", "--dry-run"]) == 0
    said = capsys.readouterr()
    assert PUBLIC_NOTE in said.err and f"not the local server {local}" in said.err
    assert '"url": "https://api.openrush.com/mcp"' in said.out  # the diff, as before
    assert main(["--sandbox", "agents", "show", "cursor"]) == 0
    assert PUBLIC_NOTE in capsys.readouterr().err
    assert main(["agents", "install", "cursor", "--dry-run"]) == 0  # the public server
    assert PUBLIC_NOTE not in capsys.readouterr().err
    assert main(["--api-url", local, "--mcp-url", local + "/mcp", "agents", "install",
                 "cursor", "--dry-run"]) == 0  # an MCP URL chosen
    assert PUBLIC_NOTE not in capsys.readouterr().err
    assert not (isolated_home / ".cursor").exists()


# ------------------------------------------------------------------ nothing cut


def clipped_by(widget: Widget) -> str | None:
    """The container that cuts `widget` off at a side (its region reaches out of the
    container's content), if any. (Above and below: `in_view.not_in_view`.)"""
    region = widget.region
    for ancestor in widget.ancestors:
        if isinstance(ancestor, Widget) and ancestor.size.width:
            room = ancestor.scrollable_content_region
            if region.x < room.x or region.right > room.right:
                return f"{widget} at {region} reaches out of {ancestor}'s {room}"
    return None


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
@pytest.mark.parametrize("agent_id", ["cursor", "windsurf"])
async def test_nothing_of_setup_is_cut(server: RunningSandbox, size: tuple[int, int],
                                       agent_id: str, isolated_home: Path) -> None:
    # Windsurf's file has the longest name; the Storage button shows off the sandbox.
    write(isolated_home / ".cursor" / "mcp.json", OTHERS % DEFAULT_MCP_URL)
    key = server.bootstrap_key
    app = remote_app(server.base_url, key, page="setup")
    app.session.key = stored(key, "file", "~/.config/openrush-tui/credentials.json")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await choose(pilot, agent_id)
        widgets = [*app.screen.query(Button), *app.screen.query(Checkbox),
                   *app.screen.query("#agents")]
        assert app.screen.query_one("#storage", Button).display
        for widget in widgets:
            if not widget.display or not all(a.display for a in widget.ancestors
                                              if isinstance(a, Widget)):
                continue
            widget.scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            assert clipped_by(widget) is None, clipped_by(widget)
            assert not_in_view(widget) is None, not_in_view(widget)
            if isinstance(widget, Button):
                assert cut_label(widget) is None
            if isinstance(widget, Checkbox):
                assert cell_len(str(widget.label)) + 4 <= widget.region.width, widget
        options = app.screen.query_one("#agents", OptionList)
        longest = max(cell_len(str(options.get_option_at_index(i).prompt))
                      for i in range(options.option_count))
        assert longest <= options.scrollable_content_region.width
        table = app.screen.query_one("#tools", DataTable)
        table.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width, (
            "the tools table scrolls sideways: a column header is cut")
        for column in table.columns.values():
            room = column.get_render_width(table) - 2 * table.cell_padding
            assert cell_len(str(column.label)) <= room, column.label


async def test_the_capabilities_keep_every_description_at_60_columns(tmp_path: Path) -> None:
    key = mint_key(tmp_path / "sandbox.sqlite3")
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", stored(key, "environment"))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#tools", DataTable)
        table.focus()
        await pilot.press("down")
        await settle(pilot)
        name = str(table.get_row_at(table.cursor_row)[0])
        about = app.screen.query_one("#tool-about", Static)
        assert text_of(about).startswith(name + ":")
        assert str(table.get_row_at(table.cursor_row)[2]) in ("yes", "no")


async def test_i_then_a_move_in_the_list_still_shows_the_steps_of_the_agent_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """i reads the agent's file in a thread; the list may move meanwhile (an e2e run on a
    busy machine saw Claude Code's dialog holding Cursor's snippet): the steps are those of
    the agent i was pressed on."""
    import threading

    from openrush_tui.agents import install

    reading, go_on = threading.Event(), threading.Event()
    real_plan_install = install.plan_install

    def slow_plan_install(*args: object, **kwargs: object) -> object:
        reading.set()
        assert go_on.wait(60)
        return real_plan_install(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(install, "plan_install", slow_plan_install)
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert panel(app).agent.id == "claude-code"
        await pilot.press("i")
        while not reading.is_set():
            await pilot.pause(0.02)
        # The list moves while the file is read (no settling: the read is held).
        app.screen.query_one("#agents", OptionList).highlighted = \
            [agent.id for agent in AGENTS].index("cursor")
        while panel(app).agent.id != "cursor":
            await pilot.pause(0.02)
        go_on.set()
        while not isinstance(app.screen, AgentStepsScreen):
            await pilot.pause(0.02)
        snippet = text_of(app.screen.query_one("#steps-snippet", Static))
    assert "claude mcp add --transport http openrush" in snippet, snippet
