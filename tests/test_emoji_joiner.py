"""An emoji ZWJ sequence in a key name shows as its emoji without the joiner (the trial:
`keys create "🚀 zwj 👩‍💻"` said `Created “🚀 zwj 👩\\u200d💻”`, and so did the key list,
the CLI's table and `keys revoke`'s candidates); a joiner anywhere else stays an escape.

Properties of `text.safe.visible` over names made of emoji, their modifiers, joiners, letters
and other invisible characters: nothing invisible or control gets through; the shown text
takes the cells rich (Textual) counts, and `text.cells` counts the same; two names that
differ only by a joiner outside an emoji sequence never look alike."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail
from rich.cells import cell_len
from textual import events
from textual.widgets import Input, Static

from openrush_tui.cli import main
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.text.cells import cell_width
from openrush_tui.text.safe import names as safe_names
from openrush_tui.text.safe import visible
from tests.support.apps import sandbox_app, settle, text_of
from tests.support.hostile import unsafe_characters
from tests.support.keys import names
from tests.support.threaded_sandbox import Served, threaded_sandbox
from tests.test_names_apart import add_keys

ZWJ, ZWNJ = "\u200d", "\u200c"
TRIAL = "🚀 zwj 👩\u200d💻"
SHOWN = "🚀 zwj 👩💻"
# Emoji shown wide by default (as rich and terminals agree), their modifiers, joiners,
# letters and wide letters, and other characters that must never show as themselves.
PICTOGRAPHS = "👩💻🚀🔥👨🏳🧑"
MODIFIERS = "\ufe0f\ufe0e\U0001f3fb\U0001f3fd\U0001f3ff"
OTHERS = "ab 本\u0301\u200b\u202e\u2066\x1b\x07\n\U000e0041"
names_of = st.text(alphabet=PICTOGRAPHS + MODIFIERS + ZWJ + ZWNJ + OTHERS, max_size=24)


def joins_emoji(text: str, at: int) -> bool:
    """The test's own reading of "the joiner at `at` is inside an emoji sequence": a
    pictograph (modifiers after it allowed) before it, a pictograph right after it."""
    before = text[:at].rstrip(MODIFIERS)
    after = text[at + 1:at + 2]
    return bool(before) and before[-1] in PICTOGRAPHS and after != "" and after in PICTOGRAPHS


def test_the_trial_s_name_shows_its_emoji_without_the_joiner() -> None:
    assert visible(TRIAL) == SHOWN
    assert visible("👩🏽\u200d💻") == "👩🏽💻"  # a skin tone before the joiner
    assert visible("❤\ufe0f\u200d🔥") == "❤\ufe0f🔥"  # a variation selector before it
    assert visible("👨\u200d👩\u200d👧") == "👨👩👧"


@pytest.mark.parametrize(("name", "shown"), [
    ("a\u200db", "a\\u200db"),  # between letters: it would hide a difference
    ("👩\u200db", "👩\\u200db"),
    ("a\u200d💻", "a\\u200d💻"),
    ("👩\u200c💻", "👩\\u200c💻"),  # a non-joiner never joins anything
    ("👩\u200d\u200d💻", "👩\\u200d\\u200d💻"),
    ("\u200d💻", "\\u200d💻"),
    ("👩\u200d", "👩\\u200d"),
    ("👩\u200d\ufe0f💻", "👩\\u200d\ufe0f💻"),  # a modifier after the joiner: not a sequence
])
def test_any_other_joiner_stays_an_escape(name: str, shown: str) -> None:
    assert visible(name) == shown


@given(names_of)
def test_nothing_invisible_or_control_gets_through(name: str) -> None:
    assert not unsafe_characters(visible(name), allowed=""), repr(visible(name))


@given(names_of.map(lambda name: "".join(c for c in name if c not in "\ufe0e\ufe0f")))
def test_the_shown_name_takes_the_cells_rich_counts(name: str) -> None:
    shown = visible(name)
    # What rich measures is what a terminal draws: no joined glyph left to be narrower in
    # one terminal than in another, so each emoji is the two cells every table gives it.
    assert cell_len(shown) == sum(cell_len(char) for char in shown), repr(shown)
    assert cell_width(shown) == cell_len(shown), repr(shown)


@given(names_of, st.integers(0, 24))
def test_names_that_differ_by_a_joiner_outside_an_emoji_never_look_alike(
        name: str, at: int) -> None:
    at = min(at, len(name))
    other = name[:at] + ZWJ + name[at:]
    if not joins_emoji(other, at):
        assert visible(name) != visible(other), (name, other)


# -- where the trial saw it: the CLI, the key list, the New key field ---------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("emoji-joiner")) as running:
        yield running


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_cli_says_the_name_without_the_joiner(
        served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    for _ in range(2):  # two keys of that name: `keys revoke` lists them as candidates
        code, _out, err = run("keys", "create", TRIAL)
        assert code == 0, err
        assert f"Created “{SHOWN}” (cred_" in err, err
    code, out, err = run("keys", "list")
    assert code == 0, err
    assert out.count(SHOWN) == 2 and "\\u200d" not in out, out
    code, _out, err = run("keys", "revoke", TRIAL, "--yes")
    assert code != 0 and "Nothing was revoked" in err, err
    assert f"“{SHOWN}” names 2 keys" in err and err.count(SHOWN) == 3, err
    assert "\\u200d" not in err, err
    code, out, err = run("keys", "list", "--json")
    assert code == 0 and out.count("\\u200d") == 2, out  # --json keeps the name as it is


async def test_the_key_list_shows_the_name_without_the_joiner(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    await add_keys(db, [TRIAL, "zw\u200dj letters"])
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = names(app)
        assert SHOWN in shown, shown
        assert "zw\\u200dj letters" in shown, shown


async def test_a_name_pasted_in_the_new_key_field_keeps_its_joiner(tmp_path: Path) -> None:
    """The trial's name typed in tmux was saved without the joiner: the field keeps it (a
    paste, as a terminal sends it), and so does the key it creates."""
    db = tmp_path / "sandbox.sqlite3"
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, KeyCreateScreen)
        field = app.screen.query_one("#name", Input)
        field.post_message(events.Paste(TRIAL))
        await pilot.pause()
        assert field.value == TRIAL
        await pilot.press("enter")
        await settle(pilot)
        title = app.screen.query_one("#dialog .title", Static)  # the reveal dialog's
        assert f"“{SHOWN}”" in text_of(title), text_of(title)
    with sqlite3.connect(db) as connection:
        stored = [row[0] for row in connection.execute("SELECT name FROM credentials")]
    assert TRIAL in stored, stored  # saved with its joiner


@given(name=names_of)
def test_a_name_is_named_as_it_is_and_as_it_is_shown(name: str) -> None:
    assert safe_names(name, name) and safe_names(name, visible(name))


def test_a_name_copied_from_the_output_names_its_key(
        served: Served, isolated_home: Path, use_keyring: Callable[[object], object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The re-trial: `keys create "👩‍💻 dev"` said “👩💻 dev”, and `keys revoke "👩💻 dev"`
    # found no key of that name (only the spelling with the joiner worked).
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    for name in ("👩\u200d💻 rotated", "👩\u200d💻 revoked"):
        code, _out, err = run("keys", "create", name)
        assert code == 0, err
    code, out, err = run("activity", "--key", "👩💻 rotated", "--json")
    assert code == 0, err
    code, out, err = run("keys", "rotate", "👩💻 rotated", "--yes", "--revoke-old", "never")
    assert code == 0 and out.startswith("or_"), err
    code, _out, err = run("keys", "revoke", "👩💻 revoked", "--yes")
    assert code == 0, err
    code, out, err = run("keys", "list", "--all", "--json")
    assert code == 0, err
    revoked = [key for key in json.loads(out) if key["name"] == "👩\u200d💻 revoked"]
    assert revoked and not revoked[0]["is_active"], out
