"""`keys list` and `keys audit` in text write their tables as the rows are made (issue 23).

At 50,008 keys the text `keys list` held 166 MiB where `--json` held 61: the whole answer
parsed at once, every shorter form of every column made (the dates to the minute, the day,
their age; the ids' unique starts) even when piped, and every line of the table made before
the first was written. Shown here without timing anything: the commands walk a scripted
server's pages in this process, and a stdout that records each write notes how many rows had
been made (each row pads each of its cells, `table.pad`) by then; the makers of the shorter
forms are counted. What they print is held to the table made of the whole list at once, and
byte for byte to the tables of before by tests/test_cli_tables_scale.py.
"""

from __future__ import annotations

import errno
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail
from pydantic_core import TzInfo

from openrush_tui.api.models import parse_credentials
from openrush_tui.cli import main
from openrush_tui.clock import format_instant
from openrush_tui.commands import table
from openrush_tui.commands.key_tables import MISSING, exact_cells
from openrush_tui.commands.keys import print_table
from openrush_tui.commands.lifecycle import print_audit
from openrush_tui.keys.audit import audit
from openrush_tui.text.times import exact
from tests.support.accounts import UseKeyring
from tests.support.scripted_server import Reply, ScriptedServer

KEYS = "/v1/me/api-credentials"
NOW = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)
COUNT = 6000  # two pages of the walk (5,000 a page)


def key(number: int) -> dict[str, Any]:
    """Keys of every status, most with an audit finding (idle, never used, no expiry)."""
    made = NOW - timedelta(days=number % 400, minutes=number)
    return {"id": f"cred_{number:05d}", "account_id": "acct_1", "name": f"key {number}",
            "prefix": f"or_{number:06d}", "is_active": number % 13 != 5,
            "created_at": format_instant(made),
            "last_used_at": None if number % 3 else format_instant(made + timedelta(days=1)),
            "expires_at": format_instant(NOW + timedelta(days=number % 20 - 4))
            if number % 4 == 0 else None}


KEY_LIST = [key(number) for number in range(COUNT)]


def pages(keys: list[dict[str, Any]], size: int = 5000) -> list[dict[str, Any]]:
    chunks = [keys[start:start + size] for start in range(0, len(keys), size)]
    return [{"api_credentials": chunk, "next_cursor": f"k{n + 1}" if n + 1 < len(chunks)
             else None} for n, chunk in enumerate(chunks)]


@dataclass
class Recorded(io.StringIO):
    """A stdout that notes, at each write, the rows made so far and the lines written."""

    made: Callable[[], int]
    writes: list[tuple[int, int]] = field(default_factory=list)  # (rows made, lines in it)

    def __post_init__(self) -> None:
        super().__init__()

    def write(self, text: str) -> int:
        self.writes.append((self.made(), text.count("\n")))
        return super().write(text)


@dataclass
class Counts:
    pads: int = 0  # cells padded: each row of a table pads each of its cells
    forms: Counter[str] = field(default_factory=Counter)  # calls of the forms' makers


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counts:
    counted = Counts()
    pad, age, unique_starts = table.pad, table.age, table.unique_starts

    def padding(text: str, width: int, right: bool = False) -> str:
        counted.pads += 1
        return pad(text, width, right)

    def ages(*args: Any) -> str:
        counted.forms["age"] += 1  # a date's age: once a cell
        return age(*args)

    def starts(*args: Any) -> list[str]:
        counted.forms["unique_starts"] += 1  # the ids' starts: once a column
        return unique_starts(*args)

    monkeypatch.setattr(table, "pad", padding)
    monkeypatch.setattr(table, "age", ages)
    monkeypatch.setattr(table, "unique_starts", starts)
    monkeypatch.setattr("openrush_tui.commands.keys.system_clock", lambda: NOW)
    monkeypatch.setattr("openrush_tui.commands.lifecycle.system_clock", lambda: NOW)
    # A UTF-8 locale whatever the suite runs under ("…", as the reference makes it too).
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    return counted


@dataclass
class Ran:
    code: int
    out: Recorded
    err: str


@pytest.fixture
def cli(isolated_home: Path, use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch,
        counts: Counts) -> Iterator[Callable[..., Ran]]:
    """`openrush-tui ARGV` in this process against a scripted server serving `KEY_LIST` in
    pages, on a terminal `width` wide (None: piped)."""
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)
    with ScriptedServer() as server:
        monkeypatch.setenv("OPENRUSH_API_URL", server.url)

        def run(*argv: str, width: int | None = None, stdout: Recorded | None = None) -> Ran:
            monkeypatch.setattr(table, "terminal_width", lambda: width)
            server.add(*(Reply(200, page) for page in pages(KEY_LIST)))
            out, err = stdout or Recorded(lambda: counts.pads), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(argv))
            return Ran(code, out, err.getvalue())

        yield run


