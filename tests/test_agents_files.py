"""Agent config files as other programs leave them: two installs at once, an editor writing
during an install, a FIFO at a config path, an "openrush" entry for another server. Every
file lives in a temporary home directory; the races are staged with events, never timing."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from openrush_tui.agents import install as install_module
from openrush_tui.agents.catalog import AGENTS_BY_ID
from openrush_tui.agents.found import find_setups
from openrush_tui.agents.install import ConfigFileError, apply_install, plan_install
from openrush_tui.cli import main
from openrush_tui.config import config_dir
from openrush_tui.files.locks import locked
from openrush_tui.screens.setup.page import SetupScreen
from tests.support.accounts import sandbox_app_with
from tests.support.apps import TERMINAL, notices, settle

MCP = "https://mcp.example.test/mcp"
DEADLINE = 60.0  # far beyond any of these steps, even on a loaded machine
pytestmark = pytest.mark.usefixtures("isolated_home")


def cursor_config(home: Path, text: str) -> Path:
    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


MINE = '{"mcpServers": {"mine": {"url": "https://mine.example/mcp"}}}\n'


# ------------------------------------------------------------------ two writers


def test_two_installs_at_once_never_lose_an_update(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both previews read the same file; the first install is held half-way through its
    write while the second runs. The second must wait for the first and then find the file
    changed: it says so and writes nothing, instead of both saying "Updated"."""
    path = cursor_config(isolated_home, MINE)
    first = plan_install(AGENTS_BY_ID["cursor"], MCP)
    second = plan_install(AGENTS_BY_ID["cursor"], MCP, key_header=True)
    monkeypatch.setattr(install_module, "LOCK_TIMEOUT", DEADLINE, raising=False)
    inside, go = threading.Event(), threading.Event()
    real_fsync, real_flock = os.fsync, fcntl.flock
    first_thread: list[threading.Thread] = []

    def fsync(descriptor: int) -> None:
        if threading.current_thread() in first_thread and not inside.is_set():
            inside.set()  # the first install is writing: hold it there
            go.wait(DEADLINE)
        real_fsync(descriptor)

    def flock(descriptor: int, operation: int) -> None:
        try:
            real_flock(descriptor, operation)
        except BlockingIOError:
            go.set()  # the second install waits for the first's lock: let the first go on
            raise

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(fcntl, "flock", flock)
    outcomes: dict[str, str | ConfigFileError] = {}

    def run(name: str, plan: install_module.InstallPlan) -> None:
        try:
            outcomes[name] = apply_install(plan).summary()
        except ConfigFileError as exc:
            outcomes[name] = exc

    thread = threading.Thread(target=run, args=("first", first), daemon=True)
    first_thread.append(thread)
    thread.start()
    assert inside.wait(DEADLINE)
    run("second", second)  # here: it finishes at once, or waits for the first's lock
    go.set()
    thread.join(DEADLINE)
    assert str(outcomes["first"]).startswith("Updated ~/.cursor/mcp.json")
    assert isinstance(outcomes["second"], ConfigFileError), outcomes
    assert "changed since the preview; nothing was written" in str(outcomes["second"])
    assert path.read_text() == first.new_text
    # One backup (the first's); no lock file beside the person's config.
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json", "mcp.json.bak"]
    assert path.with_name("mcp.json.bak").read_text() == MINE


