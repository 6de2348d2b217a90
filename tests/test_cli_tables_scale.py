"""The text tables of `keys list` and `keys audit` at scale (issue 23), with the same output.

At 3,023 keys the text tables took 5 s where `--json` took 0.5: `unique_starts` (an id's
shortest unique start, `commands.table`) scanned every id for each id. Pinned here: the text
of `keys list`, `keys list --all` and `keys audit` on a varied account (ids sharing long
starts, names that cut alike, rotated keys with their dates, revoked and expired keys) at
several widths, byte for byte as the quadratic version printed them
(tests/test_cli_tables_scale.txt; `keys list` at 125 columns and less as trial 8 made it,
keeping the id where CREATED goes); `unique_starts` held to the old algorithm, kept below as
the reference, on any ids (hypothesis); and, untimed, the number of operations it makes on
20,000 ids counted, which the quadratic version exceeds a thousandfold.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrush_tui.api.models import ApiCredential
from openrush_tui.commands import table
from openrush_tui.commands.keys import print_table
from openrush_tui.commands.lifecycle import print_audit
from openrush_tui.commands.table import unique_starts
from openrush_tui.keys.audit import audit
from openrush_tui.keys.rotate import replacement_name
from openrush_tui.text.cells import cell_width, char_width

PINNED = Path(__file__).with_suffix(".txt")
NOW = datetime.fromisoformat("2026-06-26T12:00:00+00:00")
WIDTHS = (160, 150, 125, 115, 100, 80, 60)


def reference_unique_starts(cells: Sequence[str], among: Sequence[str] = (),
                            least: int = 8) -> list[str]:
    """The quadratic version (every id scanned for each id): the contract, as it was."""
    others = sorted(set(cells) | set(among))
    starts = []
    for text in cells:
        length = min(len(text), least)
        while length < len(text) and any(other != text and other.startswith(text[:length])
                                         for other in others):
            length += 1
        starts.append(text[:length])
    return starts


# -- a varied account ------------------------------------------------------------------------

NAMES = [
    "Production server for the billing service (old)",
    "Production server for the billing service (new)",
    "Trial deploy", replacement_name("Trial deploy", NOW),
    replacement_name("Trial deploy", NOW, taken=[replacement_name("Trial deploy", NOW)]),
    "Payments webhook signer", replacement_name("Payments webhook signer", NOW),
    "🔑🚀 Deploy key for the staging cluster 🚀🔑",
    "🔑🚀 Deploy key for the staging cluster, second",
    "本番サーバー用のキー請求サービスの本番環境その一",
    "本番サーバー用のキー請求サービスの本番環境その二",
    "Cafe\u0301 nai\u0308ve integration with combining marks",
    "alpha: the same long ending shared by these two keys",
    "omega: the same long ending shared by these two keys",
    "CI pipeline", "CI pipeline", "Data notebook", "reporting [beta]",
    "Nightly backup 2025-01-31", "Nightly backup 2025-01-31 03:00",
    "x", "A name of exactly twenty-eight", "sandbox bootstrap",
]
# Ids sharing long starts (up to all but the last character), and ones apart from the start;
# the near twins on keys without findings, so that `keys audit` shows its ids shortened too.
SAME = [f"cred_{index:02x}{'5' * 22}" for index in range(12)]
IDS = [
    "cred_0a27e89574c4e85422db474f", "cred_3e324cb71ae030bccb9ae576", "cred_1",
    "cred_0a27e89574c4e85422db474e", "cred_12", "cred_0a27e89574c4e8000000000a",
    "cred_0a27e89574c4e85422db4700", "cred_3e4000000000000000000000",
    "cred_123456789abcdef012345678", SAME[4], "cred_0a2f00000000000000000000",
    "cred_0a2f00000000000000000001", SAME[6], *SAME[:4], "cred_ffffffffffffffffffffffff",
    SAME[5], "cred_fffffffffffffffffffffff0", *SAME[7:10],
]
# Not listed but in the account (`among`): a start must stay unique among these too.
HIDDEN = ["cred_0a27e89574c4e85422db474", "cred_3e324cb7"]


def key(index: int, key_id: str, name: str) -> ApiCredential:
    """Dates and states that vary: revoked, expired, expiring, idle, never used, no expiry."""
    return ApiCredential(
        id=key_id, name=name, prefix=f"or_k{index:02d}abc",
        is_active=index % 7 != 3,
        created_at=NOW - timedelta(days=3 + 11 * index, minutes=7 * index),
        last_used_at=None if index % 5 == 2 else NOW - timedelta(days=(13 * index) % 60,
                                                                   hours=index),
        expires_at=(None if index % 3 == 0 else
                    NOW + timedelta(days=(index % 4 - 1) * 5, seconds=37 * index)))


EVERY = [key(index, key_id, name)
         for index, (key_id, name) in enumerate(zip(IDS, NAMES, strict=True))]
AMONG = [*(item.id for item in EVERY), *HIDDEN]


def printed(command: str, width: int, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> str:
    """The command's text on a terminal `width` wide, made as `keys list`/`keys audit` make it."""
    monkeypatch.setattr(table, "terminal_width", lambda: width)
    # A UTF-8 locale whatever the suite runs under: "…", not "...", as pinned (`text.glyphs`).
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    if command == "keys list":
        print_table([item for item in EVERY if item.status(NOW) == "active"], NOW, AMONG)
    elif command == "keys list --all":
        print_table(EVERY, NOW, AMONG)
    else:
        print_audit(audit(EVERY, NOW), among=AMONG)
    return capsys.readouterr().out


