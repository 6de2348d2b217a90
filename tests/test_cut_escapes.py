"""A cut never ends inside an escape (issue 20's trial): a name's invisible characters are
shown as escapes by `text.safe.visible` ("zwj 👨\\u200d👩\\u200d👧"), and the cut to a column's
width fell inside one ("zwj 👨\\u200d👩\\u200…"), which reads as a different character. A cut
keeps or leaves out a whole escape: the mark replaces the escape that does not fit."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.text.cells import Apart, cell_width, cut, head, tail
from openrush_tui.text.safe import visible
from tests.support.apps import sandbox_app, settle
from tests.support.keys import table_of
from tests.test_names_apart import add_keys

# The trial's name had joiners; those between emoji now show as nothing ("zwj 👨👩👧",
# tests/test_emoji_joiner.py), so the escapes here are zero-width spaces, shown as escapes.
ZWJ = "zwj 👨\u200b👩\u200b👧"
# The sanitiser's escapes (`text.safe._escape`), written out here to hold it to them.
ESCAPE = re.compile(r"\\(?:[nrte]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
# Names full of what `visible` escapes, beside letters, wide characters and backslashes.
UNSAFE = "a Z-\\u0本🔑\u0301\u200d\u202e\x1b\n\t\x07\u2028\U000e0041\ue000"


def units(text: str) -> list[str]:
    """`text` as what a cut may not split: each escape whole, else each character."""
    found: list[str] = []
    at = 0
    for match in ESCAPE.finditer(text):
        found.extend(text[at:match.start()])
        found.append(match.group())
        at = match.end()
    found.extend(text[at:])
    return found


def whole_pieces(shown: str, text: str, mark: str = "…") -> bool:
    """Whether `shown` (a cut of `text`) keeps whole units: what is before the mark is the
    first units of `text` (less spaces at the cut), and what is after it the last ones."""
    if mark not in shown or mark in text:
        return True
    start, _, end = shown.partition(mark)
    parts = units(text)
    starts = {"".join(parts[:n]) for n in range(len(parts) + 1)}
    ends = {"".join(parts[n:]) for n in range(len(parts) + 1)}
    return (start in starts or any(s.rstrip(" ") == start for s in starts)) and end in ends


def test_the_trial_s_name_is_cut_before_the_escape_it_cannot_show_whole() -> None:
    shown = visible(ZWJ)
    assert shown == "zwj 👨\\u200b👩\\u200b👧"
    assert cut(shown, 18) == "zwj 👨\\u200b👩…"  # was "zwj 👨\\u200b👩\\u200…"
    assert head(shown, 17) == "zwj 👨\\u200b👩"
    assert tail(shown, 9) == "\\u200b👧"
    assert tail(shown, 7) == "👧"  # not "200b👧"
    assert Apart([shown]).cut(shown, 18) == "zwj 👨\\u200b👩…"


@given(st.text(alphabet=UNSAFE, max_size=30), st.integers(0, 40), st.integers(0, 20))
def test_any_name_at_any_width_is_cut_between_whole_escapes(
        name: str, room: int, keep_end: int) -> None:
    shown = visible(name)
    for text in (cut(shown, room, keep_end), Apart([shown, shown + "x"]).cut(shown, room),
                 Apart([shown]).cut(shown, room)):
        assert cell_width(text) <= room or cell_width(shown) <= room
        assert whole_pieces(text, shown), (shown, room, text)
    assert head(shown, room) in {"".join(units(shown)[:n]) for n in range(len(shown) + 1)}
    assert tail(shown, room) in {"".join(units(shown)[n:]) for n in range(len(shown) + 1)}


async def test_the_key_list_at_60_columns_never_shows_part_of_an_escape(
        tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    name = "zwj 1234 👨\u200d👩\u200d👧\u200d👦 family key for the demo"
    await add_keys(db, [name])
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = table_of(app)
        lines = ["".join(segment.text for segment in table.render_line(y)).strip()
                 for y in range(table.scrollable_content_region.height)]
        cells = [line.split("  ")[0] for line in lines if line.startswith("zwj")]
        assert len(cells) == 1, lines
        assert "…" in cells[0], cells
        assert whole_pieces(cells[0], visible(name)), cells
