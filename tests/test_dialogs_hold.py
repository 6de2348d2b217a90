"""Make it hold: every dialog, in each state a user meets, at 80x24 (an SSH session) and at
60x20, shows its title, its buttons and the message it gives, whole and in view: not cut
(no ellipsis, no line running past its box), not scrolled away below the fold, not under the
docked buttons or the footer. No label, choice or button is ever cut sideways, and as a dialog
opens the user sees the start of its body, every label, field and choice, and the focus.

One app per page and size walks the states in a row, as a user would (opening, a mistake, the
answer), and every problem found is listed at the end. In-process sandbox, fixed clock.

Every dialog is walked, by construction: `WALKED` names the dialogs each walk opens, each walk
checks it opened those, and `test_every_dialog_is_walked` checks that they are all the
`Dialog` subclasses of the screens package (a yes/no dialog counts once per use: its id, whose
look is in styles/dialogs.tcss).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import Container, VerticalScroll
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, Select, Static
from textual.widgets._select import SelectOverlay

from openrush_tui.auth.credentials import KeyringUnusable, KeySource, credentials_path
from openrush_tui.auth.signin import NeedsConsent
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.screens.dialogs.quit_waiting import quit_while_waiting_dialog
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.screens.setup.replace_key import replace_key_dialog
from openrush_tui.screens.setup.sign_out import sign_out_dialog
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.text.paths import display_path
from tests.support.accounts import mint_key, sandbox_app_with, stored
from tests.support.activity import open_filters
from tests.support.activity import table_of as events_of
from tests.support.apps import sandbox_app, settle
from tests.support.browser_sign_in import code_dialog_app, open_code_dialog
from tests.support.in_view import cut_text, full_text, not_in_view, shown_text
from tests.support.keys import select
from tests.support.patience import PATIENCE

SIZES = [(80, 24), (60, 20)]
size_ids = [f"{w}x{h}" for w, h in SIZES]


# The dialogs each walk opens (a YesNoDialog by its id).
WALKED: dict[str, set[str]] = {
    "api access": {"KeyCreateScreen", "KeyRevealScreen", "YesNoDialog#leave-reveal-dialog",
                   "KeyDetailsScreen", "YesNoDialog#revoke-keys-dialog", "KeyRotateScreen",
                   "HelpScreen", "MessagesScreen", "YesNoDialog#quit-while-waiting-dialog"},
    "setup": {"SignInScreen", "AgentStepsScreen", "AgentInstallScreen", "StorageChoiceScreen",
              "YesNoDialog#sign-out-dialog", "YesNoDialog#replace-key-dialog"},
    "activity": {"ActivityFilters", "ActivityExportScreen", "EventDetails"},
    "own key's rotation": {"KeyRotateScreen"},
    "web sign-in": {"WebSignInScreen"},
    "reveal at 40x12": {"KeyRevealScreen"},
}


def kind(dialog: ModalScreen[Any]) -> str:
    """A dialog's class, and a yes/no dialog's use (its id)."""
    name = type(dialog).__name__
    return f"{name}#{dialog.id}" if isinstance(dialog, YesNoDialog) else name


class Walk:
    """The problems found along one walk through a page's dialogs (`WALKED`'s `name`)."""

    def __init__(self, pilot: Pilot[Any], name: str) -> None:
        self.pilot = pilot
        self.name = name
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.kinds: set[str] = set()

    async def keys(self, *pressed: str) -> None:
        for key in pressed:
            await self.pilot.press(key)
            await settle(self.pilot)

    async def check(self, state: str, messages: Iterable[str] = (), *,
                    opened: bool = False) -> None:
        """The dialog on screen now, in `state`: its title, buttons and `messages` (selectors)
        whole and in view, no label, choice or button cut sideways; just `opened`, also every
        label, field and choice and the focused widget, with the body at its start (waited
        for: a dialog scrolls after its next refresh, which a busy machine may draw late)."""
        dialog = self.pilot.app.screen
        if not isinstance(dialog, ModalScreen):
            self.problems.append(f"{state}: no dialog open ({dialog})")
            return
        self.seen.append(state)
        self.kinds.add(kind(dialog))
        deadline = time.monotonic() + PATIENCE
        while (found := self._problems(dialog, messages, opened)) and \
                time.monotonic() < deadline:
            await self.pilot.pause(0.05)
        self.problems += [f"{state}: {problem}" for problem in found]

    @staticmethod
    def _problems(dialog: ModalScreen[Any], messages: Iterable[str],
                  opened: bool) -> list[str]:
        whole: list[Widget] = [*dialog.query(".title"),
                               *(dialog.query_one(selector) for selector in messages)]
        whole += [button for button in dialog.query(".buttons Button") if button.display]
        texts = [widget for widget in dialog.query("Label, Button, RadioButton, Checkbox")
                 if shown(widget)]
        if opened:
            whole += [widget for widget in dialog.query("Label, Input, RadioButton, Checkbox")
                      if shown(widget)]
            whole += explanations(dialog)
            whole += [dialog.focused] if dialog.focused is not None else []
        found = [problem for widget in dict.fromkeys(whole)
                 for problem in (not_in_view(widget), cut_text(widget))]
        found += [cut_text(widget, below_the_fold=True) for widget in texts]
        if opened:
            found += [at_its_start(body) for body in dialog.query(".body")]
            found += [no_control(stop) for stop in dialog.focus_chain]
        return [problem for problem in found if problem]

    def done(self, expected: int) -> None:
        assert len(self.seen) == expected, self.seen
        assert self.kinds == WALKED[self.name]
        assert not self.problems, "\n".join(self.problems)


def shown(widget: Widget) -> bool:
    """Displayed, and so are all its containers (a hidden row hides its label)."""
    return all(node.display and node.visible for node in (widget, *widget.ancestors)
               if isinstance(node, Widget))


def explanations(dialog: ModalScreen[Any]) -> list[Widget]:
    """What a dialog explains as it opens (its notes, a warning about the server its agent
    will use): each must be in view then, not found only after PageDown."""
    return [widget for widget in dialog.query(".body .note, .body .server-note")
            if shown(widget) and (full_text(widget) or "").strip()]


def diff_shown(dialog: ModalScreen[Any]) -> list[str]:
    """The first lines of an install's diff are in view as it opens (only " --- /dev/null"
    showed at 80x24, the rest after PageDown)."""
    diff, body = dialog.query_one("#diff"), dialog.query_one(".body")
    rows = body.scrollable_content_region.bottom - diff.region.y
    wanted = min(4, diff.region.height)
    return [] if rows >= wanted else [f"{dialog}: {rows} of the diff's rows in view"]


def no_control(stop: Widget) -> str | None:
    """Why a Tab stop shows nothing focused (trial 5: an invisible stop before a field), or
    None when it is a control: a container of Textual's own (a scrolling body), a bare widget
    or text, or one with no place on screen are not."""
    if type(stop).__module__ == "textual.containers" or type(stop) in (
            Widget, Static, Label, Container):
        return f"{stop} is a Tab stop but no control: nothing shows it focused"
    if stop.region.area == 0:
        return f"{stop} is a Tab stop with no place on screen"
    return None


def at_its_start(body: Widget) -> str | None:
    """Why the user does not see the start of a dialog's body as it opens (what it explains
    first, above the field it focuses), or None when they do."""
    first = next((child for child in body.children if child.display), None)
    if first is None or first.region.y >= body.scrollable_content_region.y:
        return None
    return f"{body} opens scrolled past its start ({first} at {first.region})"


def test_every_dialog_is_walked() -> None:
    import openrush_tui.screens as screens

    for module in pkgutil.walk_packages(screens.__path__, screens.__name__ + "."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    dialogs = {cls.__name__ for cls in subclasses(Dialog)
               if cls.__module__.startswith(screens.__name__)} - {"YesNoDialog"}
    looks = Path(screens.__file__).parents[1] / "styles" / "dialogs.tcss"
    uses = {f"YesNoDialog#{use}" for use in re.findall(r"YesNoDialog#([\w-]+)",
                                                         looks.read_text())}
    assert set().union(*WALKED.values()) == dialogs | uses


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_api_access_dialogs_hold(tmp_path: Path, no_display: None,
                                       size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot, "api access")
        await settle(pilot)
        await walk.keys("n")
        await walk.check("new key", opened=True)
        await walk.keys("enter")  # no name yet
        await walk.check("new key without a name", ["#name-problem"])
        dialog = app.screen
        await pilot.press(*"held")
        dialog.query_one("#expiry-date", RadioButton).value = True
        await settle(pilot)
        # The field it reveals, and its hint, come into view (only its top border showed).
        await walk.check("new key, a date chosen", ["#date", "#expiry-note"])
        dialog.query_one("#date", Input).value = "2020-01-01"
        dialog.query_one("#name", Input).focus()
        await walk.keys("enter")
        await walk.check("new key with a past date", ["#expiry-note"])
        dialog.query_one("#expiry-never", RadioButton).value = True
        await settle(pilot)
        dialog.query_one("#name", Input).focus()
        await walk.keys("enter")
        await walk.check("reveal", ["#key"], opened=True)
        await walk.keys("escape")
        await walk.check("leaving the reveal without a copy", opened=True)
        await walk.keys("escape")  # back to the key
        await walk.keys("c")  # no system clipboard here: the dialog says what it did instead
        await walk.check("reveal, copied", ["#copy-status", "#key"])  # by hand: the key with it
        await pilot.click("#stored")
        await settle(pilot)
        await select(pilot, "Production server")
        await walk.keys("enter")
        await walk.check("key details", opened=True)  # its recent usage: the body scrolls
        await walk.keys("escape", "d")
        await walk.check("revoke", opened=True)
        await walk.keys("escape", "R")
        await walk.check("rotate", ["#plan"], opened=True)
        app.screen.query_one("#idle", Input).value = "0"
        await settle(pilot)
        await walk.check("rotate without minutes", ["#plan", "#idle-problem"])
        await walk.keys("escape", "question_mark")
        await walk.check("help", opened=True)
        await walk.keys("escape")
        app.notify("A message to read again.")
        app.show_messages()
        await settle(pilot)
        await walk.check("messages", opened=True)
        await walk.keys("escape")
        app.push_screen(quit_while_waiting_dialog())  # as q during a rotation's wait asks
        await settle(pilot)
        await walk.check("quit while a rotation waits", opened=True)
        walk.done(14)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_setup_dialogs_hold(tmp_path: Path, isolated_home: Path,
                                  size: tuple[int, int]) -> None:
    app = sandbox_app_with(tmp_path / "sandbox.sqlite3", None, signed_out=True)
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot, "setup")
        await settle(pilot)
        await walk.keys("s")
        await walk.check("sign in", opened=True)
        await walk.keys("enter")
        await walk.check("sign in without a key", ["#sign-in-status"])
        app.screen.query_one("#key-input", Input).value = "or_" + "b" * 40
        await walk.keys("enter")
        await walk.check("sign in with a refused key", ["#sign-in-status"])
        await walk.keys("escape", "i")  # Claude Code: set up by its command
        await walk.check("claude code's steps", opened=True)
        await walk.keys("escape", "down", "down", "i")  # Cursor: the file does not exist
        await walk.check("install into Cursor", opened=True)
        walk.problems += diff_shown(app.screen)
        made = isolated_home / ".cursor" / "mcp.json"
        made.parent.mkdir()
        made.write_text('{"mcpServers": {}}\n')  # behind the dialog's back
        await walk.keys("w")
        await walk.check("install, the file changed meanwhile", ["#install-status"])
        await walk.keys("escape")
        # Asked by Setup's flows (no keyring; signing out of the only copy): opened as they are.
        app.push_screen(StorageChoiceScreen(KeyringUnusable("none").describe(),
                                            display_path(credentials_path())))
        await settle(pilot)
        await walk.check("where to keep the key", ["#file-warning"], opened=True)
        await walk.keys("escape")
        app.push_screen(sign_out_dialog(stored("or_" + "S" * 40, "file",
                                               "~/.config/openrush-tui/credentials.json")))
        await settle(pilot)
        await walk.check("sign out of the only copy", ["#lost"], opened=True)
        await walk.keys("escape")
        app.push_screen(replace_key_dialog(NeedsConsent(
            ((stored("or_" + "R" * 40, "keyring", "the system keyring"), True),), None)))
        await settle(pilot)
        await walk.check("sign in over the only copy", ["#replaced"], opened=True)
        walk.done(9)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_activity_dialogs_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.csv").write_text("mine\n")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot, "activity")
        await settle(pilot)
        await walk.keys("f")
        await walk.check("filters", opened=True)
        await walk.keys("escape", "w")
        await walk.check("export", opened=True)
        app.screen.query_one("#path", Input).value = "taken.csv"
        await walk.keys("enter")
        await walk.check("export to a taken name", ["#export-status"])
        app.screen.query_one("#path", Input).value = "held.csv"
        await walk.keys("enter")
        await walk.check("export done", ["#export-status"])
        await walk.keys("escape")
        events_of(app).focus()  # type: ignore[arg-type]
        await walk.keys("enter")
        await walk.check("event", opened=True)
        walk.done(5)


@pytest.mark.parametrize("source", ["file", "environment"])
@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_rotating_this_terminals_own_key_holds(tmp_path: Path, isolated_home: Path,
                                                     size: tuple[int, int],
                                                     source: KeySource) -> None:
    # The longest plans: what becomes of this terminal's sign-in is said under them.
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app_with(db, stored(mint_key(db), source), page="api-access")
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot, "own key's rotation")
        await settle(pilot)
        await walk.keys("R")
        await walk.check("rotate this terminal's key", ["#plan", "#own-note"], opened=True)
        walk.done(1)


async def test_the_rotation_choices_wrap_rather_than_cut_at_44_columns(
        tmp_path: Path) -> None:
    # Textual's radio button is one line high: below 60 columns its words were cut.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(44, 20)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        choices = list(app.screen.query("#revoke-old RadioButton"))
        assert len(choices) == 3
        assert max(choice.region.height for choice in choices) > 1  # one of them wraps
        assert [cut_text(choice) for choice in choices] == [None] * 3


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_web_sign_in_dialog_holds(tmp_path: Path, isolated_home: Path,
                                        size: tuple[int, int]) -> None:
    app = code_dialog_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        walk = Walk(pilot, "web sign-in")
        await open_code_dialog(pilot)
        await walk.check("the code to type", ["#web-code"], opened=True)
        walk.done(1)


async def test_the_reveal_keeps_its_key_in_view_when_a_copy_is_said_at_40x12(
        tmp_path: Path, no_display: None) -> None:
    # The copy note is taller than the body at 40x12; "copy it by hand" needs the key more.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=(40, 12)) as pilot:
        walk = Walk(pilot, "reveal at 40x12")
        await settle(pilot)
        await walk.keys("n", *"tiny", "enter", "c")
        await walk.check("reveal at 40x12, copied", ["#key"])
        status = app.screen.query_one("#copy-status")
        body = app.screen.query_one(".body")
        assert status.region.y < body.scrollable_content_region.bottom  # its first line shows
        walk.done(1)


class Cramped(App[None]):
    """What the checks must catch, in a 30-column box: a label running past it, a choice
    cut with an ellipsis, a note whose last lines are below the fold; and whole ones."""

    CSS = """
    #box { width: 30; height: 8; }
    #wrapped { max-width: 100%; }
    RadioButton { width: 100%; border: none; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="box"):
            yield Label("File (in the current directory unless you type a folder)", id="long")
            yield Label("File (in the current directory unless you type a folder)",
                        id="wrapped")
            yield RadioButton("Revoke it once unused for the minutes below", id="cut")
            yield RadioButton("Keep it", id="short")
            yield Static("One line. " * 12, id="note")


