"""What keeps the dashboard's start near the floor of its stack (issue 23; measured by
bench/startup.py --floor, never timed here): opened with no options it builds no parser,
the App's module loads no dialog and no DataTable, Setup's stylesheet is parsed only once
Setup is shown, and API access learns the account id for Setup only after the key counts
are on screen. And for the memory after the three pages: no line passes a filter that does
nothing, a page left for another lets go of the lines it drew, and Setup's background keeps
no cuts of the layouts it was drawn under as it loaded."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest
from textual.screen import ModalScreen
from textual.strip import Strip

from openrush_tui import cli
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.session import Session
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.capabilities_table import CapabilitiesTable
from openrush_tui.widgets.plain_glyphs import PlainGlyphs
from openrush_tui.widgets.terminal_safe import TerminalSafe
from tests.support.apps import sandbox_app, settle, text_of


def opened_with(argv: list[str], capsys: pytest.CaptureFixture[str]
                ) -> tuple[int, argparse.Namespace | None, str]:
    """`cli.main(argv)` with a dashboard that only keeps the options it is given."""
    given: list[argparse.Namespace] = []

    def dashboard(args: argparse.Namespace, parser: cli.UsageErrors) -> int:
        given.append(args)
        return 0

    try:
        code = cli.main(argv, dashboard=dashboard)
    except SystemExit as exc:  # a usage error, said through the parser
        code = int(exc.code or 0)
    return code, (given[0] if given else None), capsys.readouterr().err


def test_the_dashboard_opened_with_no_options_builds_no_parser(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENRUSH_PROFILE", raising=False)
    with_parser = opened_with(["--profile", "default"], capsys)[1]

    def no_parser(argv: object = None) -> NoReturn:
        raise AssertionError("the parser was built")

    monkeypatch.setattr(cli, "build_parser", no_parser)
    code, args, _ = opened_with([], capsys)
    assert code == 0 and args is not None
    assert vars(args) == vars(with_parser)  # the same options as the parser's defaults


def test_the_options_given_without_the_parser_are_its_defaults() -> None:
    # Guards DASHBOARD_DEFAULTS against an option added to the parser and not there.
    assert vars(cli.build_parser([]).parse_args([])) == cli.DASHBOARD_DEFAULTS


def test_a_bad_profile_variable_is_said_alike_without_options(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENRUSH_PROFILE", "no such/profile")
    code, args, said = opened_with([], capsys)
    assert (code, args) == (2, None)
    assert said == opened_with(["--x-api-key"], capsys)[2]  # the parser built up front
    assert said.count("\n") == 1 and "OPENRUSH_PROFILE: not a usable profile name" in said


def test_the_apps_module_loads_no_dialog_and_no_data_table() -> None:
    # A dialog's module (and Textual's Button) loads with the first dialog pushed, the
    # palette's page commands as it opens; DataTable with the first page that shows one (API
    # access, the usual first page, has none).
    code = ("import sys, openrush_tui.tui.app; print([m for m in sys.modules if m.startswith("
            "('openrush_tui.screens.dialogs.', 'openrush_tui.screens.bindings', "
            "'textual.widgets._data_table'))])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


def setup_rules(app: OpenRushApp) -> int:
    return sum("SetupScreen" in rule.selectors for rule in app.stylesheet.rules)


async def test_setups_stylesheet_is_parsed_when_setup_is_first_shown(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "s.sqlite3", page="api-access")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert setup_rules(app) == 0  # not among the rules parsed before the first frame
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert setup_rules(app) > 0
        assert str(app.screen.query_one("#setup-body").styles.height) == "1fr"  # styled


async def test_setup_as_the_first_page_is_styled_from_its_first_frame(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "s.sqlite3", page="setup")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert str(app.screen.query_one("#setup-body").styles.height) == "1fr"


async def test_the_account_id_is_learnt_after_the_key_counts_are_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_when_learnt: list[str] = []
    learn = Session.learn_account_id

    def recording(session: Session, keys: list[object]) -> None:
        screen = app.screen
        assert isinstance(screen, ApiAccessScreen)
        state_when_learnt.append(text_of(screen.query_one("#keys-state")))
        learn(session, keys)  # type: ignore[arg-type]  # the page's own list

    monkeypatch.setattr(Session, "learn_account_id", recording)
    app = sandbox_app(tmp_path / "s.sqlite3", page="api-access")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert len(state_when_learnt) == 1
    assert " keys" in state_when_learnt[0] and "Loading" not in state_when_learnt[0]


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_every_line_filter_under_the_dashboard_is_enabled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    # Textual makes a new Strip (with seven caches of its own) for each filter a line
    # passes, whether or not it changes anything: ASCII glyphs' filter, in the list under a
    # UTF-8 locale, was ~0.5 MiB of the peak after the three pages.
    monkeypatch.setenv("LC_ALL", locale)
    filters = sandbox_app(tmp_path / "s.sqlite3").get_line_filters()
    assert all(line_filter.enabled for line_filter in filters)
    assert [type(line_filter) for line_filter in filters
            if isinstance(line_filter, TerminalSafe | PlainGlyphs)] == \
        [TerminalSafe, *([PlainGlyphs] if locale == "C" else [])]


def drawn_lines(page: DashboardScreen) -> int:
    """The lines Textual keeps drawn for the page's widgets (and its own background)."""
    return sum(len(widget._styles_cache._cache) for widget in (page, *page.query("*")))


async def test_a_page_left_for_another_lets_go_of_the_lines_it_drew(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "s.sqlite3", page="api-access")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        api_access = app.screen
        assert isinstance(api_access, DashboardScreen)
        await pilot.press("3", "2")  # once away and back: all it loads has arrived
        await settle(pilot)
        shown = app.export_screenshot()
        await pilot.press("?")  # a dialog over the page: the page stays in view, drawn
        await settle(pilot)
        assert isinstance(app.screen, ModalScreen) and drawn_lines(api_access) > 0
        await pilot.press("escape", "3")
        await settle(pilot)
        assert app.screen is not api_access
        assert drawn_lines(api_access) == 0
        await pilot.press("2")  # back: drawn again, the same
        await settle(pilot)
        assert app.screen is api_access and drawn_lines(api_access) > 0
        assert app.export_screenshot() == shown


def cuts_kept(line: Strip) -> int:
    """How many cuts of `line` Textual keeps (after the line filters, where it cuts)."""
    while line._filter_cache._cache:
        line = next(iter(line._filter_cache._cache.values()))
    return len(line._divide_cache._cache)


async def test_setups_background_keeps_one_cut_of_each_line_once_it_has_loaded(
        tmp_path: Path) -> None:
    # The body grows as the account's rows and then the tools arrive; the screen's own lines
    # (under the body) were kept cut for each of those layouts.
    app = sandbox_app(tmp_path / "s.sqlite3", page="api-access")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")  # shown after another page, as a user reaches it
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        assert setup.query_one(CapabilitiesTable).capabilities is not None  # loaded
        assert setup.query_one("#setup-body").virtual_size.height > 38  # it scrolls
        lines = list(setup._styles_cache._cache.values())
        assert lines and max(cuts_kept(line) for line in lines) == 1