def test_a_file_another_program_writes_during_the_install_is_not_overwritten(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor (which takes no lock of ours) saves the file while the install is writing:
    the install notices at the rename, writes nothing and keeps no backup of its own."""
    path = cursor_config(isolated_home, MINE)
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    edited = '{"mcpServers": {"mine": {"url": "https://mine.example/mcp"}, "new": {}}}\n'
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if path.read_text() == MINE:
            path.write_text(edited)  # the editor's save, in place
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ConfigFileError, match="changed since the preview; nothing was written"):
        apply_install(plan)
    assert path.read_text() == edited
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]


@contextlib.contextmanager
def held_elsewhere(lock: Path) -> Iterator[None]:
    """`lock` held by another thread (as by another process: a lock is re-entrant only
    within the thread that holds it)."""
    taken, done = threading.Event(), threading.Event()
    lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def hold() -> None:
        try:
            with locked(lock):
                taken.set()
                done.wait(DEADLINE)
        finally:
            taken.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(DEADLINE) and thread.is_alive()
    try:
        yield
    finally:
        done.set()
        thread.join(DEADLINE)


def test_the_lock_is_ours_and_one_held_too_long_is_said(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock lives in this tool's config directory, named after the config's real path
    (a folder of the person's, or a project's, never gets a lock file of ours); an install
    that cannot get it says so and writes nothing."""
    path = cursor_config(isolated_home, MINE)
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)
    lock = install_module.lock_path(plan.real_path)
    assert lock.parent.parent == config_dir()
    monkeypatch.setattr(install_module, "LOCK_TIMEOUT", 0)
    with held_elsewhere(lock), pytest.raises(ConfigFileError,
                                             match="locked by another process"):
        apply_install(plan)
    assert path.read_text() == MINE
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]
    assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700
    apply_install(plan)  # free again
    assert json.loads(path.read_text())["mcpServers"]["openrush"] == {"url": MCP}