def whole(command: str, width: int | None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The table made of the whole list at once, as the command made it before it walked
    the pages."""
    monkeypatch.setattr(table, "terminal_width", lambda: width)
    keys = parse_credentials({"api_credentials": KEY_LIST})
    out = io.StringIO()
    with redirect_stdout(out):
        if command == "list":
            print_table([item for item in keys if item.status(NOW) == "active"], NOW,
                        among=[item.id for item in keys])
        else:
            print_audit(audit(keys, NOW), among=[item.id for item in keys])
    return out.getvalue()


def assert_written_as_made(ran: Ran, rows: int, columns: int) -> None:
    """No more than a fifth of the rows made ahead of what was written, nor in one write
    (`columns`: the cells a row pads)."""
    written = 0
    assert len(ran.out.writes) > 5, ran.out.writes
    for made, lines in ran.out.writes:
        assert made // columns - written <= rows // 5, (made // columns, written)
        assert lines <= rows // 5, lines
        written += lines


@pytest.mark.parametrize("width", [None, 80])
def test_keys_list_writes_its_rows_as_they_are_made(
        cli: Callable[..., Ran], counts: Counts, width: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran = cli("keys", "list", width=width)
    assert ran.code == 0, ran.err
    header, *lines = ran.out.getvalue().splitlines()
    assert len(lines) > 4000  # from both pages (the whole list below)
    assert_written_as_made(ran, len(lines), len(re.split(r"\s{2,}", header)))
    assert ran.out.getvalue() == whole("list", width, monkeypatch)


def test_keys_list_piped_makes_no_shorter_form(cli: Callable[..., Ran], counts: Counts) -> None:
    ran = cli("keys", "list", "--all")
    assert ran.code == 0, ran.err
    assert counts.forms == {}
    # On a narrow terminal, the forms the width asks for, and only as far as it asks: the
    # dates to the minute, then the ids' unique starts (the table is 116 cells wide whole)…
    cli("keys", "list", "--all", width=94)
    assert counts.forms == {"unique_starts": 1}
    counts.forms.clear()
    # … and the ages of the dates still shown (CREATED is left out before they are made).
    cli("keys", "list", "--all", width=60)
    assert counts.forms == {"unique_starts": 1, "age": 2 * COUNT}


@pytest.mark.parametrize("width", [None, 50])
def test_keys_audit_writes_its_rows_as_they_are_made(
        cli: Callable[..., Ran], counts: Counts, width: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran = cli("keys", "audit", width=width)
    assert ran.code == 0, ran.err
    assert "keys need attention" in ran.err
    text = ran.out.getvalue()
    rows = text.count("\n  ")  # the rows are indented under their kind's heading
    assert rows > 4000
    # The id (unique starts) given way to at 50 columns, left out when piped: never made.
    assert counts.forms == ({} if width is None else {"unique_starts": 1})
    assert_written_as_made(ran, rows, 3)
    assert text == whole("audit", width, monkeypatch)


class LeavesAfterOneWrite(Recorded):
    """stdout whose reader leaves after the first write (``| head -n 1``)."""

    def write(self, text: str) -> int:
        if self.writes:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        return super().write(text)


@pytest.mark.parametrize("command", ["list", "audit"])
def test_a_reader_that_leaves_ends_the_text_table_quietly(
        cli: Callable[..., Ran], counts: Counts, command: str) -> None:
    out = LeavesAfterOneWrite(lambda: counts.pads)
    ran = cli("keys", command, stdout=out)
    assert ran.code == 0
    assert "could not write" not in ran.err
    assert len(out.writes) == 1  # nothing more tried once the reader had gone


# UTC as the models hold it, pydantic-core's, and others (which take `exact` itself).
OFFSETS = st.sampled_from([UTC, TzInfo(0), timezone(timedelta(0)), TzInfo(3600),
                           timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30),
                                         timezones=OFFSETS), max_size=6),
       st.sampled_from(MISSING))
def test_the_times_cells_are_what_exact_writes(instants: list[datetime | None],
                                               missing: str) -> None:
    """`exact_cells` writes a key's times (in UTC) its own way: what `exact` writes."""
    assert exact_cells(instants, missing) == [exact(instant, missing=missing)
                                              for instant in instants]
