"""The one path from server or file text to a terminal (`openrush_tui.text.safe`), and the
net under the whole dashboard (`widgets.terminal_safe`)."""

from __future__ import annotations

import json
import unicodedata
from typing import ClassVar

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from openrush_tui.config import Settings
from openrush_tui.session import Session
from openrush_tui.text.safe import (
    json_text,
    printable_lines,
    redact_secrets,
    sanitize,
    strip_unsafe,
    visible,
)
from openrush_tui.tui import OpenRushApp
from tests.support.hostile import FRAGMENTS, hostile_text, unsafe_characters

OSC52 = "cred_x\x1b]52;c;cHduZWQ=\x1b\\"
# Any text at all, surrogates included (JSON can carry them).
anything = st.text(st.characters(codec=None, exclude_categories=()))


def test_the_audit_s_attacks_show_as_escapes() -> None:
    assert visible(OSC52) == "cred_x\\e]52;c;cHduZWQ=\\e\\"
    assert visible("a\u202eb\u200bc\U000e0041d\u2028e\x9bf\x07") == (
        "a\\u202eb\\u200bc\\U000e0041d\\u2028e\\x9bf\\x07")
    assert visible("tab\tline\nret\r") == "tab\\tline\\nret\\r"
    assert visible("Производство 🚀 é") == "Производство 🚀 é"  # letters and emoji stay
    assert visible(None) == "" and visible("") == ""


@given(anything)
def test_visible_leaves_only_printable_text(text: str) -> None:
    shown = visible(text)
    assert shown.isprintable()
    if text.isprintable():
        assert shown == text


@given(hostile_text())
def test_sanitize_gives_one_safe_line(text: str) -> None:
    line = sanitize(text, 80)
    assert line.isprintable() and len(line) <= 80


def test_printable_lines_keeps_its_own_line_breaks_only() -> None:
    assert printable_lines("a\x1b[2J\nb\u202e") == "a\\e[2J\nb\\u202e"
    for fragment in FRAGMENTS:
        assert not unsafe_characters(printable_lines(fragment))


@given(st.recursive(st.none() | st.booleans() | st.integers() | anything,
                    lambda children: st.lists(children, max_size=3)
                    | st.dictionaries(anything, children, max_size=3), max_leaves=8))
def test_json_text_is_valid_json_of_the_same_data_with_nothing_unsafe(data: object) -> None:
    dumped = json_text(data)
    assert not unsafe_characters(dumped)
    assert json.loads(dumped) == data


def test_json_text_escapes_controls_formats_and_separators_but_not_letters() -> None:
    dumped = json_text({"name": "é\x85\u202e\U000e0041\u2028"}, indent=None)
    assert dumped == '{"name": "é\\u0085\\u202e\\udb40\\udc41\\u2028"}'


@given(anything)
def test_strip_unsafe_removes_what_acts_on_a_terminal_and_moves_no_cell(text: str) -> None:
    stripped = strip_unsafe(text, cell_len)
    assert not {c for c in stripped
                if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")}
    assert cell_len(stripped) == cell_len(text)


def test_secrets_are_redacted_but_references_and_names_are_not() -> None:
    text = ('"Authorization": "Bearer sk-proj-abcdefghijkl", "token": "or_abcdefghijkl",\n'
            'OPENAI_API_KEY = "hunter22"\n"api_key": "x1"\n'
            '"headers": {"Authorization": "Bearer ${env:OPENRUSH_KEY}"}\n'
            'bearer_token_env_var = "OPENRUSH_KEY"\n"keybindings": "vim"\n'
            'github = "ghp_abcdefghijklmnop"  jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig')
    redacted = redact_secrets(text)
    for secret in ("sk-proj", "or_abc", "hunter22", '"x1"', "ghp_", "eyJhbGci"):
        assert secret not in redacted
    for kept in ("${env:OPENRUSH_KEY}", '"OPENRUSH_KEY"', '"vim"'):
        assert kept in redacted


# -- the net under the dashboard -------------------------------------------------------------


class RawScreen(Screen[None]):
    """A view that forgets the path: raw server text straight into a widget."""

    def compose(self) -> ComposeResult:
        yield Static(Text(f"id {OSC52} \u202eevil\u2066 \x9b2J done"), id="raw")


class ForgetfulApp(OpenRushApp):
    MODES: ClassVar = {"setup": RawScreen}


async def test_the_line_filter_keeps_a_forgotten_escape_off_the_terminal() -> None:
    settings = Settings(api_url="https://api.openrush.io")
    app = ForgetfulApp(settings, Session(settings, None), first_page="setup")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.export_screenshot()
        assert "cred_x" in screen and "done" in screen
        assert not unsafe_characters(screen)