COMMANDS = ("keys list", "keys list --all", "keys audit")


def all_printed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    return "".join(f"## {command} at {width}\n{printed(command, width, monkeypatch, capsys)}"
                   for command in COMMANDS for width in WIDTHS)


def test_the_text_tables_print_as_they_did(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    shown = all_printed(monkeypatch, capsys)
    assert shown == PINNED.read_text(encoding="utf-8")
    # The account does what it is for: ids at their shortest unique starts in both tables,
    # one only as long as an id of the account not listed needs, names cut apart.
    assert "cred_0a27e89574c4e85422db470 " in shown and "cred_0a27e89574c4e80… " in shown
    assert "cred_3e324cb71… " in shown and "Trial deplo…2026-06-26 12:00" in shown


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.text(alphabet="ab0", max_size=12), max_size=12),
       among=st.lists(st.text(alphabet="ab0", max_size=12), max_size=6),
       least=st.integers(0, 10))
def test_unique_starts_is_the_old_algorithm_on_ids_alike(cells: list[str], among: list[str],
                                                         least: int) -> None:
    assert unique_starts(cells, among, least) == reference_unique_starts(cells, among, least)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(max_size=10), max_size=8),
       among=st.lists(st.text(max_size=10), max_size=4))
def test_unique_starts_is_the_old_algorithm_on_any_text(cells: list[str],
                                                        among: list[str]) -> None:
    assert unique_starts(cells, among) == reference_unique_starts(cells, among)


# -- untimed: the work grows as n log n ------------------------------------------------------


class Budget:
    """Operations on the ids, counted; past the budget the count stops the run (so the
    quadratic version fails at once rather than after 400 M comparisons)."""

    def __init__(self, most: int) -> None:
        self.most, self.used = most, 0

    def spend(self) -> None:
        self.used += 1
        if self.used > self.most:
            raise AssertionError(f"more than {self.most} operations on the ids")


class Counted(str):
    """An id whose comparisons, `startswith` and indexing are counted in `budget`."""

    budget: Budget

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __eq__(self, other: object) -> bool:
        self.budget.spend()
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self.budget.spend()
        return str.__ne__(self, other)

    def __lt__(self, other: str) -> bool:
        self.budget.spend()
        return str.__lt__(self, other)

    def __gt__(self, other: str) -> bool:
        self.budget.spend()
        return str.__gt__(self, other)

    def __le__(self, other: str) -> bool:
        self.budget.spend()
        return str.__le__(self, other)

    def __ge__(self, other: str) -> bool:
        self.budget.spend()
        return str.__ge__(self, other)

    def startswith(self, *args: object) -> bool:
        self.budget.spend()
        return str.startswith(self, *args)  # type: ignore[arg-type]

    def __getitem__(self, index: object) -> str:
        self.budget.spend()
        return str.__getitem__(self, index)  # type: ignore[index]


def test_unique_starts_of_20000_ids_makes_n_log_n_operations() -> None:
    count = 20_000
    # Ids as the sandbox makes them, in pairs sharing all but their last characters.
    plain = [f"cred_{(index // 2) * 2654435761 % 16**24:024x}"[:-1] + "0123456789abcdef"[
        index % 2] for index in range(count)]
    budget = Budget(most=40 * count * count.bit_length())  # 40 n log2 n: 17.6 M
    Counted.budget = budget
    ids = [Counted(text) for text in plain]
    starts = unique_starts(ids, among=ids[: count // 2])
    assert budget.used <= budget.most
    # Each the shortest start that only its id begins with (looked up in order, uncounted).
    ordered = sorted(plain)
    for start, whole in zip(starts, plain, strict=True):
        assert len(start) >= 8 and whole.startswith(start) and begin_with(ordered, start) == 1
        assert len(start) == 8 or begin_with(ordered, start[:-1]) > 1


def begin_with(ordered: list[str], start: str) -> int:
    """How many of `ordered` begin with `start`."""
    return bisect_left(ordered, start + chr(0x10FFFF)) - bisect_left(ordered, start)


# -- widths: measured once per form, each character once ------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
       | st.text(alphabet="aZ 0…本番🔑\u0301\u0308☰\x07", max_size=30))
def test_cell_width_is_the_sum_of_its_characters(text: str) -> None:
    # As it was: only the characters outside ASCII are now measured, each remembered.
    assert cell_width(text) == sum(char_width(char) for char in text)


def test_a_column_is_measured_once_per_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """`fit` asks a column's width after each step: 50,000 cells measured 68 times made
    `keys list` at 80 columns take 13 s of CPU (issue 23)."""
    measured: list[str] = []

    def counted(text: str) -> int:
        measured.append(text)
        return len(text)

    monkeypatch.setattr(table, "cell_width", counted)
    column = table.Column("ID", [f"cred_{index:024x}" for index in range(1000)],
                          shorter=[[f"cred_{index:x}" for index in range(1000)]])
    for _ in range(10):
        column.width()
    assert len(measured) == 1001  # the title and each cell, once
    column.shorten()
    assert column.width() == 8 and column.width() == 8 and len(measured) == 2002
    column.cut_to(6)  # new cells: measured again
    column.width()
    assert len(measured) > 2002