async def test_the_checks_see_a_cut_text() -> None:
    app = Cramped()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        problem = cut_text(app.query_one("#long"), below_the_fold=True)
        assert problem is not None and "not all of it" in problem
        assert cut_text(app.query_one("#wrapped")) is None  # two lines, whole
        problem = cut_text(app.query_one("#cut"), below_the_fold=True)
        assert problem is not None and "an ellipsis" in problem
        assert cut_text(app.query_one("#short")) is None
        note = app.query_one("#note")
        assert cut_text(note, below_the_fold=True) is None  # wrapped, nothing cut sideways
        problem = cut_text(note)  # but its last lines are below the fold
        assert problem is not None and "in view" in problem
        assert not_in_view(note) is not None


async def test_enter_on_a_filter_menu_opens_it(tmp_path: Path) -> None:
    # A new user presses Enter on a menu to open it (as Space does); it closed the dialog.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await open_filters(pilot)
        source = dialog.query_one("#filter-source", Select)
        assert dialog.focused is source
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and source.expanded
        await pilot.press("down", "enter")  # API chosen: the menu closes, the dialog stays
        await settle(pilot)
        assert app.screen is dialog and not source.expanded and source.value == "api"


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_a_filter_menu_stays_inside_the_dialog(tmp_path: Path,
                                                     size: tuple[int, int]) -> None:
    # At 60x20 the Key menu ran past the dialog's border and over the footer.
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f", "tab", "tab")
        await settle(pilot)
        dialog = app.screen
        menu = dialog.query_one("#filter-key", Select)
        assert dialog.focused is menu
        await pilot.press("space")
        await settle(pilot)
        overlay = menu.query_one(SelectOverlay)
        assert menu.expanded and overlay.region.height > 2
        box = dialog.query_one("#dialog").region
        assert box.contains_region(overlay.region), (overlay.region, box)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_rotate_plan_and_its_choices_are_one_row_apart(
        tmp_path: Path, size: tuple[int, int]) -> None:
    # Two empty rows stood between "The new key expires…" and "Then the old key:".
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        plan, then = dialog.query_one("#plan"), dialog.query_one("#options > Label")
        assert shown_text(plan).rstrip().endswith(".")  # no empty line of its own
        assert then.region.y - plan.region.bottom <= 1, (plan.region, then.region)
