"""The CLI's table fitting (`commands.table`) for any widths and strings: no line wider than
the terminal in display cells (Rich's count is the judge), no wide character split, columns
padded by display width, and different cells cut so that they still read differently."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from openrush_tui.commands.table import (
    Column,
    Step,
    cell_width,
    cut,
    cut_apart,
    fit,
    pad,
    table_lines,
    unique_starts,
    wrap,
)

# Plain letters, CJK, emoji, combining marks, and anything else Unicode holds.
SAMPLES = "aZ 0-_/.…本番サーバー鍵🔑🚀👍🏽\u0301\u0308é☰䷀"
TEXT = st.one_of(st.text(alphabet=SAMPLES, max_size=40), st.text(max_size=30))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Column], list[Step], list[Column]]:
    rows = draw(st.integers(0, 5))
    columns = [Column(draw(TEXT), draw(st.lists(TEXT, min_size=rows, max_size=rows)),
                      right=draw(st.booleans()), least=draw(st.integers(1, 12)))
               for _ in range(draw(st.integers(1, 6)))]
    for column in columns:
        if draw(st.booleans()):
            column.shorter = [[cell[: len(cell) // 2] for cell in column.cells]]
    steps: list[Step] = [(draw(st.sampled_from(["shorten", "drop"])), column)
                         for column in draw(st.lists(st.sampled_from(columns), max_size=6))]
    cuts = draw(st.lists(st.sampled_from(columns), max_size=3, unique_by=id))
    return columns, steps, cuts


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(1, 200))
def test_no_line_is_wider_than_the_terminal(table: tuple[list[Column], list[Step],
                                                         list[Column]], width: int) -> None:
    columns, steps, cuts = table
    for line in table_lines(fit(columns, width, steps, cut=cuts), width):
        assert cell_len(line) <= width, (line, width)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(0, 60), st.integers(0, 60))
def test_a_cut_keeps_whole_characters_at_both_ends(text: str, room: int, keep: int) -> None:
    shown = cut(text, room, keep)
    assert cell_len(shown) <= max(room, 0)
    if shown == text:
        return
    if room >= 1:
        assert any(shown[index] == "…" and text.startswith(shown[:index])
                   and text.endswith(shown[index + 1:]) for index in range(len(shown)))


@given(TEXT)
def test_widths_never_count_fewer_cells_than_a_terminal_shows(text: str) -> None:
    from openrush_tui.text.safe import visible

    shown = visible(text)
    assert cell_width(shown) >= cell_len(shown)


@given(TEXT, st.integers(0, 80))
def test_padding_is_by_display_width(text: str, width: int) -> None:
    if cell_width(text) <= width:
        assert cell_width(pad(text, width)) == width == cell_width(pad(text, width, True))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=SAMPLES, min_size=0, max_size=40),
       st.lists(st.text(alphabet=SAMPLES, min_size=1, max_size=4), min_size=2, max_size=6,
                unique=True),
       st.integers(8, 40))
def test_cells_sharing_a_long_start_are_cut_apart(start: str, ends: list[str],
                                                  room: int) -> None:
    cells = [start + end for end in ends]
    shown = cut_apart(cells, room)
    assert all(cell_len(text) <= room for text in shown)
    assert len(set(shown)) == len(set(cells)), (cells, shown)


def test_a_rotated_keys_names_read_apart_at_any_width() -> None:
    old, new = ("Production server for the billing service (old)",
                "Production server for the billing service (new)")
    for room in range(4, 50):
        first, second = cut_apart([old, new], room)
        assert first != second and first[0] == second[0] == "P"
        if 12 <= room <= 40:  # the word that tells them apart, whole
            assert first.endswith("…(old)") and second.endswith("…(new)")


def test_ids_shrink_to_their_shortest_unique_start() -> None:
    ids = ["cred_0a27e89574c4e85422db474f", "cred_0a2f00000000000000000000",
           "cred_3e324cb71ae030bccb9ae576"]
    assert unique_starts(ids) == ["cred_0a27", "cred_0a2f", "cred_3e3"]
    # Unique among every key of the account, not only those listed (`keys revoke` takes it).
    assert unique_starts(ids[2:], among=ids) == ["cred_3e3"]
    assert unique_starts(["cred_1"], among=["cred_12"]) == ["cred_1"]


def test_a_pipe_gets_every_cell_whole() -> None:
    name = Column("NAME", ["本番サーバー用のキー" * 5])
    assert table_lines(fit([name], None), None)[1] == "本番サーバー用のキー" * 5


def test_the_then_columns_are_cut_only_once_the_first_are_at_their_least() -> None:
    name = Column("", ["本番サーバー用のキー請求サービスの本番環境その一"], least=16)
    reason = Column("", ["never used, created 6 months ago"], least=16)
    lines = table_lines(fit([name, reason], 58, cut=name, then=[reason]), 58)
    assert lines[1].endswith("never used, created 6 months ago") and cell_len(lines[1]) <= 58
    lines = table_lines(fit([name, reason], 30, cut=name, then=[reason]), 30)
    assert cell_len(lines[1]) <= 30 and "…" in lines[1].split("  ")[-1]


def test_a_cut_column_narrower_than_its_title_shows_its_short_title() -> None:
    caller = Column("KEY OR CLIENT", ["a long name of a key"] * 2, least=10,
                    short_title="KEY/CLIENT")
    assert table_lines(fit([caller], 10, cut=caller), 10)[0] == "KEY/CLIENT"


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, max_size=12).map(" ".join), st.integers(1, 100),
       st.sampled_from(["", "  ", "    "]))
def test_wrapped_prose_never_runs_past_the_terminal(text: str, width: int, indent: str) -> None:
    from openrush_tui.text.safe import visible

    for line in wrap(visible(text), width, indent).split("\n"):
        assert cell_len(line) <= width, (line, width)


def test_prose_breaks_between_words_and_keeps_the_words() -> None:
    heading = ("no-expiry (10): an old key that never expires: rotate it and give the new "
               "one an expiry")
    lines = wrap(heading, 60, "    ").split("\n")
    assert lines == ["no-expiry (10): an old key that never expires: rotate it and",
                     "    give the new one an expiry"]
    assert wrap(heading, None) == heading
