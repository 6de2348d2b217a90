"""The safe-text rules pinned (`text/safe.py`): a server message becomes one line (its line
breaks are spaces, not ``\\n`` escapes), is cut at exactly its limit, loses its secrets
("Bearer …" keeps the word, not the token) but not words that merely contain a secret's
prefix, and each escape is spelled as documented. Found by bench/mutation.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from openrush_tui.text.safe import (
    REDACTED,
    json_text,
    printable_lines,
    redact_secrets,
    sanitize,
    strip_unsafe,
    visible,
)

# -- sanitize: one line --------------------------------------------------------------------


def test_a_multi_line_message_becomes_one_line_of_words() -> None:
    assert sanitize("Key limit reached.\nRevoke a key\r\n\tand try again.  ") == \
        "Key limit reached. Revoke a key and try again."
    assert sanitize("\n\n") == ""


def test_a_message_is_cut_at_exactly_its_limit_with_an_ellipsis() -> None:
    assert sanitize("x" * 200) == "x" * 200  # the default limit, reached: kept whole
    assert sanitize("x" * 201) == "x" * 199 + "…"
    assert sanitize("abcdef", 6) == "abcdef"
    assert sanitize("abcdefg", 6) == "abcde…"
    assert sanitize("abcd efgh", 6) == "abcd…"  # no space before the ellipsis


def test_the_limit_counts_what_is_shown_escapes_included() -> None:
    line = sanitize("ab\x1bcd", 5)  # "ab\ecd" is six characters on screen
    assert line == "ab\\e…" and len(line) == 5


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "shown"), [
    ("401: Bearer abc.def-ghi rejected", "401: Bearer [redacted] rejected"),
    ("bearer abc", "bearer [redacted]"),
    ("BEARER\tabc", "BEARER [redacted]"),
    ("Authorization: Bearer tok123", "[redacted]"),
    ("authorization=tok123;", "[redacted];"),
    ("X-API-Key: tok123, next", "[redacted], next"),
    ("key or_abcd in use", f"key {REDACTED} in use"),
    ("token eyJhbGciOiJI.x", f"token {REDACTED}"),
    ("sk-abcdefgh pk-abcdefgh rk-abcdefgh", f"{REDACTED} {REDACTED} {REDACTED}"),
    ("ghp_abcdefgh github_pat_abcdefgh glpat-abcdefgh xoxb-abcdefgh",
     f"{REDACTED} {REDACTED} {REDACTED} {REDACTED}"),
    ("AKIAABCDEFGHIJKLMNOP", REDACTED),
    ("ASIAABCDEFGHIJKLMNOP", REDACTED),
    ("AIza" + "a" * 30, REDACTED),
    ('{"client_secret": "s3cr3t"}', f'{{"client_secret": "{REDACTED}"}}'),
    ("password='hunter2'", f"password='{REDACTED}'"),
    ("Credentials: 'abc'", f"Credentials: '{REDACTED}'"),
])
def test_each_kind_of_secret_is_redacted(text: str, shown: str) -> None:
    assert redact_secrets(text) == shown


@pytest.mark.parametrize("text", [
    "or_abc",  # too short to be a key
    "color_scheme and floor_plan",  # words that contain "or_"
    "task-abcdefghijk",  # "sk-" inside a word
    "eyJabc",
    "AKIAABCDEFGHIJKLMNO",  # one character short
    "AKIAABCDEFGHIJKLMNOPQ",  # one too many: not an access key id
    "AIza" + "a" * 29,
    "Bearer $OPENRUSH_KEY",
    '"Authorization": "Bearer ${env:OPENRUSH_KEY}"',
    '"api_key": "OPENRUSH_KEY"',  # names an environment variable
    '"api_key": "$OPENRUSH_KEY"',
    '"keybindings": "vim"',
    "no secrets here",
])
def test_what_is_not_a_secret_is_left_alone(text: str) -> None:
    assert redact_secrets(text) == text


def test_sanitize_redacts_across_what_were_line_breaks() -> None:
    assert sanitize("denied:\nAuthorization:\n Bearer\nabc123") == "denied: [redacted]"
    assert sanitize("retry with\nbearer\nabc123") == "retry with bearer [redacted]"


# -- how each unsafe character is shown -----------------------------------------------------


@pytest.mark.parametrize(("char", "escape"), [
    ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\x1b", "\\e"),
    ("\x00", "\\x00"), ("\x7f", "\\x7f"), ("\x9b", "\\x9b"), ("\xad", "\\xad"),
    ("\u200b", "\\u200b"), ("\u2028", "\\u2028"), ("\ufeff", "\\ufeff"), ("\uffff", "\\uffff"),
    ("\U0001d173", "\\U0001d173"), ("\U000e0041", "\\U000e0041"),
])
def test_each_unsafe_character_has_its_escape(char: str, escape: str) -> None:
    assert visible(f"a{char}b") == f"a{escape}b"


def test_printable_text_is_shown_as_it_is() -> None:
    for text in ("Ā ÿ 𐀀 Производство", "plain"):
        assert visible(text) == text
    assert visible(None) == ""


def test_a_block_keeps_its_line_breaks_and_loses_its_escapes() -> None:
    assert printable_lines("one\ntwo\x1b[2J\n\nthree\r") == "one\ntwo\\e[2J\n\nthree\\r"
    assert printable_lines("") == ""


# -- JSON ---------------------------------------------------------------------------------


def test_json_keeps_letters_and_escapes_the_rest_as_json_escapes() -> None:
    assert json_text("é\x7f\x85\u202e") == '"é\\u007f\\u0085\\u202e"'
    assert json_text("\U000e0041") == '"\\udb40\\udc41"'  # a surrogate pair, as JSON spells it
    assert json_text("\U0010fffe") == '"\\udbff\\udffe"'
    assert json.loads(json_text("\U0010fffe\U000e0041")) == "\U0010fffe\U000e0041"
    assert json_text("🚀") == '"🚀"'


def test_json_is_indented_by_two_unless_asked_and_dates_are_text() -> None:
    assert json_text({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
    assert json_text({"a": 1}, indent=None) == '{"a": 1}'
    when = datetime(2026, 6, 26, tzinfo=UTC)
    assert json.loads(json_text({"at": when})) == {"at": str(when)}


# -- the net under the dashboard -------------------------------------------------------------


def test_the_net_keeps_inert_characters_and_each_cell_in_place() -> None:
    # A no-break space and a private-use symbol cannot act on a terminal: they stay.
    assert strip_unsafe("a\xa0b\ue000c", cell_len) == "a\xa0b\ue000c"
    assert strip_unsafe("a\x1b[2Jb", cell_len) == "a[2Jb"  # ESC takes no cell
    # Controls, format characters, both separators and surrogates: each kind goes.
    assert strip_unsafe("a\x07b\u200bc\u2028d\u2029e\ud800f", lambda char: 1) == \
        "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"
    assert strip_unsafe("plain", cell_len) == "plain"