@pytest.fixture
def tight_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("tight_umask")
def test_the_config_keeps_its_mode_and_is_never_chmodded(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cursor_config(isolated_home, MINE)
    path.chmod(0o640)

    def no_chmod(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"chmod of {args[0]}")

    monkeypatch.setattr(os, "chmod", no_chmod)
    result = apply_install(plan_install(AGENTS_BY_ID["cursor"], MCP))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert result.backup is not None and stat.S_IMODE(result.backup.stat().st_mode) == 0o600


# ------------------------------------------------------------------ a FIFO at a config path


def release_reader(fifo: Path) -> None:
    """A writer that opens `fifo` and closes it: a reader stuck on it reads EOF."""
    with contextlib.suppress(OSError):  # ENXIO: no reader waits, nothing to release
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def finishes(call: Callable[[], Any], fifo: Path) -> Any:
    """`call`'s result, or a failure when it is still running at the deadline (a reader stuck
    on `fifo` is then released, so the failing run ends)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        release_reader(fifo)
        thread.join(DEADLINE)
        pytest.fail(f"still reading {fifo} after {DEADLINE:g} s")
    assert result, "the call failed"
    return result[0]


@pytest.fixture
def fifo_config(isolated_home: Path) -> Path:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    os.mkfifo(path)
    return path


def test_agents_list_says_a_fifo_is_not_a_file_instead_of_hanging(
        fifo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = finishes(find_setups, fifo_config)
    cursor = next(item for item in found if item.agent.id == "cursor")
    assert cursor.state == "not set up"
    assert cursor.problems == ("~/.cursor/mcp.json: a named pipe (FIFO), not a file",)
    assert finishes(lambda: main(["agents", "list"]), fifo_config) == 0
    err = capsys.readouterr().err
    assert "cursor: could not check ~/.cursor/mcp.json: a named pipe (FIFO), not a file" in err


def test_install_refuses_a_fifo_instead_of_hanging(fifo_config: Path) -> None:
    def plan() -> str:
        try:
            plan_install(AGENTS_BY_ID["cursor"], MCP)
        except ConfigFileError as exc:
            return str(exc)
        return "no error"

    assert "~/.cursor/mcp.json is a named pipe (FIFO), not a file" in finishes(plan, fifo_config)
    assert stat.S_ISFIFO(fifo_config.lstat().st_mode)


@pytest.mark.timeout(240)
async def test_the_dashboard_says_a_fifo_config_is_not_a_file_and_ends(
        tmp_path: Path, fifo_config: Path) -> None:
    # Should the preview read the FIFO, a writer comes at the deadline so that the read (and
    # this test) ends, and fails.
    watchdog = threading.Timer(DEADLINE, release_reader, args=(fifo_config,))
    watchdog.start()
    try:
        app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("down", "down", "i")  # Cursor
            await settle(pilot)
            assert isinstance(app.screen, SetupScreen)
            assert any("is a named pipe (FIFO), not a file" in notice
                       for notice in notices(app))
    finally:
        watchdog.cancel()
        release_reader(fifo_config)  # else a failing run hangs in the event loop's shutdown
    assert stat.S_ISFIFO(os.lstat(fifo_config).st_mode)  # and the app ended: we are here


# ------------------------------------------------------------------ an entry for another server


def test_an_openrush_entry_for_another_server_is_not_called_set_up(
        isolated_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENRUSH_MCP_URL", MCP)
    elsewhere = "https://evil.example/mcp?api_key=sk-live-0123456789abcdef&x=\x1b[31m"
    cursor_config(isolated_home, json.dumps({"mcpServers": {"openrush": {"url": elsewhere}}}))
    (isolated_home / ".claude.json").write_text(json.dumps({
        "mcpServers": {"openrush": {"command": "npx", "args": ["-y", "mcp-remote", MCP + "/"]}},
        "projects": {str(isolated_home): {"mcpServers": {"openrush": {"type": "stdio",
                                                                      "command": "x"}}}}}))
    found = {item.agent.id: item for item in find_setups()}
    cursor = found["cursor"]
    assert cursor.state == "other server" and cursor.where == ()
    shown = r"https://evil.example/mcp?api_key=[redacted]&x=\e[31m"
    assert cursor.here() == f"another server: {shown} in ~/.cursor/mcp.json"
    claude = found["claude-code"]
    assert claude.state == "set up"  # through a local bridge to our URL
    assert claude.where == ("~/.claude.json (all projects)",)
    assert claude.here() == ("yes: ~/.claude.json (all projects); an entry with no URL in "
                             "~/.claude.json (this project)")
    assert main(["agents", "list"]) == 0
    listing = capsys.readouterr().out
    cursor_line = next(line for line in listing.splitlines() if line.startswith("cursor"))
    assert f"another server: {shown} in ~/.cursor/mcp.json" in cursor_line
    assert "yes" not in cursor_line and "sk-live" not in listing
    assert main(["agents", "list", "--json"]) == 0
    listed = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed["cursor"]["state"] == "other server"
    assert listed["cursor"]["configured_in"] == []
    assert listed["cursor"]["other_servers"] == [
        {"file": "~/.cursor/mcp.json",
         "url": "https://evil.example/mcp?api_key=[redacted]&x=\x1b[31m"}]
    assert listed["claude-code"]["other_servers"] == [
        {"file": "~/.claude.json (this project)", "url": None}]


def test_a_file_created_during_the_install_of_a_new_one_is_not_overwritten(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_install(AGENTS_BY_ID["cursor"], MCP)  # no file yet: it would be created
    path = isolated_home / ".cursor" / "mcp.json"
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if not path.exists():
            path.write_text(MINE)  # Cursor writes its own file meanwhile
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ConfigFileError, match="changed since the preview; nothing was written"):
        apply_install(plan)
    assert path.read_text() == MINE
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]


def test_a_config_symlink_that_loops_is_refused_in_a_sentence(isolated_home: Path) -> None:
    # Not a defect of before (it was a sentence then too): a guard for the reading path.
    link = isolated_home / ".cursor" / "mcp.json"
    link.parent.mkdir()
    link.symlink_to(link)
    with pytest.raises(ConfigFileError, match=r"mcp\.json cannot be read"):
        plan_install(AGENTS_BY_ID["cursor"], MCP)
    found = next(item for item in find_setups() if item.agent.id == "cursor")
    assert found.problems and "Too many levels of symbolic links" in found.problems[0]
